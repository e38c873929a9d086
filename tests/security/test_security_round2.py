"""Attacks from the second security round (issue 14, findings 4 to 7), sent as a client would.

Session fixation with sessions in Redis (a real ``redis-server``), cookies forged with a weak
key in ``SECRET_KEY_FALLBACKS``, redirects to another port of an allowed host, and ``|tojson``
in HTML attributes and scripts, read back with an HTML parser. Every test runs under WSGI and
ASGI.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import sqlite3
import time
import typing as t
from html.parser import HTMLParser

import pytest
from itsdangerous import Signer, TimestampSigner, URLSafeTimedSerializer

from erlen import Erlen, redirect, render_template_string, request, session, url_for
from erlen.security import generate_password_hash, is_safe_url
from erlen.tools.testing import ErlenClient, TestResponse

if t.TYPE_CHECKING:
    import redis

    from redis_server import RedisServer

KEY = "round-two-tests-0123456789abcdefghijklmnop"
OLD_KEY = "round-two-the-old-key-zyxwvutsrqponmlkjihg"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    metafunc.parametrize("erlen_protocol", ["wsgi", "asgi"], indirect=True)


@contextlib.contextmanager
def as_deployed() -> t.Iterator[None]:
    """Run the block as a deployed server would: without pytest's PYTEST_CURRENT_TEST."""
    saved = os.environ.pop("PYTEST_CURRENT_TEST", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["PYTEST_CURRENT_TEST"] = saved


def session_ids(redis_client: redis.Redis) -> list[str]:
    found = redis_client.keys("session:*")
    keys = [key.decode() if isinstance(key, bytes) else str(key) for key in found]
    return sorted(key.removeprefix("session:") for key in keys)


def cookie_value(client: ErlenClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return str(cookie.value)


# Finding 4: session fixation


def login_app(**config: t.Any) -> Erlen:
    """Logins as Flask code writes them: the tutorial's (``clear()``, then ``user_id``) and
    Flask-Login's (``login_user`` sets ``_user_id`` and clears nothing)."""
    app = Erlen(__name__)
    app.config.update(SECRET_KEY=KEY, **config)

    @app.route("/visit")
    def visit() -> str:
        # What the attacker's first visit leaves: a session worth storing (a form's secret).
        session["_csrf_secret"] = "known to whoever made this session"
        return "welcome"

    @app.route("/login/tutorial/<int:user_id>")
    def login_tutorial(user_id: int) -> str:
        session.clear()
        session["user_id"] = user_id
        return "logged in"

    @app.route("/login/flask-login/<int:user_id>")
    def login_flask_login(user_id: int) -> str:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
        return "logged in"

    @app.route("/logout/flask-login")
    def logout_flask_login() -> str:
        session.pop("_user_id", None)
        session.pop("_fresh", None)
        return "logged out"

    @app.route("/logout/tutorial")
    def logout_tutorial() -> str:
        session.clear()
        return "logged out"

    @app.route("/whoami")
    def whoami() -> str:
        return str(session.get("user_id") or session.get("_user_id") or "nobody")

    @app.route("/cart/<item>")
    def cart(item: str) -> str:
        session["cart"] = item
        return "added"

    return app


def redis_login_app(server: RedisServer, **config: t.Any) -> Erlen:
    return login_app(SESSION_TYPE="redis", SESSION_REDIS_URL=server.url, **config)


@pytest.mark.parametrize("style", ["tutorial", "flask-login"])
def test_redis_session_planted_before_login_is_not_logged_in_after_it(
    style: str, redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    app = redis_login_app(redis_server)
    attacker = app.test_client()
    assert attacker.get("/visit").text == "welcome"
    planted = cookie_value(attacker)
    (planted_sid,) = session_ids(redis_client)
    victim = app.test_client()
    victim.set_cookie("session", planted)  # through a sibling subdomain, or plain HTTP

    assert victim.get(f"/login/{style}/7").text == "logged in"

    assert victim.get("/whoami").text == "7"
    assert cookie_value(victim) != planted
    assert attacker.get("/whoami").text == "nobody"
    assert planted_sid not in session_ids(redis_client)  # the planted record is gone


@pytest.mark.parametrize("style", ["tutorial", "flask-login"])
def test_redis_session_copied_while_logged_in_is_worthless_after_logout(
    style: str, redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    app = redis_login_app(redis_server)
    user = app.test_client()
    user.get(f"/login/{style}/7")
    stolen = cookie_value(user)
    assert user.get(f"/logout/{style}").text == "logged out"
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/whoami").text == "nobody"


def test_redis_session_keeps_its_id_for_other_writes(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    """Only a change of who is logged in rotates the id: a cart does not log out the
    requests that run beside it with the same cookie."""
    app = redis_login_app(redis_server)
    user = app.test_client()
    user.get("/login/flask-login/7")
    before = cookie_value(user)
    user.get("/cart/apple")
    user.get("/login/flask-login/7")  # the same user again
    assert cookie_value(user) == before
    assert user.get("/whoami").text == "7"


def test_redis_session_another_user_logging_in_gets_a_new_id(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    app = redis_login_app(redis_server)
    shared = app.test_client()
    shared.get("/login/flask-login/7")
    first = cookie_value(shared)
    shared.get("/login/flask-login/8")
    assert cookie_value(shared) != first
    other = app.test_client()
    other.set_cookie("session", first)
    assert other.get("/whoami").text == "nobody"
    assert len(session_ids(redis_client)) == 1


def test_cookie_session_planted_before_login_is_not_logged_in_after_it() -> None:
    """Signed client state: the victim's login sends a new cookie; the attacker's copy is
    the attacker's own session, unchanged."""
    app = login_app()
    attacker = app.test_client()
    attacker.get("/visit")
    planted = cookie_value(attacker)
    victim = app.test_client()
    victim.set_cookie("session", planted)
    for style in ("tutorial", "flask-login"):
        victim.get(f"/login/{style}/7")
        assert victim.get("/whoami").text == "7"
        assert cookie_value(victim) != planted
        assert attacker.get("/whoami").text == "nobody"


def test_cookie_session_cleared_cannot_be_replayed_logged_in_once_expired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What holds for a signed cookie after ``clear()`` (logout): the browser's cookie is
    deleted, and what it held cannot be written back without the key. A copy taken before the
    logout still verifies (nothing on the server remembers the logout) until it is
    ``PERMANENT_SESSION_LIFETIME`` old, and not after: docs/security.md says so."""
    app = login_app(PERMANENT_SESSION_LIFETIME=600)
    user = app.test_client()
    user.get("/login/tutorial/7")
    copy = cookie_value(user)
    response = user.get("/logout/tutorial")
    assert "session=;" in response.headers["Set-Cookie"]
    assert user.get_cookie("session") is None
    assert user.get("/whoami").text == "nobody"

    replay = app.test_client()
    replay.set_cookie("session", copy)
    assert replay.get("/whoami").text == "7"  # the limit of a stateless session
    later = int(time.time()) + 601
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    assert replay.get("/whoami").text == "nobody"


@pytest.fixture
def redis_blog(tmp_path: t.Any, redis_server: RedisServer, redis_client: redis.Redis) -> Erlen:
    """The example blog with sessions in Redis and a user, ann, in its database."""
    erlen_blog = pytest.importorskip(
        "erlen_blog", reason="examples/blog is not installed: pip install -e examples/blog"
    )
    database = str(tmp_path / "blog.sqlite")
    app: Erlen = erlen_blog.create_app(
        {
            "TESTING": True,
            "DATABASE": database,
            "RATE_LIMITS_ENABLED": False,
            "FORM_GUARD": False,  # the bot defence is tested elsewhere; this is about sessions
            "SECRET_KEY": KEY,
            "SESSION_TYPE": "redis",
            "SESSION_REDIS_URL": redis_server.url,
        }
    )
    with sqlite3.connect(database) as db:
        db.execute(
            "INSERT INTO user (username, password) VALUES ('ann', ?)",
            (generate_password_hash("ann-password-1", method="pbkdf2:sha256:1000"),),
        )
    return app


def blog_token(page: TestResponse) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None, page.text
    return match[1]


def test_example_blog_with_redis_sessions_planted_session_is_not_logged_in(
    redis_blog: Erlen, redis_client: redis.Redis
) -> None:
    attacker = redis_blog.test_client()
    attacker.get("/auth/login")  # the login form's CSRF secret makes a stored session
    planted = cookie_value(attacker)
    victim = redis_blog.test_client()
    victim.set_cookie("session", planted)
    token = blog_token(victim.get("/auth/login"))
    response = victim.post(
        "/auth/login",
        data={"username": "ann", "password": "ann-password-1", "csrf_token": token},
    )
    assert response.status_code == 302
    assert 'class="who">ann<' in victim.get("/").text

    assert 'class="who">ann<' not in attacker.get("/").text
    assert cookie_value(victim) != planted


# Finding 5: weak keys in SECRET_KEY_FALLBACKS


def forged_cookie(key: str, payload: dict[str, t.Any]) -> str:
    """A session cookie as erlen signs one, made by someone who knows (or guessed) ``key``."""
    return URLSafeTimedSerializer(
        key,
        salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
    ).dumps(payload)


def assert_refused_with_the_error(response: TestResponse, caplog: pytest.LogCaptureFixture) -> None:
    assert response.status_code == 500
    assert "7" not in response.text
    assert "Set-Cookie" not in response.headers
    errors = [r for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], RuntimeError)]
    assert errors and "SECRET_KEY_FALLBACKS" in str(errors[0].exc_info[1])  # type: ignore[index]
    assert "'dev'" not in str(errors[0].exc_info[1])  # type: ignore[index]


@pytest.mark.parametrize("weak", ["dev", "secret", "changeme", "short"])
def test_cookie_forged_with_a_weak_fallback_key_is_refused(
    weak: str, caplog: pytest.LogCaptureFixture
) -> None:
    forged = forged_cookie(weak, {"user_id": 7})
    with caplog.at_level(logging.ERROR), as_deployed():
        client = login_app(SECRET_KEY_FALLBACKS=[OLD_KEY, weak]).test_client()
        client.set_cookie("session", forged)
        response = client.get("/whoami")
    assert_refused_with_the_error(response, caplog)


def test_cookie_signed_with_a_strong_fallback_key_still_verifies() -> None:
    with as_deployed():
        client = login_app(SECRET_KEY_FALLBACKS=[OLD_KEY]).test_client()
        client.set_cookie("session", forged_cookie(OLD_KEY, {"user_id": 7}))
        assert client.get("/whoami").text == "7"
        client.get("/cart/apple")  # a write signs the session again, with SECRET_KEY
        client.set_cookie("session", cookie_value(client))
        assert client.get("/whoami").text == "7"


@pytest.mark.parametrize("mode", ["TESTING", "DEBUG"])
def test_weak_fallback_key_is_allowed_in_testing_and_debug(mode: str) -> None:
    with as_deployed():
        client = login_app(SECRET_KEY_FALLBACKS=["dev"], **{mode: True}).test_client()
        client.set_cookie("session", forged_cookie("dev", {"user_id": 7}))
        assert client.get("/whoami").text == "7"


def test_redis_session_id_signed_with_a_weak_fallback_key_is_refused(
    redis_server: RedisServer, redis_client: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    victim = redis_login_app(redis_server).test_client()
    victim.get("/login/flask-login/7")
    (sid,) = session_ids(redis_client)  # an id that leaked (a log line, a shared screen)
    forged = Signer(
        "dev", salt="erlen.redis-session", key_derivation="hmac", digest_method=hashlib.sha256
    ).sign(sid)
    with caplog.at_level(logging.ERROR), as_deployed():
        attacker = redis_login_app(redis_server, SECRET_KEY_FALLBACKS=["dev"]).test_client()
        attacker.set_cookie("session", forged.decode())
        response = attacker.get("/whoami")
    assert_refused_with_the_error(response, caplog)


# Finding 6: is_safe_url and ports

PORT_TABLE: list[tuple[str, str, bool]] = [
    # allowed host, target, safe
    ("blog.example", "https://blog.example/next", True),
    ("blog.example", "https://blog.example:443/next", True),
    ("blog.example", "https://blog.example:/next", True),
    ("blog.example", "http://blog.example/next", True),
    ("blog.example", "http://blog.example:80/next", True),
    ("blog.example", "https://blog.example:8443/phish", False),
    ("blog.example", "http://blog.example:8080/phish", False),
    ("blog.example", "https://blog.example:80/phish", False),
    ("blog.example", "http://blog.example:443/phish", False),
    ("blog.example", "https://blog.example:0/phish", False),
    ("BLOG.example", "https://blog.EXAMPLE:8443/phish", False),
    ("blog.example:8443", "https://blog.example:8443/next", True),
    ("blog.example:8443", "http://blog.example:8443/next", True),
    ("blog.example:8443", "https://blog.example/phish", False),
    ("blog.example:8443", "https://blog.example:443/phish", False),
    ("blog.example:8443", "https://blog.example:8444/phish", False),
    ("blog.example:443", "https://blog.example/next", True),
    ("blog.example:443", "http://blog.example/phish", False),
    ("blog.example:abc", "https://blog.example/phish", False),
    ("blog.example:abc", "https://blog.example:443/phish", False),
    ("blog.example:99999", "https://blog.example:99999/phish", False),
    ("[::1]:8080", "http://[::1]:8080/next", True),
    ("[::1]:8080", "http://[::1]/phish", False),
    ("[::1]", "http://[::1]/next", True),
    ("[::1]", "http://[::1]:8080/phish", False),
    ("blog.example", "/relative", True),
]


@pytest.mark.parametrize(("allowed", "target", "safe"), PORT_TABLE)
def test_is_safe_url_allows_only_the_allowed_port(allowed: str, target: str, safe: bool) -> None:
    assert is_safe_url(target, allowed_hosts=[allowed]) is safe


@pytest.mark.parametrize(
    ("base_url", "target", "safe"),
    [
        ("https://shop.example/", "https://shop.example/cart", True),
        ("https://shop.example/", "https://shop.example:8443/phish", False),
        ("http://localhost:5000/", "http://localhost:5000/cart", True),
        ("http://localhost:5000/", "http://localhost/phish", False),
        ("http://localhost:5000/", "http://localhost:5001/phish", False),
    ],
)
def test_is_safe_url_default_host_is_the_request_host_and_port(
    base_url: str, target: str, safe: bool
) -> None:
    app = Erlen(__name__)
    with app.test_request_context("/", base_url=base_url):
        assert is_safe_url(target) is safe


def next_app() -> Erlen:
    """A login that follows ``next`` when ``is_safe_url`` allows it, as Flask's tutorial."""
    app = Erlen(__name__)
    app.config.update(SECRET_KEY=KEY)

    @app.route("/")
    def index() -> str:
        return "index"

    @app.post("/login")
    def login() -> t.Any:
        next_url = request.form.get("next", "")
        if is_safe_url(next_url):
            return redirect(next_url)
        return redirect(url_for("index"))

    return app


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("https://blog.example:8443/phish", "/"),
        ("http://blog.example:8080/phish", "/"),
        ("https://blog.example/ok", "https://blog.example/ok"),
    ],
)
def test_login_redirect_refuses_another_port_of_the_host(target: str, location: str) -> None:
    client = next_app().test_client()
    response = client.post("/login", data={"next": target}, base_url="https://blog.example/")
    assert response.status_code == 302
    assert response.headers["Location"] == location


def test_example_blog_login_refuses_another_port_of_its_host(redis_blog: Erlen) -> None:
    client = redis_blog.test_client()
    token = blog_token(client.get("/auth/login"))
    response = client.post(
        "/auth/login",
        data={
            "username": "ann",
            "password": "ann-password-1",
            "csrf_token": token,
            "next": "http://localhost:8443/phish",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# Finding 7: |tojson in attributes and scripts

HOSTILE = {"text": '"double" \'single\' <b>&amp; </script><!-- x="y" ${1}', "n": [1, "<>"]}

TOJSON_PAGE = (
    "<div id=single data-v='{{ v|tojson }}'></div>"
    '<div id=double data-v="{{ v|tojson|forceescape }}"></div>'
    '<div id=unsafe data-v="{{ v|tojson }}"></div>'
    "<script id=script>const v = {{ v|tojson }};</script>"
    "<script id=data type=application/json>{{ v|tojson }}</script>"
    "<p id=end>end</p>"
)


class Page(HTMLParser):
    """Every element's id and attributes, and the text inside ``<script>``, as a browser
    reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


@pytest.fixture
def tojson_page() -> Page:
    app = Erlen(__name__)

    @app.route("/page")
    def page() -> str:
        return render_template_string(TOJSON_PAGE, v=HOSTILE)

    response = app.test_client().get("/page")
    assert response.status_code == 200
    parsed = Page()
    parsed.feed(response.text)
    parsed.close()
    return parsed


def test_tojson_is_safe_in_a_single_quoted_attribute(tojson_page: Page) -> None:
    elements = dict((attrs.get("id"), attrs) for _, attrs in tojson_page.elements)
    assert json.loads(elements["single"]["data-v"] or "") == HOSTILE
    assert set(elements["single"]) == {"id", "data-v"}


def test_tojson_with_forceescape_is_safe_in_a_double_quoted_attribute(tojson_page: Page) -> None:
    elements = dict((attrs.get("id"), attrs) for _, attrs in tojson_page.elements)
    assert json.loads(elements["double"]["data-v"] or "") == HOSTILE
    assert set(elements["double"]) == {"id", "data-v"}


def test_tojson_alone_breaks_out_of_a_double_quoted_attribute(tojson_page: Page) -> None:
    """The rule docs/templates.md states, shown: the value's ``"`` ends the attribute, and
    what follows becomes attributes the page did not write."""
    elements = dict((attrs.get("id"), attrs) for _, attrs in tojson_page.elements)
    assert elements["unsafe"]["data-v"] != json.dumps(HOSTILE)
    assert set(elements["unsafe"]) != {"id", "data-v"}


def test_tojson_is_safe_inside_a_script(tojson_page: Page) -> None:
    script, data = tojson_page.scripts
    assert script.startswith("const v = ") and script.endswith(";")
    assert json.loads(script.removeprefix("const v = ").removesuffix(";")) == HOSTILE
    assert json.loads(data) == HOSTILE
    # Nothing in the value closed a script or opened another element.
    tags = [tag for tag, _ in tojson_page.elements]
    assert tags == ["div", "div", "div", "script", "script", "p"]
