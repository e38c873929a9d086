"""ProxyFix (werkzeug.middleware.proxy_fix) on erlen: Werkzeug's counts, erlen's rules, and the
same answers over WSGI and ASGI."""

from __future__ import annotations

import typing as t

import pytest

from erlen import Erlen, request, url_for
from erlen.middleware.proxy_fix import ProxyFix

FORWARDED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "shop.example.com",
    "X-Forwarded-Port": "8443",
    "X-Forwarded-Prefix": "/store",
}


def make_app(**config: t.Any) -> Erlen:
    app = Erlen(__name__)
    app.config.update(config)

    @app.route("/where")
    def where() -> dict[str, t.Any]:
        return {
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "host": request.host,
            "external": url_for("where", _external=True),
            "original": request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR")
            if request.environ is not None
            else None,
        }

    return app


def where(app: Erlen, asgi: bool, headers: dict[str, str]) -> dict[str, t.Any]:
    response = app.test_client(asgi=asgi).get("/where", headers=headers)
    assert response.status_code == 200
    data: dict[str, t.Any] = response.get_json()
    if asgi:
        data.pop("original")
    return data


@pytest.fixture(params=["wsgi", "asgi"])
def asgi(request: pytest.FixtureRequest) -> bool:
    return bool(request.param == "asgi")


def test_defaults_believe_for_and_proto_only(asgi: bool) -> None:
    app = make_app()
    app.wsgi_app = ProxyFix(app.wsgi_app)  # type: ignore[method-assign]
    data = where(app, asgi, FORWARDED)
    assert data["remote_addr"] == "203.0.113.9"
    assert data["scheme"] == "https"
    # x_host, x_port and x_prefix are 0: a client's own values are not believed.
    assert data["host"] == "localhost"
    assert data["external"] == "https://localhost/where"
    if not asgi:
        assert data["original"] == "127.0.0.1"


def test_every_header_with_counts(asgi: bool) -> None:
    app = make_app()
    app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
        app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1
    )
    data = where(app, asgi, FORWARDED)
    assert data["remote_addr"] == "203.0.113.9"
    assert data["host"] == "shop.example.com:8443"
    assert data["external"] == "https://shop.example.com:8443/store/where"


def test_config_shows_what_is_trusted() -> None:
    app = make_app()
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=2, x_host=1)  # type: ignore[method-assign]
    assert app.config["TRUSTED_PROXIES"] == {
        "for": 2,
        "proto": 1,
        "host": 1,
        "port": 0,
        "prefix": 0,
    }


def test_client_forged_entries_left_of_the_proxies_are_ignored(asgi: bool) -> None:
    app = make_app()
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=2, x_proto=1)  # type: ignore[method-assign]
    headers = {
        # The client wrote "6.6.6.6"; the two proxies appended what they saw.
        "X-Forwarded-For": "6.6.6.6, 198.51.100.7, 10.0.0.2",
        "X-Forwarded-Proto": "http, https",
    }
    data = where(app, asgi, headers)
    assert data["remote_addr"] == "198.51.100.7"
    assert data["scheme"] == "https"


def test_fewer_values_than_proxies_believes_nothing(asgi: bool) -> None:
    app = make_app()
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=2, x_proto=2)  # type: ignore[method-assign]
    data = where(app, asgi, {"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https"})
    assert data["remote_addr"] == "127.0.0.1"
    assert data["scheme"] == "http"


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Forwarded-Host", "evil.example/.shop.example.com"),
        ("X-Forwarded-Host", "evil.example@shop.example.com"),
        ("X-Forwarded-Prefix", "//evil.example"),
        ("X-Forwarded-Prefix", "@evil.example"),
        ("X-Forwarded-Port", "99999999"),
        ("X-Forwarded-Proto", "javascript"),
    ],
)
def test_values_that_would_move_absolute_urls_are_ignored(
    asgi: bool, header: str, value: str
) -> None:
    # Werkzeug's ProxyFix would copy these into the environ; erlen's rules refuse them.
    app = make_app()
    app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
        app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1
    )
    data = where(app, asgi, {"X-Forwarded-For": "203.0.113.9", header: value})
    assert "evil" not in data["external"]
    assert data["external"].startswith(("http://localhost", "https://localhost"))


def test_trusted_hosts_apply_to_the_forwarded_host(asgi: bool) -> None:
    app = make_app(TRUSTED_HOSTS=["shop.example.com"])
    app.wsgi_app = ProxyFix(app.wsgi_app, x_host=1)  # type: ignore[method-assign]
    client = app.test_client(asgi=asgi)
    assert client.get("/where", headers={"X-Forwarded-Host": "shop.example.com"}).status_code == 200
    assert client.get("/where", headers={"X-Forwarded-Host": "evil.example"}).status_code == 400


def test_all_counts_zero_believe_nothing(asgi: bool) -> None:
    app = make_app()
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=0)  # type: ignore[method-assign]
    data = where(app, asgi, FORWARDED)
    assert (data["remote_addr"], data["scheme"], data["host"]) == ("127.0.0.1", "http", "localhost")


def test_a_different_trusted_proxies_setting_is_refused() -> None:
    app = make_app(TRUSTED_PROXIES=["10.0.0.0/8"])
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        ProxyFix(app.wsgi_app)
    same = make_app(TRUSTED_PROXIES={"for": 1, "proto": 1})
    ProxyFix(same.wsgi_app)


def test_wrapping_the_app_object_serves_both_protocols(asgi: bool) -> None:
    app = make_app()
    fixed = ProxyFix(app, x_for=1, x_proto=1)
    assert fixed.erlen_app is app
    if asgi:
        # The ASGI server is handed the ProxyFix: it passes the call to app.asgi.
        data = where(app, True, FORWARDED)
    else:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/where",
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "HTTP_X_FORWARDED_FOR": "203.0.113.9",
            "HTTP_X_FORWARDED_PROTO": "https",
        }
        body = b"".join(fixed(environ, lambda status, headers, exc_info=None: None))
        import json

        data = json.loads(body)
    assert data["remote_addr"] == "203.0.113.9" and data["scheme"] == "https"


def test_plain_wsgi_app_without_erlen() -> None:
    seen: dict[str, t.Any] = {}

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        seen.update(environ)
        start_response("200 OK", [])
        return [b""]

    fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1)
    fixed(
        {
            "REMOTE_ADDR": "10.0.0.1",
            "wsgi.url_scheme": "http",
            "HTTP_HOST": "internal",
            "HTTP_X_FORWARDED_FOR": "203.0.113.9",
            "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_X_FORWARDED_HOST": "shop.example.com",
        },
        lambda *args: None,
    )
    assert (seen["REMOTE_ADDR"], seen["wsgi.url_scheme"], seen["HTTP_HOST"]) == (
        "203.0.113.9",
        "https",
        "shop.example.com",
    )
    assert seen["werkzeug.proxy_fix.orig"]["HTTP_HOST"] == "internal"
    with pytest.raises(TypeError, match="ASGI"):
        fixed({}, lambda *args: None, lambda *args: None)


def test_invalid_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="number of proxies"):
        ProxyFix(lambda environ, start_response: [], x_for=-1)
