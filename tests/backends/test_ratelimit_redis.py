"""What the Redis rate-limit storage adds to the storage suite of test_ratelimit.py (which runs
every common case against it too): counts shared between clients, Redis' clock, scripts that
survive a flush, keys that expire, and a 503 when Redis is down."""

from __future__ import annotations

import time
import typing as t
from pathlib import Path

import pytest

from erlen import Erlen
from erlen.http.exceptions import ServiceUnavailable
from erlen.security.ratelimit import limit
from redis_server import RedisServer, free_port

if t.TYPE_CHECKING:
    import redis

    from erlen.backends.ratelimit_redis import RedisStorage


def storage_for(url: str, **kwargs: t.Any) -> RedisStorage:
    from erlen.backends.ratelimit_redis import RedisStorage

    return RedisStorage.from_url(url, **kwargs)


def test_two_processes_share_one_count(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    # Two storages with their own connections stand for two processes.
    first, second = storage_for(redis_server.url), storage_for(redis_server.url)
    allowed = []
    for number in range(10):
        storage = first if number % 2 else second
        allowed.append(storage.hit("client", 6, 60, storage.now()).allowed)
    assert allowed == [True] * 6 + [False] * 4


def test_the_clock_is_redis_time(redis_server: RedisServer, redis_client: redis.Redis) -> None:
    first, second = storage_for(redis_server.url), storage_for(redis_server.url)
    seconds, microseconds = redis_client.time()
    assert first.now() == pytest.approx(seconds + microseconds / 1e6, abs=0.1)
    assert first.now() == pytest.approx(second.now(), abs=0.05)


def test_scripts_are_sent_again_after_redis_forgot_them(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    storage = storage_for(redis_server.url)
    assert storage.hit("k", 2, 60, storage.now()).remaining == 1
    redis_client.script_flush()
    assert storage.hit("k", 2, 60, storage.now()).remaining == 0
    redis_client.script_flush()
    storage.refund("k", 2, 60, storage.now())
    assert storage.hit("k", 2, 60, storage.now()).remaining == 0


def test_keys_expire_once_their_bucket_is_full_again(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    storage = storage_for(redis_server.url)
    for _ in range(3):
        storage.hit("k", 10, 60, storage.now())
    # Three hits of 6 seconds each, plus one second of slack.
    assert 18_000 < redis_client.pttl("erlen:ratelimit:k") <= 19_000
    for _ in range(3):
        storage.refund("k", 10, 60, storage.now())
    assert redis_client.exists("erlen:ratelimit:k") == 0


def test_clear_forgets_its_own_keys_only(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    mine = storage_for(redis_server.url, key_prefix="app[1]*:")
    other = storage_for(redis_server.url, key_prefix="app[1]x:")
    for storage in (mine, other):
        for number in range(1200):
            storage.hit(f"client-{number}", 1, 60, storage.now())
    redis_client.set("unrelated", "kept")
    mine.clear()
    assert mine.hit("client-1", 1, 60, mine.now()).allowed
    assert not other.hit("client-1", 1, 60, other.now()).allowed
    assert redis_client.get("unrelated") == b"kept"


def make_app(storage: RedisStorage) -> Erlen:
    app = Erlen(__name__)
    app.config.update(TESTING=True, RATE_LIMIT_STORAGE=storage)

    @app.route("/sync")
    @limit("5/minute")
    def sync_view() -> str:
        return "ok"

    @app.route("/async")
    @limit("5/minute")
    async def async_view() -> str:
        return "ok"

    return app


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
@pytest.mark.parametrize("path", ["/sync", "/async"])
def test_redis_down_gives_a_503(protocol: str, path: str) -> None:
    client = make_app(storage_for(f"redis://127.0.0.1:{free_port()}/0")).test_client(
        asgi=protocol == "asgi"
    )
    response = client.get(path)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "The rate limit store is unavailable right now" in response.text


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_a_frozen_redis_gives_a_503_within_the_timeout(protocol: str, tmp_path: Path) -> None:
    server = RedisServer(tmp_path)
    server.start()
    try:
        storage = storage_for(server.url, timeout=0.3)
        client = make_app(storage).test_client(asgi=protocol == "asgi")
        assert client.get("/sync").status_code == 200
        server.freeze()
        for path in ["/sync", "/async"]:
            started = time.monotonic()
            response = client.get(path)
            elapsed = time.monotonic() - started
            assert response.status_code == 503
            assert 0.25 < elapsed < 1.0
        with pytest.raises(ServiceUnavailable):
            storage.clear()
        server.thaw()
        assert client.get("/async").status_code == 200
    finally:
        server.stop()
