"""The core HTTP tests run twice: through the WSGI adapter and through ``app.asgi``.

Test modules listed in ``BOTH_PROTOCOLS`` get every test parametrized with the protocol, which
sets the test client's default (``app.test_client()`` then speaks WSGI or ASGI). A test that is
about WSGI itself (the validator, middleware, reason phrases, which ASGI cannot carry) is marked
``wsgi_only`` and runs once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from erlen.tools.testing import ErlenClient

BOTH_PROTOCOLS = {
    "test_app",
    "test_helpers",
    "test_wrappers",
    "test_sessions",
    "test_ctx",
    "test_testing",
    "test_templating",
    "test_flash",
    "test_security_head",
    "test_refusals",
    "test_json_errors",
    "test_template_errors",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.module.__name__ not in BOTH_PROTOCOLS:
        return
    protocols = ["wsgi"]
    if metafunc.definition.get_closest_marker("wsgi_only") is None:
        protocols.append("asgi")
    metafunc.parametrize("erlen_protocol", protocols, indirect=True)


@pytest.fixture(autouse=True)
def erlen_protocol(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    protocol = getattr(request, "param", "wsgi")
    monkeypatch.setattr(ErlenClient, "default_asgi", protocol == "asgi")
    yield protocol


# Redis: the shared test server and a client to it (tests/redis_fixtures.py).
from redis_fixtures import (  # noqa: E402
    _stop_the_shared_redis_server,  # noqa: F401
    redis_client,  # noqa: F401
    redis_server,  # noqa: F401
)
