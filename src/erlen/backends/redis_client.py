"""The Redis connection behind erlen's shared stores, and what happens when Redis is down.

Server-side sessions (``erlen.backends.redis_sessions``) and the shared rate-limit storage
(``erlen.backends.ratelimit_redis``) talk to Redis through redis-py's sync client. This module
owns the two rules they share:

- a request never waits on Redis longer than a timeout: ``connect`` makes a client whose connect
  and read timeouts are that timeout, with no retries of its own (recent redis-py versions retry
  three times with backoff by default, which would multiply the wait);
- a Redis that cannot be reached becomes ``503 Service Unavailable`` with ``Retry-After`` and a
  message that names the store but not its address, never a 500; the detail goes to the
  ``erlen.redis`` logger, at most once every few seconds so an outage does not flood the logs.

Importing this module needs the ``redis`` package (``pip install 'erlen[redis]'``).
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from erlen.http.exceptions import ServiceUnavailable

__all__ = [
    "LOG_INTERVAL",
    "RETRY_AFTER",
    "UNAVAILABLE_ERRORS",
    "ServiceUnavailable",
    "connect",
    "logger",
    "unavailable",
]

#: The errors that mean "Redis is unreachable or not ready", as opposed to a bug in a command:
#: refused or dropped connections, timeouts, a server still loading its data after a restart
#: (``BusyLoadingError`` is a ``ConnectionError``), a replica that cannot take writes during a
#: failover.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.ReadOnlyError,
)

#: The ``Retry-After`` of the 503, in seconds.
RETRY_AFTER = 5
#: Log a Redis failure at most this often, in seconds, per process.
LOG_INTERVAL = 10.0

logger = logging.getLogger("erlen.redis")


def connect(url: str, *, timeout: float = 1.0) -> redis.Redis:
    """A client for ``url`` (``redis://[[user]:password@]host:port/db``, ``rediss://`` for TLS,
    ``unix:///path.sock``) that waits at most ``timeout`` seconds to connect and for each reply,
    and does not retry.

    A pooled connection that Redis closed (a restart) is replaced by redis-py before use, so no
    retry is needed for that.
    """
    if timeout <= 0:
        raise ValueError("The Redis timeout must be a positive number of seconds.")
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )


class _Throttle:
    """Counts failures and lets one log line through per ``LOG_INTERVAL``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0.0
        self._suppressed = 0

    def log(self, store: str, error: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                self._suppressed += 1
                return
            suppressed, self._suppressed = self._suppressed, 0
            self._next = now + LOG_INTERVAL
        more = f" ({suppressed} more failures since the last message)" if suppressed else ""
        logger.warning(
            "%s: Redis is unavailable: %s: %s%s", store, type(error).__name__, error, more
        )


_throttle = _Throttle()


def unavailable(store: str, error: Exception) -> ServiceUnavailable:
    """The 503 for a failed Redis call, logged; ``store`` names what is down for the user,
    such as ``"The session store"``."""
    _throttle.log(store, error)
    exc = ServiceUnavailable(
        f"{store} is unavailable right now, so this request could not be completed. Please try"
        " again in a few seconds.",
        retry_after=RETRY_AFTER,
    )
    exc.__cause__ = error
    return exc
