"""erlen.adapters.wsgi_helpers: Werkzeug's werkzeug.wsgi helpers on erlen."""

from __future__ import annotations

import io
import typing as t

import pytest

from erlen.adapters.wsgi_helpers import (
    ClosingIterator,
    FileWrapper,
    LimitedStream,
    get_content_length,
    get_current_url,
    get_host,
    get_input_stream,
    get_path_info,
    responder,
    wrap_file,
)
from erlen.http.exceptions import ClientDisconnected, RequestEntityTooLarge, SecurityError
from erlen.http.wrappers import Response


def environ(**values: t.Any) -> dict[str, t.Any]:
    base: dict[str, t.Any] = {
        "wsgi.url_scheme": "http",
        "SERVER_NAME": "server",
        "SERVER_PORT": "80",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
    }
    base.update(values)
    return base


def test_get_host_drops_default_ports_and_checks_trusted_hosts() -> None:
    assert get_host(environ()) == "server"
    assert get_host(environ(SERVER_PORT="8080")) == "server:8080"
    assert get_host(environ(HTTP_HOST="example.com:80")) == "example.com"
    assert get_host(environ(HTTP_HOST="example.com:443", **{"wsgi.url_scheme": "https"})) == (
        "example.com"
    )
    trusted = ["example.com", ".example.org"]
    assert get_host(environ(HTTP_HOST="api.example.org"), trusted) == "api.example.org"
    for host in ("evil.com", "evil.com/.example.org", "example.com@evil.com"):
        with pytest.raises(SecurityError) as info:
            get_host(environ(HTTP_HOST=host), trusted)
        assert info.value.code == 400


def test_get_current_url_parts() -> None:
    env = environ(
        HTTP_HOST="example.com",
        SCRIPT_NAME="/app",
        PATH_INFO="/caf\xc3\xa9 x",  # UTF-8 bytes as WSGI carries them
        QUERY_STRING="a=%20b&c=d",
    )
    assert get_current_url(env) == "http://example.com/app/café%20x?a=%20b&c=d"
    assert get_current_url(env, strip_querystring=True) == "http://example.com/app/café%20x"
    assert get_current_url(env, root_only=True) == "http://example.com/app/"
    assert get_current_url(env, host_only=True) == "http://example.com/"
    with pytest.raises(SecurityError):
        get_current_url(env, trusted_hosts=["other.example"])


def test_get_content_length_and_path_info() -> None:
    assert get_content_length({"CONTENT_LENGTH": "12"}) == 12
    assert get_content_length({}) is None
    assert get_content_length({"CONTENT_LENGTH": "-1"}) == 0
    assert get_content_length({"CONTENT_LENGTH": "²"}) == 0
    assert get_content_length({"CONTENT_LENGTH": "5", "HTTP_TRANSFER_ENCODING": "chunked"}) is None
    assert get_path_info({"PATH_INFO": "/\xc3\xa9\xff"}) == "/é\ufffd"


def test_get_input_stream_limits() -> None:
    body = io.BytesIO(b"hello world")
    assert get_input_stream({"wsgi.input": body, "CONTENT_LENGTH": "5"}).read() == b"hello"
    assert get_input_stream({"wsgi.input": io.BytesIO(b"endless")}).read() == b""
    raw = io.BytesIO(b"endless")
    assert get_input_stream({"wsgi.input": raw}, safe_fallback=False) is raw
    with pytest.raises(RequestEntityTooLarge):
        get_input_stream({"wsgi.input": body, "CONTENT_LENGTH": "100"}, max_content_length=10)
    terminated = {"wsgi.input": io.BytesIO(b"x" * 20), "wsgi.input_terminated": True}
    with pytest.raises(RequestEntityTooLarge):
        get_input_stream(terminated, max_content_length=10).read()


def test_limited_stream_werkzeug_signature() -> None:
    stream = LimitedStream(io.BytesIO(b"abcdef"), 4)
    assert stream.read(2) == b"ab" and stream.tell() == 2 and not stream.is_exhausted
    assert stream.read() == b"cd" and stream.is_exhausted and stream.read() == b""
    with pytest.raises(ClientDisconnected):
        LimitedStream(io.BytesIO(b"ab"), 4).read()
    with pytest.raises(RequestEntityTooLarge):
        LimitedStream(io.BytesIO(b"abcdef"), 4, is_max=True).read()
    assert LimitedStream(io.BytesIO(b"abc"), 4, is_max=True).read() == b"abc"


def test_closing_iterator_runs_callbacks_after_close() -> None:
    calls: list[str] = []

    class Body:
        def __iter__(self) -> t.Iterator[bytes]:
            return iter([b"a", b"b"])

        def close(self) -> None:
            calls.append("body")

    iterator = ClosingIterator(Body(), [lambda: calls.append("one"), lambda: calls.append("two")])
    assert list(iterator) == [b"a", b"b"] and calls == []
    iterator.close()
    assert calls == ["body", "one", "two"]
    ClosingIterator([b"x"], lambda: calls.append("single")).close()
    assert calls[-1] == "single"


def test_file_wrapper_and_wrap_file() -> None:
    file = io.BytesIO(b"abcdefgh")
    wrapper = FileWrapper(file, 3)
    assert wrapper.seekable() and wrapper.buffer_size == 3
    wrapper.seek(2)
    assert wrapper.tell() == 2
    assert list(wrapper) == [b"cde", b"fgh"]
    wrapper.close()
    assert file.closed
    assert isinstance(wrap_file({}, io.BytesIO(b"x")), FileWrapper)
    marker = object()
    assert wrap_file({"wsgi.file_wrapper": lambda f, size: marker}, io.BytesIO()) is marker


def test_responder_serves_the_returned_app() -> None:
    @responder
    def application(environ: dict[str, t.Any], start_response: t.Any) -> Response:
        return Response(f"path {environ['PATH_INFO']}")

    statuses: list[str] = []
    body = application(environ(PATH_INFO="/x"), lambda status, headers: statuses.append(status))
    assert b"".join(body) == b"path /x" and statuses == ["200 OK"]
    assert application.__name__ == "application"
