"""What reaches the client when things go wrong: no header split by CR, LF or NUL however it is
set, and error pages that tell nothing about the failure. Every test runs under WSGI and ASGI.
"""

from __future__ import annotations

import typing as t

import pytest

from erlen import Erlen, g, make_response, redirect, render_template_string, request
from erlen.tools.testing import TestResponse


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    metafunc.parametrize("erlen_protocol", ["wsgi", "asgi"], indirect=True)


def raw_headers(response: TestResponse) -> list[tuple[str, str]]:
    """The header lines the server was handed, as (name, value) pairs."""
    return list(response.headers.items())


# Response splitting: CR, LF and NUL in headers

PAYLOADS = ["a\r\nX-Injected: 1", "a\nX-Injected: 1", "a\rX-Injected: 1", "a\x00X-Injected: 1"]

SETTERS: dict[str, t.Callable[[str], t.Any]] = {}


def setter(f: t.Callable[[str], t.Any]) -> t.Callable[[str], t.Any]:
    SETTERS[f.__name__] = f
    return f


@setter
def item_value(payload: str) -> t.Any:
    response = make_response("ok")
    response.headers["X-Note"] = payload
    return response


@setter
def item_name(payload: str) -> t.Any:
    response = make_response("ok")
    response.headers[f"X-{payload}"] = "1"
    return response


@setter
def add(payload: str) -> t.Any:
    response = make_response("ok")
    response.headers.add("X-Note", payload)
    return response


@setter
def set_(payload: str) -> t.Any:
    response = make_response("ok")
    response.headers.set("X-Note", payload)
    return response


@setter
def cookie_name(payload: str) -> t.Any:
    response = make_response("ok")
    response.set_cookie(payload, "v")
    return response


@setter
def cookie_value(payload: str) -> t.Any:
    response = make_response("ok")
    response.set_cookie("c", payload)
    return response


@setter
def cookie_domain(payload: str) -> t.Any:
    response = make_response("ok")
    response.set_cookie("c", "v", domain=payload)
    return response


@setter
def redirect_target(payload: str) -> t.Any:
    return redirect(f"/next{payload}")


@setter
def make_response_dict(payload: str) -> t.Any:
    return make_response("ok", {"X-Note": payload})


@setter
def make_response_list(payload: str) -> t.Any:
    return make_response("ok", 200, [("X-Note", payload)])


@setter
def returned_tuple(payload: str) -> t.Any:
    return "ok", 200, {"X-Note": payload}


@setter
def status_phrase(payload: str) -> t.Any:
    response = make_response("ok")
    response.status = f"200 {payload}"
    return response


def splitting_app() -> Erlen:
    app = Erlen(__name__)

    @app.route("/<where>/<int:which>/<catch>")
    def attempt(where: str, which: int, catch: str) -> t.Any:
        if catch == "raise":
            return SETTERS[where](PAYLOADS[which])
        try:
            # make_response: a returned tuple is checked when the app turns it into a response.
            make_response(SETTERS[where](PAYLOADS[which]))
        except ValueError:
            return "refused"
        return "accepted"

    return app


def assert_not_split(response: TestResponse) -> None:
    for name, value in raw_headers(response):
        assert not any(c in name + value for c in "\r\n\0"), (name, value)
        assert name.lower() != "x-injected"


@pytest.mark.parametrize("which", range(len(PAYLOADS)))
@pytest.mark.parametrize("where", sorted(SETTERS))
def test_header_injection_is_refused_where_it_is_set(where: str, which: int) -> None:
    client = splitting_app().test_client()
    assert client.get(f"/{where}/{which}/catch").text == "refused"
    response = client.get(f"/{where}/{which}/raise")
    assert response.status_code == 500
    assert_not_split(response)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_cookie_path_is_encoded_so_it_cannot_split(payload: str) -> None:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> t.Any:
        response = make_response("ok")
        response.set_cookie("c", "v", path=f"/p{payload}; Domain=evil.example")
        return response

    response = app.test_client().get("/")
    assert response.status_code == 200
    assert_not_split(response)
    (cookie,) = response.headers.getlist("Set-Cookie")
    attributes = [part.strip().partition("=")[0].lower() for part in cookie.split(";")]
    assert attributes == ["c", "path"]


# Error pages tell the client nothing about the failure

SECRET_MESSAGE = "db password is hunter2 at /work/app/secret_settings.py"


def failing_app() -> Erlen:
    app = Erlen(__name__)

    @app.route("/sync")
    def sync_view() -> str:
        raise RuntimeError(SECRET_MESSAGE)

    @app.route("/async")
    async def async_view() -> str:
        raise RuntimeError(SECRET_MESSAGE)

    @app.route("/key")
    def key_error() -> str:
        return str({"a": 1}["hunter2"])

    @app.route("/template")
    def template() -> str:
        return render_template_string("{{ settings.hunter2 }}{{ 1 / 0 }}", settings={})

    @app.route("/syntax")
    def syntax() -> str:
        return render_template_string("{% if hunter2 %}")

    @app.route("/hook")
    def hook() -> str:
        g.fail_after = True
        return "ok"

    @app.after_request
    def after(response: t.Any) -> t.Any:
        if g.get("fail_after"):
            raise RuntimeError(SECRET_MESSAGE)
        return response

    @app.route("/stream-setup")
    def stream_setup() -> t.Any:
        raise OSError(2, SECRET_MESSAGE, "/work/app/secret_settings.py")

    return app


@pytest.mark.parametrize(
    "path", ["/sync", "/async", "/key", "/template", "/syntax", "/hook", "/stream-setup"]
)
def test_500_page_leaks_nothing(path: str) -> None:
    response = failing_app().test_client().get(path)
    assert response.status_code == 500
    body = response.text
    for leak in ("hunter2", "Traceback", "/work", ".py", "RuntimeError", "Error:", "line "):
        assert leak not in body, leak
    assert all(SECRET_MESSAGE not in value for _, value in raw_headers(response))


def test_500_page_leaks_nothing_when_the_500_handler_fails() -> None:
    app = failing_app()

    @app.errorhandler(500)
    def broken(error: Exception) -> str:
        raise RuntimeError(SECRET_MESSAGE)

    response = app.test_client().get("/sync")
    assert response.status_code == 500
    assert "hunter2" not in response.text and "Traceback" not in response.text


def test_missing_form_key_is_400_without_the_key_outside_debug() -> None:
    app = Erlen(__name__)

    @app.post("/")
    def index() -> str:
        return request.form["hunter2"]

    response = app.test_client().post("/", data={"a": "1"})
    assert response.status_code == 400
    assert "hunter2" not in response.text
