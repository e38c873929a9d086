"""Tests for erlen.adapters.wsgi: the app called as a WSGI application, with hand-made environs."""

from __future__ import annotations

import io
import sys
import typing as t

import pytest

from erlen import Erlen, Response, request, url_for


def make_environ(
    path: str = "/", method: str = "GET", body: bytes = b"", **extra: t.Any
) -> dict[str, t.Any]:
    environ: dict[str, t.Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    environ.update(extra)
    return environ


class Started:
    """A ``start_response`` that records what it was called with."""

    def __init__(self) -> None:
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Callable[[bytes], None]:
        self.status = status
        self.headers = headers
        return lambda data: None

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def call(app: t.Any, environ: dict[str, t.Any]) -> tuple[Started, bytes]:
    started = Started()
    body = app(environ, started)
    try:
        data = b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return started, data


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> str:
        return "hello"

    @app.route("/echo", methods=["POST"])
    def echo() -> bytes:
        return request.get_data()

    @app.route("/ignore-body", methods=["POST"])
    def ignore_body() -> str:
        return "ignored"

    return app


def test_status_line_and_header_list(app: Erlen) -> None:
    started, body = call(app, make_environ("/"))
    assert started.status == "200 OK"
    assert body == b"hello"
    assert isinstance(started.headers, list)
    assert all(
        type(pair) is tuple and type(pair[0]) is str and type(pair[1]) is str
        for pair in started.headers
    )
    assert started.header("Content-Type") == "text/html; charset=utf-8"
    assert started.header("Content-Length") == "5"


def test_not_found_status_line(app: Erlen) -> None:
    started, body = call(app, make_environ("/missing"))
    assert started.status == "404 NOT FOUND"
    assert b"Not Found" in body


def test_method_not_allowed(app: Erlen) -> None:
    started, _ = call(app, make_environ("/echo", method="GET"))
    assert started.status == "405 METHOD NOT ALLOWED"
    assert started.header("Allow") is not None


def test_unhandled_error_is_500(app: Erlen) -> None:
    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    started, body = call(app, make_environ("/boom"))
    assert started.status == "500 INTERNAL SERVER ERROR"
    assert b"boom" not in body


def test_head_has_no_body_but_the_same_content_length(app: Erlen) -> None:
    get_started, get_body = call(app, make_environ("/"))
    head_started, head_body = call(app, make_environ("/", method="HEAD"))
    assert head_started.status == "200 OK"
    assert head_body == b""
    assert head_started.header("Content-Length") == str(len(get_body)) == "5"
    assert head_started.header("Content-Type") == get_started.header("Content-Type")


def test_head_does_not_run_a_streamed_body(app: Erlen) -> None:
    ran: list[str] = []

    @app.route("/stream")
    def stream() -> t.Any:
        def generate() -> t.Iterator[str]:
            ran.append("body")
            yield "x"

        return generate()

    _, body = call(app, make_environ("/stream", method="HEAD"))
    assert body == b""
    assert ran == []


@pytest.mark.parametrize("code", [204, 304])
def test_no_body_statuses_have_no_body_and_no_content_type(app: Erlen, code: int) -> None:
    @app.route("/empty")
    def empty() -> Response:
        return Response("should not be sent", status=code)

    started, body = call(app, make_environ("/empty"))
    assert started.status.startswith(str(code))
    assert body == b""
    assert started.header("Content-Type") is None


def test_no_content_from_view_tuple(app: Erlen) -> None:
    @app.route("/delete", methods=["DELETE"])
    def delete() -> tuple[str, int]:
        return "", 204

    started, body = call(app, make_environ("/delete", method="DELETE"))
    assert started.status == "204 NO CONTENT"
    assert body == b""
    assert started.header("Content-Type") is None


def test_streamed_body_is_iterated_lazily(app: Erlen) -> None:
    events: list[str] = []

    @app.route("/stream")
    def stream() -> t.Any:
        def generate() -> t.Iterator[str]:
            for i in range(3):
                events.append(f"yield {i}")
                yield str(i)

        events.append("view returned")
        return generate()

    started = Started()
    body = app(make_environ("/stream"), started)
    assert started.status == "200 OK"
    assert started.header("Content-Length") is None
    assert events == ["view returned"]
    iterator = iter(body)
    assert next(iterator) == b"0"
    assert events == ["view returned", "yield 0"]
    assert list(iterator) == [b"1", b"2"]
    t.cast(t.Any, body).close()


def test_close_on_the_body_closes_the_generator(app: Erlen) -> None:
    events: list[str] = []

    @app.route("/stream")
    def stream() -> t.Any:
        def generate() -> t.Iterator[bytes]:
            try:
                yield b"first"
                events.append("second requested")
                yield b"second"
            finally:
                events.append("generator closed")

        return generate()

    body = app(make_environ("/stream"), Started())
    assert next(iter(body)) == b"first"
    assert events == []
    t.cast(t.Any, body).close()
    assert events == ["generator closed"]


def test_text_chunks_are_sent_as_bytes(app: Erlen) -> None:
    @app.route("/stream")
    def stream() -> t.Any:
        return (s for s in ["é", "x"])

    body = app(make_environ("/stream"), Started())
    chunks = list(body)
    assert chunks == ["é".encode(), b"x"]


def test_list_body_with_text_chunks_is_sent_as_bytes(app: Erlen) -> None:
    @app.route("/list")
    def listed() -> Response:
        return Response(["a", b"b"])

    body = app(make_environ("/list"), Started())
    chunks = list(body)
    assert all(type(chunk) is bytes for chunk in chunks)
    assert b"".join(chunks) == b"ab"


def test_wsgi_middleware_can_wrap_wsgi_app(app: Erlen) -> None:
    @app.route("/who")
    def who() -> str:
        return f"{request.headers.get('X-User')} {request.remote_addr} {request.path}"

    inner = app.wsgi_app

    def middleware(environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> t.Any:
        environ["HTTP_X_USER"] = "mw-user"
        environ["REMOTE_ADDR"] = "10.0.0.9"
        environ["PATH_INFO"] = "/who"
        return inner(environ, start_response)

    app.wsgi_app = middleware  # type: ignore[assignment,method-assign]
    started, body = call(app, make_environ("/anything"))
    assert started.status == "200 OK"
    assert body == b"mw-user 10.0.0.9 /who"
    assert app.test_client().get("/elsewhere").text == "mw-user 10.0.0.9 /who"


def test_script_name_mounts_the_app_under_a_prefix(app: Erlen) -> None:
    @app.route("/page")
    def page() -> str:
        return " ".join(
            [
                url_for("page"),
                url_for("page", _external=True),
                request.script_root,
                request.path,
                request.url,
            ]
        )

    started, body = call(app, make_environ("/page", SCRIPT_NAME="/mounted"))
    assert started.status == "200 OK"
    assert body.decode().split() == [
        "/mounted/page",
        "http://localhost/mounted/page",
        "/mounted",
        "/page",
        "http://localhost/mounted/page",
    ]


def test_redirect_for_missing_slash_keeps_script_name(app: Erlen) -> None:
    @app.route("/folder/")
    def folder() -> str:
        return ""

    started, _ = call(app, make_environ("/folder", SCRIPT_NAME="/mounted"))
    assert started.status.startswith("308")
    location = started.header("Location")
    assert location is not None
    assert location.endswith("/mounted/folder/")


def test_query_string_from_environ(app: Erlen) -> None:
    @app.route("/q")
    def q() -> str:
        return ",".join(request.args.getlist("a"))

    _, body = call(app, make_environ("/q", QUERY_STRING="a=1&a=%C3%A9"))
    assert body.decode() == "1,é"


def test_utf8_path_from_environ(app: Erlen) -> None:
    @app.route("/<name>")
    def named(name: str) -> str:
        return name

    # WSGI spells the path's UTF-8 bytes as latin-1 characters.
    _, body = call(app, make_environ("/é".encode().decode("latin-1")))
    assert body.decode() == "é"


def test_body_with_content_length(app: Erlen) -> None:
    started, body = call(
        app, make_environ("/echo", method="POST", body=b"hello", CONTENT_LENGTH="5")
    )
    assert started.status == "200 OK"
    assert body == b"hello"


def test_body_is_not_read_past_content_length(app: Erlen) -> None:
    _, body = call(
        app, make_environ("/echo", method="POST", body=b"hello, more", CONTENT_LENGTH="5")
    )
    assert body == b"hello"


def test_chunked_body_with_input_terminated_is_read(app: Erlen) -> None:
    environ = make_environ("/echo", method="POST", body=b"chunked body")
    environ["wsgi.input_terminated"] = True
    assert "CONTENT_LENGTH" not in environ
    started, body = call(app, environ)
    assert started.status == "200 OK"
    assert body == b"chunked body"


def test_body_without_length_or_terminator_is_empty(app: Erlen) -> None:
    # Without Content-Length the server may not mark the end; reading could block forever.
    _, body = call(app, make_environ("/echo", method="POST", body=b"unbounded"))
    assert body == b""


def test_body_shorter_than_content_length_is_400(app: Erlen) -> None:
    started, body = call(
        app, make_environ("/echo", method="POST", body=b"abc", CONTENT_LENGTH="10")
    )
    assert started.status == "400 BAD REQUEST"
    assert b"abc" not in body


@pytest.mark.parametrize("length", ["abc", "-1", "1.5", "\u0661"])
def test_invalid_content_length_is_400_when_the_body_is_read(app: Erlen, length: str) -> None:
    started, _ = call(app, make_environ("/echo", method="POST", body=b"abc", CONTENT_LENGTH=length))
    assert started.status == "400 BAD REQUEST"
    started, body = call(
        app, make_environ("/ignore-body", method="POST", body=b"abc", CONTENT_LENGTH=length)
    )
    assert started.status == "200 OK"
    assert body == b"ignored"


def test_body_over_max_content_length_is_413(app: Erlen) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 4
    started, _ = call(app, make_environ("/echo", method="POST", body=b"hello", CONTENT_LENGTH="5"))
    assert started.status == "413 REQUEST ENTITY TOO LARGE"
    environ = make_environ("/echo", method="POST", body=b"hello")
    environ["wsgi.input_terminated"] = True
    started, _ = call(app, environ)
    assert started.status == "413 REQUEST ENTITY TOO LARGE"


def test_https_scheme_from_environ(app: Erlen) -> None:
    @app.route("/scheme")
    def scheme() -> str:
        return f"{request.scheme} {request.is_secure} {request.host_url}"

    _, body = call(
        app,
        make_environ(
            "/scheme", **{"wsgi.url_scheme": "https", "SERVER_PORT": "443", "HTTP_HOST": "ex.org"}
        ),
    )
    assert body == b"https True https://ex.org/"


def test_host_from_server_name_without_host_header(app: Erlen) -> None:
    @app.route("/host")
    def host() -> str:
        return request.host

    _, body = call(app, make_environ("/host", SERVER_NAME="srv", SERVER_PORT="8080"))
    assert body == b"srv:8080"
