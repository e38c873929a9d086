"""Byte ranges: `Range` (the request's `Range` header, `request.range`), `IfRange`
(`request.if_range`) and `ContentRange` (`response.content_range`, whose edits rewrite the
response header).

Ranges are stored as Python slices: `(start, stop)` with `stop` exclusive, so `bytes=0-499` is
`(0, 500)`. Only the `bytes` unit is computed with. Pure containers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from erlen.http.dates import http_date
from erlen.http.entity import is_byte_range_valid
from erlen.http.quoting import quote_etag


class IfRange:
    """An `If-Range` header: an ETag (unquoted; ranges compare strongly, so weakness is
    dropped) or a date, or neither."""

    def __init__(self, etag: str | None = None, date: datetime | None = None) -> None:
        self.etag = etag
        self.date = date

    def to_header(self) -> str:
        if self.date is not None:
            return http_date(self.date)
        if self.etag is not None:
            return quote_etag(self.etag)
        return ""

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


class Range:
    """A `Range` header: `units` and `ranges`, a list of `(start, stop)`; `stop` None means
    "to the end", and a negative `start` with `stop` None is a suffix (`bytes=-500`). An
    invalid range raises `ValueError`."""

    def __init__(self, units: str, ranges: Sequence[tuple[int, int | None]]) -> None:
        for start, stop in ranges:
            if start is None or (stop is not None and (start < 0 or start >= stop)):
                raise ValueError(f"{(start, stop)} is not a valid range.")
        self.units = units
        self.ranges = ranges

    def range_for_length(self, length: int | None) -> tuple[int, int] | None:
        """`(start, stop)` within a body of `length` bytes, for a single satisfiable byte
        range; None otherwise (several ranges, another unit, unknown length)."""
        if self.units != "bytes" or length is None or len(self.ranges) != 1:
            return None
        start, stop = self.ranges[0]
        if stop is None:
            stop = length
            if start < 0:
                start += length
        if is_byte_range_valid(start, stop, length):
            return start, min(stop, length)
        return None

    def make_content_range(self, length: int | None) -> ContentRange | None:
        """The `ContentRange` that answers this range for a body of `length` bytes."""
        span = self.range_for_length(length)
        if span is None:
            return None
        return ContentRange(self.units, span[0], span[1], length)

    def to_header(self) -> str:
        parts = []
        for start, stop in self.ranges:
            if stop is None:
                parts.append(f"{start}-" if start >= 0 else str(start))
            else:
                parts.append(f"{start}-{stop - 1}")
        return f"{self.units}={','.join(parts)}"

    def to_content_range_header(self, length: int | None) -> str | None:
        """The `Content-Range` value answering this range for `length` bytes, or None."""
        span = self.range_for_length(length)
        if span is None:
            return None
        return f"{self.units} {span[0]}-{span[1] - 1}/{length}"

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


class _BadRange(ValueError, AssertionError):
    """A content range that does not fit its length. Werkzeug asserts here (AssertionError);
    this is both, so code written for either keeps working."""


class ContentRange:
    """A `Content-Range` header: `units`, `start`, `stop` (exclusive) and `length` (None:
    unknown). `units` None means no header. Setting any of them calls `on_update(self)`."""

    def __init__(
        self,
        units: str | None,
        start: int | None,
        stop: int | None,
        length: int | None = None,
        on_update: Callable[[ContentRange], None] | None = None,
    ) -> None:
        self.on_update = on_update
        self.set(start, stop, length, units)

    def set(
        self,
        start: int | None,
        stop: int | None,
        length: int | None = None,
        units: str | None = "bytes",
    ) -> None:
        """Replace the whole range at once (one `on_update` call)."""
        if not is_byte_range_valid(start, stop, length):
            raise _BadRange(f"{start}-{stop}/{length} is not a valid content range.")
        self._units = units
        self._start = start
        self._stop = stop
        self._length = length
        self._changed()

    def unset(self) -> None:
        """Mark the range as unset, so the response loses its `Content-Range` header."""
        self.set(None, None, units=None)

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    @property
    def units(self) -> str | None:
        return self._units

    @units.setter
    def units(self, value: str | None) -> None:
        self._units = value
        self._changed()

    @property
    def start(self) -> int | None:
        return self._start

    @start.setter
    def start(self, value: int | None) -> None:
        self._start = value
        self._changed()

    @property
    def stop(self) -> int | None:
        return self._stop

    @stop.setter
    def stop(self, value: int | None) -> None:
        self._stop = value
        self._changed()

    @property
    def length(self) -> int | None:
        return self._length

    @length.setter
    def length(self, value: int | None) -> None:
        self._length = value
        self._changed()

    def to_header(self) -> str:
        if self._units is None:
            return ""
        length = "*" if self._length is None else str(self._length)
        if self._start is None or self._stop is None:
            return f"{self._units} */{length}"
        return f"{self._units} {self._start}-{self._stop - 1}/{length}"

    def __bool__(self) -> bool:
        return self._units is not None

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"
