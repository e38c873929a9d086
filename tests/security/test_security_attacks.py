"""Attacks on the gates every request passes, sent as a client would send them, and refused.

Host header attacks (``TRUSTED_HOSTS``), forged ``X-Forwarded-*`` headers (``TRUSTED_PROXIES``),
open redirects after login (also through the example blog), and WebSocket handshakes. The rest
of the attacks: ``test_cross_origin.py`` (cross-site requests, CSRF tokens),
``test_security_headers.py``, ``test_security_sessions.py``, ``test_security_responses.py``
(response splitting, error pages), ``test_security_bodies.py``, and ``test_fuzz.py`` (random
input at every parser). Every test runs under WSGI and ASGI (WebSockets: ASGI only).
"""

from __future__ import annotations

import re
import typing as t
from urllib.parse import quote

import pytest
from test_redirects import UNSAFE as UNSAFE_TARGETS

from erlen import Erlen, redirect, request, session, url_for, websocket
from erlen.security import is_safe_url, limit, solve_form_guard
from erlen.tools.testing import ErlenClient, TestResponse
from erlen.tools.testing_asgi import WebSocketClosed

KEY = "security-tests-0123456789abcdefghijklmnop"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    protocols = ["asgi"] if "websocket" in metafunc.function.__name__ else ["wsgi", "asgi"]
    metafunc.parametrize("erlen_protocol", protocols, indirect=True)


# Host header attacks: TRUSTED_HOSTS


def host_app(**config: t.Any) -> tuple[Erlen, list[str]]:
    app = Erlen(__name__)
    app.config.update(SECRET_KEY=KEY, **config)
    ran: list[str] = []

    @app.before_request
    def before() -> None:
        ran.append("before_request")

    @app.route("/reset")
    def reset() -> str:
        ran.append("view")
        # The classic: a password reset link built from the request's host.
        return url_for("reset", token="t0k3n", _external=True)

    return app, ran


HOSTILE_HOSTS = [
    "evil.example",
    "example.com.evil.example",
    "evilexample.com",
    "notexample.org",
    "example.org.evil.example",
    # Not host names at all: each would make a URL built from it point at evil.example.
    "evil.example/.example.org",
    "evil.example?.example.org",
    "evil.example#.example.org",
    "evil.example\\.example.org",
    "evil.example@www.example.org",
    "evil.example:x@example.com",
    "example.com:80@evil.example",
    "example.com:abc",
    "example.com evil.example",
    "",
]


@pytest.mark.parametrize("host", HOSTILE_HOSTS)
def test_untrusted_host_is_refused_before_any_code_runs(host: str) -> None:
    app, ran = host_app(TRUSTED_HOSTS=["example.com", ".example.org"])
    response = app.test_client().get("/reset", headers={"Host": host})
    assert response.status_code == 400
    assert "host name" in response.text
    assert ran == []
    assert "evil" not in response.text
    assert "t0k3n" not in response.text


@pytest.mark.parametrize(
    "host",
    [
        "example.com",
        "EXAMPLE.COM",
        "example.com.",
        "example.com:8080",
        "example.org",
        "a.b.example.org",
    ],
)
def test_trusted_host_passes_and_external_urls_use_it(host: str) -> None:
    app, ran = host_app(TRUSTED_HOSTS=["example.com", ".example.org"])
    response = app.test_client().get("/reset", headers={"Host": host})
    assert response.status_code == 200
    assert response.text == f"http://{host}/reset?token=t0k3n"
    assert ran == ["before_request", "view"]


def test_without_trusted_hosts_any_host_is_served() -> None:
    app, _ = host_app()
    response = app.test_client().get("/reset", headers={"Host": "anything.example"})
    assert response.text == "http://anything.example/reset?token=t0k3n"


def test_trusted_hosts_as_a_string_is_a_type_error() -> None:
    app, _ = host_app(TRUSTED_HOSTS="example.com")
    with pytest.raises(TypeError, match="TRUSTED_HOSTS"):
        app.test_client().get("/reset")


def test_untrusted_host_is_refused_for_every_method_and_url() -> None:
    app, ran = host_app(TRUSTED_HOSTS=["example.com"])
    client = app.test_client()
    for method, path in [("POST", "/reset"), ("GET", "/missing"), ("OPTIONS", "/reset")]:
        assert client.open(path, method=method, base_url="http://evil.example/").status_code == 400
    assert ran == []


# Proxy headers: X-Forwarded-*


FORWARDED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "shop.example.com",
    "X-Forwarded-Prefix": "/store",
}


def proxy_app(**config: t.Any) -> Erlen:
    app = Erlen(__name__)
    app.config.update(SECRET_KEY=KEY, **config)

    @app.route("/where")
    def where() -> dict[str, t.Any]:
        return {
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "is_secure": request.is_secure,
            "host": request.host,
            "external": url_for("where", _external=True),
        }

    return app


def test_forwarded_headers_are_ignored_by_default() -> None:
    response = proxy_app().test_client().get("/where", headers=FORWARDED)
    assert response.get_json() == {
        "remote_addr": "127.0.0.1",
        "scheme": "http",
        "is_secure": False,
        "host": "localhost",
        "external": "http://localhost/where",
    }


def test_forwarded_headers_are_believed_from_one_trusted_proxy() -> None:
    app = proxy_app(TRUSTED_PROXIES=1, HSTS_SECONDS=3600)
    response = app.test_client().get("/where", headers=FORWARDED)
    assert response.get_json() == {
        "remote_addr": "203.0.113.9",
        "scheme": "https",
        "is_secure": True,
        "host": "shop.example.com",
        "external": "https://shop.example.com/store/where",
    }
    assert response.headers["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"


def test_forwarded_port_is_used_in_external_urls() -> None:
    app = proxy_app(TRUSTED_PROXIES=1)
    headers = {**FORWARDED, "X-Forwarded-Port": "8443"}
    data = app.test_client().get("/where", headers=headers).get_json()
    assert data["host"] == "shop.example.com:8443"
    assert data["external"] == "https://shop.example.com:8443/store/where"


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Forwarded-Prefix", "@evil.example"),
        ("X-Forwarded-Prefix", "//evil.example"),
        ("X-Forwarded-Prefix", "evil.example"),
        ("X-Forwarded-Prefix", "/store /x"),
        ("X-Forwarded-Host", "evil.example/.shop.example.com"),
        ("X-Forwarded-Host", "evil.example@shop.example.com"),
        ("X-Forwarded-Host", "shop.example.com:443#"),
        ("X-Forwarded-Port", "\xb2"),  # a digit to str.isdigit(), not to int()
        ("X-Forwarded-Port", "99999999"),
    ],
)
def test_forwarded_values_that_would_move_external_urls_are_ignored(
    header: str, value: str
) -> None:
    # A proxy that does not set a header passes on the client's own: it must not be able to
    # make absolute URLs point at another site.
    app = proxy_app(TRUSTED_PROXIES=1)
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", header: value}
    data = app.test_client().get("/where", headers=headers).get_json()
    assert data["external"] == "https://localhost/where"


def test_client_forged_leftmost_entries_are_not_believed() -> None:
    # The client sends its own X-Forwarded-For; the proxy appends the address it saw.
    app = proxy_app(TRUSTED_PROXIES=1)
    headers = {
        "X-Forwarded-For": "6.6.6.6, 198.51.100.7",
        "X-Forwarded-Proto": "http, https",
        "X-Forwarded-Host": "evil.example, shop.example.com",
    }
    data = app.test_client().get("/where", headers=headers).get_json()
    assert data["remote_addr"] == "198.51.100.7"
    assert data["scheme"] == "https"
    assert data["host"] == "shop.example.com"


def test_trusted_proxy_networks() -> None:
    # The test client's peer is 127.0.0.1.
    trusted = proxy_app(TRUSTED_PROXIES=["127.0.0.0/8", "10.0.0.0/8"]).test_client()
    headers = {"X-Forwarded-For": "6.6.6.6, 198.51.100.7, 10.1.2.3"}
    assert trusted.get("/where", headers=headers).get_json()["remote_addr"] == "198.51.100.7"
    other = proxy_app(TRUSTED_PROXIES=["10.0.0.0/8", "::1"]).test_client()
    data = other.get("/where", headers=FORWARDED).get_json()
    assert data["remote_addr"] == "127.0.0.1"
    assert data["external"] == "http://localhost/where"


def test_forwarded_host_is_checked_against_trusted_hosts() -> None:
    app = proxy_app(TRUSTED_PROXIES=1, TRUSTED_HOSTS=["shop.example.com"])
    client = app.test_client()
    assert client.get("/where", headers=FORWARDED).status_code == 200
    forged = {**FORWARDED, "X-Forwarded-Host": "evil.example"}
    assert client.get("/where", headers=forged).status_code == 400


def test_rate_limit_counts_the_believed_client_address() -> None:
    app = proxy_app(TRUSTED_PROXIES=1)

    @app.post("/login")
    @limit("1/minute")
    def login() -> str:
        return "checked"

    client = app.test_client()

    def attempt(forwarded_for: str) -> int:
        return client.post("/login", headers={"X-Forwarded-For": forwarded_for}).status_code

    assert attempt("203.0.113.9") == 200
    assert attempt("203.0.113.10") == 200  # another client behind the same proxy
    assert attempt("203.0.113.9") == 429
    # A client cannot dodge its limit by making up addresses to the left of the real one.
    assert attempt("1.1.1.1, 203.0.113.9") == 429


def test_without_trusted_proxies_a_forged_address_does_not_dodge_the_limit() -> None:
    app = proxy_app()

    @app.post("/login")
    @limit("1/minute")
    def login() -> str:
        return "checked"

    client = app.test_client()
    assert client.post("/login", headers={"X-Forwarded-For": "1.1.1.1"}).status_code == 200
    assert client.post("/login", headers={"X-Forwarded-For": "2.2.2.2"}).status_code == 429


# Open redirects: ?next= after login


def login_app() -> Erlen:
    """A login view as the tutorial writes it: go back to ``next`` only if it is safe."""
    app = Erlen(__name__)
    app.config.update(SECRET_KEY=KEY)

    @app.route("/")
    def index() -> str:
        return "index"

    @app.route("/login", methods=["GET", "POST"])
    def login() -> t.Any:
        next_url = request.form.get("next") or request.args.get("next") or ""
        session.clear()
        session["user"] = "ann"
        if is_safe_url(next_url):
            return redirect(next_url)
        return redirect(url_for("index"))

    return app


@pytest.mark.parametrize(
    "target", [u for u in UNSAFE_TARGETS if u != "/%0d%0aSet-Cookie:x"], ids=repr
)
def test_login_never_redirects_to_another_site(target: str | None) -> None:
    client = login_app().test_client()
    attempts = [client.post("/login", data={"next": target or ""})]
    if target:
        attempts.append(client.get("/login?next=" + quote(target, safe="")))
    for response in attempts:
        assert response.status_code == 302
        assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/dashboard", "/posts/1?tab=comments#c3", "http://localhost/x"])
def test_login_returns_to_a_page_of_this_site(target: str) -> None:
    client = login_app().test_client()
    response = client.post("/login", data={"next": target})
    assert response.headers["Location"] == target


def test_a_login_redirect_lands_on_the_index() -> None:
    client = login_app().test_client()
    response = client.post("/login", data={"next": "//evil.example"}, follow_redirects=True)
    assert response.text == "index"
    assert response.request.path == "/"


@pytest.fixture
def blog(tmp_path: t.Any) -> t.Any:
    """The example blog with its own defaults (rate limits off: a test logs in many times),
    and a user who registered through its form."""
    erlen_blog = pytest.importorskip(
        "erlen_blog", reason="examples/blog is not installed: pip install -e examples/blog"
    )
    app = erlen_blog.create_app(
        {"TESTING": True, "DATABASE": str(tmp_path / "blog.sqlite"), "RATE_LIMITS_ENABLED": False}
    )
    client = app.test_client()
    fields = {"username": "ann", "password": "ann-password-1"}
    page = client.get("/auth/register")
    fields.update(csrf_token=blog_token(page), **solve_form_guard(page.text))
    assert client.post("/auth/register", data=fields).status_code == 302
    return app


def blog_token(page: TestResponse) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None, page.text
    return match[1]


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "javascript:alert(1)",
        "\t//evil",
    ],
)
def test_example_blog_login_never_redirects_to_another_site(blog: Erlen, target: str) -> None:
    client = blog.test_client()
    page = client.get("/auth/login?next=" + quote(target, safe=""))
    data = {"username": "ann", "password": "ann-password-1", "csrf_token": blog_token(page)}
    data.update(solve_form_guard(page.text))
    response = client.post("/auth/login?next=" + quote(target, safe=""), data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_example_blog_refuses_cross_site_posts(blog: Erlen) -> None:
    client = blog.test_client()
    page = client.get("/auth/login")
    data = {"username": "ann", "password": "ann-password-1", "csrf_token": blog_token(page)}
    data.update(solve_form_guard(page.text))
    attack = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
    assert client.post("/auth/login", data=data, headers=attack).status_code == 403
    assert client.post("/auth/login", data=data).status_code == 302
    assert (
        client.post("/create", data={"title": "x", "body": "y"}, headers=attack).status_code == 403
    )
    response = client.post("/create", data={"title": "x", "body": "y"})  # no token
    assert response.status_code == 403


def test_example_blog_sends_the_security_headers(blog: Erlen) -> None:
    response = blog.test_client().get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "'nonce-" in response.headers["Content-Security-Policy"]


# WebSockets: the handshake is a request like any other (ASGI only)


def websocket_app(**config: t.Any) -> tuple[Erlen, list[str]]:
    app = Erlen(__name__)
    app.config.update(SECRET_KEY=KEY, **config)
    opened: list[str] = []

    @app.websocket("/ws")
    async def feed() -> None:
        opened.append(websocket.host)
        await websocket.accept()
        await websocket.send("private feed")

    return app, opened


def open_websocket(client: ErlenClient, **kwargs: t.Any) -> str:
    try:
        with client.websocket_connect("/ws", **kwargs) as connection:
            return str(connection.receive())
    except (WebSocketClosed, RuntimeError):
        return "refused"


def test_websocket_from_this_site_opens() -> None:
    app, opened = websocket_app(TRUSTED_HOSTS=["app.example"])
    headers = {"Host": "app.example", "Origin": "http://app.example"}
    assert open_websocket(app.test_client(), headers=headers) == "private feed"
    assert opened == ["app.example"]


def test_websocket_to_an_untrusted_host_is_refused() -> None:
    app, opened = websocket_app(TRUSTED_HOSTS=["app.example"])
    result = open_websocket(app.test_client(), headers={"Host": "evil.example"})
    assert result == "refused"
    assert opened == []


def test_websocket_opened_by_another_site_is_refused() -> None:
    # A page on evil.example runs `new WebSocket("wss://app.example/ws")`: the browser sends
    # the user's cookies, and Origin says where the page came from.
    app, opened = websocket_app()
    headers = {
        "Host": "app.example",
        "Origin": "https://evil.example",
        "Sec-Fetch-Site": "cross-site",
    }
    assert open_websocket(app.test_client(), headers=headers) == "refused"
    assert opened == []
