"""Tests for erlen.wrappers: what a view reads from ``request`` and what a ``Response`` sends."""

from __future__ import annotations

import gc
import io
import os
import typing as t
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from erlen import Erlen, Response, request
from erlen.http.datastructures import FileStorage, ImmutableMultiDict
from erlen.http.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType
from erlen.security import body_limits

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART_B = "multipart/form-data; boundary=BOUNDARY"


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.testing = True
    return app


def echo_app(reader: t.Callable[[], t.Any]) -> Erlen:
    """An app whose ``/`` (any method) returns what ``reader()`` gives, as JSON or text."""
    app = Erlen(__name__)
    app.testing = True

    @app.route("/", methods=["GET", "POST", "PUT"])
    def index() -> t.Any:
        return reader()

    return app


def upload(data: bytes, filename: str, content_type: str | None = None) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=filename, content_type=content_type)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def multipart(*parts: bytes, boundary: str = "BOUNDARY", end: bool = True) -> bytes:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + p + b"\r\n" for p in parts)
    return body + (b"--" + boundary.encode() + b"--\r\n" if end else b"")


def field(name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'Content-Disposition: form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"\r\nContent-Type: application/octet-stream'
    return disposition.encode() + b"\r\n\r\n" + value


# query string


def test_args_multi_values(app: Erlen) -> None:
    with app.test_request_context("/?a=1&a=2&b=x+y&c=%C3%A9&empty="):
        args = request.args
        assert args["a"] == "1"
        assert args.getlist("a") == ["1", "2"]
        assert args["b"] == "x y"
        assert args["c"] == "é"
        assert args["empty"] == ""
        assert args.get("missing") is None
        assert args.get("a", type=int) == 1
        assert isinstance(args, ImmutableMultiDict)


def test_args_from_query_string_argument(app: Erlen) -> None:
    with app.test_request_context("/", query_string={"q": "search term", "n": 3}):
        assert request.args.to_dict() == {"q": "search term", "n": "3"}


def test_args_are_immutable(app: Erlen) -> None:
    with app.test_request_context("/?a=1"):
        with pytest.raises(TypeError):
            request.args["a"] = "2"  # type: ignore[index]
        with pytest.raises(TypeError):
            request.args.add("b", "2")  # type: ignore[attr-defined]
        with pytest.raises(TypeError):
            del request.args["a"]  # type: ignore[attr-defined]
        with pytest.raises(TypeError):
            request.args.pop("a")
        copy = request.args.copy()
        copy["a"] = "changed"
        assert request.args["a"] == "1"


def test_missing_arg_in_view_is_400(app: Erlen) -> None:
    app.testing = False

    @app.route("/")
    def index() -> str:
        return t.cast(str, request.args["needed"])

    assert app.test_client().get("/").status_code == 400


# form and files


def test_form_urlencoded(app: Erlen) -> None:
    with app.test_request_context("/", method="POST", data={"name": "Ann Lee", "tags": ["a", "b"]}):
        assert request.mimetype == URLENCODED
        assert request.form["name"] == "Ann Lee"
        assert request.form.getlist("tags") == ["a", "b"]
        assert request.files.to_dict() == {}
        with pytest.raises(TypeError):
            request.form["name"] = "other"  # type: ignore[index]


def test_form_multipart_fields_and_files(app: Erlen, tmp_path: Path) -> None:
    data = {
        "title": "report",
        "upload": upload(b"file content", "report.txt", "text/plain"),
    }
    with app.test_request_context("/", method="POST", data=data):
        assert request.mimetype == "multipart/form-data"
        assert "boundary" in request.mimetype_params
        assert request.form.to_dict() == {"title": "report"}
        stored = request.files["upload"]
        assert isinstance(stored, FileStorage)
        assert stored.filename == "report.txt"
        assert stored.name == "upload"
        assert stored.content_type == "text/plain"
        assert stored.mimetype == "text/plain"
        assert stored.read() == b"file content"
        stored.stream.seek(0)
        target = tmp_path / "saved.txt"
        stored.save(target)
        assert target.read_bytes() == b"file content"


def test_several_files_under_one_name(app: Erlen) -> None:
    data = {"f": [upload(b"1", "one.bin"), upload(b"22", "two.bin")]}
    with app.test_request_context("/", method="POST", data=data):
        files = request.files.getlist("f")
        assert [f.filename for f in files] == ["one.bin", "two.bin"]
        assert [f.read() for f in files] == [b"1", b"22"]


def test_form_empty_for_other_content_types(app: Erlen) -> None:
    with app.test_request_context("/", method="POST", data="a=1", content_type="text/plain"):
        assert request.form.to_dict() == {}
        assert request.data == b"a=1"


def test_values_combines_args_and_form_for_post(app: Erlen) -> None:
    with app.test_request_context("/?a=1", method="POST", data={"b": "2"}):
        assert request.values["a"] == "1"
        assert request.values["b"] == "2"


def test_values_is_only_args_for_get(app: Erlen) -> None:
    with app.test_request_context("/?a=1", method="GET", data={"b": "2"}):
        assert request.values["a"] == "1"
        assert "b" not in request.values


# raw body


def test_data_and_get_data(app: Erlen) -> None:
    body = "héllo".encode()
    with app.test_request_context("/", method="POST", data=body, content_type="text/plain"):
        assert request.data == body
        assert request.get_data() == body
        assert request.get_data(as_text=True) == "héllo"


def test_get_data_then_form_still_parses(app: Erlen) -> None:
    with app.test_request_context("/", method="POST", data={"a": "1"}):
        assert request.get_data() == b"a=1"
        assert request.form["a"] == "1"


# JSON


def test_json(app: Erlen) -> None:
    with app.test_request_context("/", method="POST", json={"a": [1, 2], "b": None}):
        assert request.is_json
        assert request.json == {"a": [1, 2], "b": None}
        assert request.get_json() == {"a": [1, 2], "b": None}


def test_json_with_plus_json_mimetype(app: Erlen) -> None:
    with app.test_request_context(
        "/", method="POST", data="[1]", content_type="application/vnd.api+json"
    ):
        assert request.get_json() == [1]


def test_get_json_wrong_content_type_raises_415(app: Erlen) -> None:
    with app.test_request_context("/", method="POST", data="[1]", content_type="text/plain"):
        assert not request.is_json
        with pytest.raises(UnsupportedMediaType):
            request.get_json()
        assert request.get_json(silent=True) is None
        assert request.get_json(force=True) == [1]


def test_json_wrong_content_type_via_client_is_415() -> None:
    app = echo_app(lambda: {"got": request.json})
    response = app.test_client().post("/", data="[1]", content_type="text/plain")
    assert response.status_code == 415
    assert "application/json" in response.text


def test_json_silent_via_client() -> None:
    app = echo_app(lambda: {"got": request.get_json(silent=True)})
    client = app.test_client()
    assert client.post("/", data="[1]").get_json() == {"got": None}
    assert client.post("/", data="{", content_type="application/json").get_json() == {"got": None}


def test_json_force_via_client() -> None:
    app = echo_app(lambda: {"got": request.get_json(force=True)})
    assert app.test_client().post("/", data='{"a": 1}').get_json() == {"got": {"a": 1}}


@pytest.mark.parametrize(
    "body",
    [b"{", b'{"a": }', b'"\xff\xfe"', b"\xff", b"[" * 100_000 + b"]" * 100_000],
    ids=["truncated", "invalid", "invalid-utf8-string", "invalid-utf8", "deeply-nested"],
)
def test_malformed_json_is_400(body: bytes) -> None:
    app = echo_app(lambda: {"got": request.get_json()})
    response = app.test_client().post("/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.text


def test_malformed_json_raises_bad_request_in_context(app: Erlen) -> None:
    with app.test_request_context("/", method="POST", data="[", content_type="application/json"):
        with pytest.raises(BadRequest):
            request.get_json()


# headers, cookies, URL


def test_headers_are_case_insensitive(app: Erlen) -> None:
    with app.test_request_context("/", headers={"X-Custom-Token": "abc"}):
        assert request.headers["X-Custom-Token"] == "abc"
        assert request.headers["x-custom-token"] == "abc"
        assert request.headers["X-CUSTOM-TOKEN"] == "abc"
        assert request.headers.get("x-CUSTOM-token") == "abc"
        assert "x-custom-token" in request.headers
        assert request.headers.get("X-Missing") is None
        with pytest.raises(KeyError):
            request.headers["X-Missing"]


def test_cookies(app: Erlen) -> None:
    with app.test_request_context("/", headers={"Cookie": 'a=1; b="two words"; c='}):
        assert request.cookies["a"] == "1"
        assert request.cookies["b"] == "two words"
        assert request.cookies["c"] == ""
        assert "d" not in request.cookies


def test_url_parts(app: Erlen) -> None:
    with app.test_request_context(
        "/a/b?x=1&y=2", base_url="https://example.com:8443/root/", method="PUT"
    ):
        assert request.method == "PUT"
        assert request.path == "/a/b"
        assert request.full_path == "/a/b?x=1&y=2"
        assert request.script_root == "/root"
        assert request.url == "https://example.com:8443/root/a/b?x=1&y=2"
        assert request.base_url == "https://example.com:8443/root/a/b"
        assert request.url_root == "https://example.com:8443/root/"
        assert request.host == "example.com:8443"
        assert request.host_url == "https://example.com:8443/"
        assert request.scheme == "https"
        assert request.is_secure is True


def test_url_parts_plain_http(app: Erlen) -> None:
    with app.test_request_context("/page"):
        assert request.url == "http://localhost/page"
        assert request.full_path == "/page?"
        assert request.host == "localhost"
        assert request.host_url == "http://localhost/"
        assert request.scheme == "http"
        assert request.is_secure is False


def test_url_quotes_unsafe_characters(app: Erlen) -> None:
    with app.test_request_context("/a b/é"):
        assert request.path == "/a b/é"
        assert request.base_url == "http://localhost/a%20b/%C3%A9"


def test_remote_addr(app: Erlen) -> None:
    with app.test_request_context("/"):
        assert request.remote_addr is None  # as in Flask: a made-up request has no peer
    with app.test_client() as client:
        client.get("/")
        assert request.remote_addr == "127.0.0.1"  # the test client's environ_base
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        assert request.remote_addr == "10.1.2.3"


def test_content_type_and_length(app: Erlen) -> None:
    with app.test_request_context(
        "/", method="POST", data="abc", content_type="text/plain; charset=latin-1; format=x"
    ):
        assert request.content_type == "text/plain; charset=latin-1; format=x"
        assert request.mimetype == "text/plain"
        assert request.mimetype_params == {"charset": "latin-1", "format": "x"}
        assert request.content_length == 3
    with app.test_request_context("/"):
        assert request.mimetype == ""
        assert request.content_type is None


def test_user_agent_and_referrer(app: Erlen) -> None:
    headers = {"User-Agent": "TestAgent/1.0", "Referer": "https://example.com/from"}
    with app.test_request_context("/", headers=headers):
        assert str(request.user_agent) == "TestAgent/1.0"
        assert request.user_agent.string == "TestAgent/1.0"
        assert request.referrer == "https://example.com/from"
    with app.test_request_context("/"):
        assert request.referrer is None
        assert not request.user_agent


def test_routing_attributes_in_a_view(app: Erlen) -> None:
    @app.route("/users/<int:user_id>")
    def user(user_id: int) -> dict[str, t.Any]:
        return {
            "endpoint": request.endpoint,
            "view_args": request.view_args,
            "rule": str(request.url_rule),
            "blueprint": request.blueprint,
        }

    assert app.test_client().get("/users/7").get_json() == {
        "endpoint": "user",
        "view_args": {"user_id": 7},
        "rule": "/users/<int:user_id>",
        "blueprint": None,
    }


def test_routing_attributes_in_test_request_context(app: Erlen) -> None:
    # Flask matches the URL when the request context is created, so tests can read these.
    @app.route("/users/<int:user_id>")
    def user(user_id: int) -> str:
        return ""

    with app.test_request_context("/users/7"):
        assert request.endpoint == "user"
        assert request.view_args == {"user_id": 7}
        assert request.url_rule is not None
        assert request.url_rule.rule == "/users/<int:user_id>"
        assert request.blueprint is None


def test_routing_attributes_unmatched(app: Erlen) -> None:
    with app.test_request_context("/nowhere"):
        assert request.endpoint is None
        assert request.url_rule is None
        assert request.blueprint is None


# limits


def limited_app(**config: t.Any) -> Erlen:
    app = Erlen(__name__)
    app.config.update(config)

    @app.route("/", methods=["POST"])
    def index() -> t.Any:
        return {"form": request.form.to_dict(), "files": sorted(request.files)}

    @app.route("/data", methods=["POST"])
    def data() -> str:
        return str(len(request.get_data()))

    return app


def test_body_over_max_content_length_is_413() -> None:
    client = limited_app(MAX_CONTENT_LENGTH=100).test_client()
    assert client.post("/data", data=b"x" * 100).text == "100"
    assert client.post("/data", data=b"x" * 101).status_code == 413


def test_form_over_max_content_length_is_413() -> None:
    client = limited_app(MAX_CONTENT_LENGTH=100).test_client()
    file = upload(b"x" * 200, "big.bin")
    assert client.post("/", data={"f": file}).status_code == 413


def test_chunked_body_over_max_content_length_is_413() -> None:
    client = limited_app(MAX_CONTENT_LENGTH=100).test_client()
    response = client.post("/data", input_stream=io.BytesIO(b"x" * 101))
    assert response.status_code == 413
    response = client.post("/data", input_stream=io.BytesIO(b"x" * 100))
    assert response.text == "100"


def test_field_over_max_form_memory_size_is_413() -> None:
    client = limited_app(MAX_FORM_MEMORY_SIZE=50).test_client()
    file = upload(b"f" * 500, "a.bin")
    ok = client.post("/", data={"a": "x" * 40, "f": file})
    assert ok.status_code == 200
    assert ok.get_json() == {"form": {"a": "x" * 40}, "files": ["f"]}
    file = upload(b"f", "a.bin")
    assert client.post("/", data={"a": "x" * 60, "f": file}).status_code == 413
    assert client.post("/", data={"a": "x" * 60}).status_code == 413


def test_more_than_max_form_parts_is_413() -> None:
    client = limited_app(MAX_FORM_PARTS=3).test_client()
    three = {"a": "1", "b": "2", "c": "3"}
    assert client.post("/", data=three).status_code == 200
    assert client.post("/", data={**three, "d": "4"}).status_code == 413
    file = upload(b"x", "f.txt")
    assert client.post("/", data={**three, "f": file}).status_code == 413


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"--BOUNDARY\r\ngarbage", MULTIPART_B),
        (b"not multipart at all", MULTIPART_B),
        (multipart(field("a", b"1"), end=False), MULTIPART_B),
        (multipart(field("a", b"1")), "multipart/form-data"),
        (
            multipart(b"Content-Disposition: form-data\r\n\r\nx"),
            MULTIPART_B,
        ),
    ],
    ids=["garbage", "no-boundary-in-body", "no-closing-boundary", "no-boundary-param", "no-name"],
)
def test_malformed_multipart_is_400(body: bytes, content_type: str) -> None:
    client = limited_app().test_client()
    response = client.post("/", data=body, content_type=content_type)
    assert response.status_code == 400
    assert "multipart" in response.text


@pytest.mark.parametrize("body", [b"a=%zz", b"a=%4", b"%xx=1", b"a=%ff", b"a=\xff\xfe"])
def test_bad_urlencoded_body_is_400(body: bytes) -> None:
    client = limited_app().test_client()
    assert client.post("/", data=body, content_type=URLENCODED).status_code == 400


@pytest.mark.parametrize("query", ["a=%zz", "a=%4", "a=%ff", "%c3%28=1"])
def test_bad_query_string_is_400(query: str) -> None:
    app = echo_app(lambda: request.args.to_dict())
    assert app.test_client().get("/", query_string=query).status_code == 400


def test_non_utf8_path_is_400(app: Erlen) -> None:
    @app.route("/<name>")
    def page(name: str) -> str:
        return name

    client = app.test_client()
    assert client.get("/é").text == "é"
    response = client.get("/x", environ_overrides={"PATH_INFO": "/\xff"})
    assert response.status_code == 400
    assert "UTF-8" in response.text


@pytest.mark.wsgi_only
def test_view_raises_max_content_length_before_reading() -> None:
    """Under WSGI a view may still raise the limit before it reads the body; under ASGI the
    body is received before the view runs, so ``@body_limits`` (below) is the way there."""
    app = Erlen(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 100

    @app.route("/upload", methods=["POST"])
    def big_upload() -> str:
        request.max_content_length = 1000
        return str(len(request.get_data()))

    @app.route("/other", methods=["POST"])
    def other() -> str:
        return str(len(request.get_data()))

    client = app.test_client()
    assert client.post("/upload", data=b"x" * 500).text == "500"
    assert client.post("/upload", data=b"x" * 1001).status_code == 413
    assert client.post("/other", data=b"x" * 500).status_code == 413


def test_body_limits_raise_and_lower_one_views_limits_before_the_body_is_read() -> None:
    app = Erlen(__name__)
    app.config.update(MAX_CONTENT_LENGTH=100, MAX_FORM_PARTS=3)

    @app.route("/upload", methods=["POST"])
    @body_limits(max_content_length=1000)
    def big_upload() -> str:
        return str(len(request.get_data()))

    @app.route("/login", methods=["POST"])
    @body_limits(max_content_length=50, max_form_parts=2)
    def login() -> str:
        return ",".join(sorted(request.form))

    @app.route("/other", methods=["POST"])
    def other() -> str:
        return str(len(request.get_data()))

    client = app.test_client()
    assert client.post("/upload", data=b"x" * 500).text == "500"
    assert client.post("/upload", data=b"x" * 1001).status_code == 413
    assert client.post("/other", data=b"x" * 500).status_code == 413
    assert client.post("/login", data={"a": "1", "b": "2"}).text == "a,b"
    assert client.post("/login", data={"a": "1", "b": "2", "c": "3"}).status_code == 413
    form = "application/x-www-form-urlencoded"
    assert client.post("/login", data=b"x" * 60, content_type=form).status_code == 413
    with pytest.raises(ValueError, match="max_content_length"):
        body_limits(max_content_length=-1)


def test_view_lowers_max_content_length(app: Erlen) -> None:
    @app.route("/", methods=["POST"])
    def index() -> str:
        request.max_content_length = 10
        return str(len(request.get_data()))

    app.testing = False
    assert app.test_client().post("/", data=b"x" * 11).status_code == 413


def test_too_large_raises_in_request_context() -> None:
    app = Erlen(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 10
    with app.test_request_context("/", method="POST", data=b"x" * 11):
        with pytest.raises(RequestEntityTooLarge):
            request.get_data()


# uploaded files are closed


def test_uploaded_files_are_closed_after_the_request(app: Erlen) -> None:
    kept: list[FileStorage] = []

    @app.route("/", methods=["POST"])
    def index() -> str:
        kept.append(request.files["f"])
        return kept[-1].read().decode()

    response = app.test_client().post("/", data={"f": upload(b"data", "a.txt")})
    assert response.text == "data"
    assert kept[0].stream.closed


def test_large_upload_leaves_no_open_temporary_file(app: Erlen) -> None:
    big = b"x" * (700 * 1024)  # over the in-memory spool size: a real temporary file
    kept: list[FileStorage] = []  # a reference the view keeps must not keep the file open

    @app.route("/", methods=["POST"])
    def index() -> str:
        kept.append(request.files["f"])
        return str(len(kept[-1].read()))

    client = app.test_client()
    client.post("/", data={"f": upload(b"warm", "a.txt")})
    gc.collect()  # earlier tests' clients may still hold event loops that close when collected
    before = open_fds()
    assert client.post("/", data={"f": upload(big, "a.bin")}).text == str(len(big))
    assert open_fds() == before
    assert kept[-1].stream.closed


def test_malformed_upload_leaves_no_open_temporary_file() -> None:
    app = limited_app()
    kept: list[BaseException] = []  # the error's traceback keeps the parser's frames alive

    @app.errorhandler(400)
    def bad_request(error: BaseException) -> tuple[str, int]:
        kept.append(error)
        return "bad multipart", 400

    client = app.test_client()
    body = multipart(field("f", b"x" * (700 * 1024), filename="a.bin"), end=False)
    gc.collect()  # earlier tests' clients may still hold event loops that close when collected
    before = open_fds()
    response = client.post("/", data=body, content_type=MULTIPART_B)
    assert response.status_code == 400
    assert kept
    assert open_fds() == before


# Response


def test_response_defaults() -> None:
    response = Response("hello")
    assert response.status == "200 OK"
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    assert response.mimetype == "text/html"
    assert response.headers["Content-Length"] == "5"
    assert response.get_data() == b"hello"
    assert response.get_data(as_text=True) == "hello"


def test_response_constructor_forms() -> None:
    assert Response(b"raw").data == b"raw"
    assert Response("é").data == "é".encode()
    assert Response("é").content_length == 2
    assert Response().data == b""
    response = Response("x", 404, {"X-A": "1"}, mimetype="text/plain")
    assert response.status == "404 NOT FOUND"
    assert response.headers["X-A"] == "1"
    assert response.content_type == "text/plain; charset=utf-8"
    response = Response("x", headers=[("X-B", "1"), ("X-B", "2")])
    assert response.headers.getlist("X-B") == ["1", "2"]
    response = Response("{}", content_type="application/json")
    assert response.content_type == "application/json"


def test_response_status_strings() -> None:
    response = Response("x", status="201 CREATED")
    assert response.status_code == 201
    assert response.status == "201 CREATED"
    response = Response("x", status="299 Custom Thing")
    assert response.status_code == 299
    assert response.status == "299 Custom Thing"
    response = Response("x", status="404")
    assert response.status == "404 NOT FOUND"


def test_response_status_setters() -> None:
    response = Response()
    response.status_code = 404
    assert response.status == "404 NOT FOUND"
    response.status = 418
    assert response.status_code == 418
    assert response.status == "418 I'M A TEAPOT"
    response.status = "202 Accepted Later"
    assert response.status_code == 202
    assert response.status == "202 Accepted Later"
    response.status_code = 500
    assert response.status == "500 INTERNAL SERVER ERROR"


@pytest.mark.parametrize("status", ["", "abc", "20 OK", "200 OK\r\nX-Injected: 1"])
def test_response_invalid_status_raises(status: str) -> None:
    with pytest.raises(ValueError):
        Response("x", status=status)


@pytest.mark.wsgi_only
def test_custom_status_phrase_reaches_the_client(app: Erlen) -> None:
    @app.route("/")
    def index() -> Response:
        return Response("x", status="299 Custom Thing")

    response = app.test_client().get("/")
    assert response.status == "299 Custom Thing"
    assert response.status_code == 299


def test_response_headers() -> None:
    response = Response("x")
    response.headers["X-Frame"] = "DENY"
    response.headers.add("X-Multi", "1")
    response.headers.add("X-Multi", "2")
    assert response.headers["x-frame"] == "DENY"
    assert response.headers.getlist("X-Multi") == ["1", "2"]
    with pytest.raises(ValueError):
        response.headers["X-Bad"] = "a\r\nSet-Cookie: x=1"


def test_response_mimetype_and_content_type() -> None:
    assert Response("x", mimetype="text/plain").content_type == "text/plain; charset=utf-8"
    assert Response("x", mimetype="text/csv").content_type == "text/csv; charset=utf-8"
    assert Response("x", mimetype="application/json").content_type == "application/json"
    assert Response("x", mimetype="image/png").content_type == "image/png"
    assert Response("x", content_type="text/plain").content_type == "text/plain"
    response = Response("x")
    response.mimetype = "text/xml"
    assert response.content_type == "text/xml; charset=utf-8"
    assert response.mimetype == "text/xml"
    assert response.mimetype_params == {"charset": "utf-8"}
    response.content_type = "application/octet-stream"
    assert response.mimetype == "application/octet-stream"


def test_set_cookie_attributes() -> None:
    response = Response()
    response.set_cookie(
        "k",
        "v",
        max_age=60,
        path="/p",
        domain="example.com",
        secure=True,
        httponly=True,
        samesite="Strict",
    )
    (header,) = response.headers.getlist("Set-Cookie")
    parts = [part.strip() for part in header.split(";")]
    assert parts[0] == "k=v"
    assert "Max-Age=60" in parts
    assert "Path=/p" in parts
    assert "Domain=example.com" in parts
    assert "Secure" in parts
    assert "HttpOnly" in parts
    assert "SameSite=Strict" in parts
    assert any(part.startswith("Expires=") and part.endswith("GMT") for part in parts)


def test_set_cookie_defaults() -> None:
    response = Response()
    response.set_cookie("k", "v")
    assert response.headers.getlist("Set-Cookie") == ["k=v; Path=/"]


def test_set_cookie_expires_and_timedelta_max_age() -> None:
    response = Response()
    response.set_cookie("a", "1", expires=datetime(2030, 1, 1, tzinfo=UTC))
    response.set_cookie("b", "2", max_age=timedelta(hours=1))
    a, b = response.headers.getlist("Set-Cookie")
    assert "Expires=Tue, 01 Jan 2030 00:00:00 GMT" in a
    assert "Max-Age=3600" in b


def test_set_cookie_quotes_special_values() -> None:
    response = Response()
    response.set_cookie("k", "a;b")
    assert response.headers["Set-Cookie"].startswith('k="a\\073b"')


def test_delete_cookie() -> None:
    response = Response()
    response.delete_cookie("k", path="/p", domain="example.com")
    header = response.headers["Set-Cookie"]
    assert header.startswith("k=;")
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in header
    assert "Max-Age=0" in header
    assert "Path=/p" in header
    assert "Domain=example.com" in header


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\x00b"])
def test_set_cookie_rejects_control_characters(value: str) -> None:
    with pytest.raises(ValueError):
        Response().set_cookie("k", value)


def test_set_cookie_rejects_bad_name() -> None:
    with pytest.raises(ValueError):
        Response().set_cookie("k\n", "v")


def test_set_data_updates_content_length() -> None:
    response = Response("short")
    response.set_data("a longer body")
    assert response.headers["Content-Length"] == "13"
    response.data = "é".encode() * 3
    assert response.content_length == 6
    assert response.get_data(as_text=True) == "ééé"


def test_iterable_body() -> None:
    response = Response(iter([b"a", "b", b"c"]))
    assert response.is_streamed
    assert "Content-Length" not in response.headers
    assert response.get_data() == b"abc"
    assert response.get_data() == b"abc"  # read once, kept


def test_list_body_with_text_chunks() -> None:
    # Werkzeug encodes str chunks of a list body as it does for an iterator.
    response = Response(["a", b"b"])
    assert not response.is_streamed
    assert response.get_data() == b"ab"


def test_streamed_response_through_client(app: Erlen) -> None:
    @app.route("/")
    def index() -> Response:
        return Response((str(i) for i in range(3)), mimetype="text/plain")

    response = app.test_client().get("/")
    assert response.text == "012"
    assert response.mimetype == "text/plain"


def test_call_on_close_runs_after_the_body_was_consumed(app: Erlen) -> None:
    events: list[str] = []

    @app.route("/")
    def index() -> Response:
        def body() -> t.Iterator[bytes]:
            events.append("body")
            yield b"x"

        response = Response(body())
        response.call_on_close(lambda: events.append("closed"))
        return response

    @app.route("/list")
    def listed() -> Response:
        response = Response("y")

        @response.call_on_close
        def closed() -> None:
            events.append("list closed")

        return response

    client = app.test_client()
    assert client.get("/").text == "x"
    assert events == ["body", "closed"]
    assert client.get("/list").text == "y"
    assert events[-1] == "list closed"


def test_response_json() -> None:
    response = Response('{"a": [1, 2]}', mimetype="application/json")
    assert response.is_json
    assert response.json == {"a": [1, 2]}
    assert response.get_json() == {"a": [1, 2]}


def test_response_json_of_non_json_response_is_none() -> None:
    # Werkzeug: "If the mimetype does not indicate JSON, this returns None."
    response = Response("[1]", mimetype="text/plain")
    assert not response.is_json
    assert response.json is None
    assert response.get_json(force=True) == [1]


@pytest.mark.wsgi_only
def test_response_is_a_wsgi_app(app: Erlen) -> None:
    app.wsgi_app = Response("direct", status=203)  # type: ignore[assignment,method-assign]
    response = app.test_client().get("/anything")
    assert response.status_code == 203
    assert response.text == "direct"


def test_a_custom_request_class_is_used_under_both_protocols() -> None:
    from erlen import Request

    class ShopRequest(Request):
        @property
        def wants_json(self) -> bool:
            return "application/json" in self.headers.get("Accept", "")

    app = Erlen(__name__)
    app.request_class = ShopRequest

    @app.get("/")
    def index() -> dict[str, bool]:
        return {
            "subclass": isinstance(request._get_current_object(), ShopRequest),
            "wants_json": request.wants_json,
        }  # type: ignore[attr-defined]

    for asgi in (False, True):
        response = app.test_client(asgi=asgi).get("/", headers={"Accept": "application/json"})
        assert response.json == {"subclass": True, "wants_json": True}
