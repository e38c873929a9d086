"""Conditional and range requests answered on a ``Response``: 304, 412 and 206 (and 416).

Owns the precondition rules of RFC 9110 (``If-Match``/``If-Unmodified-Since``, then
``If-None-Match``/``If-Modified-Since``, then ``Range`` with ``If-Range``) compared with the
response's ``ETag`` and ``Last-Modified``, and the cutting of the body to the requested range
(a ``FileBody`` seeks, a list is sliced, a stream is skipped through). ``Response.make_conditional``
and ``erlen.core.sendfile.send_file`` call it. It reads the request's method and headers only,
never the app, the context, an environ (a Werkzeug-style environ argument goes through
``Request(environ)``) or a scope.
"""

from __future__ import annotations

import re
import typing as t
from datetime import datetime

from erlen.http.dates import parse_date
from erlen.http.exceptions import RequestedRangeNotSatisfiable
from erlen.http.parsed import parse_etags
from erlen.http.quoting import unquote_etag
from erlen.http.wrappers.file_body import FileBody
from erlen.http.wrappers.request import Request

if t.TYPE_CHECKING:
    from erlen.http.wrappers.response import Response

HeaderGetter = t.Callable[[str], "str | None"]

_DIGITS_RE = re.compile(r"[0-9]{1,30}")


def make_conditional(
    response: Response,
    request_or_environ: Request | dict[str, t.Any],
    accept_ranges: bool | str = False,
    complete_length: int | None = None,
) -> Response:
    """Answer a GET or HEAD request's preconditions and ``Range`` from the response's ``ETag``
    and ``Last-Modified``: 304 Not Modified, 412 Precondition Failed, or 206 Partial Content with
    the requested part of the body (``accept_ranges`` enables ranges; ``complete_length`` is the
    body's full size, taken from an in-memory body when not given). An unsatisfiable range
    raises ``RequestedRangeNotSatisfiable`` (416). Other methods leave the response as it is."""
    if isinstance(request_or_environ, dict):
        # Werkzeug's WSGI environ: read through Werkzeug's ``Request(environ)`` (a slot the
        # adapters fill), so this module never reads the environ itself.
        request_or_environ = Request(request_or_environ, populate_request=False, shallow=True)
    method = request_or_environ.received_method
    header = request_or_environ.headers.get
    body = response.response
    if accept_ranges and complete_length is None and isinstance(body, list):
        complete_length = len(response.get_data())
    span = evaluate_conditional(response, method, header, accept_ranges, complete_length)
    if span is not None:
        _slice_body(response, *span)
    elif response.status_code == 412:
        _discard_body(response)
    return response


def evaluate_conditional(
    response: Response,
    method: str,
    header: HeaderGetter,
    accept_ranges: bool | str,
    complete_length: int | None,
) -> tuple[int, int] | None:
    """Set the status and headers a conditional request calls for, in RFC 9110's order
    (``If-Match`` / ``If-Unmodified-Since``, then ``If-None-Match`` / ``If-Modified-Since``, then
    ``Range`` with ``If-Range``). Returns ``(start, stop)`` when the body must be cut to a range;
    the caller cuts it. Raises ``RequestedRangeNotSatisfiable`` for a range past the end."""
    if method not in ("GET", "HEAD"):
        return None
    headers = response.headers
    etag, weak = unquote_etag(headers.get("ETag"))
    last_modified = parse_date(headers.get("Last-Modified"))
    status = _precondition_status(header, etag, bool(weak), last_modified)
    if status is not None:
        response.status_code = status
        if status == 412:
            headers.set("Content-Length", "0")
        return None
    if not accept_ranges:
        return None
    headers.set("Accept-Ranges", "bytes" if accept_ranges is True else accept_ranges)
    range_header = header("Range")
    # Ranges are defined for GET only; HEAD answers as for the whole body.
    if range_header is None or method != "GET" or not complete_length:
        return None
    if_range = header("If-Range")
    if if_range is not None and not _if_range_matches(if_range, etag, bool(weak), last_modified):
        return None
    span = _parse_byte_range(range_header, complete_length)
    if span is None:
        return None
    start, stop = span
    response.status_code = 206
    headers.set("Content-Range", f"bytes {start}-{stop - 1}/{complete_length}")
    headers.set("Content-Length", str(stop - start))
    return span


def _precondition_status(
    header: HeaderGetter, etag: str | None, weak: bool, last_modified: datetime | None
) -> int | None:
    if_match = parse_etags(header("If-Match"))
    if if_match:
        # Strong comparison: a weak ETag never satisfies If-Match.
        if not (if_match.star_tag or (etag is not None and not weak and if_match.is_strong(etag))):
            return 412
    else:
        since = parse_date(header("If-Unmodified-Since"))
        if since is not None and last_modified is not None and last_modified > since:
            return 412
    if_none_match = parse_etags(header("If-None-Match"))
    if if_none_match:
        # If-None-Match wins over If-Modified-Since, and compares weakly.
        if if_none_match.star_tag or (etag is not None and if_none_match.contains_weak(etag)):
            return 304
        return None
    since = parse_date(header("If-Modified-Since"))
    if since is not None and last_modified is not None and last_modified <= since:
        return 304
    return None


def _if_range_matches(
    value: str, etag: str | None, weak: bool, last_modified: datetime | None
) -> bool:
    """Whether the representation the client holds (an ETag, compared strongly, or an exact
    ``Last-Modified`` date) is the current one, so a part of it may be sent."""
    value = value.strip()
    if value.startswith(('"', "W/", "w/")):
        tag, tag_weak = unquote_etag(value)
        return not (tag_weak or weak) and etag is not None and tag == etag
    date = parse_date(value)
    return date is not None and last_modified is not None and date == last_modified


def _parse_byte_range(value: str, length: int) -> tuple[int, int] | None:
    """``(start, stop)`` for a single ``bytes=`` range of a body of ``length`` bytes.

    A header this cannot use (another unit, several ranges, bad syntax) gives None: RFC 9110
    lets a server ignore it and send the whole body, which every client handles. (Werkzeug
    answers 416 instead.) A well-formed range that starts past the end raises 416.
    """
    unit, eq, spec = value.partition("=")
    if not eq or unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    first, last = first.strip(), last.strip()
    if not dash or (first and not _DIGITS_RE.fullmatch(first)):
        return None
    if last and not _DIGITS_RE.fullmatch(last):
        return None
    if not first:
        if not last:
            return None
        suffix = int(last)
        if suffix == 0:
            raise RequestedRangeNotSatisfiable(length)
        return max(length - suffix, 0), length
    start = int(first)
    stop = length
    if last:
        end = int(last)
        if end < start:
            return None
        stop = min(end + 1, length)
    if start >= length:
        raise RequestedRangeNotSatisfiable(length)
    return start, stop


def _slice_body(response: Response, start: int, stop: int) -> None:
    body = response.response
    if isinstance(body, FileBody):
        body.file.seek(start)
        body._remaining = stop - start
    elif isinstance(body, list):
        response.response = [response.get_data()[start:stop]]
    else:
        response.response = _SlicedBody(body, start, stop)


def _discard_body(response: Response) -> None:
    close = getattr(response.response, "close", None)
    if close is not None:
        close()
    response.response = []


class _SlicedBody:
    """Bytes ``start`` to ``stop`` of a streamed body; closing it closes the stream."""

    __slots__ = ("_body", "_iterator", "_start", "_stop")

    def __init__(self, body: t.Iterable[bytes], start: int, stop: int) -> None:
        self._body = body
        self._start = start
        self._stop = stop
        self._iterator = self._slice()

    def _slice(self) -> t.Iterator[bytes]:
        position = 0
        for chunk in self._body:
            data = chunk.encode() if isinstance(chunk, str) else chunk
            end = position + len(data)
            if end > self._start:
                yield data[max(self._start - position, 0) : self._stop - position]
            position = end
            if position >= self._stop:
                return

    def __iter__(self) -> t.Iterator[bytes]:
        return self._iterator

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is not None:
            close()


__all__ = ["HeaderGetter", "evaluate_conditional", "make_conditional"]
