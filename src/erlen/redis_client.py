"""The Redis connection helper import path, kept as ``erlen.redis_client``.

The code lives in :mod:`erlen.backends.redis_client`; it only re-exports the public names.
"""

from erlen.backends.redis_client import (
    LOG_INTERVAL,
    RETRY_AFTER,
    UNAVAILABLE_ERRORS,
    ServiceUnavailable,
    connect,
    logger,
    unavailable,
)

__all__ = [
    "LOG_INTERVAL",
    "RETRY_AFTER",
    "UNAVAILABLE_ERRORS",
    "ServiceUnavailable",
    "connect",
    "logger",
    "unavailable",
]
