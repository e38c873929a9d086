"""Rate limiting: ``erlen.security.ratelimit``.

The storage cases run once per entry of ``STORAGE_FACTORIES``; a shared storage (Redis) joins
the suite by adding a factory that takes the test clock and returns a fresh, empty storage.
The app cases run under WSGI and ASGI, with every storage.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import typing as t
from collections.abc import Callable

import pytest

from erlen import Erlen, request
from erlen.core.blueprints import Blueprint
from erlen.security.ratelimit import (
    MemoryStorage,
    RateLimiter,
    RateLimitStorage,
    limit,
    parse_limits,
)
from redis_fixtures import redis_storage


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


StorageFactory = Callable[[Clock], RateLimitStorage]

#: Every storage implementation; each must pass every test below.
STORAGE_FACTORIES: list[tuple[str, StorageFactory]] = [
    ("memory", lambda clock: MemoryStorage(clock=clock)),
    ("redis", redis_storage),
]


@pytest.fixture(
    params=[factory for _, factory in STORAGE_FACTORIES], ids=[n for n, _ in STORAGE_FACTORIES]
)
def make_storage(request: pytest.FixtureRequest) -> StorageFactory:
    return t.cast(StorageFactory, request.param)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def storage(make_storage: StorageFactory, clock: Clock) -> RateLimitStorage:
    return make_storage(clock)


@pytest.fixture(params=["wsgi", "asgi"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def app(storage: RateLimitStorage) -> Erlen:
    app = Erlen(__name__)
    app.config["TESTING"] = True
    app.config["RATE_LIMIT_STORAGE"] = storage
    return app


@pytest.fixture
def client(app: Erlen, protocol: str) -> t.Any:
    return app.test_client(asgi=protocol == "asgi")


def get(client: t.Any, path: str = "/", address: str = "10.0.0.1", **kwargs: t.Any) -> t.Any:
    environ = {"REMOTE_ADDR": address}
    return client.open(path, environ_base=environ, **kwargs)


def statuses(client: t.Any, count: int, path: str = "/", **kwargs: t.Any) -> list[int]:
    return [get(client, path, **kwargs).status_code for _ in range(count)]


# the storage suite


def test_storage_allows_a_burst_then_refuses(storage: RateLimitStorage, clock: Clock) -> None:
    now = clock()
    results = [storage.hit("k", 5, 60, now) for _ in range(6)]
    assert [r.allowed for r in results] == [True] * 5 + [False]
    assert [r.remaining for r in results] == [4, 3, 2, 1, 0, 0]
    assert results[0].reset_after == pytest.approx(12)
    assert results[4].reset_after == pytest.approx(60)
    assert results[5].retry_after == pytest.approx(12)
    assert results[5].reset_after == pytest.approx(60)


def test_storage_refills_one_request_per_interval(storage: RateLimitStorage, clock: Clock) -> None:
    for _ in range(5):
        assert storage.hit("k", 5, 60, clock()).allowed
    clock.advance(11.9)
    refused = storage.hit("k", 5, 60, clock())
    assert not refused.allowed
    assert refused.retry_after == pytest.approx(0.1)
    clock.advance(0.1)
    assert storage.hit("k", 5, 60, clock()).allowed
    assert not storage.hit("k", 5, 60, clock()).allowed


def test_storage_has_no_burst_at_a_window_edge(storage: RateLimitStorage, clock: Clock) -> None:
    # Fixed windows would give 5 more at the minute; the bucket gives them back one by one.
    clock.advance(59.9)
    for _ in range(5):
        assert storage.hit("k", 5, 60, clock()).allowed
    clock.advance(0.2)
    assert not storage.hit("k", 5, 60, clock()).allowed
    clock.advance(59.8)
    assert [storage.hit("k", 5, 60, clock()).allowed for _ in range(6)] == [True] * 5 + [False]


def test_storage_limits_that_do_not_divide_evenly(storage: RateLimitStorage, clock: Clock) -> None:
    assert [storage.hit("k", 7, 60, clock()).allowed for _ in range(8)] == [True] * 7 + [False]
    clock.advance(60)
    assert [storage.hit("k", 7, 60, clock()).allowed for _ in range(8)] == [True] * 7 + [False]


def test_storage_refused_hits_are_not_counted(storage: RateLimitStorage, clock: Clock) -> None:
    for _ in range(2):
        storage.hit("k", 2, 10, clock())
    for _ in range(50):
        clock.advance(0.01)
        assert not storage.hit("k", 2, 10, clock()).allowed
    clock.advance(5 - 0.5)
    assert storage.hit("k", 2, 10, clock()).allowed


def test_storage_refund_gives_a_request_back(storage: RateLimitStorage, clock: Clock) -> None:
    for _ in range(3):
        storage.hit("k", 3, 30, clock())
    storage.refund("k", 3, 30, clock())
    result = storage.hit("k", 3, 30, clock())
    assert result.allowed and result.remaining == 0
    storage.refund("unknown", 3, 30, clock())
    assert storage.hit("unknown", 3, 30, clock()).remaining == 2


def test_storage_keys_are_independent_and_clear_forgets(
    storage: RateLimitStorage, clock: Clock
) -> None:
    storage.hit("a", 1, 60, clock())
    assert not storage.hit("a", 1, 60, clock()).allowed
    assert storage.hit("b", 1, 60, clock()).allowed
    storage.clear()
    assert storage.hit("a", 1, 60, clock()).allowed


def test_storage_async_methods(storage: RateLimitStorage, clock: Clock) -> None:
    async def run() -> list[bool]:
        first = await storage.hit_async("k", 1, 60, clock())
        second = await storage.hit_async("k", 1, 60, clock())
        await storage.refund_async("k", 1, 60, clock())
        third = await storage.hit_async("k", 1, 60, clock())
        return [first.allowed, second.allowed, third.allowed]

    assert asyncio.run(run()) == [True, False, True]


@pytest.fixture
def frequent_thread_switches() -> t.Iterator[None]:
    """Make the interpreter switch threads often, so a missing lock shows up as a miscount."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


@pytest.mark.usefixtures("frequent_thread_switches")
def test_storage_is_exact_under_threads(storage: RateLimitStorage, clock: Clock) -> None:
    allowed: list[bool] = []
    start = threading.Barrier(16)

    def hammer() -> None:
        start.wait()
        mine = [storage.hit("k", 500, 3600, clock()).allowed for _ in range(100)]
        allowed.extend(mine)

    threads = [threading.Thread(target=hammer) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 1600
    assert allowed.count(True) == 500


# the memory storage's bounds


def test_memory_storage_cap_forgets_the_least_recently_hit_key(clock: Clock) -> None:
    storage = MemoryStorage(clock=clock, max_keys=3)
    storage.hit("old", 1, 60, clock())
    assert not storage.hit("old", 1, 60, clock()).allowed
    for name in ("a", "b", "c"):
        storage.hit(name, 1, 60, clock())
        assert len(storage) <= 3
    assert len(storage) == 3
    # "old" was forgotten to make room: it starts again with a full quota.
    assert storage.hit("old", 1, 60, clock()).allowed
    assert not storage.hit("c", 1, 60, clock()).allowed


def test_memory_storage_cap_keeps_recently_refused_keys(clock: Clock) -> None:
    storage = MemoryStorage(clock=clock, max_keys=2)
    storage.hit("flooder", 1, 60, clock())
    storage.hit("quiet", 1, 60, clock())
    assert not storage.hit("flooder", 1, 60, clock()).allowed
    storage.hit("new", 1, 60, clock())
    assert not storage.hit("flooder", 1, 60, clock()).allowed


def test_memory_storage_purges_expired_keys(clock: Clock) -> None:
    storage = MemoryStorage(clock=clock, sweep_interval=5)
    for number in range(100):
        storage.hit(f"client-{number}", 10, 1, clock())
    assert len(storage) == 100
    clock.advance(10)
    storage.hit("late", 10, 1, clock())
    assert len(storage) == 1


def test_memory_storage_rejects_a_zero_cap() -> None:
    with pytest.raises(ValueError, match="max_keys"):
        MemoryStorage(max_keys=0)


# limit syntax


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5/minute", [(5, 60, "5 per minute")]),
        ("5/second", [(5, 1, "5 per second")]),
        ("1/HOUR", [(1, 3600, "1 per hour")]),
        ("100/days", [(100, 86400, "100 per day")]),
        ("10 per 5 minutes", [(10, 300, "10 per 5 minutes")]),
        ("10 per minute", [(10, 60, "10 per minute")]),
        ("3/2 seconds", [(3, 2, "3 per 2 seconds")]),
        ("2/second; 30 per minute;", [(2, 1, "2 per second"), (30, 60, "30 per minute")]),
    ],
)
def test_parse_limits(text: str, expected: list[tuple[int, int, str]]) -> None:
    assert [tuple(item) for item in parse_limits(text)] == expected


@pytest.mark.parametrize(
    "text", ["", ";", "5", "five/minute", "5/fortnight", "5 minute", "0/minute", "5 per 0 hours"]
)
def test_parse_limits_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="rate limit"):
        parse_limits(text)


def test_a_bad_limit_fails_at_decoration_time() -> None:
    with pytest.raises(ValueError, match="5 a minute"):
        limit("5 a minute")
    with pytest.raises(TypeError, match="methods"):
        limit("5/minute", methods="POST")


# views


def test_limit_is_per_client(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    @limit("3/minute")
    def index() -> str:
        return "ok"

    assert statuses(client, 4) == [200, 200, 200, 429]
    assert statuses(client, 1, address="10.0.0.2") == [200]


def test_limit_is_per_view_unless_a_scope_is_shared(app: Erlen, client: t.Any) -> None:
    @app.route("/a")
    @limit("1/minute")
    def a() -> str:
        return "a"

    @app.route("/b")
    @limit("1/minute")
    def b() -> str:
        return "b"

    @app.route("/login")
    @limit("2/minute", scope="auth")
    def login() -> str:
        return "login"

    @app.route("/reset")
    @limit("2/minute", scope="auth")
    def reset() -> str:
        return "reset"

    assert statuses(client, 2, "/a") == [200, 429]
    assert statuses(client, 1, "/b") == [200]
    assert statuses(client, 1, "/login") + statuses(client, 2, "/reset") == [200, 200, 429]


def test_limit_methods_and_per_method(app: Erlen, client: t.Any) -> None:
    @app.route("/form", methods=["GET", "POST"])
    @limit("1/minute", methods=["post"])
    def form() -> str:
        return "form"

    @app.route("/item", methods=["GET", "PUT"])
    @limit("1/minute", per_method=True)
    def item() -> str:
        return "item"

    assert statuses(client, 3, "/form") == [200, 200, 200]
    assert statuses(client, 2, "/form", method="POST") == [200, 429]
    assert statuses(client, 2, "/item") == [200, 429]
    assert statuses(client, 2, "/item", method="PUT") == [200, 429]


def test_several_limits_all_apply(app: Erlen, client: t.Any, clock: Clock) -> None:
    @app.route("/")
    @limit("2/second; 3 per minute")
    def index() -> str:
        return "ok"

    assert statuses(client, 3) == [200, 200, 429]
    clock.advance(1)
    assert statuses(client, 2) == [200, 429]
    clock.advance(1)
    # The per-second limit has room again, the per-minute one does not.
    response = get(client)
    assert response.status_code == 429
    assert "3 per minute" in response.text
    assert "2 per second" not in response.text


def test_a_refused_request_counts_against_no_limit(app: Erlen, client: t.Any, clock: Clock) -> None:
    @app.route("/")
    @limit("1/second; 3/minute")
    def index() -> str:
        return "ok"

    @app.route("/async")
    @limit("1/second; 3/minute")
    async def async_index() -> str:
        return "ok"

    for path in ("/", "/async"):
        assert statuses(client, 1, path) == [200]
        # Refused by the per-second limit: these must not use up the per-minute one.
        assert statuses(client, 10, path) == [429] * 10
        clock.advance(1)
        assert statuses(client, 1, path) == [200]
        clock.advance(1)
        assert statuses(client, 1, path) == [200]


def test_window_edges_through_the_app(app: Erlen, client: t.Any, clock: Clock) -> None:
    @app.route("/")
    @limit("10 per 5 minutes")
    def index() -> str:
        return "ok"

    clock.advance(299)
    assert statuses(client, 11) == [200] * 10 + [429]
    clock.advance(2)
    assert statuses(client, 1) == [429]
    clock.advance(27.9)
    assert statuses(client, 1) == [429]
    clock.advance(0.1)
    assert statuses(client, 2) == [200, 429]


def test_headers_on_allowed_responses(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    @limit("5/minute")
    def index() -> str:
        return "ok"

    response = get(client)
    assert response.status_code == 200
    assert response.headers["RateLimit-Limit"] == "5"
    assert response.headers["RateLimit-Remaining"] == "4"
    assert response.headers["RateLimit-Reset"] == "12"
    assert response.headers["RateLimit-Policy"] == '"5 per minute";q=5;w=60'
    assert response.headers["RateLimit"] == '"5 per minute";r=4;t=12'
    assert "Retry-After" not in response.headers
    assert get(client).headers["RateLimit-Remaining"] == "3"


def test_headers_and_retry_after_on_refused_responses(
    app: Erlen, client: t.Any, clock: Clock
) -> None:
    @app.route("/")
    @limit("2/minute")
    def index() -> str:
        return "ok"

    statuses(client, 2)
    clock.advance(10.5)
    response = get(client)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "20"
    assert response.headers["RateLimit-Limit"] == "2"
    assert response.headers["RateLimit-Remaining"] == "0"
    assert response.headers["RateLimit-Reset"] == "50"
    assert response.headers["RateLimit"] == '"2 per minute";r=0;t=50'
    assert "Too many requests: the limit is 2 per minute. Try again in 20 seconds." in (
        response.text
    )
    clock.advance(19.4)
    assert get(client).headers["Retry-After"] == "1"
    clock.advance(0.1)
    assert get(client).status_code == 200


def test_headers_for_several_limits_name_the_tightest(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    @limit("10/second; 3/hour")
    def index() -> str:
        return "ok"

    response = get(client)
    assert response.headers["RateLimit-Limit"] == "3"
    assert response.headers["RateLimit-Remaining"] == "2"
    assert response.headers["RateLimit-Policy"] == (
        '"10 per second";q=10;w=1, "3 per hour";q=3;w=3600'
    )
    assert response.headers["RateLimit"] == '"10 per second";r=9;t=1, "3 per hour";r=2;t=1200'


def test_the_429_goes_through_the_error_handlers(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(429)
    def too_many(error: t.Any) -> tuple[dict[str, t.Any], int]:
        return {"error": error.description, "retry": error.retry_after}, 429

    @app.route("/")
    @limit("1/minute", error_message="Slow down.")
    def index() -> str:
        return "ok"

    get(client)
    response = get(client)
    assert response.status_code == 429
    assert response.get_json() == {"error": "Slow down.", "retry": 60}
    assert response.headers["Retry-After"] == "60"
    assert response.headers["RateLimit-Remaining"] == "0"


def test_headers_reach_error_responses_of_a_limited_view(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    @limit("5/minute")
    def index() -> str:
        from erlen import abort

        abort(404)

    response = get(client)
    assert response.status_code == 404
    assert response.headers["RateLimit-Remaining"] == "4"


def test_exempt_when(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    @limit("1/minute", exempt_when=lambda: request.headers.get("X-Admin") == "yes")
    def index() -> str:
        return "ok"

    assert statuses(client, 3, headers={"X-Admin": "yes"}) == [200, 200, 200]
    assert "RateLimit" not in get(client, headers={"X-Admin": "yes"}).headers
    assert statuses(client, 2) == [200, 429]


def test_key_callable(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    @limit("1/minute", key=lambda: request.headers.get("X-User", request.remote_addr))
    def index() -> str:
        return "ok"

    @app.route("/numeric")
    @limit("1/minute", key=lambda: 42)
    def numeric() -> str:
        return "ok"

    assert statuses(client, 2, headers={"X-User": "alice"}) == [200, 429]
    # Another user from the same address has a counter of their own.
    assert statuses(client, 1, headers={"X-User": "bob"}) == [200]
    assert statuses(client, 2, "/numeric") == [200, 429]


def test_key_callable_returning_none_is_an_error(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    @limit("1/minute", key=lambda: None)
    def index() -> str:
        return "ok"

    with pytest.raises(TypeError, match="returned None"):
        get(client)


def test_long_keys_are_counted_by_digest(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    @limit("1/minute", key=lambda: request.headers["X-Token"])
    def index() -> str:
        return "ok"

    assert statuses(client, 2, headers={"X-Token": "a" * 5000}) == [200, 429]
    assert statuses(client, 1, headers={"X-Token": "a" * 4999 + "b"}) == [200]


def test_ipv6_clients_are_counted_by_their_64_network(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    @limit("1/minute")
    def index() -> str:
        return "ok"

    assert statuses(client, 1, address="2001:db8:1:2::1") == [200]
    assert statuses(client, 1, address="2001:db8:1:2:ffff::9") == [429]
    assert statuses(client, 1, address="2001:db8:1:3::1") == [200]
    assert statuses(client, 1, address="::ffff:10.9.9.9") == [200]
    assert statuses(client, 1, address="10.9.9.9") == [429]


def test_async_views(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    @limit("2/minute")
    async def index() -> str:
        await asyncio.sleep(0)
        return "async"

    first = get(client)
    assert first.text == "async"
    assert first.headers["RateLimit-Remaining"] == "1"
    assert statuses(client, 2) == [200, 429]


def test_async_error_handler_with_an_async_view(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(429)
    async def too_many(error: t.Any) -> tuple[str, int]:
        return "custom", 429

    @app.route("/")
    @limit("1/minute")
    async def index() -> str:
        return "ok"

    get(client)
    response = get(client)
    assert (response.status_code, response.text) == (429, "custom")
    assert response.headers["Retry-After"] == "60"


def test_class_based_views(app: Erlen, client: t.Any) -> None:
    views = pytest.importorskip("erlen.core.views")

    class Items(views.MethodView):  # type: ignore[misc, name-defined]
        decorators = [limit("1/minute")]

        def get(self) -> str:
            return "items"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    assert statuses(client, 2, "/items") == [200, 429]


def test_stacked_limits_with_different_keys(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    @limit("100/day", scope="everyone", key=lambda: "all")
    @limit("2/minute")
    def index() -> str:
        return "ok"

    response = get(client)
    assert response.headers["RateLimit-Remaining"] == "1"
    assert response.headers.get_all("RateLimit-Policy") == [
        '"100 per day";q=100;w=86400',
        '"2 per minute";q=2;w=60',
    ]
    assert statuses(client, 2) == [200, 429]
    assert statuses(client, 1, address="10.0.0.2") == [200]


def test_disabled_by_config(app: Erlen, client: t.Any) -> None:
    app.config["RATE_LIMITS_ENABLED"] = False

    @app.route("/")
    @limit("1/minute")
    def index() -> str:
        return "ok"

    assert statuses(client, 5) == [200] * 5
    assert "RateLimit-Limit" not in get(client).headers


def test_views_without_a_limit_are_untouched(protocol: str) -> None:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> str:
        return "ok"

    client = app.test_client(asgi=protocol == "asgi")
    assert statuses(client, 3) == [200] * 3
    assert "RateLimit-Limit" not in get(client).headers
    assert "erlen.ratelimit" not in app.extensions


def test_default_storage_is_made_per_app_on_first_use(protocol: str) -> None:
    apps = [Erlen(__name__), Erlen(__name__)]
    for app in apps:

        @app.route("/")
        @limit("1/minute")
        def index() -> str:
            return "ok"

    for app in apps:
        client = app.test_client(asgi=protocol == "asgi")
        assert statuses(client, 2) == [200, 429]
        assert isinstance(app.extensions["erlen.ratelimit"], MemoryStorage)
    assert apps[0].extensions["erlen.ratelimit"] is not apps[1].extensions["erlen.ratelimit"]


@pytest.mark.usefixtures("frequent_thread_switches")
def test_app_level_threads_get_exactly_the_limit(app: Erlen) -> None:
    @app.route("/")
    @limit("40/hour")
    def index() -> str:
        return "ok"

    codes: list[int] = []
    start = threading.Barrier(8)

    def hammer() -> None:
        client = app.test_client(asgi=False)
        start.wait()
        codes.extend(statuses(client, 10))

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes.count(200) == 40
    assert codes.count(429) == 40


# RateLimiter


def test_limiter_with_its_own_storage_and_key(protocol: str, make_storage: StorageFactory) -> None:
    clock = Clock()
    storage = make_storage(clock)
    limiter = RateLimiter(storage=storage, key=lambda: request.args.get("user", "anon"))
    app = Erlen(__name__)

    @app.route("/")
    @limiter.limit("1/minute")
    def index() -> str:
        return "ok"

    @app.route("/other")
    @limit("1/minute", limiter=limiter)
    def other() -> str:
        return "ok"

    client = app.test_client(asgi=protocol == "asgi")
    assert statuses(client, 2, "/?user=a") == [200, 429]
    assert statuses(client, 1, "/?user=b") == [200]
    assert statuses(client, 2, "/other") == [200, 429]
    assert "erlen.ratelimit" not in app.extensions
    clock.advance(60)
    assert statuses(client, 1, "/?user=a") == [200]


def test_limiter_without_headers_still_sends_retry_after(app: Erlen, client: t.Any) -> None:
    limiter = RateLimiter(headers=False)

    @app.route("/")
    @limiter.limit("1/minute")
    def index() -> str:
        return "ok"

    assert "RateLimit-Limit" not in get(client).headers
    response = get(client)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    assert "RateLimit" not in response.headers


def test_default_limits_and_exempt(app: Erlen, client: t.Any) -> None:
    limiter = RateLimiter(app, default_limits="2/minute")
    admin = Blueprint("admin", __name__)

    @app.route("/a")
    def a() -> str:
        return "a"

    @app.route("/b")
    def b() -> str:
        return "b"

    @app.route("/health")
    @limiter.exempt
    def health() -> str:
        return "up"

    @app.route("/search")
    @limiter.limit("3/minute")
    def search() -> str:
        return "results"

    @admin.route("/panel")
    def panel() -> str:
        return "panel"

    limiter.exempt(admin)
    app.register_blueprint(admin, url_prefix="/admin")

    assert statuses(client, 3, "/a") == [200, 200, 429]
    # Each view has its own counter for the default limits.
    assert statuses(client, 3, "/b") == [200, 200, 429]
    assert statuses(client, 5, "/health") == [200] * 5
    assert "RateLimit" not in get(client, "/health").headers
    # A view's own limit replaces the default ones.
    assert statuses(client, 4, "/search") == [200, 200, 200, 429]
    assert statuses(client, 5, "/admin/panel") == [200] * 5
    assert get(client, "/missing").status_code == 404


def test_default_limits_with_an_app_factory(protocol: str) -> None:
    limiter = RateLimiter(default_limits="1/minute")

    def create_app() -> Erlen:
        app = Erlen(__name__)
        limiter.init_app(app)

        @app.route("/")
        def index() -> str:
            return "ok"

        return app

    first, second = create_app(), create_app()
    for app in (first, second):
        client = app.test_client(asgi=protocol == "asgi")
        assert statuses(client, 2) == [200, 429]
