"""Tests for erlen.sendfile: ``send_file``, ``send_from_directory``, ``safe_join`` and conditional
responses, through the test client over WSGI and ASGI, as a Flask user relies on them."""

from __future__ import annotations

import builtins
import gc
import io
import os
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

import erlen
from erlen import Erlen, Response, request, send_file, send_from_directory
from erlen.core.sendfile import CHUNK_SIZE
from erlen.http import http_date, parse_date
from erlen.http.exceptions import NotFound
from erlen.security import safe_join
from erlen.tools.testing import ErlenClient

CONTENT = b"0123456789abcdefghij"  # 20 bytes


@pytest.fixture(params=["wsgi", "asgi"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """``tmp_path/files`` with a text file, a subfolder, and a secret beside (not in) it."""
    folder = tmp_path / "files"
    (folder / "sub").mkdir(parents=True)
    (folder / "data.txt").write_bytes(CONTENT)
    (folder / "sub" / "page.html").write_text("<p>sub</p>")
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    return folder


@pytest.fixture
def app(tmp_path: Path, files: Path) -> Erlen:
    app = Erlen(__name__, root_path=str(tmp_path))
    app.config["TESTING"] = True

    @app.route("/file")
    def file_view() -> Response:
        return send_file(files / "data.txt")

    @app.route("/dl")
    def dl() -> Response:
        return send_from_directory(files, request.args["path"])

    @app.route("/dl/<path:name>")
    def dl_path(name: str) -> Response:
        return send_from_directory("files", name)

    return app


@pytest.fixture
def client(app: Erlen, protocol: str) -> ErlenClient:
    return app.test_client(asgi=protocol == "asgi")


def open_fds() -> int:
    gc.collect()  # clients and event loops left by earlier tests close their fds when collected
    return len(os.listdir("/proc/self/fd"))


# send_file with a path


def test_send_file_sends_the_file_with_its_headers(client: ErlenClient, files: Path) -> None:
    response = client.get("/file")
    assert response.status_code == 200
    assert response.data == CONTENT
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Length"] == "20"
    assert response.headers["Content-Disposition"] == "inline; filename=data.txt"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Cache-Control"] == "no-cache"
    stat = os.stat(files / "data.txt")
    assert response.headers["Last-Modified"] == http_date(stat.st_mtime)
    path = str(files / "data.txt")
    check = zlib.adler32(path.encode()) & 0xFFFFFFFF
    assert response.headers["ETag"] == f'"{stat.st_mtime}-{stat.st_size}-{check}"'


def test_etag_changes_when_the_file_changes(client: ErlenClient, files: Path) -> None:
    before = client.get("/file").headers["ETag"]
    (files / "data.txt").write_bytes(CONTENT + b"more")
    os.utime(files / "data.txt", (time.time() + 5, time.time() + 5))
    response = client.get("/file", headers={"If-None-Match": before})
    assert response.status_code == 200
    assert response.headers["ETag"] != before
    assert response.data == CONTENT + b"more"


@pytest.mark.parametrize(
    ("name", "mimetype"),
    [
        ("style.css", "text/css; charset=utf-8"),
        ("photo.png", "image/png"),
        ("data.json", "application/json"),
        ("archive.unknownext", "application/octet-stream"),
    ],
)
def test_mimetype_is_guessed_from_the_name(
    app: Erlen, client: ErlenClient, files: Path, name: str, mimetype: str
) -> None:
    (files / name).write_bytes(b"x")
    response = client.get(f"/dl/{name}")
    assert response.headers["Content-Type"] == mimetype


def test_compressed_file_gets_content_encoding(client: ErlenClient, files: Path) -> None:
    (files / "data.json.gz").write_bytes(b"gz")
    response = client.get("/dl/data.json.gz")
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Content-Encoding"] == "gzip"


def test_relative_path_is_relative_to_root_path(app: Erlen, client: ErlenClient) -> None:
    @app.route("/relative")
    def relative() -> Response:
        return send_file("files/data.txt")

    assert client.get("/relative").data == CONTENT


def test_options_override_the_defaults(app: Erlen, client: ErlenClient, files: Path) -> None:
    modified = datetime(2020, 5, 17, 10, 30, tzinfo=UTC)

    @app.route("/custom")
    def custom() -> Response:
        return send_file(
            files / "data.txt",
            mimetype="application/x-custom",
            etag="v1",
            last_modified=modified,
        )

    @app.route("/no-etag")
    def no_etag() -> Response:
        return send_file(files / "data.txt", etag=False)

    response = client.get("/custom")
    assert response.headers["Content-Type"] == "application/x-custom"
    assert response.headers["ETag"] == '"v1"'
    assert response.headers["Last-Modified"] == "Sun, 17 May 2020 10:30:00 GMT"
    assert "ETag" not in client.get("/no-etag").headers
    assert client.get("/custom", headers={"If-None-Match": '"v1"'}).status_code == 304


def test_large_file_is_streamed_in_chunks(app: Erlen, files: Path) -> None:
    big = os.urandom(CHUNK_SIZE * 2 + 10)
    (files / "big.bin").write_bytes(big)
    with app.test_request_context():
        response = send_file(files / "big.bin")
        assert response.is_streamed
        chunks = list(response.response)
    assert len(chunks) == 3
    assert b"".join(chunks) == big
    for asgi in (False, True):
        client = app.test_client(asgi=asgi)
        assert client.get("/dl?path=big.bin").data == big


def test_directory_path_is_refused(app: Erlen, files: Path) -> None:
    with app.test_request_context(), pytest.raises(ValueError, match="regular file"):
        send_file(files / "sub")


# send_file with a file object


def test_send_bytesio_with_download_name(app: Erlen, client: ErlenClient) -> None:
    @app.route("/report")
    def report() -> Response:
        return send_file(io.BytesIO(b"a,b\n1,2\n"), download_name="report.csv")

    response = client.get("/report")
    assert response.data == b"a,b\n1,2\n"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Length"] == "8"
    assert response.headers["Content-Disposition"] == "inline; filename=report.csv"
    assert "ETag" not in response.headers


def test_file_object_mimetype_comes_from_its_name(
    app: Erlen, client: ErlenClient, files: Path
) -> None:
    @app.route("/opened")
    def opened() -> Response:
        return send_file(open(files / "sub" / "page.html", "rb"))

    response = client.get("/opened")
    assert response.data == b"<p>sub</p>"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Content-Disposition" not in response.headers


def test_file_object_without_a_name_needs_a_mimetype(app: Erlen) -> None:
    with app.test_request_context():
        with pytest.raises(ValueError, match="mimetype"):
            send_file(io.BytesIO(b"x"))
        with pytest.raises(TypeError):  # what Werkzeug raises, for code that catches it
            send_file(io.BytesIO(b"x"))
        with pytest.raises(ValueError, match="attachment needs a name"):
            send_file(io.BytesIO(b"x"), mimetype="text/plain", as_attachment=True)
        response = send_file(io.BytesIO(b"x"), mimetype="text/plain")
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        response.close()


def test_text_mode_file_is_refused(app: Erlen) -> None:
    with app.test_request_context(), pytest.raises(ValueError, match="binary mode"):
        send_file(io.StringIO("text"), mimetype="text/plain")


class TrackedFile(io.BytesIO):
    """A file object that remembers whether it was closed."""

    instances: list[TrackedFile] = []

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.was_closed = False
        TrackedFile.instances.append(self)

    def close(self) -> None:
        self.was_closed = True
        super().close()


@pytest.mark.parametrize(
    ("method", "headers", "status"),
    [
        ("GET", {}, 200),
        ("HEAD", {}, 200),
        ("GET", {"If-None-Match": '"tag"'}, 304),
        ("GET", {"Range": "bytes=2-4"}, 206),
        ("GET", {"Range": "bytes=99-"}, 416),
        ("GET", {"If-Match": '"other"'}, 412),
    ],
)
def test_file_object_is_closed_after_the_response(
    app: Erlen, client: ErlenClient, method: str, headers: dict[str, str], status: int
) -> None:
    TrackedFile.instances.clear()

    @app.route("/tracked")
    def tracked() -> Response:
        return send_file(TrackedFile(CONTENT), download_name="t.txt", etag="tag")

    response = client.open("/tracked", method=method, headers=headers)
    assert response.status_code == status
    assert len(TrackedFile.instances) == 1
    assert TrackedFile.instances[0].was_closed


@pytest.mark.parametrize(
    "headers",
    [{}, {"Range": "bytes=0-3"}, {"Range": "bytes=500-"}, {"If-Modified-Since": "x"}],
)
def test_no_file_descriptor_outlives_a_request(
    client: ErlenClient, headers: dict[str, str]
) -> None:
    client.get("/file")  # warm up: imports, thread pools and event loops open their own fds
    before = open_fds()
    for _ in range(5):
        client.get("/file", headers=headers)
        client.head("/file", headers=headers)
        response = client.get("/file")
        client.get("/file", headers={"If-None-Match": response.headers["ETag"]})
    assert open_fds() == before


# Content-Disposition


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "attachment; filename=report.pdf"),
        ("my report.pdf", 'attachment; filename="my report.pdf"'),
        (
            'say "hi".txt',
            "attachment; filename=\"say _hi_.txt\"; filename*=UTF-8''say%20%22hi%22.txt",
        ),
        (
            "back\\slash.txt",
            "attachment; filename=back_slash.txt; filename*=UTF-8''back%5Cslash.txt",
        ),
        (
            "naïve café.txt",
            "attachment; filename=\"naive cafe.txt\"; filename*=UTF-8''na%C3%AFve%20caf%C3%A9.txt",
        ),
        (
            "日本語.txt",
            "attachment; filename=.txt; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.txt",
        ),
        ("100%.txt", "attachment; filename=100_.txt; filename*=UTF-8''100%25.txt"),
        ("evil\r\nSet-Cookie: a=b.txt", 'attachment; filename="evil__Set-Cookie: a=b.txt"'),
        ("tab\there.txt", "attachment; filename=tab_here.txt"),
    ],
)
def test_attachment_names_are_encoded_safely(
    app: Erlen, client: ErlenClient, name: str, expected: str
) -> None:
    @app.route("/download")
    def download() -> Response:
        return send_file(io.BytesIO(b"x"), download_name=name, as_attachment=True)

    response = client.get("/download")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == expected
    assert response.headers.getlist("Set-Cookie") == []


def test_filename_star_decodes_to_the_exact_name(app: Erlen, client: ErlenClient) -> None:
    name = 'Ünïcødé "quoted" \\ name €.txt'

    @app.route("/download")
    def download() -> Response:
        return send_file(io.BytesIO(b"x"), download_name=name, as_attachment=True)

    value = client.get("/download").headers["Content-Disposition"]
    encoded = value.split("filename*=UTF-8''", 1)[1]
    assert encoded == quote(name, safe="!#$&+-.^_`|~")
    assert value.isascii()


def test_download_name_renames_a_path(app: Erlen, client: ErlenClient, files: Path) -> None:
    @app.route("/export")
    def export() -> Response:
        return send_file(files / "data.txt", as_attachment=True, download_name="export.csv")

    response = client.get("/export")
    assert response.headers["Content-Disposition"] == "attachment; filename=export.csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


# caching


@pytest.mark.parametrize(
    ("config", "max_age", "cache_control", "expires_in"),
    [
        (None, None, "no-cache", None),
        (3600, None, "public, max-age=3600", 3600),
        (timedelta(hours=2), None, "public, max-age=7200", 7200),
        (None, 60, "public, max-age=60", 60),
        (3600, 0, "no-cache, max-age=0", 0),
        (None, lambda path: 120 if path.endswith(".txt") else None, "public, max-age=120", 120),
    ],
)
def test_max_age(
    app: Erlen,
    client: ErlenClient,
    files: Path,
    config: Any,
    max_age: Any,
    cache_control: str,
    expires_in: int | None,
) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = config

    @app.route("/cached")
    def cached() -> Response:
        return send_file(files / "data.txt", max_age=max_age)

    response = client.get("/cached")
    assert response.headers["Cache-Control"] == cache_control
    if expires_in is None:
        assert "Expires" not in response.headers
    else:
        expires = parse_date(response.headers["Expires"])
        assert expires is not None
        assert abs(expires.timestamp() - (time.time() + expires_in)) < 5


# conditional requests


def test_if_none_match_gives_304_without_body(client: ErlenClient) -> None:
    etag = client.get("/file").headers["ETag"]
    for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"nope", W/{etag}'}):
        response = client.get("/file", headers=headers)
        assert response.status_code == 304
        assert response.data == b""
        assert response.headers["ETag"] == etag
        assert "Content-Length" not in response.headers
    assert client.get("/file", headers={"If-None-Match": "*"}).status_code == 304
    response = client.get("/file", headers={"If-None-Match": '"other"'})
    assert response.status_code == 200
    assert response.data == CONTENT


def test_if_modified_since(client: ErlenClient) -> None:
    last_modified = client.get("/file").headers["Last-Modified"]
    assert client.get("/file", headers={"If-Modified-Since": last_modified}).status_code == 304
    later = http_date(time.time() + 3600)
    assert client.get("/file", headers={"If-Modified-Since": later}).status_code == 304
    earlier = "Sat, 01 Jan 2000 00:00:00 GMT"
    response = client.get("/file", headers={"If-Modified-Since": earlier})
    assert response.status_code == 200
    assert response.data == CONTENT
    response = client.get("/file", headers={"If-Modified-Since": "not a date"})
    assert response.status_code == 200


def test_if_none_match_wins_over_if_modified_since(client: ErlenClient) -> None:
    last_modified = client.get("/file").headers["Last-Modified"]
    headers = {"If-None-Match": '"stale"', "If-Modified-Since": last_modified}
    response = client.get("/file", headers=headers)
    assert response.status_code == 200
    assert response.data == CONTENT


def test_if_match(client: ErlenClient) -> None:
    etag = client.get("/file").headers["ETag"]
    assert client.get("/file", headers={"If-Match": etag}).status_code == 200
    assert client.get("/file", headers={"If-Match": "*"}).status_code == 200
    response = client.get("/file", headers={"If-Match": '"other"'})
    assert response.status_code == 412
    assert response.data == b""
    assert client.get("/file", headers={"If-Match": f"W/{etag}"}).status_code == 412
    old = "Sat, 01 Jan 2000 00:00:00 GMT"
    assert client.get("/file", headers={"If-Unmodified-Since": old}).status_code == 412


def test_conditional_false_ignores_the_request_headers(
    app: Erlen, client: ErlenClient, files: Path
) -> None:
    @app.route("/plain")
    def plain() -> Response:
        return send_file(files / "data.txt", conditional=False)

    etag = client.get("/plain").headers["ETag"]
    response = client.get("/plain", headers={"If-None-Match": etag, "Range": "bytes=0-1"})
    assert response.status_code == 200
    assert response.data == CONTENT
    assert "Accept-Ranges" not in response.headers


# ranges


@pytest.mark.parametrize(
    ("range_header", "content_range", "body"),
    [
        ("bytes=0-", "bytes 0-19/20", CONTENT),
        ("bytes=10-", "bytes 10-19/20", CONTENT[10:]),
        ("bytes=-5", "bytes 15-19/20", CONTENT[-5:]),
        ("bytes=-500", "bytes 0-19/20", CONTENT),
        ("bytes=10-14", "bytes 10-14/20", CONTENT[10:15]),
        ("bytes=3-3", "bytes 3-3/20", CONTENT[3:4]),
        ("bytes=15-999", "bytes 15-19/20", CONTENT[15:]),
        ("Bytes = 2 - 4", "bytes 2-4/20", CONTENT[2:5]),
    ],
)
def test_range_gives_206(
    client: ErlenClient, range_header: str, content_range: str, body: bytes
) -> None:
    response = client.get("/file", headers={"Range": range_header})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == content_range
    assert response.headers["Content-Length"] == str(len(body))
    assert response.data == body


@pytest.mark.parametrize("range_header", ["bytes=20-", "bytes=100-200", "bytes=-0"])
def test_unsatisfiable_range_gives_416(client: ErlenClient, range_header: str) -> None:
    response = client.get("/file", headers={"Range": range_header})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == "bytes */20"
    assert CONTENT not in response.data


@pytest.mark.parametrize(
    "range_header",
    ["bytes=0-1,5-6", "items=0-5", "bytes=5-2", "bytes=abc", "bytes=-", "bytes=1-x", "bytes"],
)
def test_unusable_range_is_ignored(client: ErlenClient, range_header: str) -> None:
    response = client.get("/file", headers={"Range": range_header})
    assert response.status_code == 200
    assert response.data == CONTENT


def test_if_range(client: ErlenClient) -> None:
    first = client.get("/file")
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    for current in (etag, last_modified):
        response = client.get("/file", headers={"Range": "bytes=0-3", "If-Range": current})
        assert response.status_code == 206
        assert response.data == CONTENT[:4]
    for stale in ('"stale"', f"W/{etag}", "Sat, 01 Jan 2000 00:00:00 GMT", "garbage"):
        response = client.get("/file", headers={"Range": "bytes=0-3", "If-Range": stale})
        assert response.status_code == 200
        assert response.data == CONTENT


def test_range_on_head_is_ignored_and_304_wins_over_range(client: ErlenClient) -> None:
    response = client.head("/file", headers={"Range": "bytes=0-3"})
    assert response.status_code == 200
    assert response.headers["Content-Length"] == "20"
    etag = client.get("/file").headers["ETag"]
    response = client.get("/file", headers={"Range": "bytes=0-3", "If-None-Match": etag})
    assert response.status_code == 304


def test_range_on_a_bytesio(app: Erlen, client: ErlenClient) -> None:
    @app.route("/memory")
    def memory() -> Response:
        return send_file(io.BytesIO(CONTENT), mimetype="text/plain")

    response = client.get("/memory", headers={"Range": "bytes=5-9"})
    assert response.status_code == 206
    assert response.data == CONTENT[5:10]


def test_range_on_an_empty_file_sends_it_whole(client: ErlenClient, files: Path) -> None:
    (files / "empty.txt").write_bytes(b"")
    response = client.get("/dl/empty.txt", headers={"Range": "bytes=0-10"})
    assert response.status_code == 200
    assert response.data == b""


# Response.make_conditional


def test_response_make_conditional(app: Erlen, client: ErlenClient) -> None:
    @app.route("/generated")
    def generated() -> Response:
        response = Response(CONTENT, mimetype="text/plain")
        response.headers["ETag"] = '"gen"'
        return response.make_conditional(request, accept_ranges=True)

    @app.route("/streamed")
    def streamed() -> Response:
        response = Response(iter([CONTENT[:7], CONTENT[7:]]), mimetype="text/plain")
        response.headers["ETag"] = '"gen"'
        return response.make_conditional(request.environ, True, complete_length=20)

    assert client.get("/generated", headers={"If-None-Match": '"gen"'}).status_code == 304
    response = client.get("/generated", headers={"Range": "bytes=-4"})
    assert response.status_code == 206
    assert response.data == CONTENT[-4:]
    assert response.headers["Content-Range"] == "bytes 16-19/20"
    response = client.get("/streamed", headers={"Range": "bytes=5-9"})
    assert response.status_code == 206
    assert response.data == CONTENT[5:10]
    response = client.post("/generated", headers={"If-None-Match": '"gen"'})
    assert response.status_code == 405


# send_from_directory and safe_join


def test_send_from_directory_serves_files_inside(client: ErlenClient) -> None:
    assert client.get("/dl?path=data.txt").data == CONTENT
    assert client.get("/dl?path=sub/page.html").data == b"<p>sub</p>"
    assert client.get("/dl?path=sub/../data.txt").data == CONTENT
    assert client.get("/dl/sub/page.html").data == b"<p>sub</p>"


TRAVERSALS = [
    "../secret.txt",
    "..",
    "sub/../../secret.txt",
    "sub/../../../etc/passwd",
    "/etc/passwd",
    "//etc/passwd",
    "..\\secret.txt",
    "sub\\..\\..\\secret.txt",
    "data.txt\0.png",
    "\0",
    "C:/Windows/win.ini",
    "C:secret.txt",
    "c:\\secret.txt",
    "",
    ".",
    "sub",
    "sub/",
    "missing.txt",
    "data.txt/more",
    "x" * 5000,
]


@pytest.mark.parametrize("attack", TRAVERSALS)
def test_send_from_directory_404s_outside_or_missing(
    client: ErlenClient, monkeypatch: pytest.MonkeyPatch, files: Path, attack: str
) -> None:
    opened: list[str] = []
    real_open = builtins.open

    def spy_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(os.fspath(file) if not isinstance(file, int) else str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy_open)
    response = client.get("/dl", query_string={"path": attack})
    assert response.status_code == 404
    assert b"SECRET" not in response.data
    assert not [path for path in opened if "secret" in path or path.startswith("/etc")]


@pytest.mark.parametrize(
    "url",
    [
        "/dl/%2e%2e/secret.txt",
        "/dl/%2E%2E/secret.txt",
        "/dl/sub/%2e%2e/%2e%2e/secret.txt",
        "/dl/..%2fsecret.txt",
        "/dl/..%5csecret.txt",
        "/dl/%2e%2e%5csecret.txt",
        "/dl/data.txt%00.png",
        "/dl/C:%5csecret.txt",
        "/dl/%2fetc%2fpasswd",
    ],
)
def test_percent_encoded_traversal_404s(client: ErlenClient, url: str) -> None:
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 404
    assert b"SECRET" not in response.data


def test_symlink_out_of_the_directory_is_refused(
    client: ErlenClient, files: Path, tmp_path: Path
) -> None:
    (files / "escape.txt").symlink_to(tmp_path / "secret.txt")
    (files / "escape_dir").symlink_to(tmp_path)
    (files / "inside.txt").symlink_to(files / "data.txt")
    (files / "inside_dir").symlink_to(files / "sub")
    for path in ("escape.txt", "escape_dir/secret.txt"):
        response = client.get("/dl", query_string={"path": path})
        assert response.status_code == 404, path
        assert b"SECRET" not in response.data
    response = client.get("/dl?path=inside.txt")
    assert response.data == CONTENT
    assert response.headers["Content-Disposition"] == "inline; filename=inside.txt"
    assert client.get("/dl?path=inside_dir/page.html").data == b"<p>sub</p>"


def test_directory_reached_through_a_symlink_is_served(
    app: Erlen, protocol: str, files: Path, tmp_path: Path
) -> None:
    (tmp_path / "linked").symlink_to(files)

    @app.route("/linked/<path:name>")
    def linked(name: str) -> Response:
        return send_from_directory(tmp_path / "linked", name)

    client = app.test_client(asgi=protocol == "asgi")
    assert client.get("/linked/data.txt").data == CONTENT
    assert client.get("/linked/%2e%2e/secret.txt").status_code == 404


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_special_files_are_404(client: ErlenClient, files: Path) -> None:
    os.mkfifo(files / "pipe")
    assert client.get("/dl?path=pipe").status_code == 404


def test_send_from_directory_raises_not_found(app: Erlen, files: Path) -> None:
    with app.test_request_context(), pytest.raises(NotFound):
        send_from_directory(files, "../secret.txt")


def test_safe_join() -> None:
    assert safe_join("/srv/static", "css/app.css") == "/srv/static/css/app.css"
    assert safe_join("/srv/static", "a", "b/c.txt") == "/srv/static/a/b/c.txt"
    assert safe_join("/srv/static", "a/./b/../c.txt") == "/srv/static/a/c.txt"
    assert safe_join("/srv/static", "") == "/srv/static"
    assert safe_join("", "a.txt") == "./a.txt"
    for unsafe in ("..", "../x", "a/../../x", "/x", "//x", "a\\b", "a\0b", "C:/x", "d:x"):
        assert safe_join("/srv/static", unsafe) is None, unsafe
    assert safe_join("/srv/static", "ok", "../../x") is None


def test_helpers_and_package_export_the_functions() -> None:
    from erlen.core import helpers

    assert helpers.send_file is erlen.send_file is send_file
    assert helpers.send_from_directory is erlen.send_from_directory
