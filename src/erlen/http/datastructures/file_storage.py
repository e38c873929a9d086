"""Uploaded files: `FileStorage` (one file of a multipart body) and `FileMultiDict`.

`FileStorage` wraps the part's stream, its client-given `filename` and its headers; other
attributes come from the stream. `FileMultiDict` is the `MultiDict` that test code fills with
files (`EnvironBuilder(data=...)`). Never use a client's `filename` as a path unchecked: see
`secure_filename` and `send_from_directory`.
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
from collections.abc import Iterator
from io import BytesIO
from shutil import copyfileobj
from typing import IO, Any, cast

from erlen.http.datastructures.headers import Headers
from erlen.http.datastructures.structures import MultiDict
from erlen.http.quoting import parse_options_header

_FILE_STORAGE_SLOTS = ("name", "stream", "filename", "headers", "_parsed")


class FileStorage:
    """An uploaded file: `stream` (binary file), `filename`, form field `name`, part `headers`.
    Other attributes come from the stream (`fs.read()`)."""

    __slots__ = _FILE_STORAGE_SLOTS

    def __init__(
        self,
        stream: IO[bytes] | None = None,
        filename: str | None = None,
        name: str | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.name = name
        self.stream: IO[bytes] = stream if stream is not None else BytesIO()
        if filename is None:
            # A real file's name is its path; `<stdin>`-style names and fds are not filenames.
            stream_name = getattr(stream, "name", None)
            if isinstance(stream_name, str | bytes) and stream_name:
                filename = os.fsdecode(stream_name)
                if filename.startswith("<") and filename.endswith(">"):
                    filename = None
        else:
            filename = os.fsdecode(filename)
        self.filename: str | None = filename
        self.headers = headers if headers is not None else Headers()
        if content_type is not None:
            self.headers["Content-Type"] = content_type
        if content_length is not None:
            self.headers["Content-Length"] = str(content_length)
        self._parsed: tuple[str | None, tuple[str, dict[str, str]]] | None = None

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    @property
    def content_length(self) -> int:
        """The part's `Content-Length` as an int, 0 if missing or invalid."""
        value = (self.headers.get("Content-Length") or "").strip()
        return int(value) if value.isascii() and value.isdigit() else 0

    def _parse_content_type(self) -> tuple[str, dict[str, str]]:
        content_type = self.content_type
        if self._parsed is None or self._parsed[0] != content_type:
            self._parsed = (content_type, parse_options_header(content_type))
        return self._parsed[1]

    @property
    def mimetype(self) -> str:
        return self._parse_content_type()[0].lower()

    @property
    def mimetype_params(self) -> dict[str, str]:
        return self._parse_content_type()[1]

    def save(self, dst: str | os.PathLike[str] | IO[bytes], buffer_size: int = 16384) -> None:
        """Copy the stream to a path (opened and closed here) or an open binary file (left
        open). Never use the client's `filename` as a path unchecked."""
        if isinstance(dst, str | os.PathLike):
            with open(dst, "wb") as fp:
                copyfileobj(self.stream, fp, buffer_size)
        else:
            copyfileobj(self.stream, dst, buffer_size)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stream.close()

    def __bool__(self) -> bool:
        return bool(self.filename)

    def __getattr__(self, name: str) -> Any:
        if name in _FILE_STORAGE_SLOTS:  # unset slot: never recurse through the stream
            raise AttributeError(name)
        return getattr(self.stream, name)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.stream)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.filename!r} ({self.content_type!r})>"


class FileMultiDict(MultiDict[str, FileStorage]):
    """A `MultiDict` of uploads, with `add_file` to add a path, an open binary file or a
    `FileStorage` under a form field name."""

    __slots__ = ()

    def add_file(
        self,
        name: str,
        file: str | os.PathLike[str] | IO[bytes] | FileStorage,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> None:
        """Add `file` as field `name`; a path is opened here (the `FileStorage` owns it), and
        a missing `content_type` is guessed from the file name."""
        if isinstance(file, FileStorage):
            self.add(name, file)
            return
        stream: IO[bytes]
        if isinstance(file, str | os.PathLike):
            if filename is None:
                filename = os.fspath(file)
            stream = open(file, "rb")  # noqa: SIM115 (the FileStorage closes it)
        else:
            stream = cast("IO[bytes]", file)
        if filename and content_type is None:
            content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        self.add(name, FileStorage(stream, filename, name, content_type))
