"""Rate-limit counters in Redis, shared by every process and machine that uses the database.

``RedisStorage`` gives the answers of ``MemoryStorage`` (the GCRA of ``erlen.security.ratelimit``)
with the state in Redis: one key per client and limit holding the theoretical arrival time. A hit
is one Lua script that reads the key, decides and writes it back; Redis runs a script without
interleaving anything else, so concurrent hits from any number of processes are counted exactly.
The scripts are sent once and then called by their SHA1 (``EVALSHA``), and sent again if Redis
forgot them (a restart or ``SCRIPT FLUSH``). A key expires by itself one second after its bucket
is full again, so Redis holds only clients seen recently.

The clock matters once processes on several machines share a limit: they must agree on "now".
The storage's clock is Redis' own (``TIME``), estimated locally so that a hit costs no extra round
trip: the offset between Redis' time and this process's monotonic clock is measured on first use
and again every ``clock_sync_interval`` seconds. Processes therefore agree to within about half a
round trip even when their machines' clocks disagree, and a change of the local system time does
not affect them. Tests pass ``clock=`` to drive the time by hand.

When Redis cannot be reached, a hit raises a 503 (see ``erlen.backends.redis_client``); the
limit is not silently skipped, since a limit that guards a login form must not open up during
an outage.
"""

from __future__ import annotations

import asyncio
import math
import time
import typing as t

from erlen.backends.redis_client import UNAVAILABLE_ERRORS, connect, unavailable
from erlen.security.ratelimit import HitResult, RateLimitStorage, gcra_hit

if t.TYPE_CHECKING:
    import redis

#: The name the user sees in the 503 when Redis is down.
STORE_NAME = "The rate limit store"

# A key outlives its bucket by this long (ms), so a process whose clock estimate is a little
# behind still finds it; an expired TAT in the key is harmless, it is treated as "now".
_KEY_SLACK_MS = 1000

# Both scripts repeat the arithmetic of gcra_hit and gcra_refund operation for operation, on the
# same IEEE doubles (Lua numbers), so they reach the same decision. Times travel as "%.17g"
# strings, which round-trip a double exactly (Lua's tostring keeps only 14 digits). Redis would
# truncate a number returned by a script to an integer, hence the string result.
_HIT_SCRIPT = """
local tat = tonumber(redis.call('GET', KEYS[1]))
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local interval = window / limit
local start = tat
if start == nil or start < now then
  start = now
end
local new_tat = start + interval
if new_tat - now <= window + 1e-6 then
  local ttl = math.ceil((new_tat - now) * 1000) + tonumber(ARGV[4])
  redis.call('SET', KEYS[1], string.format('%.17g', new_tat), 'PX', ttl)
end
if tat == nil then
  return false
end
return string.format('%.17g', tat)
"""

_REFUND_SCRIPT = """
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil then
  return 0
end
local now = tonumber(ARGV[3])
tat = tat - tonumber(ARGV[2]) / tonumber(ARGV[1])
if tat > now then
  local ttl = math.ceil((tat - now) * 1000) + tonumber(ARGV[4])
  redis.call('SET', KEYS[1], string.format('%.17g', tat), 'PX', ttl)
else
  redis.call('DEL', KEYS[1])
end
return 1
"""


class RedisStorage(RateLimitStorage):
    """Counters in Redis, exact across threads, processes and machines.

    :param redis: the client. Give it timeouts (``from_url`` does), or a request may wait on a
        Redis that stopped answering for as long as the OS lets it.
    :param key_prefix: put before every key; ``clear()`` deletes the keys with this prefix only.
    :param clock: a function giving the time in seconds; default Redis' clock (see above).
    :param clock_sync_interval: how often, in seconds, to measure Redis' clock again.
    """

    def __init__(
        self,
        redis: redis.Redis,
        *,
        key_prefix: str = "erlen:ratelimit:",
        clock: t.Callable[[], float] | None = None,
        clock_sync_interval: float = 60.0,
    ) -> None:
        self.redis = redis
        self.key_prefix = key_prefix
        self.clock = clock
        self.clock_sync_interval = clock_sync_interval
        self._hit_script = redis.register_script(_HIT_SCRIPT)
        self._refund_script = redis.register_script(_REFUND_SCRIPT)
        self._offset = 0.0
        self._next_sync = -math.inf

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 1.0, **kwargs: t.Any) -> RedisStorage:
        """A storage on a new client for ``url`` that waits at most ``timeout`` seconds for
        Redis; ``kwargs`` go to the constructor."""
        return cls(connect(url, timeout=timeout), **kwargs)

    def now(self) -> float:
        if self.clock is not None:
            return self.clock()
        local = time.monotonic()
        if local >= self._next_sync:
            self._sync_clock()
        return local + self._offset

    def _sync_clock(self) -> None:
        try:
            before = time.monotonic()
            seconds, microseconds = self.redis.time()
            after = time.monotonic()
        except UNAVAILABLE_ERRORS as error:
            # Reported now rather than by the hit that would follow, which would wait as long
            # again; the next request measures again.
            raise unavailable(STORE_NAME, error) from error
        self._offset = seconds + microseconds / 1e6 - (before + after) / 2
        self._next_sync = after + self.clock_sync_interval

    def hit(self, key: str, limit: int, window_seconds: float, now: float) -> HitResult:
        args = (limit, repr(window_seconds), repr(now), _KEY_SLACK_MS)
        try:
            previous = self._hit_script(keys=[self.key_prefix + key], args=args)
        except UNAVAILABLE_ERRORS as error:
            raise unavailable(STORE_NAME, error) from error
        tat = float(previous) if previous is not None else None
        return gcra_hit(tat, limit, window_seconds, now)[1]

    def refund(self, key: str, limit: int, window_seconds: float, now: float) -> None:
        args = (limit, repr(window_seconds), repr(now), _KEY_SLACK_MS)
        try:
            self._refund_script(keys=[self.key_prefix + key], args=args)
        except UNAVAILABLE_ERRORS as error:
            raise unavailable(STORE_NAME, error) from error

    def clear(self) -> None:
        pattern = _glob_escape(self.key_prefix) + "*"
        try:
            batch: list[bytes] = []
            for key in self.redis.scan_iter(match=pattern, count=500):
                batch.append(key)
                if len(batch) >= 500:
                    self.redis.delete(*batch)
                    batch.clear()
            if batch:
                self.redis.delete(*batch)
        except UNAVAILABLE_ERRORS as error:
            raise unavailable(STORE_NAME, error) from error

    async def hit_async(self, key: str, limit: int, window_seconds: float, now: float) -> HitResult:
        """``hit`` in a worker thread, so a slow Redis does not stall the event loop."""
        return await asyncio.to_thread(self.hit, key, limit, window_seconds, now)

    async def refund_async(self, key: str, limit: int, window_seconds: float, now: float) -> None:
        await asyncio.to_thread(self.refund, key, limit, window_seconds, now)


def _glob_escape(text: str) -> str:
    """``text`` as a literal in a Redis ``MATCH`` pattern."""
    return "".join("\\" + char if char in "*?[]\\" else char for char in text)


__all__ = ["RedisStorage"]
