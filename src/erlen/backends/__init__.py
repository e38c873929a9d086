"""Shared state outside the process: server-side sessions and rate-limit storage in Redis (see
README.md in this folder for its rule). The app reaches them through its config
(``SESSION_TYPE``, ``RATE_LIMIT_STORAGE``), never through an import on the request path.
"""
