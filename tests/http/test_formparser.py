"""Tests for erlen.formparser: URL-encoded and multipart bodies, query strings, their limits."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erlen.http.datastructures import FileStorage, MultiDict
from erlen.http.exceptions import (
    BadRequest,
    ClientDisconnected,
    HTTPException,
    RequestEntityTooLarge,
    RequestURITooLarge,
)
from erlen.http.formparser import parse_form_data, parse_query_string

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
BOUNDARY = "----erlenBoundary7MA4YWxk"


class ChunkedStream:
    """A body that arrives `size` bytes per read, like a slow client."""

    def __init__(self, data: bytes, size: int) -> None:
        self._data = io.BytesIO(data)
        self._size = size

    def read(self, n: int, /) -> bytes:
        return self._data.read(min(n, self._size))


def form(
    body: bytes,
    mimetype: str = URLENCODED,
    options: dict[str, str] | None = None,
    content_length: int | None = -1,
    max_form_memory_size: int | None = 500_000,
    max_form_parts: int | None = 1000,
) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
    return parse_form_data(
        io.BytesIO(body),
        mimetype,
        options or {},
        len(body) if content_length == -1 else content_length,
        max_form_memory_size=max_form_memory_size,
        max_form_parts=max_form_parts,
    )


def part(name: str, value: bytes, filename: str | None = None, extra: str = "") -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n{extra}\r\n"
    return head.encode() + value + b"\r\n"


def multipart_body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def multipart(
    body: bytes, **limits: int | None
) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
    return form(body, MULTIPART, {"boundary": BOUNDARY}, **limits)  # type: ignore[arg-type]


def assert_http_error(
    exc_info: pytest.ExceptionInfo[HTTPException], cls: type[HTTPException], code: int
) -> None:
    assert type(exc_info.value) is cls
    assert exc_info.value.code == code
    assert exc_info.value.description


# application/x-www-form-urlencoded


def test_urlencoded_fields() -> None:
    fields, files = form(b"name=Ada+Lovelace&tag=a&tag=b&empty=&bare&plus=%2B&e=%C3%A9&&")
    assert fields["name"] == "Ada Lovelace"
    assert fields.getlist("tag") == ["a", "b"]
    assert fields["empty"] == ""
    assert fields["bare"] == ""
    assert fields["plus"] == "+"
    assert fields["e"] == "é"
    assert list(fields.keys()) == ["name", "tag", "empty", "bare", "plus", "e"]
    assert len(files) == 0


def test_urlencoded_empty_body() -> None:
    fields, files = form(b"")
    assert len(fields) == 0
    assert len(files) == 0


def test_urlencoded_without_content_length_is_read_to_the_end() -> None:
    body = b"a=" + b"x" * 200_000 + b"&b=2"
    fields, _ = parse_form_data(
        ChunkedStream(body, 1000),
        URLENCODED,
        {},
        None,
        max_form_memory_size=None,
        max_form_parts=None,
    )
    assert fields["a"] == "x" * 200_000
    assert fields["b"] == "2"


@pytest.mark.parametrize("body", [b"a=%zz", b"a=%4", b"a=%", b"%G1=x", b"a=1&b=%2"])
def test_urlencoded_malformed_escape_is_400(body: bytes) -> None:
    with pytest.raises(HTTPException) as exc_info:
        form(body)
    assert_http_error(exc_info, BadRequest, 400)
    assert "percent escape" in str(exc_info.value.description)


@pytest.mark.parametrize("body", [b"a=%FF", b"a=%C3", b"\xff=1", b"a=\xc3\x28"])
def test_urlencoded_invalid_utf8_is_400(body: bytes) -> None:
    with pytest.raises(HTTPException) as exc_info:
        form(body)
    assert_http_error(exc_info, BadRequest, 400)
    assert "UTF-8" in str(exc_info.value.description)


def test_urlencoded_too_many_fields_is_413() -> None:
    assert len(form(b"a=1&b=2&c=3", max_form_parts=3)[0]) == 3
    assert len(form(b"a=1&&b=2&c=3&", max_form_parts=3)[0]) == 3  # empty pairs are not fields
    with pytest.raises(HTTPException) as exc_info:
        form(b"a=1&b=2&c=3&d=4", max_form_parts=3)
    assert_http_error(exc_info, RequestEntityTooLarge, 413)


@pytest.mark.parametrize("content_length", [None, 2000])
def test_urlencoded_body_over_memory_limit_is_413(content_length: int | None) -> None:
    body = b"a=" + b"x" * 1998
    with pytest.raises(HTTPException) as exc_info:
        form(body, content_length=content_length, max_form_memory_size=1000)
    assert_http_error(exc_info, RequestEntityTooLarge, 413)
    assert form(body, content_length=content_length, max_form_memory_size=None)[0]["a"]


def test_urlencoded_declared_length_over_limit_is_413_before_reading() -> None:
    class Unread:
        def read(self, n: int, /) -> bytes:
            raise AssertionError("the body must not be read")

    with pytest.raises(RequestEntityTooLarge):
        parse_form_data(
            Unread(), URLENCODED, {}, 10_000, max_form_memory_size=100, max_form_parts=None
        )


@given(st.lists(st.tuples(st.text(), st.text()), max_size=10))
def test_urlencoded_round_trip(pairs: list[tuple[str, str]]) -> None:
    from urllib.parse import urlencode

    fields, _ = form(urlencode(pairs).encode())
    assert sorted(fields.items(multi=True)) == sorted(pairs)


# parse_query_string


def test_query_string() -> None:
    args = parse_query_string(b"q=hello+world&page=2&page=3&flag&x=%2F%26", None)
    assert args["q"] == "hello world"
    assert args.getlist("page") == ["2", "3"]
    assert args["flag"] == ""
    assert args["x"] == "/&"
    assert len(parse_query_string(b"", 10)) == 0


def test_query_string_errors() -> None:
    with pytest.raises(HTTPException) as exc_info:
        parse_query_string(b"q=%zz", None)
    assert_http_error(exc_info, BadRequest, 400)
    assert "query string" in str(exc_info.value.description)
    with pytest.raises(HTTPException) as exc_info:
        parse_query_string(b"q=%ff", None)
    assert_http_error(exc_info, BadRequest, 400)
    with pytest.raises(HTTPException) as exc_info:
        parse_query_string(b"&".join([b"a=1"] * 11), 10)
    assert_http_error(exc_info, RequestURITooLarge, 414)
    assert len(parse_query_string(b"&".join([b"a=1"] * 10), 10).getlist("a")) == 10


@given(st.binary(max_size=50))
def test_query_string_only_raises_bad_request(qs: bytes) -> None:
    try:
        args = parse_query_string(qs, 5)
    except HTTPException as exc:
        assert exc.code in (400, 414)
    else:
        assert all(isinstance(v, str) for v in args.values())


# other mimetypes


@pytest.mark.parametrize("mimetype", ["application/json", "text/plain", ""])
def test_other_mimetypes_give_empty_results(mimetype: str) -> None:
    fields, files = form(b'{"a": 1}', mimetype)
    assert len(fields) == 0
    assert len(files) == 0


# multipart/form-data


def test_multipart_fields_and_files() -> None:
    body = multipart_body(
        part("title", "Grüße".encode()),
        part("tag", b"a"),
        part("tag", b"b"),
        part("empty", b""),
        part(
            "doc",
            b"line 1\r\nline 2\r\n",
            filename="notes.txt",
            extra="Content-Type: text/plain\r\n",
        ),
        part(
            "photo", b"\x89PNG\r\n\x00\xff", filename="p.png", extra="Content-Type: image/png\r\n"
        ),
    )
    fields, files = multipart(body)
    assert fields["title"] == "Grüße"
    assert fields.getlist("tag") == ["a", "b"]
    assert fields["empty"] == ""
    doc = files["doc"]
    assert isinstance(doc, FileStorage)
    assert doc.filename == "notes.txt"
    assert doc.name == "doc"
    assert doc.mimetype == "text/plain"
    assert doc.headers["Content-Disposition"] == 'form-data; name="doc"; filename="notes.txt"'
    assert doc.read() == b"line 1\r\nline 2\r\n"
    assert files["photo"].read() == b"\x89PNG\r\n\x00\xff"
    assert "doc" not in fields
    for storage in files.values():
        storage.close()


def test_multipart_empty_file_input_is_a_falsy_file() -> None:
    body = multipart_body(
        part("upload", b"", filename="", extra="Content-Type: application/octet-stream\r\n")
    )
    _, files = multipart(body)
    assert not files["upload"]
    assert files["upload"].read() == b""


def test_multipart_utf8_and_rfc2231_filenames() -> None:
    body = multipart_body(
        part("a", b"1", filename="résumé.pdf"),
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=b; filename*=UTF-8''%E2%82%AC.txt"
        "\r\n\r\nx\r\n".encode(),
    )
    _, files = multipart(body)
    assert files["a"].filename == "résumé.pdf"
    assert files["b"].filename == "€.txt"


def test_multipart_part_charset() -> None:
    body = multipart_body(
        part(
            "latin", "é".encode("latin-1"), extra="Content-Type: text/plain; charset=ISO-8859-1\r\n"
        ),
        part("unknown", "é".encode(), extra="Content-Type: text/plain; charset=x-unknown\r\n"),
    )
    fields, _ = multipart(body)
    assert fields["latin"] == "é"
    assert fields["unknown"] == "é"


@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
def test_multipart_in_small_chunks(chunk: int) -> None:
    data = bytes(range(256)) * 40 + f"\r\n--{BOUNDARY}-not-quite".encode()
    body = multipart_body(part("f", data, filename="f.bin"), part("field", b"value\r\n--x"))
    fields, files = parse_form_data(
        ChunkedStream(body, chunk),
        MULTIPART,
        {"boundary": BOUNDARY},
        None,
        max_form_memory_size=100,
        max_form_parts=10,
    )
    assert files["f"].read() == data
    assert fields["field"] == "value\r\n--x"


def test_multipart_large_file_spools_to_disk_and_reads_back() -> None:
    data = os.urandom(700 * 1024)
    _, files = multipart(multipart_body(part("big", data, filename="big.bin")))
    assert files["big"].read() == data
    files["big"].close()


def test_multipart_file_is_not_limited_by_form_memory_size() -> None:
    body = multipart_body(part("f", b"x" * 5000, filename="f.txt"))
    _, files = multipart(body, max_form_memory_size=100)
    assert len(files["f"].read()) == 5000


def test_multipart_leading_newlines_and_epilogue_are_ignored() -> None:
    body = b"\r\n\r\n" + multipart_body(part("a", b"1")) + b"epilogue"
    assert multipart(body)[0]["a"] == "1"


def test_multipart_preamble_text_is_400() -> None:
    # python-multipart accepts only line breaks before the first boundary; browsers send none.
    with pytest.raises(BadRequest):
        multipart(b"preamble\r\n" + multipart_body(part("a", b"1")))


@pytest.mark.parametrize("body", [b"", f"--{BOUNDARY}--\r\n".encode()])
def test_multipart_without_parts_is_empty(body: bytes) -> None:
    fields, files = multipart(body)
    assert len(fields) == 0
    assert len(files) == 0


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"boundary": ""},
        {"boundary": "x" * 201},
        {"boundary": "bad\r\nboundary"},
        {"boundary": "ends "},
    ],
)
def test_multipart_missing_or_invalid_boundary_is_400(options: dict[str, str]) -> None:
    with pytest.raises(HTTPException) as exc_info:
        form(multipart_body(part("a", b"1")), MULTIPART, options)
    assert_http_error(exc_info, BadRequest, 400)
    assert "boundary" in str(exc_info.value.description)


def test_multipart_every_truncation_is_400() -> None:
    body = multipart_body(part("a", b"hello"), part("f", b"file data", filename="f.txt"))
    complete = len(body) - len(b"\r\n")  # the closing "--" ends the body; its CRLF is optional
    for cut in range(1, complete):
        with pytest.raises(HTTPException) as exc_info:
            multipart(body[:cut])
        assert_http_error(exc_info, BadRequest, 400)
    assert multipart(body[:complete])[0]["a"] == "hello"


@pytest.mark.parametrize(
    "body",
    [
        b"--wrong\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--wrong--",
        f"--{BOUNDARY}\r\nNo colon here\r\n\r\nx\r\n--{BOUNDARY}--".encode(),
        f"--{BOUNDARY}\r\nBad Header: x\r\n\r\nx\r\n--{BOUNDARY}--".encode(),
        f"--{BOUNDARY}X\r\n".encode(),
        f"--{BOUNDARY}\r\n".encode() + b"".join(b"X-%d: v\r\n" % i for i in range(20)),
    ],
)
def test_multipart_malformed_body_is_400(body: bytes) -> None:
    with pytest.raises(HTTPException) as exc_info:
        multipart(body)
    assert_http_error(exc_info, BadRequest, 400)


def test_multipart_part_without_name_is_400() -> None:
    body = f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{BOUNDARY}--\r\n"
    with pytest.raises(HTTPException) as exc_info:
        multipart(body.encode())
    assert_http_error(exc_info, BadRequest, 400)
    assert "name" in str(exc_info.value.description)


def test_multipart_invalid_utf8_field_is_400() -> None:
    with pytest.raises(HTTPException) as exc_info:
        multipart(multipart_body(part("a", b"\xff\xfe")))
    assert_http_error(exc_info, BadRequest, 400)
    assert "not valid utf-8" in str(exc_info.value.description)


def test_multipart_invalid_utf8_header_is_400() -> None:
    with pytest.raises(HTTPException) as exc_info:
        multipart(multipart_body(part("a", b"1").replace(b'name="a"', b'name="\xff"')))
    assert_http_error(exc_info, BadRequest, 400)


def test_multipart_nul_in_file_part_header_is_400() -> None:
    with pytest.raises(HTTPException) as exc_info:
        multipart(multipart_body(part("f", b"x", filename="a.txt", extra="X-Note: a\x00b\r\n")))
    assert_http_error(exc_info, BadRequest, 400)


def test_multipart_too_many_parts_is_413() -> None:
    body = multipart_body(*(part(f"f{i}", b"v") for i in range(4)))
    assert len(multipart(body, max_form_parts=4)[0]) == 4
    with pytest.raises(HTTPException) as exc_info:
        multipart(body, max_form_parts=3)
    assert_http_error(exc_info, RequestEntityTooLarge, 413)


def test_multipart_oversized_field_is_413() -> None:
    body = multipart_body(part("small", b"x" * 100), part("big", b"x" * 101))
    assert multipart(multipart_body(part("small", b"x" * 100)), max_form_memory_size=100)
    with pytest.raises(HTTPException) as exc_info:
        multipart(body, max_form_memory_size=100)
    assert_http_error(exc_info, RequestEntityTooLarge, 413)
    assert multipart(body, max_form_memory_size=None)[0]["big"] == "x" * 101


# temporary files


def _open_files_under(directory: Path) -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(directory)):
            found.append(target)
    return found


@pytest.fixture
def private_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def _spooling_body() -> bytes:
    big = os.urandom(600 * 1024)  # over the 500 KiB spool: written to a real temporary file
    return multipart_body(
        part("first", big, filename="first.bin"), part("second", big, filename="second.bin")
    )


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_temporary_files_are_released_after_truncated_body(private_tempdir: Path) -> None:
    body = _spooling_body()
    with pytest.raises(BadRequest) as exc_info:
        multipart(body[: len(body) - 1000])
    # The error is still alive (as in an error handler), so only an explicit close frees files.
    assert exc_info.value.code == 400
    assert os.listdir(private_tempdir) == []
    assert _open_files_under(private_tempdir) == []


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_temporary_files_are_released_after_a_later_error(private_tempdir: Path) -> None:
    body = _spooling_body()[: -len(f"--{BOUNDARY}--\r\n")] + multipart_body(part("bad", b"\xff"))
    with pytest.raises(BadRequest) as bad_request:
        multipart(body)
    with pytest.raises(RequestEntityTooLarge) as too_large:
        multipart(body, max_form_parts=2)
    assert (bad_request.value.code, too_large.value.code) == (400, 413)
    assert os.listdir(private_tempdir) == []
    assert _open_files_under(private_tempdir) == []


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_temporary_files_are_released_when_client_disconnects(private_tempdir: Path) -> None:
    body = _spooling_body()

    class Disconnecting:
        def __init__(self) -> None:
            self._sent = 0

        def read(self, n: int, /) -> bytes:
            if self._sent >= 900 * 1024:
                raise ClientDisconnected()
            self._sent += n
            return body[self._sent - n : self._sent]

    with pytest.raises(ClientDisconnected) as exc_info:
        parse_form_data(
            Disconnecting(),
            MULTIPART,
            {"boundary": BOUNDARY},
            len(body),
            max_form_memory_size=None,
            max_form_parts=None,
        )
    assert exc_info.value.code == 400
    assert _open_files_under(private_tempdir) == []


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_successful_parse_keeps_files_open_for_the_caller(private_tempdir: Path) -> None:
    _, files = multipart(_spooling_body())
    assert len(_open_files_under(private_tempdir)) == 2
    for storage in files.values():
        storage.close()
    assert _open_files_under(private_tempdir) == []
