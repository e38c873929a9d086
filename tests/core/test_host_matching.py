"""Routes bound to hosts (``host_matching``) and to subdomains (``subdomain_matching``)."""

from __future__ import annotations

import pytest

from erlen import Erlen, url_for


@pytest.fixture(params=[False, True], ids=["wsgi", "asgi"])
def asgi(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def test_host_matching_routes_and_urls(asgi: bool) -> None:
    app = Erlen(__name__, host_matching=True, static_host="cdn.example.com")

    @app.route("/", host="www.example.com")
    def index() -> str:
        return f"{url_for('static', filename='a.css')} {url_for('api')} {url_for('index')}"

    @app.route("/v1", host="api.example.com")
    def api() -> str:
        return "api"

    client = app.test_client(asgi=asgi)
    response = client.get("/", base_url="http://www.example.com/")
    assert response.text == "http://cdn.example.com/static/a.css http://api.example.com/v1 /"
    assert client.get("/v1", base_url="http://api.example.com/").text == "api"
    assert client.get("/v1", base_url="http://www.example.com/").status_code == 404
    assert client.get("/", base_url="http://other.example.com/").status_code == 404


def test_subdomain_matching(asgi: bool) -> None:
    app = Erlen(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.com"

    @app.route("/")
    def home() -> str:
        return f"home {url_for('user_page', user='ann')}"

    @app.route("/", subdomain="<user>")
    def user_page(user: str) -> str:
        return f"page of {user}"

    client = app.test_client(asgi=asgi)
    assert client.get("/", base_url="http://example.com/").text == "home http://ann.example.com/"
    assert client.get("/", base_url="http://bob.example.com/").text == "page of bob"
    assert client.get("/", base_url="http://elsewhere.org/").status_code == 404
