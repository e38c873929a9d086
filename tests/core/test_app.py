"""Tests for erlen.app and erlen.scaffold: registering views, dispatching requests, turning view
return values into responses, the request hooks and the error handlers, seen through the test
client and the WSGI interface as a Flask user sees them."""

from __future__ import annotations

import io
import logging
import sys
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from erlen import (
    Erlen,
    Response,
    abort,
    after_this_request,
    g,
    request,
    url_for,
)
from erlen.http.exceptions import (
    Forbidden,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
)
from erlen.http.routing import BaseConverter, ValidationError


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app: Erlen) -> Any:
    return app.test_client()


def wsgi_environ(path: str, method: str = "GET") -> dict[str, Any]:
    """The environ a WSGI server would pass for a bodiless request to ``path``."""
    return {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def call_wsgi(app: Erlen, path: str, method: str = "GET") -> tuple[str, list[Any], Any]:
    started: list[Any] = []

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return lambda data: None

    body = app(wsgi_environ(path, method), start_response)
    return started[0], started[1], body


# -- registering views ---------------------------------------------------------------------


def test_route_registers_view_and_returns_function_unchanged(app: Erlen, client: Any) -> None:
    def index() -> str:
        return "home"

    assert app.route("/")(index) is index
    assert app.view_functions["index"] is index
    assert client.get("/").data == b"home"


def test_route_endpoint_option_names_the_endpoint(app: Erlen, client: Any) -> None:
    @app.route("/about", endpoint="about_page")
    def about() -> str:
        return "about"

    assert app.view_functions["about_page"] is about
    assert "about" not in app.view_functions
    assert client.get("/about").data == b"about"


def test_route_methods_are_case_insensitive(app: Erlen, client: Any) -> None:
    @app.route("/submit", methods=["post"])
    def submit() -> str:
        return request.method

    assert client.post("/submit").data == b"POST"
    assert client.get("/submit").status_code == 405


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_method_shortcut_decorators(app: Erlen, client: Any, method: str) -> None:
    decorator = getattr(app, method)

    @decorator("/thing")
    def thing() -> str:
        return f"{request.method} thing"

    response = client.open("/thing", method=method.upper())
    assert response.status_code == 200
    assert response.data == f"{method.upper()} thing".encode()
    other = "POST" if method == "get" else "GET"
    assert client.open("/thing", method=other).status_code == 405


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_method_shortcut_refuses_methods_argument(app: Erlen, method: str) -> None:
    with pytest.raises(TypeError, match="'route' decorator"):
        getattr(app, method)("/x", methods=["GET"])


def test_add_url_rule_with_explicit_endpoint(app: Erlen, client: Any) -> None:
    def view() -> str:
        return "added"

    app.add_url_rule("/added", "added_endpoint", view, methods=["GET", "POST"])
    assert app.view_functions["added_endpoint"] is view
    assert client.get("/added").data == b"added"
    assert client.post("/added").data == b"added"


def test_add_url_rule_endpoint_defaults_to_function_name(app: Erlen, client: Any) -> None:
    def listing() -> str:
        return "list"

    app.add_url_rule("/list", view_func=listing)
    assert app.view_functions["listing"] is listing
    assert client.get("/list").data == b"list"


def test_add_url_rule_reads_methods_from_view_function(app: Erlen, client: Any) -> None:
    def create() -> str:
        return "created"

    create.methods = ["POST"]  # type: ignore[attr-defined]
    app.add_url_rule("/create", view_func=create)
    assert client.post("/create").data == b"created"
    assert client.get("/create").status_code == 405


def test_endpoint_decorator_connects_view_to_rule(app: Erlen, client: Any) -> None:
    app.add_url_rule("/late", endpoint="late")

    @app.endpoint("late")
    def late_view() -> str:
        return "late"

    assert app.view_functions["late"] is late_view
    assert client.get("/late").data == b"late"


def test_same_function_can_serve_several_rules(app: Erlen, client: Any) -> None:
    def page(name: str = "default") -> str:
        return name

    app.add_url_rule("/page", "page", page)
    app.add_url_rule("/page/<name>", "page", page)
    assert client.get("/page").data == b"default"
    assert client.get("/page/other").data == b"other"


def test_duplicate_endpoint_with_different_function_is_refused(app: Erlen) -> None:
    @app.route("/one", endpoint="same")
    def one() -> str:
        return "1"

    def two() -> str:
        return "2"

    with pytest.raises(AssertionError, match="same"):
        app.route("/two", endpoint="same")(two)


@pytest.mark.parametrize("methods", ["POST", "GET"])
def test_methods_as_a_string_is_refused(app: Erlen, methods: str) -> None:
    def view() -> str:
        return ""

    with pytest.raises(TypeError, match="list"):
        app.route("/x", methods=methods)(view)
    with pytest.raises(TypeError):
        app.add_url_rule("/y", view_func=view, methods=methods)


# -- automatic HEAD and OPTIONS, 404, 405, trailing-slash redirects ------------------------


@pytest.fixture
def hello_app(app: Erlen) -> Erlen:
    @app.route("/hello")
    def hello() -> Any:
        return "Hello!", {"X-Custom": "yes"}

    return app


def test_head_sends_get_headers_without_body(hello_app: Erlen, client: Any) -> None:
    get = client.get("/hello")
    head = client.head("/hello")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["X-Custom"] == "yes"
    assert sorted(head.headers.items()) == sorted(get.headers.items())


def test_head_through_wsgi_keeps_get_headers(hello_app: Erlen) -> None:
    get_status, get_headers, get_body = call_wsgi(hello_app, "/hello")
    head_status, head_headers, head_body = call_wsgi(hello_app, "/hello", "HEAD")
    assert b"".join(get_body) == b"Hello!"
    assert head_status == get_status == "200 OK"
    assert sorted(head_headers) == sorted(get_headers)
    assert ("Content-Length", "6") in head_headers
    assert b"".join(head_body) == b""


def test_automatic_options_lists_allowed_methods_sorted(app: Erlen, client: Any) -> None:
    called = []

    @app.route("/res", methods=["PUT", "GET", "POST"])
    def res() -> str:
        called.append(True)
        return "view"

    response = client.options("/res")
    assert response.status_code == 200
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST, PUT"
    assert response.data == b""
    assert called == []


def test_automatic_options_combines_rules_of_the_same_path(app: Erlen, client: Any) -> None:
    @app.get("/items")
    def list_items() -> str:
        return "list"

    @app.delete("/items")
    def clear_items() -> str:
        return "cleared"

    assert client.options("/items").headers["Allow"] == "DELETE, GET, HEAD, OPTIONS"


def test_provide_automatic_options_false_gives_405(app: Erlen, client: Any) -> None:
    @app.route("/no-options", provide_automatic_options=False)
    def no_options() -> str:
        return "x"

    response = client.options("/no-options")
    assert response.status_code == 405
    assert "OPTIONS" not in response.headers["Allow"]


def test_provide_automatic_options_false_as_view_attribute(app: Erlen, client: Any) -> None:
    def view() -> str:
        return "x"

    view.provide_automatic_options = False  # type: ignore[attr-defined]
    app.add_url_rule("/attr", view_func=view)
    assert client.options("/attr").status_code == 405


def test_provide_automatic_options_config_off(app: Erlen, client: Any) -> None:
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False

    @app.route("/cfg")
    def cfg() -> str:
        return "x"

    assert client.options("/cfg").status_code == 405


def test_view_with_options_in_methods_handles_options_itself(app: Erlen, client: Any) -> None:
    @app.route("/own", methods=["GET", "OPTIONS"])
    def own() -> str:
        return f"own {request.method}"

    assert client.options("/own").data == b"own OPTIONS"


def test_wrong_method_is_405_with_allow_header(app: Erlen, client: Any) -> None:
    @app.route("/only-get")
    def only_get() -> str:
        return "x"

    response = client.post("/only-get")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert "Method Not Allowed" in response.text


def test_unknown_url_is_404(app: Erlen, client: Any) -> None:
    @app.route("/")
    def index() -> str:
        return "x"

    response = client.get("/missing")
    assert response.status_code == 404
    assert "Not Found" in response.text


def test_missing_trailing_slash_redirects_with_308(app: Erlen, client: Any) -> None:
    @app.route("/dir/", methods=["GET", "POST"])
    def directory() -> str:
        return f"dir {request.method} {request.args.get('a')}"

    response = client.get("/dir?a=1&b=2")
    assert response.status_code == 308
    location = urlsplit(response.headers["Location"])
    assert location.path == "/dir/"
    assert location.query == "a=1&b=2"
    assert client.post("/dir").status_code == 308
    assert client.get("/dir?a=1", follow_redirects=True).data == b"dir GET 1"
    assert client.post("/dir?a=2", follow_redirects=True).data == b"dir POST 2"


# -- converters ----------------------------------------------------------------------------


@pytest.fixture
def converter_app(app: Erlen) -> Erlen:
    @app.route("/int/<int:n>")
    def int_view(n: int) -> str:
        return f"{type(n).__name__} {n + 1}"

    @app.route("/float/<float:x>")
    def float_view(x: float) -> str:
        return f"{type(x).__name__} {x * 2}"

    @app.route("/path/<path:p>")
    def path_view(p: str) -> str:
        return p

    @app.route("/uuid/<uuid:u>")
    def uuid_view(u: uuid.UUID) -> str:
        return f"{type(u).__name__} {u.hex}"

    @app.route("/<any(about, help):page>")
    def any_view(page: str) -> str:
        return page

    @app.route("/code/<string(length=2):code>")
    def code_view(code: str) -> str:
        return code

    @app.route("/name/<string(minlength=2, maxlength=3):name>")
    def name_view(name: str) -> str:
        return name

    return app


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/int/41", "int 42"),
        ("/float/1.5", "float 3.0"),
        ("/path/a/b/c.txt", "a/b/c.txt"),
        (
            "/uuid/12345678-1234-5678-1234-567812345678",
            "UUID 12345678123456781234567812345678",
        ),
        ("/about", "about"),
        ("/help", "help"),
        ("/code/de", "de"),
        ("/name/ab", "ab"),
        ("/name/abc", "abc"),
    ],
)
def test_converters_match_and_convert(
    converter_app: Erlen, client: Any, path: str, body: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.text == body


@pytest.mark.parametrize(
    "path",
    [
        "/int/abc",
        "/int/-1",
        "/int/1.5",
        "/float/abc",
        "/uuid/not-a-uuid",
        "/other",
        "/code/deu",
        "/code/d",
        "/name/a",
        "/name/abcd",
    ],
)
def test_converters_refuse_what_they_cannot_convert(
    converter_app: Erlen, client: Any, path: str
) -> None:
    assert client.get(path).status_code == 404


def test_custom_converter_registered_on_url_map(app: Erlen, client: Any) -> None:
    class ListConverter(BaseConverter):
        def to_python(self, value: str) -> list[str]:
            return value.split(",")

        def to_url(self, value: list[str]) -> str:
            return ",".join(super(ListConverter, self).to_url(item) for item in value)

    class HexConverter(BaseConverter):
        regex = "[0-9a-f]+"

        def to_python(self, value: str) -> int:
            return int(value, 16)

        def to_url(self, value: int) -> str:
            return format(value, "x")

    app.url_map.converters["list"] = ListConverter
    app.url_map.converters["hex"] = HexConverter

    @app.route("/tags/<list:tags>")
    def tags(tags: list[str]) -> str:
        return f"{len(tags)}:{'|'.join(tags)} {url_for('tags', tags=['x', 'y'])}"

    @app.route("/hex/<hex:number>")
    def hex_view(number: int) -> str:
        return f"{number} {url_for('hex_view', number=4096)}"

    assert client.get("/tags/a,b,c").text == "3:a|b|c /tags/x,y"
    assert client.get("/hex/ff").text == "255 /hex/1000"
    assert client.get("/hex/zz").status_code == 404


def test_custom_converter_validation_error_means_no_match(app: Erlen, client: Any) -> None:
    class EvenConverter(BaseConverter):
        regex = "[0-9]+"

        def to_python(self, value: str) -> int:
            if int(value) % 2:
                raise ValidationError()
            return int(value)

    app.url_map.converters["even"] = EvenConverter

    @app.route("/even/<even:n>")
    def even(n: int) -> str:
        return str(n)

    assert client.get("/even/4").text == "4"
    assert client.get("/even/3").status_code == 404


# -- what a view may return ----------------------------------------------------------------


def test_view_returning_str(app: Erlen, client: Any) -> None:
    @app.route("/")
    def index() -> str:
        return "héllo"

    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.data == "héllo".encode()


def test_view_returning_bytes(app: Erlen, client: Any) -> None:
    @app.route("/")
    def index() -> bytes:
        return b"\x00raw"

    response = client.get("/")
    assert response.status_code == 200
    assert response.data == b"\x00raw"
    assert response.headers["Content-Length"] == "4"


@pytest.mark.parametrize("value", [{"b": 1, "a": [1, 2]}, [1, "two", None]])
def test_view_returning_dict_or_list_is_json(app: Erlen, client: Any, value: Any) -> None:
    @app.route("/")
    def index() -> Any:
        return value

    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_json() == value


def test_view_returning_response(app: Erlen, client: Any) -> None:
    @app.route("/")
    def index() -> Response:
        return Response("made", status=201, headers={"X-Made": "1"}, mimetype="text/plain")

    response = client.get("/")
    assert response.status_code == 201
    assert response.data == b"made"
    assert response.headers["X-Made"] == "1"
    assert response.mimetype == "text/plain"


def test_view_returning_generator_is_streamed(app: Erlen) -> None:
    events: list[str] = []

    @app.route("/stream")
    def stream() -> Iterator[Any]:
        def generate() -> Iterator[Any]:
            events.append("first")
            yield "a"
            events.append("second")
            yield b"b"

        return generate()

    status, headers, body = call_wsgi(app, "/stream")
    assert status == "200 OK"
    assert "content-length" not in {name.lower() for name, _ in headers}
    assert events == []
    chunks = iter(body)
    assert next(chunks) == b"a"
    assert events == ["first"]
    assert list(chunks) == [b"b"]
    assert events == ["first", "second"]
    body.close()


def test_view_returning_generator_through_client(app: Erlen, client: Any) -> None:
    @app.route("/stream")
    def stream() -> Iterator[str]:
        return (f"{i}," for i in range(3))

    assert client.get("/stream").data == b"0,1,2,"


def test_view_returning_body_and_status(app: Erlen, client: Any) -> None:
    @app.route("/")
    def index() -> Any:
        return "created", 201

    response = client.get("/")
    assert response.status_code == 201
    assert response.data == b"created"


def test_view_returning_body_and_headers_dict(app: Erlen, client: Any) -> None:
    @app.route("/")
    def index() -> Any:
        return "with headers", {"X-One": "1", "Content-Type": "text/plain"}

    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["X-One"] == "1"
    assert response.headers["Content-Type"] == "text/plain"
    assert response.data == b"with headers"


def test_view_returning_body_status_and_headers_list(app: Erlen, client: Any) -> None:
    @app.route("/")
    def index() -> Any:
        return "all three", 202, [("X-Two", "2"), ("X-Two", "3")]

    response = client.get("/")
    assert response.status_code == 202
    assert response.headers.getlist("X-Two") == ["2", "3"]
    assert response.data == b"all three"


def test_view_returning_dict_with_status(app: Erlen, client: Any) -> None:
    @app.route("/")
    def index() -> Any:
        return {"error": "nope"}, 400

    response = client.get("/")
    assert response.status_code == 400
    assert response.get_json() == {"error": "nope"}


def test_view_returning_response_with_status_overrides_it(app: Erlen, client: Any) -> None:
    @app.route("/")
    def index() -> Any:
        return Response("r"), 203, {"X-Extra": "e"}

    response = client.get("/")
    assert response.status_code == 203
    assert response.headers["X-Extra"] == "e"


@pytest.mark.wsgi_only
@pytest.mark.parametrize(
    ("status", "code", "line"),
    [("299 Something Custom", 299, "299 Something Custom"), ("418", 418, "418 I'M A TEAPOT")],
)
def test_view_returning_status_as_string(
    app: Erlen, client: Any, status: str, code: int, line: str
) -> None:
    @app.route("/")
    def index() -> Any:
        return "x", status

    response = client.get("/")
    assert response.status_code == code
    assert response.status == line


def test_view_returning_none_raises_type_error_when_testing(app: Erlen, client: Any) -> None:
    @app.route("/none")
    def none_view() -> None:
        pass

    with pytest.raises(TypeError, match="did not return a valid response") as info:
        client.get("/none")
    assert "none_view" in str(info.value)


def test_view_returning_none_is_500_when_not_testing(app: Erlen, client: Any) -> None:
    app.testing = False

    @app.route("/none")
    def none_view() -> None:
        pass

    response = client.get("/none")
    assert response.status_code == 500
    assert "TypeError" not in response.text


def test_view_returning_invalid_type_names_it(app: Erlen, client: Any) -> None:
    @app.route("/bad")
    def bad() -> Any:
        return 42

    with pytest.raises(TypeError, match="did not return a valid response") as info:
        client.get("/bad")
    assert "int" in str(info.value)


def test_view_returning_wrong_tuple_length(app: Erlen, client: Any) -> None:
    @app.route("/bad")
    def bad() -> Any:
        return "a", 200, {}, "extra"

    with pytest.raises(TypeError, match="tuple"):
        client.get("/bad")


def test_view_returning_http_exception(app: Erlen, client: Any) -> None:
    @app.route("/forbidden")
    def forbidden() -> Any:
        return Forbidden("keep out")

    response = client.get("/forbidden")
    assert response.status_code == 403
    assert "keep out" in response.text


# -- request hooks -------------------------------------------------------------------------


def test_before_request_runs_in_order_and_can_short_circuit(app: Erlen, client: Any) -> None:
    calls: list[str] = []

    @app.before_request
    def first() -> None:
        calls.append("first")

    @app.before_request
    def second() -> Any:
        calls.append("second")
        if request.args.get("block"):
            return "blocked", 403
        return None

    @app.before_request
    def third() -> None:
        calls.append("third")

    @app.route("/")
    def index() -> str:
        calls.append("view")
        return "view"

    assert client.get("/").data == b"view"
    assert calls == ["first", "second", "third", "view"]
    calls.clear()
    response = client.get("/?block=1")
    assert response.status_code == 403
    assert response.data == b"blocked"
    assert calls == ["first", "second"]


def test_before_request_short_circuit_still_runs_after_request(app: Erlen, client: Any) -> None:
    @app.before_request
    def block() -> str:
        return "early"

    @app.after_request
    def mark(response: Response) -> Response:
        response.headers["X-After"] = "ran"
        return response

    @app.route("/")
    def index() -> str:
        return "view"

    response = client.get("/")
    assert response.data == b"early"
    assert response.headers["X-After"] == "ran"


def test_after_request_runs_in_reverse_registration_order(app: Erlen, client: Any) -> None:
    @app.after_request
    def registered_first(response: Response) -> Response:
        response.headers["X-Order"] = response.headers.get("X-Order", "") + "1"
        return response

    @app.after_request
    def registered_second(response: Response) -> Response:
        response.headers["X-Order"] = response.headers.get("X-Order", "") + "2"
        return response

    @app.route("/")
    def index() -> str:
        return "x"

    assert client.get("/").headers["X-Order"] == "21"


def test_after_request_can_replace_the_response(app: Erlen, client: Any) -> None:
    @app.after_request
    def replace(response: Response) -> Response:
        return Response(f"replaced {response.status_code}", status=202)

    @app.route("/")
    def index() -> str:
        return "original"

    response = client.get("/")
    assert response.status_code == 202
    assert response.data == b"replaced 200"


def test_after_request_runs_for_error_responses(app: Erlen, client: Any) -> None:
    app.testing = False

    @app.after_request
    def mark(response: Response) -> Response:
        response.headers["X-Status-Seen"] = str(response.status_code)
        return response

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    assert client.get("/missing").headers["X-Status-Seen"] == "404"
    assert client.get("/boom").headers["X-Status-Seen"] == "500"


def test_after_this_request_runs_before_after_request(app: Erlen, client: Any) -> None:
    @app.after_request
    def app_hook(response: Response) -> Response:
        response.headers["X-Order"] = response.headers.get("X-Order", "") + "app"
        return response

    @app.route("/")
    def index() -> str:
        @after_this_request
        def once(response: Response) -> Response:
            response.headers["X-Order"] = "once,"
            return response

        return "x"

    @app.route("/plain")
    def plain() -> str:
        return "x"

    assert client.get("/").headers["X-Order"] == "once,app"
    assert client.get("/plain").headers["X-Order"] == "app"


def test_after_this_request_outside_a_request_is_an_error(app: Erlen) -> None:
    with app.app_context(), pytest.raises(RuntimeError):
        after_this_request(lambda response: response)


def test_teardown_request_gets_none_after_success(app: Erlen, client: Any) -> None:
    seen: list[Any] = []

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        seen.append(("request", error))

    @app.teardown_appcontext
    def teardown_app(error: BaseException | None) -> None:
        seen.append(("app", error))

    @app.route("/")
    def index() -> str:
        seen.append("view")
        return "x"

    client.get("/")
    assert seen == ["view", ("request", None), ("app", None)]


def test_teardown_gets_the_exception_on_a_500(app: Erlen, client: Any) -> None:
    app.testing = False
    seen: list[Any] = []

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        seen.append(("request", error))

    @app.teardown_appcontext
    def teardown_app(error: BaseException | None) -> None:
        seen.append(("app", error))

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError("boom")

    assert client.get("/boom").status_code == 500
    assert [kind for kind, _ in seen] == ["request", "app"]
    assert all(isinstance(error, ZeroDivisionError) for _, error in seen)


def test_teardown_gets_the_exception_when_it_propagates(app: Erlen, client: Any) -> None:
    seen: list[Any] = []

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        seen.append(error)

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError):
        client.get("/boom")
    assert len(seen) == 1
    assert isinstance(seen[0], ZeroDivisionError)


def test_teardown_gets_none_when_an_error_handler_handled_it(app: Erlen, client: Any) -> None:
    seen: list[Any] = []

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        seen.append(error)

    @app.errorhandler(ZeroDivisionError)
    def handle(error: ZeroDivisionError) -> Any:
        return "handled", 400

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError("boom")

    assert client.get("/boom").status_code == 400
    assert seen == [None]


def test_teardown_request_functions_run_in_reverse_order(app: Erlen, client: Any) -> None:
    order: list[str] = []
    app.teardown_request(lambda error: order.append("first"))
    app.teardown_request(lambda error: order.append("second"))

    @app.route("/")
    def index() -> str:
        return "x"

    client.get("/")
    assert order == ["second", "first"]


def test_url_value_preprocessor_and_url_defaults(app: Erlen, client: Any) -> None:
    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
        g.lang = values.pop("lang", None) if values else None

    @app.url_defaults
    def add_lang(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint in ("page", "other") and "lang" not in values:
            values["lang"] = g.lang

    @app.route("/<lang>/page")
    def page() -> str:
        return f"{g.lang} {url_for('other')} {url_for('other', lang='fr')}"

    @app.route("/<lang>/other")
    def other() -> str:
        return "other"

    assert client.get("/de/page").text == "de /de/other /fr/other"


# -- error handlers ------------------------------------------------------------------------


def test_errorhandler_by_code_handles_abort(app: Erlen, client: Any) -> None:
    @app.errorhandler(404)
    def not_found(error: NotFound) -> Any:
        return f"custom 404: {type(error).__name__}", 404

    @app.route("/gone")
    def gone() -> str:
        abort(404)

    response = client.get("/gone")
    assert response.status_code == 404
    assert response.text == "custom 404: NotFound"


def test_errorhandler_for_routing_errors(app: Erlen, client: Any) -> None:
    @app.errorhandler(404)
    def not_found(error: NotFound) -> Any:
        return "no such page", 404

    @app.errorhandler(405)
    def not_allowed(error: MethodNotAllowed) -> Any:
        return f"not allowed: {request.method}", 405

    @app.route("/only-get")
    def only_get() -> str:
        return "x"

    missing = client.get("/missing")
    assert (missing.status_code, missing.text) == (404, "no such page")
    wrong = client.delete("/only-get")
    assert (wrong.status_code, wrong.text) == (405, "not allowed: DELETE")


def test_errorhandler_status_defaults_to_200_when_handler_gives_none(
    app: Erlen, client: Any
) -> None:
    @app.errorhandler(403)
    def forbidden(error: Forbidden) -> str:
        return "forbidden page"

    @app.route("/")
    def index() -> str:
        abort(403)

    response = client.get("/")
    assert response.status_code == 200
    assert response.text == "forbidden page"


def test_errorhandler_by_exception_class(app: Erlen, client: Any) -> None:
    class PaymentRequired(Exception):
        pass

    @app.errorhandler(PaymentRequired)
    def pay(error: PaymentRequired) -> Any:
        return f"pay: {error}", 402

    @app.route("/")
    def index() -> str:
        raise PaymentRequired("10 EUR")

    response = client.get("/")
    assert response.status_code == 402
    assert response.text == "pay: 10 EUR"


def test_errorhandler_most_specific_class_wins(app: Erlen, client: Any) -> None:
    @app.errorhandler(LookupError)
    def lookup(error: LookupError) -> str:
        return f"lookup {type(error).__name__}"

    @app.errorhandler(KeyError)
    def key(error: KeyError) -> str:
        return "key"

    @app.errorhandler(Exception)
    def anything(error: Exception) -> str:
        return f"anything {type(error).__name__}"

    @app.route("/<kind>")
    def raiser(kind: str) -> str:
        errors: dict[str, Exception] = {
            "key": KeyError("k"),
            "index": IndexError("i"),
            "value": ValueError("v"),
        }
        raise errors[kind]

    assert client.get("/key").text == "key"
    assert client.get("/index").text == "lookup IndexError"
    assert client.get("/value").text == "anything ValueError"


def test_errorhandler_for_subclass_found_through_mro(app: Erlen, client: Any) -> None:
    class AppError(Exception):
        pass

    class DatabaseError(AppError):
        pass

    class ConnectionLost(DatabaseError):
        pass

    @app.errorhandler(AppError)
    def app_error(error: AppError) -> Any:
        return f"app error {type(error).__name__}", 503

    @app.route("/")
    def index() -> str:
        raise ConnectionLost()

    response = client.get("/")
    assert response.status_code == 503
    assert response.text == "app error ConnectionLost"


def test_code_handler_preferred_over_http_exception_handler(app: Erlen, client: Any) -> None:
    @app.errorhandler(HTTPException)
    def any_http(error: HTTPException) -> Any:
        return f"http {error.code}", error.code

    @app.errorhandler(404)
    def not_found(error: NotFound) -> Any:
        return "specific 404", 404

    @app.route("/<int:code>")
    def index(code: int) -> str:
        abort(code)

    assert client.get("/404").text == "specific 404"
    assert client.get("/403").text == "http 403"
    assert client.get("/nowhere").text == "specific 404"
    assert client.post("/403").text == "http 405"


def test_exception_handler_also_catches_http_exceptions(app: Erlen, client: Any) -> None:
    @app.errorhandler(Exception)
    def anything(error: Exception) -> Any:
        return f"caught {type(error).__name__}", 418

    @app.route("/")
    def index() -> str:
        abort(403)

    assert client.get("/").text == "caught Forbidden"


def test_http_exception_handler_does_not_catch_trailing_slash_redirect(
    app: Erlen, client: Any
) -> None:
    @app.errorhandler(HTTPException)
    def any_http(error: HTTPException) -> Any:
        return "handled", 500

    @app.route("/dir/")
    def directory() -> str:
        return "dir"

    response = client.get("/dir")
    assert response.status_code == 308
    assert urlsplit(response.headers["Location"]).path == "/dir/"


def test_register_error_handler(app: Erlen, client: Any) -> None:
    def handle_value_error(error: ValueError) -> Any:
        return f"bad value: {error}", 400

    app.register_error_handler(ValueError, handle_value_error)
    app.register_error_handler(403, lambda error: ("no", 403))

    @app.route("/value")
    def value() -> str:
        raise ValueError("x")

    @app.route("/forbidden")
    def forbidden() -> str:
        abort(403)

    assert client.get("/value").text == "bad value: x"
    assert client.get("/forbidden").text == "no"


def test_500_handler_receives_internal_server_error_with_original(app: Erlen, client: Any) -> None:
    app.testing = False
    received: list[Any] = []

    @app.errorhandler(500)
    def server_error(error: InternalServerError) -> Any:
        received.append(error)
        return "custom 500", 500

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError("secret")

    response = client.get("/boom")
    assert response.status_code == 500
    assert response.text == "custom 500"
    assert isinstance(received[0], InternalServerError)
    assert isinstance(received[0].original_exception, ZeroDivisionError)


def test_500_handler_by_class_handles_abort_500(app: Erlen, client: Any) -> None:
    received: list[Any] = []

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError) -> Any:
        received.append(error)
        return "custom 500", 500

    @app.route("/")
    def index() -> str:
        abort(500)

    assert client.get("/").text == "custom 500"
    assert received[0].original_exception is None


def test_errorhandler_for_unknown_code_is_refused(app: Erlen) -> None:
    with pytest.raises(ValueError, match="999"):
        app.errorhandler(999)(lambda error: "x")
    with pytest.raises(ValueError, match="999"):
        app.register_error_handler(999, lambda error: "x")


def test_errorhandler_for_instance_is_refused(app: Erlen) -> None:
    with pytest.raises(TypeError, match="instance"):
        app.errorhandler(KeyError("x"))(lambda error: "x")  # type: ignore[arg-type]


def test_errorhandler_for_non_exception_class_is_refused(app: Erlen) -> None:
    with pytest.raises(ValueError, match="str"):
        app.errorhandler(str)(lambda error: "x")  # type: ignore[arg-type]


# -- unhandled exceptions ------------------------------------------------------------------


@pytest.fixture
def boom_app(app: Erlen) -> Erlen:
    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError("secret-detail-1234")

    return app


def test_unhandled_exception_is_a_bare_500_when_not_testing(
    boom_app: Erlen, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    boom_app.testing = False
    boom_app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Internal Server Error" in response.text
    for leak in ("secret-detail-1234", "ZeroDivisionError", "Traceback", "test_app.py"):
        assert leak not in response.text


def test_unhandled_exception_is_logged(
    boom_app: Erlen, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    boom_app.testing = False
    with caplog.at_level(logging.ERROR):
        client.get("/boom")
    records = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(records) == 1
    record = records[0]
    assert "/boom" in record.getMessage()
    assert "GET" in record.getMessage()
    assert record.exc_info is not None
    assert record.exc_info[0] is ZeroDivisionError
    assert record.name == boom_app.logger.name


def test_unhandled_exception_propagates_when_testing(boom_app: Erlen, client: Any) -> None:
    assert boom_app.testing
    with pytest.raises(ZeroDivisionError, match="secret-detail-1234"):
        client.get("/boom")


def test_unhandled_exception_propagates_with_propagate_exceptions(
    boom_app: Erlen, client: Any
) -> None:
    boom_app.testing = False
    boom_app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(ZeroDivisionError):
        client.get("/boom")


def test_propagate_exceptions_false_wins_over_testing(boom_app: Erlen, client: Any) -> None:
    boom_app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/boom").status_code == 500


def test_unhandled_exception_shows_the_debug_page_in_debug_mode(
    boom_app: Erlen, client: Any
) -> None:
    # Flask propagates to Werkzeug's debugger here; erlen renders its own page (test_debug.py).
    boom_app.testing = False
    boom_app.debug = True
    response = client.get("/boom")
    assert response.status_code == 500
    assert "secret-detail-1234" in response.text


def test_500_handler_not_used_when_exception_propagates(boom_app: Erlen, client: Any) -> None:
    boom_app.register_error_handler(500, lambda error: ("handled", 500))
    with pytest.raises(ZeroDivisionError):
        client.get("/boom")


def test_error_in_500_handler_still_gives_500(boom_app: Erlen, client: Any) -> None:
    boom_app.testing = False

    @boom_app.errorhandler(500)
    def broken(error: InternalServerError) -> str:
        raise RuntimeError("handler broke")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "handler broke" not in response.text


# -- setup is closed after the first request -----------------------------------------------


@pytest.mark.parametrize(
    ("name", "register"),
    [
        ("add_url_rule", lambda app: app.add_url_rule("/late", "late", lambda: "x")),
        ("before_request", lambda app: app.before_request(lambda: None)),
        ("after_request", lambda app: app.after_request(lambda r: r)),
        ("teardown_request", lambda app: app.teardown_request(lambda e: None)),
        ("teardown_appcontext", lambda app: app.teardown_appcontext(lambda e: None)),
        ("errorhandler", lambda app: app.errorhandler(404)(lambda e: "x")),
        ("register_error_handler", lambda app: app.register_error_handler(404, lambda e: "x")),
        ("url_value_preprocessor", lambda app: app.url_value_preprocessor(lambda e, v: None)),
        ("url_defaults", lambda app: app.url_defaults(lambda e, v: None)),
        ("endpoint", lambda app: app.endpoint("late")(lambda: "x")),
    ],
)
def test_setup_method_after_first_request_is_refused(
    app: Erlen, client: Any, name: str, register: Any
) -> None:
    @app.route("/")
    def index() -> str:
        return "x"

    client.get("/")
    with pytest.raises(AssertionError, match=f"'{name}'"):
        register(app)


def test_route_after_first_request_is_refused(app: Erlen, client: Any) -> None:
    client.get("/")
    with pytest.raises(AssertionError, match=r"'(route|add_url_rule)'"):
        app.route("/late")(lambda: "x")
    assert "late" not in app.view_functions


def test_a_converter_that_breaks_gives_a_logged_500_not_a_crash(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from erlen.http.routing import BaseConverter

    class Broken(BaseConverter):
        def to_python(self, value: str) -> object:
            raise ZeroDivisionError("converter bug detail")

    app = Erlen(__name__)
    app.url_map.converters["broken"] = Broken

    @app.get("/x/<broken:value>")
    def view(value: object) -> str:
        return "never"

    response = app.test_client().get("/x/1")
    assert response.status_code == 500
    assert b"converter bug detail" not in response.data
    assert "converter bug detail" in caplog.text
    app2 = Erlen(__name__)
    app2.testing = True
    app2.url_map.converters["broken"] = Broken
    app2.add_url_rule("/x/<broken:value>", "view", view)
    with pytest.raises(ZeroDivisionError):
        app2.test_client().get("/x/1")
