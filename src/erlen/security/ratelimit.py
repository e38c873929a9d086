"""Rate limiting: ``@limit("5/minute")`` on a view, ``RateLimiter`` for shared settings.

This module owns the limit syntax, the counting algorithm, the storage interface with its
in-memory implementation, and the 429 (with its hint for the developer: which limit, set where)
and ``RateLimit`` headers. It never touches the app's hot
path: only a decorated view (or an app whose ``RateLimiter`` has ``default_limits``) pays for a
check, and an undecorated view pays nothing at all.

Algorithm: GCRA (the generic cell rate algorithm, a token bucket written as one timestamp).
A limit of N per W seconds is a bucket of N requests that refills one request every W/N
seconds: a client may send a burst of N at once, then one every W/N seconds, and a client that
stays away for W gets its full N back. The state per key is a single number, the theoretical
arrival time (TAT), so

- it is exact, with no estimate: unlike the two-window "sliding window counter", which guesses how
  the previous window's requests were spread, its answers are a pure function of the past hits;
- there is no burst at window edges: a client that spent its 5 requests at 0:59 does not get 5
  more at 1:00, as it would with fixed windows; it gets one every 12 seconds;
- a hit is one read and one conditional write of one number, which a Redis storage does
  atomically in one short Lua script, and memory is one float per client and limit;
- ``Retry-After`` is exact: the moment the next request will pass.

The guarantee it gives is the bucket's, not a window count's: over any period of P seconds at
most N + P*N/W requests pass, and over a long run the rate is N per W.

A request refused by any of a view's limits counts against none of them: the limits it passed
are given back (``RateLimitStorage.refund``).
"""

from __future__ import annotations

import abc
import functools
import hashlib
import ipaddress
import math
import re
import threading
import time
import typing as t
from collections import OrderedDict

from erlen.core.blueprints import Blueprint
from erlen.core.concurrency import is_async_callable
from erlen.core.ctx import after_this_request
from erlen.core.globals import require_request_context
from erlen.http.exceptions import TooManyRequests

if t.TYPE_CHECKING:
    from erlen.core.app import App
    from erlen.http.wrappers import Response

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

#: The ``app.extensions`` key of an app's default storage.
EXTENSION_KEY = "erlen.ratelimit"

# Float slack when comparing times: N hits of W/N seconds need not add up to exactly W.
_EPSILON = 1e-6
# Keys longer than this are stored as a digest, so a long key cannot take much memory.
_MAX_KEY_LENGTH = 200

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_LIMIT_RE = re.compile(
    r"\s*(\d+)\s*(?:/|\s+per\s+)\s*(?:(\d+)\s*)?(second|minute|hour|day)s?\s*", re.IGNORECASE
)
_storage_lock = threading.Lock()


class RateLimitItem(t.NamedTuple):
    """One limit: ``amount`` requests per ``window`` seconds; ``name`` is its canonical text."""

    amount: int
    window: int
    name: str


def parse_limits(value: str) -> tuple[RateLimitItem, ...]:
    """Parse ``"5/minute"``, ``"10 per 5 minutes"``, ``"100/day; 10/minute"`` (``;`` separates
    limits that all apply). Units: second, minute, hour, day (singular or plural). Raises
    ``ValueError`` saying what is wrong."""
    items = []
    for part in value.split(";"):
        if not part.strip():
            continue
        match = _LIMIT_RE.fullmatch(part)
        if match is None:
            raise ValueError(
                f"Invalid rate limit {part.strip()!r}. Write it as '<count>/<unit>' or '<count>"
                " per <n> <unit>s', for example '5/minute' or '10 per 5 minutes'; the unit is"
                " second, minute, hour or day, and ';' separates several limits."
            )
        amount = int(match[1])
        multiple = int(match[2]) if match[2] is not None else 1
        unit = match[3].lower()
        if amount < 1 or multiple < 1:
            raise ValueError(f"Invalid rate limit {part.strip()!r}: the numbers must be 1 or more.")
        name = f"{amount} per {unit}" if multiple == 1 else f"{amount} per {multiple} {unit}s"
        items.append(RateLimitItem(amount, multiple * _UNITS[unit], name))
    if not items:
        raise ValueError("A rate limit is required, for example '5/minute'.")
    return tuple(items)


# algorithm


class HitResult(t.NamedTuple):
    """The answer to one hit."""

    #: Whether the request may proceed (if not, it was not counted).
    allowed: bool
    #: How many more requests would pass right now.
    remaining: int
    #: Seconds until the full quota is back.
    reset_after: float
    #: Seconds until one more request would pass; 0.0 when this one was allowed.
    retry_after: float


def gcra_hit(
    tat: float | None, limit: int, window: float, now: float
) -> tuple[float | None, HitResult]:
    """One GCRA step: from the stored TAT (``None`` for a new key) to the TAT to store (``None``:
    leave it as it is) and the answer. A storage runs this, or the same arithmetic, atomically."""
    interval = window / limit
    if tat is None or tat < now:
        tat = now
    new_tat = tat + interval
    if new_tat - now > window + _EPSILON:
        return None, HitResult(False, 0, tat - now, new_tat - window - now)
    remaining = max(0, math.floor((now + window - new_tat) / interval + _EPSILON))
    return new_tat, HitResult(True, remaining, new_tat - now, 0.0)


def gcra_refund(tat: float, limit: int, window: float, now: float) -> float | None:
    """Give one request back: the TAT to store, or ``None`` when the key is as good as new."""
    tat -= window / limit
    return tat if tat > now else None


# storage


class RateLimitStorage(abc.ABC):
    """Where the counters live. Each method is atomic on its own; a key's state expires by
    itself once its bucket is full again (at the TAT), so a storage can forget it then.

    ``now`` is the storage's clock: monotonic for one process, wall time for a store shared by
    several machines. The limiter reads it once per request and passes it to ``hit``, so every
    limit of a request is judged at the same instant, and tests can inject a clock.
    """

    @abc.abstractmethod
    def now(self) -> float:
        """The current time, in seconds, on this storage's clock."""

    @abc.abstractmethod
    def hit(self, key: str, limit: int, window_seconds: float, now: float) -> HitResult:
        """Count one request against ``limit`` per ``window_seconds`` for ``key``, if allowed."""

    @abc.abstractmethod
    def refund(self, key: str, limit: int, window_seconds: float, now: float) -> None:
        """Take back one request counted by ``hit``."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Forget every key."""

    async def hit_async(self, key: str, limit: int, window_seconds: float, now: float) -> HitResult:
        """``hit`` for async views; a networked storage overrides it so the event loop is not
        blocked."""
        return self.hit(key, limit, window_seconds, now)

    async def refund_async(self, key: str, limit: int, window_seconds: float, now: float) -> None:
        self.refund(key, limit, window_seconds, now)


class MemoryStorage(RateLimitStorage):
    """Counters in this process's memory, behind a lock (threads and event loop alike).

    Memory is bounded. Expired keys are purged at most every ``sweep_interval`` seconds (during
    a hit; there is no background thread). At most ``max_keys`` keys are kept: when a new key
    arrives at the cap, the expired keys are purged (at most once a second) and, if the store is
    still full, the least recently hit key is forgotten, so that client starts again with a full
    quota. A flood of distinct keys (spoofed user names, many addresses) therefore weakens the
    limits of the quietest clients rather than locking new clients out or exhausting memory.
    Each process counts on its own; use a shared storage to count across processes.
    """

    def __init__(
        self,
        *,
        max_keys: int = 100_000,
        clock: t.Callable[[], float] = time.monotonic,
        sweep_interval: float = 10.0,
    ) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be 1 or more.")
        self.max_keys = max_keys
        self.clock = clock
        self.sweep_interval = sweep_interval
        self._data: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self._next_sweep = -math.inf
        self._last_sweep = -math.inf

    def now(self) -> float:
        return self.clock()

    def hit(self, key: str, limit: int, window_seconds: float, now: float) -> HitResult:
        with self._lock:
            data = self._data
            if now >= self._next_sweep:
                self._purge(now)
            tat = data.get(key)
            new_tat, result = gcra_hit(tat, limit, window_seconds, now)
            if tat is None:
                if new_tat is not None:
                    if len(data) >= self.max_keys:
                        self._make_room(now)
                    data[key] = new_tat
            else:
                if new_tat is not None:
                    data[key] = new_tat
                data.move_to_end(key)
            return result

    def refund(self, key: str, limit: int, window_seconds: float, now: float) -> None:
        with self._lock:
            tat = self._data.get(key)
            if tat is None:
                return
            new_tat = gcra_refund(tat, limit, window_seconds, now)
            if new_tat is None:
                del self._data[key]
            else:
                self._data[key] = new_tat

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        """How many keys are held (expired ones included until the next purge)."""
        return len(self._data)

    def _purge(self, now: float) -> None:
        data = self._data
        for key in [key for key, tat in data.items() if tat <= now]:
            del data[key]
        self._last_sweep = now
        self._next_sweep = now + self.sweep_interval

    def _make_room(self, now: float) -> None:
        # A purge walks every key: at the cap, run it at most once a second so a flood of new
        # keys cannot make every request pay for one.
        if now - self._last_sweep >= 1.0:
            self._purge(now)
        data = self._data
        while len(data) >= self.max_keys:
            data.popitem(last=False)


def app_storage(app: App) -> RateLimitStorage:
    """The app's default storage: ``RATE_LIMIT_STORAGE``, or a ``MemoryStorage`` made on first
    use; kept in ``app.extensions["erlen.ratelimit"]``."""
    storage = app.extensions.get(EXTENSION_KEY)
    if storage is None:
        with _storage_lock:
            storage = app.extensions.get(EXTENSION_KEY)
            if storage is None:
                storage = app.config.get("RATE_LIMIT_STORAGE")
                if storage is None:
                    storage = MemoryStorage()
                app.extensions[EXTENSION_KEY] = storage
    return t.cast(RateLimitStorage, storage)


# keys


def remote_address_key() -> str:
    """The default key: the client address as the app sees it (``request.remote_addr``).

    An IPv6 address counts by its /64 network, since one client usually holds a whole /64 and
    could otherwise change address on every request. Requests without an address share one
    key. Behind a proxy, ``remote_addr`` is the proxy unless the app trusts it (see the docs).
    """
    address = require_request_context("remote_address_key").request.remote_addr
    if not address:
        return "unknown"
    if ":" in address:
        try:
            ip = ipaddress.IPv6Address(address.partition("%")[0])
        except ValueError:
            return address
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return address


def _client_key(key: t.Callable[[], t.Any]) -> str:
    value = key()
    if value is None:
        raise TypeError(
            "The rate limit key function returned None. Return a string that identifies the"
            " client, for example the user id, falling back to request.remote_addr."
        )
    text = value if isinstance(value, str) else str(value)
    if len(text) > _MAX_KEY_LENGTH:
        text = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    return text


# the limiter


class _Rule:
    """What one ``limit(...)`` decoration enforces; computed once, at decoration time."""

    __slots__ = (
        "error_message",
        "exempt_when",
        "items",
        "key",
        "methods",
        "per_method",
        "policy",
        "scope",
    )

    def __init__(
        self,
        value: str,
        key: t.Callable[[], t.Any] | None,
        methods: t.Iterable[str] | None,
        per_method: bool,
        scope: str | None,
        error_message: str | None,
        exempt_when: t.Callable[[], bool] | None,
    ) -> None:
        if isinstance(methods, str):
            raise TypeError('methods must be a list of strings, for example methods=["POST"].')
        self.items = parse_limits(value)
        self.key = key
        self.methods = frozenset(m.upper() for m in methods) if methods is not None else None
        self.per_method = per_method
        self.scope = scope
        self.error_message = error_message
        self.exempt_when = exempt_when
        self.policy = ", ".join(f'"{i.name}";q={i.amount};w={i.window}' for i in self.items)


class _Report:
    """The outcome of one check; adds the headers to the response after the request."""

    __slots__ = ("headers", "policy", "results", "retry_after")

    def __init__(
        self, rule: _Rule, results: list[HitResult], retry_after: int | None, headers: bool
    ) -> None:
        self.policy = rule.policy
        self.results = list(zip(rule.items, results, strict=True))
        self.retry_after = retry_after
        self.headers = headers

    def apply(self, response: Response) -> Response:
        headers = response.headers
        if self.retry_after is not None:
            headers.set("Retry-After", str(self.retry_after))
        if not self.headers:
            return response
        results = self.results
        # The single-limit fields describe the limit closest to refusing; a limit that refused
        # is the closest (remaining 0), and among those the one that frees up last.
        item, result = (
            results[0]
            if len(results) == 1
            else min(results, key=lambda p: (p[1].allowed, p[1].remaining, -p[1].reset_after))
        )
        current = headers.get("RateLimit-Remaining")
        # Another limit on the same view (stacked decorators) may have set them already.
        replace = headers.set if current is not None else headers.add
        if current is None or not current.isdigit() or int(current) > result.remaining:
            replace("RateLimit-Limit", str(item.amount))
            replace("RateLimit-Remaining", str(result.remaining))
            replace("RateLimit-Reset", str(math.ceil(result.reset_after)))
        headers.add("RateLimit-Policy", self.policy)
        headers.add(
            "RateLimit",
            ", ".join(
                f'"{i.name}";r={r.remaining};t={math.ceil(r.reset_after)}' for i, r in results
            ),
        )
        return response

    async def apply_async(self, response: Response) -> Response:
        # Registered for async views, so under ASGI it runs on the loop, not in a worker thread.
        return self.apply(response)


class RateLimiter:
    """Rate-limit settings shared by several views: the storage, the key, default limits.

    :param app: an app to set up now (``init_app``); needed only with ``default_limits``.
    :param storage: where to count; default the app's (``RATE_LIMIT_STORAGE``, else memory).
    :param key: a function returning the client's key; default ``remote_address_key``.
    :param default_limits: limits for every view of the app (each view counted on its own) that
        has no ``limit`` of its own and is not ``exempt``; static files are not counted.
    :param headers: send the ``RateLimit`` headers (``Retry-After`` on a 429 is always sent).
    """

    def __init__(
        self,
        app: App | None = None,
        *,
        storage: RateLimitStorage | None = None,
        key: t.Callable[[], t.Any] | None = None,
        default_limits: str | None = None,
        headers: bool = True,
    ) -> None:
        self.storage = storage
        self.key: t.Callable[[], t.Any] = key or remote_address_key
        self.headers = headers
        self._default_rule = (
            _Rule(default_limits, None, None, False, None, None, None) if default_limits else None
        )
        self._exempt_blueprints: set[str] = set()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: App) -> None:
        """Apply ``default_limits`` to ``app`` (a ``before_request`` function)."""
        if self._default_rule is not None:
            app.before_request(self._check_default_limits)

    def limit(
        self,
        limit_value: str,
        *,
        key: t.Callable[[], t.Any] | None = None,
        methods: t.Iterable[str] | None = None,
        per_method: bool = False,
        scope: str | None = None,
        error_message: str | None = None,
        exempt_when: t.Callable[[], bool] | None = None,
    ) -> t.Callable[[F], F]:
        """Decorate a view to limit it; see ``erlen.security.limit`` for the arguments."""
        rule = _Rule(limit_value, key, methods, per_method, scope, error_message, exempt_when)

        def decorator(f: F) -> F:
            if is_async_callable(f):

                @functools.wraps(f)
                async def async_view(*args: t.Any, **kwargs: t.Any) -> t.Any:
                    await self._check_async(rule)
                    return await f(*args, **kwargs)

                wrapper: t.Any = async_view
            else:

                @functools.wraps(f)
                def view(*args: t.Any, **kwargs: t.Any) -> t.Any:
                    self._check(rule)
                    return f(*args, **kwargs)

                wrapper = view
            wrapper._erlen_ratelimited = True
            return t.cast(F, wrapper)

        return decorator

    def exempt(self, obj: F) -> F:
        """Take a view, or every view of a blueprint, out of ``default_limits``. A ``limit``
        on the view itself still applies."""
        if isinstance(obj, Blueprint):
            self._exempt_blueprints.add(obj.name)
        else:
            t.cast(t.Any, obj)._erlen_ratelimit_exempt = True
        return obj

    # checking

    def _check_default_limits(self) -> None:
        ctx = require_request_context("default_limits")
        request = ctx.request
        endpoint = request.endpoint
        if endpoint is None or endpoint == "static":
            return
        view = ctx.app.view_functions.get(endpoint)
        if getattr(view, "_erlen_ratelimited", False):
            return
        if getattr(view, "_erlen_ratelimit_exempt", False):
            return
        if self._exempt_blueprints and not self._exempt_blueprints.isdisjoint(request.blueprints):
            return
        assert self._default_rule is not None
        self._check(self._default_rule)

    def _keys(
        self, rule: _Rule
    ) -> tuple[RateLimitStorage, list[tuple[str, RateLimitItem]], float] | None:
        """The storage, a storage key per limit, and the time; ``None``: not counted."""
        ctx = require_request_context("limit")
        app = ctx.app
        if not app.config.get("RATE_LIMITS_ENABLED", True):
            return None
        request = ctx.request
        method = request.method
        if (
            rule.methods is not None
            and method not in rule.methods
            and not (method == "HEAD" and "GET" in rule.methods)
        ):
            # A HEAD does a GET's work: a limit on GET counts it too.
            return None
        if rule.exempt_when is not None and rule.exempt_when():
            return None
        client = _client_key(rule.key or self.key)
        scope = rule.scope or request.endpoint or ""
        if rule.per_method:
            scope = f"{scope}:{method}"
        storage = self.storage if self.storage is not None else app_storage(app)
        keys = [(f"{scope}|{i.amount}/{i.window}|{client}", i) for i in rule.items]
        return storage, keys, storage.now()

    def _check(self, rule: _Rule) -> None:
        found = self._keys(rule)
        if found is None:
            return
        storage, keys, now = found
        results = [storage.hit(k, i.amount, i.window, now) for k, i in keys]
        if not all(r.allowed for r in results):
            for (k, i), r in zip(keys, results, strict=True):
                if r.allowed:
                    storage.refund(k, i.amount, i.window, now)
        self._conclude(rule, results, False)

    async def _check_async(self, rule: _Rule) -> None:
        found = self._keys(rule)
        if found is None:
            return
        storage, keys, now = found
        results = [await storage.hit_async(k, i.amount, i.window, now) for k, i in keys]
        if not all(r.allowed for r in results):
            for (k, i), r in zip(keys, results, strict=True):
                if r.allowed:
                    await storage.refund_async(k, i.amount, i.window, now)
        self._conclude(rule, results, True)

    def _conclude(self, rule: _Rule, results: list[HitResult], on_loop: bool) -> None:
        """Have the headers added after the request; raise the 429 if a limit refused."""
        refused = [r.retry_after for r in results if not r.allowed]
        retry_after = max(1, math.ceil(max(refused))) if refused else None
        report = _Report(rule, results, retry_after, self.headers)
        after_this_request(report.apply_async if on_loop else report.apply)
        if retry_after is not None:
            raise self._error(rule, report)

    def _error(self, rule: _Rule, report: _Report) -> TooManyRequests:
        retry_after = report.retry_after
        assert retry_after is not None
        message = rule.error_message
        if message is None:
            broken = ", ".join(i.name for i, r in report.results if not r.allowed)
            unit = "second" if retry_after == 1 else "seconds"
            message = (
                f"Too many requests: the limit is {broken}. Try again in {retry_after} {unit}."
            )
        error = TooManyRequests(message, retry_after=retry_after)
        error.refusal = "rate limit"
        error.hint = self._hint(rule, report)
        return error

    def _hint(self, rule: _Rule, report: _Report) -> str:
        """For the developer: which limit refused, where it was set, and how to change it."""
        broken = ", ".join(i.name for i, r in report.results if not r.allowed)
        endpoint = require_request_context("limit").request.endpoint
        if rule is self._default_rule:
            source = "its RateLimiter's default_limits (RateLimiter.exempt takes a view out)"
        else:
            source = "its @limit decorator"
        return (
            f"The client is over {broken} on the view {endpoint!r}, set by {source}. Change the"
            " limit there, count clients differently (key=) or skip some requests"
            " (exempt_when=), or set RATE_LIMITS_ENABLED = False to switch every limit off, in"
            " tests for example."
        )


_default_limiter = RateLimiter()


def limit(
    limit_value: str,
    *,
    key: t.Callable[[], t.Any] | None = None,
    methods: t.Iterable[str] | None = None,
    per_method: bool = False,
    scope: str | None = None,
    limiter: RateLimiter | None = None,
    error_message: str | None = None,
    exempt_when: t.Callable[[], bool] | None = None,
) -> t.Callable[[F], F]:
    """Limit how often a client may call a view: ``@limit("5/minute")`` below ``@app.route``.

    Over the limit the view does not run: the client gets a 429 ``TooManyRequests`` (through
    the app's error handlers) with ``Retry-After``. Works on sync and async views, and on
    class-based views through ``decorators = [limit(...)]``.

    :param limit_value: ``"5/minute"``, ``"10 per 5 minutes"``; several separated by ``;`` all
        apply.
    :param key: a function returning who is counted (a string, such as the user id); default
        the client address (``remote_address_key``).
    :param methods: count only these methods; the others pass uncounted.
    :param per_method: count each method separately.
    :param scope: the counter's name; views with the same scope share counters. Default: the
        view's endpoint.
    :param limiter: the ``RateLimiter`` whose storage and defaults apply; default the app's.
    :param error_message: the 429's description instead of the generated one.
    :param exempt_when: a function; when it returns true the request is not counted.
    """
    return (limiter or _default_limiter).limit(
        limit_value,
        key=key,
        methods=methods,
        per_method=per_method,
        scope=scope,
        error_message=error_message,
        exempt_when=exempt_when,
    )


__all__ = [
    "HitResult",
    "MemoryStorage",
    "RateLimitItem",
    "RateLimitStorage",
    "RateLimiter",
    "app_storage",
    "gcra_hit",
    "gcra_refund",
    "limit",
    "parse_limits",
    "remote_address_key",
]
