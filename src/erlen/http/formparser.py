"""Request body and query string parsing: URL-encoded forms, multipart/form-data, `?a=1&b=2`.

Owns turning a body stream into `(form, files)` MultiDicts and a query string into a MultiDict.
Multipart framing is python-multipart's job (its `MultipartParser` callbacks API); this module
adds what it leaves to us: limits, strict decoding, files and the end-of-body check. It reads
only the stream it is given, never `environ` or `scope`. Every malformed or oversized input
becomes a 400/413/414 `HTTPException` with a message safe to show a client, never a 500, and a
failed multipart parse closes every temporary file it opened (spooled files are anonymous on
POSIX, so nothing is left on disk).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from tempfile import SpooledTemporaryFile
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote_to_bytes

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser

from erlen.http import parse_options_header
from erlen.http.datastructures import FileStorage, Headers, MultiDict
from erlen.http.exceptions import (
    BadRequest,
    HTTPException,
    RequestEntityTooLarge,
    RequestURITooLarge,
)

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

__all__ = [
    "MAX_PART_HEADER_SIZE",
    "BadRequest",
    "FileStorage",
    "HTTPException",
    "Headers",
    "MultiDict",
    "RequestEntityTooLarge",
    "RequestURITooLarge",
    "SupportsRead",
    "parse_form_data",
    "parse_options_header",
    "parse_query_string",
]

_CHUNK_SIZE = 64 * 1024
# Uploads stay in memory up to this size, then roll over to an anonymous temporary file.
_SPOOL_MAX_SIZE = 500 * 1024
# A `%` not followed by two hex digits.
_BAD_ESCAPE_RE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
# RFC 2046 asks for at most 70 characters; real clients stay well under 200 (Werkzeug's limit).
_BOUNDARY_RE = re.compile(r"[ -~]{0,199}[!-~]")
#: The most a multipart part's headers may hold, in bytes (real parts send a few hundred).
MAX_PART_HEADER_SIZE = 16 * 1024
# Part charsets honoured; any other falls back to UTF-8, as in Werkzeug. Never a codec looked up
# by the client's name: `rot13` or `idna` would raise something other than a 400.
_PART_CHARSETS = frozenset({"ascii", "us-ascii", "utf-8", "utf8", "iso-8859-1", "latin-1"})


class SupportsRead(Protocol):
    """A binary stream: `read(n)` returns at most `n` bytes, and `b""` at the end."""

    def read(self, size: int, /) -> bytes: ...


def parse_form_data(
    stream: SupportsRead,
    mimetype: str,
    options: Mapping[str, str],
    content_length: int | None,
    *,
    max_form_memory_size: int | None = 500_000,
    max_form_parts: int | None = 1000,
) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
    """Parse a request body into `(form, files)`.

    `application/x-www-form-urlencoded`: strict decoding (see `parse_query_string`); more than
    `max_form_parts` fields, or a body over `max_form_memory_size` bytes (all of it is held in
    memory, so the limit covers the whole body, as in Werkzeug) -> 413.
    `multipart/form-data`: a missing or invalid boundary, a malformed body, a body that ends
    before the closing boundary, or a field value that is not valid in its charset -> 400; more
    than `max_form_parts` parts, or a non-file field over `max_form_memory_size` bytes -> 413.
    Parts with a `filename` become `FileStorage` objects in `files` (the caller closes them). An
    empty multipart body gives empty results. Any other mimetype gives two empty MultiDicts.
    """
    if mimetype == "application/x-www-form-urlencoded":
        if (
            max_form_memory_size is not None
            and content_length is not None
            and content_length > max_form_memory_size
        ):
            raise RequestEntityTooLarge(_too_large_message("The form body", max_form_memory_size))
        body = _read_body(stream, max_form_memory_size)
        return _parse_pairs(body, max_form_parts, "form body", RequestEntityTooLarge), MultiDict()
    if mimetype == "multipart/form-data":
        return _parse_multipart(stream, options, max_form_memory_size, max_form_parts)
    return MultiDict(), MultiDict()


def parse_query_string(qs: bytes, max_parts: int | None) -> MultiDict[str, str]:
    """Parse a query string (`a=1&b=&c`) into a MultiDict, strictly.

    Pairs are separated by `&` (empty pairs are skipped), `+` means a space, a pair without `=`
    has an empty value, and blank values are kept. A malformed percent escape (`%zz`, `%4`) or
    bytes that are not UTF-8 raise `BadRequest` instead of being passed on mangled, as Werkzeug
    would. More than `max_parts` pairs raise `RequestURITooLarge` (414: the URL is too long).
    """
    return _parse_pairs(qs, max_parts, "query string", RequestURITooLarge)


def _too_large_message(what: str, limit: int) -> str:
    return f"{what} is larger than the limit of {limit} bytes."


def _read_body(stream: SupportsRead, limit: int | None) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(_CHUNK_SIZE):
        size += len(chunk)
        if limit is not None and size > limit:
            raise RequestEntityTooLarge(_too_large_message("The form body", limit))
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_pairs(
    data: bytes, max_parts: int | None, what: str, too_many: type[HTTPException]
) -> MultiDict[str, str]:
    pairs: list[tuple[str, str]] = []
    if not data:
        return MultiDict(pairs)
    for piece in data.split(b"&"):
        if not piece:
            continue
        if max_parts is not None and len(pairs) >= max_parts:
            raise too_many(f"The {what} has more than {max_parts} fields.")
        name, _, value = piece.partition(b"=")
        pairs.append((_decode_component(name, what), _decode_component(value, what)))
    return MultiDict(pairs)


def _decode_component(raw: bytes, what: str) -> str:
    if b"+" in raw:
        raw = raw.replace(b"+", b" ")
    if b"%" in raw:
        if _BAD_ESCAPE_RE.search(raw) is not None:
            raise BadRequest(f"The {what} contains a malformed percent escape.")
        raw = unquote_to_bytes(raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(f"The {what} is not valid UTF-8.") from None


def _parse_multipart(
    stream: SupportsRead,
    options: Mapping[str, str],
    max_form_memory_size: int | None,
    max_form_parts: int | None,
) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
    boundary = options.get("boundary", "")
    if _BOUNDARY_RE.fullmatch(boundary) is None:
        raise BadRequest("The multipart/form-data body has a missing or invalid boundary.")
    reader = _MultipartReader(max_form_memory_size, max_form_parts)
    callbacks: MultipartCallbacks = {
        "on_part_begin": reader.on_part_begin,
        "on_header_field": reader.on_header_field,
        "on_header_value": reader.on_header_value,
        "on_header_end": reader.on_header_end,
        "on_headers_finished": reader.on_headers_finished,
        "on_part_data": reader.on_part_data,
        "on_part_end": reader.on_part_end,
        "on_end": reader.on_end,
    }
    parser = MultipartParser(boundary.encode("ascii"), callbacks)
    received = False
    try:
        while chunk := stream.read(_CHUNK_SIZE):
            received = True
            parser.write(chunk)
        # python-multipart does not report a body that stops early: only `on_end` tells.
        if received and not reader.ended:
            raise BadRequest("The multipart/form-data body ended before its closing boundary.")
    except MultipartParseError:
        reader.close_files()
        raise BadRequest("The multipart/form-data body is malformed.") from None
    except BaseException:
        reader.close_files()
        raise
    return MultiDict(reader.fields), MultiDict(reader.files)


class _MultipartReader:
    """The python-multipart callbacks for one body: collects fields and files, enforces limits."""

    __slots__ = (
        "_charset",
        "_chunks",
        "_file",
        "_filename",
        "_header_field",
        "_header_size",
        "_header_value",
        "_headers",
        "_max_field_size",
        "_max_parts",
        "_name",
        "_opened",
        "_parts",
        "_size",
        "ended",
        "fields",
        "files",
    )

    def __init__(self, max_field_size: int | None, max_parts: int | None) -> None:
        self._max_field_size = max_field_size
        self._max_parts = max_parts
        self.fields: list[tuple[str, str]] = []
        self.files: list[tuple[str, FileStorage]] = []
        self.ended = False
        self._opened: list[SpooledTemporaryFile[bytes]] = []
        self._parts = 0
        self._headers: list[tuple[str, str]] = []
        self._header_field = b""
        self._header_value = b""
        self._header_size = 0
        self._name = ""
        self._filename = ""
        self._file: SpooledTemporaryFile[bytes] | None = None
        self._charset = "utf-8"
        self._chunks: list[bytes] = []
        self._size = 0

    def on_part_begin(self) -> None:
        self._parts += 1
        if self._max_parts is not None and self._parts > self._max_parts:
            raise RequestEntityTooLarge(
                f"The multipart/form-data body has more than {self._max_parts} parts."
            )
        self._headers = []
        self._header_field = b""
        self._header_value = b""
        self._header_size = 0

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header_bytes(end - start)
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_header_bytes(end - start)
        self._header_value += data[start:end]

    def _count_header_bytes(self, size: int) -> None:
        # A part's headers are held in memory, and python-multipart sets no bound on them:
        # otherwise one endless header fills memory. Their own fixed bound, not the form's
        # memory limit, which an app may set small for its fields' values.
        self._header_size += size
        if self._header_size > MAX_PART_HEADER_SIZE:
            raise RequestEntityTooLarge(
                _too_large_message("A multipart/form-data part's headers", MAX_PART_HEADER_SIZE)
            )

    def on_header_end(self) -> None:
        try:
            name = self._header_field.decode("ascii")
            value = self._header_value.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise BadRequest("A multipart/form-data part header is not valid UTF-8.") from None
        self._headers.append((name, value))
        self._header_field = b""
        self._header_value = b""

    def _header(self, name: str) -> str | None:
        for key, value in self._headers:
            if key.lower() == name:
                return value
        return None

    def on_headers_finished(self) -> None:
        params = parse_options_header(self._header("content-disposition"))[1]
        name = params.get("name")
        if name is None:
            raise BadRequest("A multipart/form-data part has no field name.")
        self._name = name
        filename = params.get("filename")
        if filename is not None:
            self._filename = filename
            # Not a `with`: the file outlives this call inside a FileStorage, or is closed by
            # `close_files` when the parse fails.
            self._file = SpooledTemporaryFile(max_size=_SPOOL_MAX_SIZE)  # noqa: SIM115
            self._opened.append(self._file)
            return
        self._file = None
        self._chunks = []
        self._size = 0
        charset = parse_options_header(self._header("content-type"))[1].get("charset", "")
        charset = charset.lower()
        self._charset = charset if charset in _PART_CHARSETS else "utf-8"

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self._file.write(data[start:end])
            return
        self._size += end - start
        if self._max_field_size is not None and self._size > self._max_field_size:
            raise RequestEntityTooLarge(_too_large_message("A form field", self._max_field_size))
        self._chunks.append(data[start:end])

    def on_part_end(self) -> None:
        file = self._file
        if file is None:
            try:
                value = b"".join(self._chunks).decode(self._charset)
            except UnicodeDecodeError:
                raise BadRequest(
                    f"The multipart/form-data field {self._name!r} is not valid {self._charset}."
                ) from None
            self.fields.append((self._name, value))
            self._chunks = []
            return
        try:
            headers = Headers(self._headers)
        except ValueError:
            raise BadRequest("A multipart/form-data part has an invalid header.") from None
        file.seek(0)
        storage = FileStorage(
            stream=file, filename=self._filename, name=self._name, headers=headers
        )
        self.files.append((self._name, storage))
        self._file = None

    def on_end(self) -> None:
        self.ended = True

    def close_files(self) -> None:
        for file in self._opened:
            file.close()
