"""Error pages are negotiated: JSON for a client that prefers it, HTML for a browser.

Clients are the ones met in practice: a browser's ``Accept``, ``fetch``/axios defaults, curl
(``*/*``) sending JSON, a client with no ``Accept`` at all. Statuses cover the router (404,
405), the body limits (413), rate limits (429), ``abort`` (400, 401), an unhandled exception
(500) and a security refusal (403), each with the headers its class adds. No handler is written
by the user, except where the test is that the user's handler wins. Every test runs under WSGI
and ASGI (``BOTH_PROTOCOLS``).
"""

from __future__ import annotations

import json
import typing as t

import pytest

from erlen import Erlen, Response, abort, request
from erlen.http.exceptions import HTTPException, NotFound, Unauthorized
from erlen.security import limit
from erlen.tools.testing import TestResponse

KEY = "json-error-tests-0123456789abcdefghijkl"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
AXIOS = "application/json, text/plain, */*"


def make_app(debug: bool = False, **config: t.Any) -> Erlen:
    app = Erlen(__name__)
    app.config.update(SECRET_KEY=KEY, MAX_CONTENT_LENGTH=10, **config)
    app.debug = debug

    @app.route("/items", methods=["GET", "POST"])
    def items() -> t.Any:
        if request.method == "POST":
            return {"received": len(request.get_data())}
        return {"items": []}

    @app.route("/only-get")
    def only_get() -> str:
        return "got"

    @app.route("/bad")
    def bad() -> str:
        abort(400, "The 'when' parameter must be a date.")

    @app.route("/private")
    def private() -> str:
        raise Unauthorized(www_authenticate='Bearer realm="api"')

    @app.route("/limited")
    @limit("1/minute")
    def limited() -> str:
        return "ok"

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("secret detail")

    return app


def body(response: TestResponse) -> t.Any:
    assert response.mimetype == "application/json", response.text
    return json.loads(response.text)


# which clients get JSON


@pytest.mark.parametrize(
    ("headers", "wants_json"),
    [
        ({"Accept": "application/json"}, True),
        ({"Accept": AXIOS}, True),
        ({"Accept": "text/html;q=0.5, application/json"}, True),
        ({"Accept": BROWSER}, False),
        ({"Accept": "application/json;q=0.5, text/html"}, False),
        ({"Accept": "*/*"}, False),
        ({"Accept": "image/png"}, False),
        ({}, False),
        # A request that sent JSON gets JSON unless Accept ranks HTML first.
        ({"Content-Type": "application/json"}, True),
        ({"Content-Type": "application/json", "Accept": "*/*"}, True),
        ({"Content-Type": "application/vnd.api+json"}, True),
        ({"Content-Type": "application/json", "Accept": BROWSER}, False),
        ({"Content-Type": "application/x-www-form-urlencoded", "Accept": "*/*"}, False),
    ],
)
def test_the_client_that_prefers_json_gets_json(headers: dict[str, str], wants_json: bool) -> None:
    response = make_app().test_client().get("/nothing-here", headers=headers)
    assert response.status_code == 404
    assert response.headers.get_all("Vary") == ["Accept"]
    if wants_json:
        assert body(response) == {
            "error": "Nothing exists at this address. Check the URL for typos and try again.",
            "status": 404,
        }
    else:
        assert response.mimetype == "text/html"
        assert "<h1>Not Found</h1>" in response.text


# every status, with its headers


JSON = {"Accept": "application/json"}


def test_405_keeps_its_allow_header() -> None:
    response = make_app().test_client().delete("/only-get", headers=JSON)
    assert response.status_code == 405
    assert body(response)["status"] == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}


def test_413_from_the_body_limit() -> None:
    response = make_app().test_client().post("/items", data=b"x" * 100, headers=JSON)
    assert response.status_code == 413
    assert body(response)["status"] == 413
    assert "10 bytes" in body(response)["error"]


def test_429_keeps_retry_after() -> None:
    client = make_app().test_client()
    client.get("/limited")
    response = client.get("/limited", headers=JSON)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    assert body(response) == {
        "error": "Too many requests: the limit is 1 per minute. Try again in 60 seconds.",
        "status": 429,
    }


def test_abort_with_a_description_sends_it() -> None:
    response = make_app().test_client().get("/bad", headers=JSON)
    assert body(response) == {"error": "The 'when' parameter must be a date.", "status": 400}


def test_401_keeps_www_authenticate() -> None:
    response = make_app().test_client().get("/private", headers=JSON)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert body(response)["status"] == 401


def test_a_500_says_nothing_of_the_failure() -> None:
    response = make_app().test_client().get("/boom", headers=JSON)
    assert response.status_code == 500
    error = body(response)
    assert error["status"] == 500
    assert "secret detail" not in response.text
    assert "hint" not in error


def test_a_security_refusal_is_json_too() -> None:
    response = (
        make_app().test_client().post("/items", json={}, headers={"Origin": "https://evil.example"})
    )
    assert response.status_code == 403
    assert body(response)["status"] == 403
    assert "another website" in body(response)["error"]
    assert "hint" not in body(response)


# debug mode


def test_debug_mode_adds_the_hint_of_a_refusal() -> None:
    response = (
        make_app(debug=True)
        .test_client()
        .post("/items", json={}, headers={"Origin": "https://evil.example"})
    )
    hint = body(response)["hint"]
    assert "Add 'https://evil.example' to TRUSTED_ORIGINS" in hint
    assert "@cross_origin_exempt" in hint


def test_debug_mode_adds_no_hint_where_there_is_none() -> None:
    response = make_app(debug=True).test_client().get("/nothing-here", headers=JSON)
    assert set(body(response)) == {"error", "status"}


# what stays as it was


def test_a_users_error_handler_wins() -> None:
    app = make_app()

    @app.errorhandler(404)
    def not_found(error: HTTPException) -> tuple[str, int]:
        return "our page", 404

    response = app.test_client().get("/nothing-here", headers=JSON)
    assert response.mimetype == "text/html"
    assert response.text == "our page"


def test_a_handler_that_returns_the_error_gets_it_negotiated() -> None:
    app = make_app()

    @app.errorhandler(404)
    def not_found(error: HTTPException) -> HTTPException:
        return error

    response = app.test_client().get("/nothing-here", headers=JSON)
    assert body(response)["status"] == 404


def test_an_error_given_a_response_sends_that_response() -> None:
    app = make_app()

    @app.route("/teapot")
    def teapot() -> str:
        abort(Response("short and stout", 418))

    response = app.test_client().get("/teapot", headers=JSON)
    assert response.status_code == 418
    assert response.text == "short and stout"


def test_an_error_class_with_its_own_page_keeps_it() -> None:
    app = make_app()

    class Maintenance(HTTPException):
        code = 503

        def get_body(self, environ: t.Any = None, scope: t.Any = None) -> str:
            return "<p>Back soon</p>"

    @app.route("/maintenance")
    def maintenance() -> str:
        raise Maintenance()

    response = app.test_client().get("/maintenance", headers=JSON)
    assert response.status_code == 503
    assert response.text == "<p>Back soon</p>"


def test_a_successful_response_is_untouched() -> None:
    response = make_app().test_client().get("/items", headers=JSON)
    assert response.status_code == 200
    assert json.loads(response.text) == {"items": []}
    assert "Vary" not in response.headers


def test_a_routing_redirect_is_untouched() -> None:
    app = make_app()

    @app.route("/folder/")
    def folder() -> str:
        return "folder"

    response = app.test_client().get("/folder", headers=JSON)
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/folder/")


def test_the_exception_api_renders_html_outside_a_request() -> None:
    error = NotFound()
    assert error.get_body().startswith("<!doctype html>")
    assert error.get_headers() == [("Content-Type", "text/html; charset=utf-8")]
    response = error.get_response()
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    app = make_app()
    with app.app_context():
        assert app.make_response(NotFound()).mimetype == "text/html"
