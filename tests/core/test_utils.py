"""erlen.core.utils: Werkzeug's werkzeug.utils names on erlen."""

from __future__ import annotations

import os
import typing as t
from pathlib import Path

import pytest

from erlen import Erlen
from erlen.core.utils import (
    ImportStringError,
    append_slash_redirect,
    cached_property,
    environ_property,
    find_modules,
    get_content_type,
    header_property,
    import_string,
    invalidate_cached_property,
    redirect,
    secure_filename,
    send_file,
    send_from_directory,
)
from erlen.http.datastructures import Headers
from erlen.http.exceptions import NotFound
from erlen.http.wrappers import Response


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    @cached_property
    def value(self) -> int:
        self.calls += 1
        return self.calls * 10


class Slotted:
    __slots__ = ("__dict__", "calls")

    def __init__(self) -> None:
        self.calls = 0

    @cached_property
    def value(self) -> int:
        self.calls += 1
        return 42


class SlotsOnly:
    __slots__ = ("_cache_value",)

    @cached_property
    def value(self) -> str:
        return "computed"


def test_cached_property_computes_once_and_can_be_set_and_deleted() -> None:
    obj = Counter()
    assert obj.value == 10 and obj.value == 10 and obj.calls == 1
    obj.value = 5
    assert obj.value == 5 and obj.__dict__["value"] == 5
    del obj.value
    assert obj.value == 20
    invalidate_cached_property(obj, "value")
    assert obj.value == 30
    with pytest.raises(TypeError):
        invalidate_cached_property(obj, "calls")
    assert isinstance(Counter.value, property)
    assert Counter.value.__name__ == "value"


def test_cached_property_with_slots() -> None:
    slotted = Slotted()
    assert slotted.value == 42 and slotted.value == 42 and slotted.calls == 1
    only = SlotsOnly()
    assert only.value == "computed"
    only.value = "set"
    assert only.value == "set"
    del only.value
    assert only.value == "computed"


class Holder:
    def __init__(self, environ: dict[str, t.Any]) -> None:
        self.environ = environ
        self.headers = Headers()

    remote = environ_property[str]("REMOTE_ADDR")
    port = environ_property("SERVER_PORT", default=0, load_func=int)
    retry = header_property("Retry-After", default=None, load_func=int, dump_func=str)


def test_environ_and_header_properties() -> None:
    holder = Holder({"REMOTE_ADDR": "10.0.0.1", "SERVER_PORT": "not a port"})
    assert holder.remote == "10.0.0.1"
    assert holder.port == 0  # a malformed value reads as the default
    with pytest.raises(AttributeError, match="read-only"):
        holder.remote = "x"
    assert holder.retry is None
    holder.retry = 30
    assert holder.headers["Retry-After"] == "30" and holder.retry == 30
    del holder.retry
    assert "Retry-After" not in holder.headers


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("My cool movie.mov", "My_cool_movie.mov"),
        ("../../../etc/passwd", "etc_passwd"),
        ("..\\..\\windows\\system32", "windows_system32"),
        ("i contain cool \xfcml\xe4uts.txt", "i_contain_cool_umlauts.txt"),
        ("__filename__", "filename"),
        ("foo$&^*)bar", "foobar"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("/", ""),
        ("日本語", ""),
        ("a\x00b.txt", "ab.txt"),
    ],
)
def test_secure_filename(name: str, safe: str) -> None:
    assert secure_filename(name) == safe


def test_redirect_and_append_slash_redirect() -> None:
    response = redirect("/target?a=1 2", 301)
    assert response.status_code == 301
    assert response.headers["Location"] == "/target?a=1%202"
    with pytest.raises(ValueError):
        redirect("/x\r\nSet-Cookie: a=b")
    custom = redirect("/x", Response=type("Custom", (Response,), {}))
    assert type(custom).__name__ == "Custom"
    slash = append_slash_redirect({"PATH_INFO": "/docs/page", "QUERY_STRING": "q=1"})
    assert slash.status_code == 308 and slash.headers["Location"] == "page/?q=1"
    assert append_slash_redirect({"PATH_INFO": "/"}).headers["Location"] == "./"


def test_import_string_and_its_error() -> None:
    assert import_string("os.path:join") is os.path.join
    assert import_string("os.path.join") is os.path.join
    assert import_string("os.path") is os.path
    assert import_string("no_such_module_anywhere.x", silent=True) is None
    with pytest.raises(ImportStringError) as info:
        import_string("os.path.no_such_name")
    assert info.value.import_name == "os.path.no_such_name"
    assert "os.path.no_such_name" in str(info.value)


def test_find_modules() -> None:
    assert set(find_modules("erlen.json")) == {"erlen.json.provider", "erlen.json.tag"}
    assert "erlen.security.passwords" in set(find_modules("erlen", recursive=True))
    assert "erlen.security" in set(find_modules("erlen", include_packages=True))
    with pytest.raises(ValueError, match="not a package"):
        list(find_modules("erlen.core.utils"))


def test_get_content_type() -> None:
    assert get_content_type("text/plain", "utf-8") == "text/plain; charset=utf-8"
    assert get_content_type("application/xml", "latin-1") == "application/xml; charset=latin-1"
    assert get_content_type("image/png", "utf-8") == "image/png"


def environ_for(headers: dict[str, str] | None = None) -> dict[str, t.Any]:
    environ: dict[str, t.Any] = {"REQUEST_METHOD": "GET"}
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def test_send_file_answers_the_environ_conditional_headers(tmp_path: Path) -> None:
    path = tmp_path / "hello.txt"
    path.write_bytes(b"hello world")
    response = send_file(str(path), environ_for())
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert b"".join(response.response) == b"hello world"
    etag = response.headers["ETag"]
    cached = send_file(str(path), environ_for({"If-None-Match": etag}))
    assert cached.status_code == 304
    part = send_file(str(path), environ_for({"Range": "bytes=0-4"}))
    assert part.status_code == 206 and b"".join(part.response) == b"hello"
    assert part.headers["Content-Range"] == "bytes 0-4/11"
    attachment = send_file(str(path), environ_for(), as_attachment=True, download_name="a b.txt")
    assert attachment.headers["Content-Disposition"].startswith("attachment;")
    relative = send_file("hello.txt", environ_for(), _root_path=str(tmp_path))
    assert b"".join(relative.response) == b"hello world"
    x_sendfile = send_file(str(path), environ_for(), use_x_sendfile=True)
    assert x_sendfile.headers["X-Sendfile"] == str(path) and list(x_sendfile.response) == []
    custom_class = type("Custom", (Response,), {})
    assert isinstance(send_file(str(path), None, response_class=custom_class), custom_class)


def test_send_from_directory_keeps_erlen_safety(tmp_path: Path) -> None:
    public = tmp_path / "public"
    public.mkdir()
    (public / "ok.txt").write_text("ok")
    (tmp_path / "secret.txt").write_text("secret")
    (public / "link.txt").symlink_to(tmp_path / "secret.txt")
    ok = send_from_directory(str(public), "ok.txt", environ_for())
    assert b"".join(ok.response) == b"ok"
    for path in ("../secret.txt", "/etc/passwd", "link.txt", "missing.txt", "..\\secret.txt"):
        with pytest.raises(NotFound):
            send_from_directory(str(public), path, environ_for())


def test_werkzeug_send_file_in_a_view(tmp_path: Path) -> None:
    (tmp_path / "data.bin").write_bytes(b"0123456789")
    app = Erlen(__name__)

    @app.route("/file")
    def file() -> Response:
        from erlen import request

        return send_from_directory(str(tmp_path), "data.bin", request.environ)

    client = app.test_client()
    response = client.get("/file", headers={"Range": "bytes=2-3"})
    assert response.status_code == 206 and response.data == b"23"
