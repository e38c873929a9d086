"""Server-side sessions in a real Redis: ``erlen.backends.redis_sessions``, as clients see them.

Each test runs under WSGI and ASGI against the shared test ``redis-server`` (emptied first); the
outage tests start a server of their own so they can stop or freeze it.
"""

from __future__ import annotations

import threading
import time
import typing as t
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from itsdangerous import Signer
from markupsafe import Markup

from erlen import Erlen, request, session
from erlen.core.sessions import SecureCookieSessionInterface
from redis_server import RedisServer, free_port

if t.TYPE_CHECKING:
    import redis

SECRET = "a secret key for the redis session tests"
LIFETIME = 600
# Docs say PERMANENT_SESSION_LIFETIME may be seconds, but the cookie session needs a timedelta.


@pytest.fixture(params=["wsgi", "asgi"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def make_app(redis_url: str, **config: t.Any) -> Erlen:
    from erlen.backends.redis_sessions import init_app

    app = Erlen(__name__)
    app.config.update(
        TESTING=True,
        SECRET_KEY=SECRET,
        SESSION_TYPE="redis",
        SESSION_REDIS_URL=redis_url,
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=LIFETIME),
    )
    app.config.update(config)
    init_app(app)

    @app.route("/set")
    def set_() -> str:
        for key, value in request.args.items():
            session[key] = value
        return "set"

    @app.route("/get")
    def get() -> dict[str, t.Any]:
        return {key: session[key] for key in session}

    @app.route("/user")
    def user() -> str:
        return str(session.get("user"))

    @app.route("/async-get")
    async def async_get() -> dict[str, t.Any]:
        return {key: session[key] for key in session}

    @app.route("/login/<name>")
    def login(name: str) -> str:
        session.regenerate()
        session["user"] = name
        return name

    @app.route("/permanent")
    def permanent() -> str:
        session.permanent = True
        session["user"] = "perm"
        return "permanent"

    @app.route("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.route("/untouched")
    def untouched() -> str:
        return "untouched"

    return app


@pytest.fixture
def app(redis_server: RedisServer, redis_client: redis.Redis) -> Erlen:
    return make_app(redis_server.url)


@pytest.fixture
def client(app: Erlen, protocol: str) -> t.Any:
    return app.test_client(asgi=protocol == "asgi")


def cookie_of(client: t.Any) -> str | None:
    cookie = client.get_cookie("session")
    return None if cookie is None else str(cookie.value)


def session_ids(redis_client: redis.Redis, prefix: str = "session:") -> list[str]:
    return sorted(key.decode().removeprefix(prefix) for key in redis_client.keys(f"{prefix}*"))


def test_the_cookie_holds_a_signed_id_and_redis_the_data(
    client: t.Any, redis_client: redis.Redis
) -> None:
    client.get("/set?user=ann")
    cookie = cookie_of(client)
    assert cookie is not None and "ann" not in cookie
    sid, _, signature = cookie.partition(".")
    assert len(sid) == 43 and signature
    assert session_ids(redis_client) == [sid]
    assert LIFETIME - 5 < redis_client.ttl(f"session:{sid}") <= LIFETIME
    assert client.get("/get").get_json() == {"user": "ann"}


def test_values_keep_their_types(app: Erlen, client: t.Any) -> None:
    moment = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    marker = uuid.uuid4()

    @app.route("/typed")
    def typed() -> str:
        session["values"] = ((1, 2), b"\x00bytes", moment, marker, Markup("<b>hi</b>"))
        return ""

    @app.route("/check")
    def check() -> str:
        assert session["values"] == ((1, 2), b"\x00bytes", moment, marker, Markup("<b>hi</b>"))
        return "same"

    client.get("/typed")
    assert client.get("/check").text == "same"


def test_another_process_sees_the_same_session(
    redis_server: RedisServer, redis_client: redis.Redis, protocol: str
) -> None:
    first = make_app(redis_server.url).test_client(asgi=protocol == "asgi")
    second = make_app(redis_server.url).test_client(asgi=protocol != "asgi")
    first.get("/login/ann")
    cookie = cookie_of(first)
    assert cookie is not None
    second.set_cookie("session", cookie)
    assert second.get("/get").get_json() == {"user": "ann"}
    second.get("/set?cart=3")
    assert first.get("/get").get_json() == {"user": "ann", "cart": "3"}


def test_regenerate_gives_a_new_id_keeps_the_data_and_ends_the_old_id(
    app: Erlen, client: t.Any, redis_client: redis.Redis
) -> None:
    client.get("/set?cart=3")
    before = cookie_of(client)
    assert client.get("/login/ann").text == "ann"
    after = cookie_of(client)
    assert before is not None and after is not None and after != before
    assert client.get("/get").get_json() == {"cart": "3", "user": "ann"}
    assert session_ids(redis_client) == [after.partition(".")[0]]
    # Someone who knew the id from before the login gets an empty session.
    old = app.test_client()
    old.set_cookie("session", before)
    assert old.get("/get").get_json() == {}


def test_clear_deletes_the_data_and_the_cookie(client: t.Any, redis_client: redis.Redis) -> None:
    client.get("/login/ann")
    response = client.get("/clear")
    assert "session=;" in response.headers["Set-Cookie"]
    assert cookie_of(client) is None
    assert session_ids(redis_client) == []


def test_an_untouched_or_unchanged_session_writes_nothing(
    client: t.Any, redis_client: redis.Redis
) -> None:
    response = client.get("/user")
    assert "Set-Cookie" not in response.headers
    assert response.headers["Vary"] == "Cookie"
    assert session_ids(redis_client) == []
    client.get("/set?user=ann")
    response = client.get("/user")
    assert response.text == "ann"
    assert "Set-Cookie" not in response.headers
    untouched = client.get("/untouched")
    assert "Set-Cookie" not in untouched.headers and "Vary" not in untouched.headers


def test_a_permanent_session_is_refreshed_on_each_request(
    client: t.Any, redis_client: redis.Redis
) -> None:
    client.get("/permanent")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.expires is not None
    assert cookie.expires.timestamp() == pytest.approx(time.time() + LIFETIME, abs=5)
    (sid,) = session_ids(redis_client)
    redis_client.expire(f"session:{sid}", 10)
    response = client.get("/get")
    assert "Set-Cookie" in response.headers
    assert redis_client.ttl(f"session:{sid}") > LIFETIME - 5


def test_a_refresh_does_not_overwrite_what_another_request_wrote(
    app: Erlen, redis_client: redis.Redis
) -> None:
    reading = threading.Event()
    written = threading.Event()

    @app.route("/slow-read")
    def slow_read() -> str:
        value = str(session.get("user"))
        reading.set()
        assert written.wait(10)
        return value

    client = app.test_client()
    client.get("/permanent")
    cookie = cookie_of(client)
    assert cookie is not None
    reader = threading.Thread(target=lambda: client.get("/slow-read"))
    reader.start()
    assert reading.wait(10)
    writer = app.test_client()
    writer.set_cookie("session", cookie)
    writer.get("/set?cart=3")
    written.set()
    reader.join(10)
    assert writer.get("/get").get_json() == {"_permanent": True, "user": "perm", "cart": "3"}


def test_tampered_and_forged_cookies_give_an_empty_session(
    client: t.Any, redis_client: redis.Redis
) -> None:
    client.get("/set?user=ann")
    cookie = cookie_of(client)
    assert cookie is not None
    sid, _, signature = cookie.partition(".")
    other_key = Signer("another key", salt="erlen.redis-session").sign(sid).decode()
    for forged in [sid, f"{sid}.{signature[:-2]}xx", other_key, "x" * 300, "a.b.c"]:
        client.set_cookie("session", forged)
        response = client.get("/get")
        assert (response.status_code, response.get_json()) == (200, {})


def test_an_unknown_id_is_never_adopted(
    app: Erlen, client: t.Any, redis_client: redis.Redis
) -> None:
    client.get("/set?user=ann")
    cookie = cookie_of(client)
    assert cookie is not None
    client.get("/clear")
    # The old, validly signed id is sent again: the session is empty, and a write gets a new id.
    client.set_cookie("session", cookie)
    assert client.get("/get").get_json() == {}
    client.get("/set?user=mallory")
    new = cookie_of(client)
    assert new is not None and new.partition(".")[0] != cookie.partition(".")[0]


def test_the_secret_key_signs_ids_and_fallbacks_still_verify(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    old = make_app(redis_server.url, SECRET_KEY="the old key, before rotation").test_client()
    old.get("/set?user=ann")
    cookie = cookie_of(old)
    assert cookie is not None
    rotated = make_app(
        redis_server.url,
        SECRET_KEY="the new key, after rotation",
        SECRET_KEY_FALLBACKS=["the old key, before rotation"],
    ).test_client()
    rotated.set_cookie("session", cookie)
    assert rotated.get("/get").get_json() == {"user": "ann"}
    rotated.get("/set?cart=1")
    resigned = cookie_of(rotated)
    assert resigned is not None and resigned != cookie
    assert resigned.partition(".")[0] == cookie.partition(".")[0]
    unknown = make_app(redis_server.url, SECRET_KEY="the new key, after rotation").test_client()
    unknown.set_cookie("session", cookie)
    assert unknown.get("/get").get_json() == {}


def test_without_a_secret_key_writing_is_an_error(
    redis_server: RedisServer, redis_client: redis.Redis, protocol: str
) -> None:
    app = make_app(redis_server.url, SECRET_KEY=None)
    client = app.test_client(asgi=protocol == "asgi")
    assert client.get("/get").get_json() == {}
    with pytest.raises(RuntimeError, match="no secret key was set"):
        client.get("/set?user=ann")


def test_key_prefix_and_a_client_given_in_the_config(
    redis_server: RedisServer, redis_client: redis.Redis, protocol: str
) -> None:
    app = make_app(
        "redis://127.0.0.1:1/0", SESSION_REDIS=redis_server.client(), SESSION_KEY_PREFIX="shop:s:"
    )
    client = app.test_client(asgi=protocol == "asgi")
    client.get("/set?user=ann")
    assert len(session_ids(redis_client, "shop:s:")) == 1
    assert session_ids(redis_client) == []


def test_async_views_use_the_session(client: t.Any) -> None:
    client.get("/login/ann")
    assert client.get("/async-get").get_json() == {"user": "ann"}


def test_session_type_selects_the_store(redis_server: RedisServer) -> None:
    from erlen.backends.redis_sessions import RedisSessionInterface, init_app

    app = Erlen(__name__)
    init_app(app)
    assert isinstance(app.session_interface, SecureCookieSessionInterface)
    app.config["SESSION_TYPE"] = "redis"
    with pytest.raises(RuntimeError, match="SESSION_REDIS_URL"):
        init_app(app)
    app.config["SESSION_REDIS_URL"] = redis_server.url
    init_app(app)
    assert isinstance(app.session_interface, RedisSessionInterface)
    app.config["SESSION_TYPE"] = "memcached"
    with pytest.raises(ValueError, match=r"'cookie'.*'redis'"):
        init_app(app)


@pytest.mark.parametrize("store", ["cookie", "redis"])
def test_the_same_login_code_works_with_either_store(
    store: str, redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    client = make_app(redis_server.url, SESSION_TYPE=store).test_client()
    client.get("/set?cart=3")
    before = cookie_of(client)
    client.get("/login/ann")
    assert cookie_of(client) != before
    assert client.get("/get").get_json() == {"cart": "3", "user": "ann"}
    assert len(session_ids(redis_client)) == (1 if store == "redis" else 0)


# outages


def assert_unavailable(response: t.Any) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "The session store is unavailable right now" in response.text


def test_redis_down_gives_a_503_and_the_sessions_come_back(tmp_path: Path, protocol: str) -> None:
    server = RedisServer(tmp_path, persistent=True)
    server.start()
    try:
        app = make_app(server.url)
        client = app.test_client(asgi=protocol == "asgi")
        client.get("/login/ann")
        server.stop()
        assert_unavailable(client.get("/get"))
        # Saving fails after the view ran: still a 503, and no cookie for a session not kept.
        fresh = app.test_client(asgi=protocol == "asgi")
        assert_unavailable(fresh.get("/set?user=bob"))
        assert fresh.get_cookie("session") is None
        assert_unavailable(client.get("/login/bob"))
        assert_unavailable(client.get("/clear"))
        server.start()
        assert client.get("/get").get_json() == {"user": "ann"}
    finally:
        server.stop()


def test_the_apps_503_handler_makes_the_page(protocol: str) -> None:
    app = make_app(f"redis://127.0.0.1:{free_port()}/0")

    @app.errorhandler(503)
    def unavailable(error: t.Any) -> tuple[str, int]:
        return f"Sorry: {error.description}", 503

    client = app.test_client(asgi=protocol == "asgi")
    signer = app.session_interface.get_signer(app)  # type: ignore[attr-defined]
    client.set_cookie("session", signer.sign("some-id").decode())
    response = client.get("/get")
    assert response.status_code == 503
    assert response.text.startswith("Sorry: The session store is unavailable right now")


def test_a_frozen_redis_gives_a_503_within_the_timeout(tmp_path: Path, protocol: str) -> None:
    server = RedisServer(tmp_path)
    server.start()
    try:
        client = make_app(server.url, SESSION_REDIS_TIMEOUT=0.3).test_client(
            asgi=protocol == "asgi"
        )
        client.get("/login/ann")
        server.freeze()
        for path in ["/get", "/login/bob"]:
            started = time.monotonic()
            response = client.get(path)
            elapsed = time.monotonic() - started
            assert_unavailable(response)
            assert 0.25 < elapsed < 1.0
        server.thaw()
        assert client.get("/get").get_json() == {"user": "ann"}
    finally:
        server.stop()


def test_nothing_listening_gives_a_503() -> None:
    app = make_app(f"redis://127.0.0.1:{free_port()}/0")
    client = app.test_client()
    assert_unavailable(client.get("/set?user=ann"))
    assert client.get("/untouched").status_code == 200


def test_the_session_lifetime_is_the_redis_ttl(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    client = make_app(redis_server.url, PERMANENT_SESSION_LIFETIME=timedelta(hours=2)).test_client()
    client.get("/set?user=ann")
    (sid,) = session_ids(redis_client)
    assert 7190 < redis_client.ttl(f"session:{sid}") <= 7200
