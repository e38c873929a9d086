"""``erlen.security.ratelimit_redis``: the Redis rate-limit store's documented path. The code
lives in :mod:`erlen.backends.ratelimit_redis`."""

from erlen.backends.ratelimit_redis import RedisStorage

__all__ = ["RedisStorage"]
