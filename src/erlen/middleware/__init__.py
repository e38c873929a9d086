"""WSGI middleware under Werkzeug's names (``werkzeug.middleware``).

``proxy_fix.ProxyFix`` is the one erlen provides: Werkzeug's other middleware (the profiler, the
linter, shared static files, dispatching) are tools of their own that an app on erlen does not
need. A middleware here never weakens what the app it wraps enforces.
"""
