"""The security headers every response gets, HSTS, and the Content-Security-Policy nonce.

Checked on what a browser receives, for every kind of response (a page, an error, a redirect,
a static file, a HEAD), under WSGI and ASGI.
"""

from __future__ import annotations

import re
import typing as t
from pathlib import Path

import pytest

from erlen import Erlen, abort, redirect, render_template_string, request
from erlen.tools.testing import TestResponse

DEFAULTS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HTTPS = "https://localhost/"
NONCE_PAGE = """<script nonce="{{ csp_nonce() }}">go()</script>
<style nonce="{{ csp_nonce() }}"></style>"""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    metafunc.parametrize("erlen_protocol", ["wsgi", "asgi"], indirect=True)


def make_app(tmp_path: Path, **config: t.Any) -> Erlen:
    static = tmp_path / "static"
    static.mkdir(exist_ok=True)
    (static / "app.js").write_text("console.log('hi')")
    app = Erlen(__name__, static_folder=str(static))
    app.config.update(config)

    @app.route("/")
    def index() -> str:
        return "home"

    @app.route("/json")
    def data() -> dict[str, int]:
        return {"a": 1}

    @app.route("/fail")
    def fail() -> str:
        raise RuntimeError("boom")

    @app.route("/go")
    def go() -> t.Any:
        return redirect("/")

    @app.route("/denied")
    def denied() -> str:
        abort(401)

    @app.route("/stream")
    def stream() -> t.Any:
        return app.response_class(iter([b"a", b"b"]))

    @app.route("/page")
    def page() -> str:
        return render_template_string(NONCE_PAGE)

    return app


RESPONSES = [
    ("GET", "/", 200),
    ("GET", "/json", 200),
    ("GET", "/missing", 404),
    ("GET", "/fail", 500),
    ("GET", "/go", 302),
    ("GET", "/denied", 401),
    ("POST", "/", 405),
    ("GET", "/stream", 200),
    ("GET", "/static/app.js", 200),
    ("HEAD", "/", 200),
    ("HEAD", "/static/app.js", 200),
    ("OPTIONS", "/", 200),
]


def assert_defaults(response: TestResponse) -> None:
    for name, value in DEFAULTS.items():
        assert response.headers.getlist(name) == [value], name


@pytest.mark.parametrize(("method", "path", "status"), RESPONSES)
def test_defaults_on_every_response(tmp_path: Path, method: str, path: str, status: int) -> None:
    response = make_app(tmp_path).test_client().open(path, method=method)
    assert response.status_code == status
    assert_defaults(response)
    assert "Strict-Transport-Security" not in response.headers
    assert "Content-Security-Policy" not in response.headers


def test_defaults_on_refusals(tmp_path: Path) -> None:
    app = make_app(tmp_path, TRUSTED_HOSTS=["localhost"])
    client = app.test_client()
    assert_defaults(client.get("/", base_url="http://evil.example/"))
    response = client.post("/", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert_defaults(response)


def test_defaults_when_the_500_handler_fails_too(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    @app.errorhandler(500)
    def broken(error: Exception) -> str:
        raise ValueError("the handler fails as well")

    response = app.test_client().get("/fail")
    assert response.status_code == 500
    assert_defaults(response)


def test_a_view_that_sets_a_header_keeps_its_own(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    @app.route("/embeddable")
    def embeddable() -> t.Any:
        return "widget", {"X-Frame-Options": "SAMEORIGIN"}

    @app.route("/no-referrer")
    def no_referrer() -> t.Any:
        response = app.make_response("private")
        response.headers["referrer-policy"] = "no-referrer"
        return response

    client = app.test_client()
    response = client.get("/embeddable")
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response = client.get("/no-referrer")
    assert response.headers.getlist("Referrer-Policy") == ["no-referrer"]


def test_an_after_request_hook_can_override_too(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    @app.after_request
    def allow_framing(response: t.Any) -> t.Any:
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response

    assert app.test_client().get("/").headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]


def test_empty_setting_removes_them_all(tmp_path: Path) -> None:
    for setting in ({}, None):
        response = make_app(tmp_path, SECURITY_HEADERS=setting).test_client().get("/")
        assert response.text == "home"
        assert not any(name in response.headers for name in DEFAULTS)


def test_one_header_can_be_left_out_or_added(tmp_path: Path) -> None:
    headers = {**DEFAULTS, "X-Frame-Options": None, "Permissions-Policy": "camera=()"}
    response = make_app(tmp_path, SECURITY_HEADERS=headers).test_client().get("/")
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Permissions-Policy"] == "camera=()"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_changing_one_app_does_not_change_another(tmp_path: Path) -> None:
    first = make_app(tmp_path)
    t.cast(dict[str, str], first.config["SECURITY_HEADERS"])["X-Frame-Options"] = "SAMEORIGIN"
    second = make_app(tmp_path)
    assert second.test_client().get("/").headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Frame-Options": "DENY\r\nSet-Cookie: admin=1"},
        {"X-Frame-Options": "DENY\nX-Injected: 1"},
        {"X-Frame-Options": "DENY\x00"},
        {"X-Injected: 1\r\nX-Frame-Options": "DENY"},
        {"X Frame Options": "DENY"},
        {"X-Frame-Options:": "DENY"},
    ],
)
def test_invalid_header_in_config_fails_at_the_first_request(
    tmp_path: Path, headers: dict[str, str]
) -> None:
    client = make_app(tmp_path, SECURITY_HEADERS=headers).test_client()
    for _ in range(2):  # and keeps failing: the app never serves without its headers
        with pytest.raises(ValueError, match="SECURITY_HEADERS"):
            client.get("/")


@pytest.mark.parametrize("policy", ["default-src 'self'\r\nX-Injected: 1", {"a": "b\nc"}])
def test_invalid_policy_in_config_fails_at_the_first_request(tmp_path: Path, policy: t.Any) -> None:
    client = make_app(tmp_path, CONTENT_SECURITY_POLICY=policy).test_client()
    with pytest.raises(ValueError, match="CONTENT_SECURITY_POLICY"):
        client.get("/")


# HSTS


@pytest.mark.parametrize(("method", "path", "status"), RESPONSES)
def test_hsts_on_every_https_response(tmp_path: Path, method: str, path: str, status: int) -> None:
    app = make_app(tmp_path, HSTS_SECONDS=31536000)
    response = app.test_client().open(path, method=method, base_url=HTTPS)
    assert response.status_code == status
    assert response.headers.getlist("Strict-Transport-Security") == [
        "max-age=31536000; includeSubDomains"
    ]


def test_no_hsts_over_plain_http(tmp_path: Path) -> None:
    client = make_app(tmp_path, HSTS_SECONDS=31536000).test_client()
    for path in ("/", "/missing", "/fail"):
        assert "Strict-Transport-Security" not in client.get(path).headers


@pytest.mark.parametrize(
    ("subdomains", "preload", "expected"),
    [
        (True, False, "max-age=600; includeSubDomains"),
        (False, False, "max-age=600"),
        (True, True, "max-age=600; includeSubDomains; preload"),
        (False, True, "max-age=600; preload"),
    ],
)
def test_hsts_flags(tmp_path: Path, subdomains: bool, preload: bool, expected: str) -> None:
    app = make_app(
        tmp_path,
        HSTS_SECONDS=600,
        HSTS_INCLUDE_SUBDOMAINS=subdomains,
        HSTS_PRELOAD=preload,
    )
    response = app.test_client().get("/", base_url=HTTPS)
    assert response.headers["Strict-Transport-Security"] == expected


def test_no_hsts_by_default(tmp_path: Path) -> None:
    response = make_app(tmp_path).test_client().get("/", base_url=HTTPS)
    assert "Strict-Transport-Security" not in response.headers


# Content-Security-Policy with a nonce


def nonces(response: TestResponse) -> tuple[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    match = re.search(r"'nonce-([^']+)'", header)
    assert match is not None, header
    return match[1], re.findall(r'nonce="([^"]+)"', response.text)


def test_csp_nonce_in_the_header_is_the_one_in_the_page(tmp_path: Path) -> None:
    policy = "default-src 'self'; script-src 'self' 'nonce-{nonce}'"
    client = make_app(tmp_path, CONTENT_SECURITY_POLICY=policy).test_client()
    seen = set()
    for _ in range(3):
        response = client.get("/page")
        header_nonce, page_nonces = nonces(response)
        assert page_nonces == [header_nonce, header_nonce]
        assert len(header_nonce) >= 22  # at least 128 bits
        assert "{nonce}" not in response.headers["Content-Security-Policy"]
        seen.add(header_nonce)
    assert len(seen) == 3  # a fresh nonce for each request


def test_csp_on_every_response(tmp_path: Path) -> None:
    policy = "default-src 'self'; script-src 'nonce-{nonce}'"
    client = make_app(tmp_path, CONTENT_SECURITY_POLICY=policy).test_client()
    for method, path, status in RESPONSES:
        response = client.open(path, method=method)
        assert response.status_code == status
        assert re.fullmatch(
            r"default-src 'self'; script-src 'nonce-[\w-]+'",
            response.headers["Content-Security-Policy"],
        ), path


def test_csp_without_nonce_is_sent_as_is(tmp_path: Path) -> None:
    client = make_app(tmp_path, CONTENT_SECURITY_POLICY="default-src 'none'").test_client()
    assert client.get("/").headers["Content-Security-Policy"] == "default-src 'none'"


def test_csp_dict_form(tmp_path: Path) -> None:
    policy = {
        "default-src": "'self'",
        "script-src": ["'self'", "'nonce-{nonce}'"],
        "img-src": ("'self'", "data:"),
        "upgrade-insecure-requests": True,
        "report-uri": None,
    }
    response = make_app(tmp_path, CONTENT_SECURITY_POLICY=policy).test_client().get("/page")
    header_nonce, page_nonces = nonces(response)
    assert page_nonces == [header_nonce, header_nonce]
    assert response.headers["Content-Security-Policy"] == (
        f"default-src 'self'; script-src 'self' 'nonce-{header_nonce}';"
        " img-src 'self' data:; upgrade-insecure-requests"
    )


def test_a_view_with_its_own_policy_keeps_it(tmp_path: Path) -> None:
    app = make_app(tmp_path, CONTENT_SECURITY_POLICY="default-src 'self'")

    @app.route("/embed")
    def embed() -> t.Any:
        return "x", {"Content-Security-Policy": "frame-ancestors https://partner.example"}

    response = app.test_client().get("/embed")
    assert response.headers.getlist("Content-Security-Policy") == [
        "frame-ancestors https://partner.example"
    ]


def test_csp_nonce_outside_a_request_says_what_is_missing() -> None:
    from erlen.security import csp_nonce

    with pytest.raises(RuntimeError, match="request context"):
        csp_nonce()


def test_nonce_is_the_same_in_view_and_template(tmp_path: Path) -> None:
    from erlen.security import csp_nonce

    app = make_app(tmp_path, CONTENT_SECURITY_POLICY="script-src 'nonce-{nonce}'")

    @app.route("/both")
    def both() -> str:
        return csp_nonce() + " " + request.path

    response = app.test_client().get("/both")
    assert response.text.split()[0] == nonces(response)[0]
