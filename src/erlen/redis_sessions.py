"""Server-side sessions in Redis import path, kept as ``erlen.redis_sessions``.

The code lives in :mod:`erlen.backends.redis_sessions`; it only re-exports the public names.
"""

from erlen.backends.redis_sessions import (
    DEFAULTS,
    IDENTITY_KEYS,
    RedisSession,
    RedisSessionInterface,
    init_app,
    interface_from_config,
    new_session_id,
)

__all__ = [
    "DEFAULTS",
    "IDENTITY_KEYS",
    "RedisSession",
    "RedisSessionInterface",
    "init_app",
    "interface_from_config",
    "new_session_id",
]
