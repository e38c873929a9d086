"""A response body read from a binary file: ``FileBody``.

Owns reading a file in chunks (at most a given length, so a range can be served by seeking and
limiting) and closing it at the end of the data or when the response is closed, so no descriptor
outlives a request. It only reads the file object it is given: it never opens a path (that is
``erlen.core.sendfile``'s job, with its directory checks) and never touches a server.
"""

from __future__ import annotations

import typing as t

#: Bytes read from the file per chunk of the body.
CHUNK_SIZE = 64 * 1024


class FileBody:
    """A response body that reads a binary file in chunks of ``CHUNK_SIZE``, at most ``length``
    bytes when given, and closes the file at the end of the data or when the response closes."""

    __slots__ = ("_remaining", "chunk_size", "file")

    def __init__(
        self, file: t.IO[bytes], length: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> None:
        self.file = file
        self._remaining = length
        self.chunk_size = chunk_size

    def __iter__(self) -> FileBody:
        return self

    def __next__(self) -> bytes:
        remaining = self._remaining
        size = self.chunk_size if remaining is None else min(self.chunk_size, remaining)
        data = self.file.read(size) if size > 0 else b""
        if not data:
            self.file.close()
            raise StopIteration
        if remaining is not None:
            self._remaining = remaining - len(data)
        return data

    def close(self) -> None:
        self.file.close()


__all__ = ["CHUNK_SIZE", "FileBody"]
