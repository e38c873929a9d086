"""Bounded reading of a request body.

``LimitedStream`` wraps whatever the server hands over (``wsgi.input``, or the ASGI adapter's
reader) so that nothing reads past the body's declared length, a body that ends early is reported
as a disconnected client (400), and a body that grows past the app's limit is refused with 413
while it is read, not after it has been buffered.
"""

from __future__ import annotations

import io
import typing as t

from erlen.http.exceptions import ClientDisconnected, RequestEntityTooLarge


class Readable(t.Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class LimitedStream(io.RawIOBase):
    """Reads at most ``limit`` bytes from ``stream``.

    ``length`` is the body's declared length (``Content-Length``), or ``None`` for a body whose end
    the server marks (chunked). ``max_length`` is the app's limit; going past it raises
    ``RequestEntityTooLarge``. A declared body that ends before ``length`` raises
    ``ClientDisconnected``.
    """

    def __init__(self, stream: Readable, length: int | None, max_length: int | None) -> None:
        self._stream = stream
        self._length = length
        self._max_length = max_length
        if length is not None and max_length is not None and length > max_length:
            raise RequestEntityTooLarge(_too_large(max_length))
        self._remaining = length if length is not None else max_length
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int | None = -1, /) -> bytes:
        if size is None or size < 0:
            if self._length is not None:
                # A declared length: ask for all of the rest at once (usually one read).
                parts = []
                while self._remaining:
                    parts.append(self.read(self._remaining))
                return b"".join(parts)
            chunks = []
            while chunk := self.read(65536):
                chunks.append(chunk)
            return b"".join(chunks)
        remaining = self._remaining
        if remaining is not None:
            if remaining <= 0:
                if (
                    self._length is None
                    and self._max_length is not None
                    and self._stream_has_more()
                ):
                    raise RequestEntityTooLarge(_too_large(self._max_length))
                return b""
            size = min(size, remaining)
        if size == 0:
            return b""
        data = self._stream.read(size)
        if not data and self._length is not None and size > 0:
            raise ClientDisconnected(
                "The client closed the connection before sending the whole request body."
            )
        self._read += len(data)
        if remaining is not None:
            self._remaining = remaining - len(data)
        return data

    def _stream_has_more(self) -> bool:
        return bool(self._stream.read(1))

    def readline(self, size: int | None = -1, /) -> bytes:
        line = bytearray()
        while size is None or size < 0 or len(line) < size:
            byte = self.read(1)
            if not byte:
                break
            line += byte
            if byte == b"\n":
                break
        return bytes(line)

    def exhaust(self) -> None:
        """Read and drop the rest of the body, so a keep-alive connection stays usable."""
        while self.read(65536):
            pass

    @property
    def bytes_read(self) -> int:
        return self._read


def _too_large(limit: int) -> str:
    return (
        f"The request body is larger than this server accepts ({limit} bytes). Send a smaller body."
    )


class ClosingIterator:
    """A WSGI body that, when the server closes it, closes the wrapped iterable and then runs
    ``callbacks`` (one function or several): cleanup that must wait for the body to be sent."""

    def __init__(
        self,
        iterable: t.Iterable[bytes],
        callbacks: t.Callable[[], t.Any] | t.Iterable[t.Callable[[], t.Any]] | None = None,
    ) -> None:
        self._iterator = iter(iterable)
        if callbacks is None:
            chain: list[t.Callable[[], t.Any]] = []
        elif callable(callbacks):
            chain = [callbacks]
        else:
            chain = list(callbacks)
        close = getattr(iterable, "close", None)
        if close is not None:
            chain.insert(0, close)
        self._callbacks = chain

    def __iter__(self) -> ClosingIterator:
        return self

    def __next__(self) -> bytes:
        return next(self._iterator)

    def close(self) -> None:
        for callback in self._callbacks:
            callback()
