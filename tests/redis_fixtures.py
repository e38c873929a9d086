"""Fixtures for tests that need Redis; ``conftest.py`` imports them.

``redis_server`` is the shared server (started when a test first needs it, stopped at the end of
the session); ``redis_client`` is a client to it with the database emptied first. Tests that
stop or freeze Redis start a ``RedisServer`` of their own instead.
"""

from __future__ import annotations

import typing as t
import uuid
from collections.abc import Callable, Iterator

import pytest

from redis_server import RedisServer, shared_server, stop_shared_server

if t.TYPE_CHECKING:
    import redis

    from erlen.backends.ratelimit_redis import RedisStorage


@pytest.fixture(scope="session", autouse=True)
def _stop_the_shared_redis_server() -> Iterator[None]:
    yield
    stop_shared_server()


@pytest.fixture
def redis_server() -> RedisServer:
    return shared_server()


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = redis_server.client()
    client.flushdb()
    try:
        yield client
    finally:
        client.close()


def redis_storage(clock: Callable[[], float]) -> RedisStorage:
    """A new, empty ``RedisStorage`` on the shared server, on ``clock``: the ``redis`` entry of
    the rate-limit storage suite (skips, or fails under CI, without Redis)."""
    from erlen.backends.ratelimit_redis import RedisStorage

    prefix = f"test:{uuid.uuid4().hex}:"
    return RedisStorage.from_url(shared_server().url, key_prefix=prefix, clock=clock)
