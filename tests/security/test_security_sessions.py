"""Attacks on sessions: weak and placeholder keys, oversized sessions, tampered cookies,
session fixation; and the hardened cookie (``__Host-`` prefix). Every test runs under WSGI and
ASGI; the fixation test also runs with sessions in Redis when a ``redis-server`` is available.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import secrets
import typing as t

import pytest

from erlen import Erlen, session

KEY = "security-tests-0123456789abcdefghijklmnop"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    metafunc.parametrize("erlen_protocol", ["wsgi", "asgi"], indirect=True)


# Sessions


def session_app(**config: t.Any) -> Erlen:
    app = Erlen(__name__)
    app.config.update(config)

    @app.route("/login/<name>")
    def login(name: str) -> str:
        session.clear()
        session.regenerate()
        session["user"] = name
        return name

    @app.route("/plant")
    def plant() -> str:
        session["cart"] = "3"
        return "planted"

    @app.route("/user")
    def user() -> str:
        return str(session.get("user"))

    @app.route("/big")
    def big() -> str:
        session["blob"] = secrets.token_hex(3000)  # random: it does not compress
        return "stored"

    @app.route("/public")
    def public() -> str:
        return "no session here"

    return app


@contextlib.contextmanager
def as_deployed() -> t.Iterator[None]:
    """Run the block as a deployed server would: without pytest's PYTEST_CURRENT_TEST."""
    saved = os.environ.pop("PYTEST_CURRENT_TEST", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["PYTEST_CURRENT_TEST"] = saved


@pytest.mark.parametrize(
    "key", ["dev", "secret", "changeme", "test", "short-key", "a" * 64, "abababababababababababab"]
)
def test_weak_secret_key_is_refused_outside_debug_and_testing(
    key: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = session_app(SECRET_KEY=key).test_client()
    assert client.get("/public").text == "no session here"  # only sessions need the key
    with caplog.at_level(logging.ERROR), as_deployed():
        response = client.get("/login/ann")
    assert response.status_code == 500
    assert key not in response.text
    assert "SECRET_KEY" not in response.text
    assert "Set-Cookie" not in response.headers
    errors = [r for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], RuntimeError)]
    assert errors and "SECRET_KEY" in str(errors[0].exc_info[1])  # type: ignore[index]


def test_weak_secret_key_is_refused_with_the_error_when_exceptions_propagate() -> None:
    client = session_app(SECRET_KEY="dev", PROPAGATE_EXCEPTIONS=True).test_client()
    with pytest.raises(RuntimeError, match="SECRET_KEY is too weak"), as_deployed():
        client.get("/login/ann")


def test_weak_secret_key_is_allowed_while_pytest_runs_a_test() -> None:
    """An extension's test suite signs with a placeholder key and no TESTING flag; pytest marks
    the process as running a test, which a deployed server never is."""
    client = session_app(SECRET_KEY="deterministic").test_client()
    assert client.get("/login/ann").text == "ann"
    deployed = session_app(SECRET_KEY="deterministic").test_client()
    with as_deployed():
        assert deployed.get("/login/bob").status_code == 500


@pytest.mark.parametrize("mode", ["TESTING", "DEBUG"])
def test_weak_secret_key_is_allowed_in_testing_and_debug(mode: str) -> None:
    client = session_app(SECRET_KEY="dev", **{mode: True}).test_client()
    assert client.get("/login/ann").text == "ann"
    assert client.get("/user").text == "ann"


def test_debug_without_a_key_uses_a_key_for_this_process(caplog: pytest.LogCaptureFixture) -> None:
    app = session_app(DEBUG=True)
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        assert client.get("/login/ann").text == "ann"
        assert client.get("/user").text == "ann"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "SECRET_KEY" in warnings[0].getMessage()
    # A restarted server has a new key: the old cookie is not valid there.
    restarted = session_app(DEBUG=True)
    cookie = client.get_cookie("session")
    assert cookie is not None
    other = restarted.test_client()
    other.set_cookie("session", cookie.value)
    assert other.get("/user").text == "None"


def test_host_prefixed_session_cookie() -> None:
    app = session_app(
        SECRET_KEY=KEY,
        SESSION_COOKIE_HOST_PREFIX=True,
        SESSION_COOKIE_DOMAIN="example.com",  # ignored: a __Host- cookie names no domain
        SESSION_COOKIE_PATH="/app",  # ignored: a __Host- cookie is for the whole site
        SESSION_COOKIE_SECURE=False,  # ignored: browsers want Secure
    )
    client = app.test_client()
    response = client.get("/login/ann", base_url="https://localhost/")
    (cookie,) = response.headers.getlist("Set-Cookie")
    name, _, rest = cookie.partition("=")
    attributes = [part.strip() for part in rest.split(";")[1:]]
    assert name == "__Host-session"
    assert "Secure" in attributes
    assert "Path=/" in attributes
    assert not any(a.lower().startswith("domain") for a in attributes)
    assert client.get("/user", base_url="https://localhost/").text == "ann"


def test_session_over_the_cookie_limit_is_an_error_not_a_dropped_cookie(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = session_app(SECRET_KEY=KEY).test_client()
    with caplog.at_level(logging.ERROR):
        response = client.get("/big")
    assert response.status_code == 500
    assert "Set-Cookie" not in response.headers
    assert "stored" not in response.text
    assert any(
        "byte limit" in r.getMessage() or "byte limit" in str(r.exc_info) for r in caplog.records
    )
    with pytest.raises(ValueError, match="byte limit"):
        session_app(SECRET_KEY=KEY, TESTING=True).test_client().get("/big")


def forge(payload: dict[str, t.Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def test_tampered_session_cookie_gives_an_empty_session() -> None:
    client = session_app(SECRET_KEY=KEY).test_client()
    client.get("/login/ann")
    cookie = client.get_cookie("session")
    assert cookie is not None
    payload, timestamp, signature = cookie.value.rsplit(".", 2)
    tampered = [
        f"{forge({'user': 'admin'})}.{timestamp}.{signature}",  # changed data, old signature
        f"{payload}.{timestamp}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}",
        forge({"user": "admin"}),  # not signed at all
        f"{forge({'user': 'admin'})}.{timestamp}.",
        "",
        "." * 10,
    ]
    for value in tampered:
        attacker = session_app(SECRET_KEY=KEY).test_client()
        attacker.set_cookie("session", value)
        response = attacker.get("/user")
        assert response.status_code == 200
        assert response.text == "None", value


@pytest.mark.parametrize("store", ["cookie", "redis"])
def test_session_fixation_a_planted_session_is_worthless_after_login(
    store: str, request: pytest.FixtureRequest
) -> None:
    config: dict[str, t.Any] = {"SECRET_KEY": KEY}
    if store == "redis":
        server = request.getfixturevalue("redis_server")
        config.update(SESSION_TYPE="redis", SESSION_REDIS_URL=server.url)
    app = session_app(**config)
    attacker = app.test_client()
    attacker.get("/plant")  # the attacker gets a session of their own...
    planted = attacker.get_cookie("session")
    assert planted is not None
    victim = app.test_client()
    victim.set_cookie("session", planted.value)  # ...and plants it in the victim's browser
    assert victim.get("/login/ann").text == "ann"
    after = victim.get_cookie("session")
    assert after is not None and after.value != planted.value
    assert victim.get("/user").text == "ann"
    # The attacker's copy of the planted session is not logged in.
    assert attacker.get("/user").text == "None"
