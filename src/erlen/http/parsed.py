"""Structured request and response headers parsed into erlen's datastructures.

Owns `parse_accept_header`, `parse_cache_control_header`, `parse_csp_header`,
`parse_set_header`, `parse_etags`, the range headers and `is_resource_modified`. Every parser
takes client text: it never raises (a malformed header gives an empty or None result, as in
Werkzeug) and runs in linear time. The datastructures are reached through the package module
(`ds.Accept`), because they import this package's quoting helpers in turn. Never reads a WSGI
environ: `is_resource_modified(environ)`, as Werkzeug allows, reads its headers through the
`environ_headers` slot of `erlen.http.slots`, which the adapters fill.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, overload

from erlen.http import datastructures as ds
from erlen.http import slots
from erlen.http.dates import parse_date
from erlen.http.entity import is_byte_range_valid
from erlen.http.quoting import (
    dump_options_header,
    generate_etag,
    parse_dict_header,
    parse_list_header,
    parse_parameters,
    unquote_etag,
)

if TYPE_CHECKING:
    from erlen.http.datastructures.accept import Accept
    from erlen.http.datastructures.cache_control import CacheControl, RequestCacheControl
    from erlen.http.datastructures.csp import ContentSecurityPolicy

AcceptT = TypeVar("AcceptT", bound="Accept")
CacheControlT = TypeVar("CacheControlT", bound="CacheControl")
CSPT = TypeVar("CSPT", bound="ContentSecurityPolicy")

_Q_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)


@overload
def parse_accept_header(value: str | None) -> ds.Accept: ...
@overload
def parse_accept_header(value: str | None, cls: type[AcceptT]) -> AcceptT: ...
def parse_accept_header(value: str | None, cls: type[Any] | None = None) -> Any:
    """Parse an `Accept`-style header into `cls` (`Accept` by default; `MIMEAccept`,
    `LanguageAccept`, `CharsetAccept` for the others): `text/html;q=0.8, */*` ->
    `[("*/*", 1), ("text/html", 0.8)]` sorted by specificity and quality. Items with a `q` that
    is not a number from 0 to 1 are skipped; other parameters stay on the value."""
    if cls is None:
        cls = ds.Accept
    if not value:
        return cls(None)
    result = []
    for item in parse_list_header(value):
        main, sep, rest = item.partition(";")
        main = main.strip(" \t")
        if not main:
            continue
        options = parse_parameters(rest) if sep else {}
        quality: float = 1
        if "q" in options:
            text = options.pop("q").strip(" \t")
            if _Q_RE.fullmatch(text) is None:
                continue
            quality = float(text)
            if not 0 <= quality <= 1:
                continue
        if options:
            main = dump_options_header(main, options)
        result.append((main, quality))
    return cls(result)


@overload
def parse_cache_control_header(
    value: str | None, on_update: Callable[[Any], None] | None = None
) -> RequestCacheControl: ...
@overload
def parse_cache_control_header(
    value: str | None, on_update: Callable[[Any], None] | None, cls: type[CacheControlT]
) -> CacheControlT: ...
def parse_cache_control_header(
    value: str | None, on_update: Callable[[Any], None] | None = None, cls: Any = None
) -> Any:
    """Parse a `Cache-Control` header into `cls` (a read-only `RequestCacheControl` by
    default); `on_update` is called after each change to the result."""
    if cls is None:
        cls = ds.RequestCacheControl
    if not value:
        return cls((), on_update)
    return cls(parse_dict_header(value), on_update)


@overload
def parse_csp_header(
    value: str | None, on_update: Callable[[Any], None] | None = None
) -> ContentSecurityPolicy: ...
@overload
def parse_csp_header(
    value: str | None, on_update: Callable[[Any], None] | None, cls: type[CSPT]
) -> CSPT: ...
def parse_csp_header(
    value: str | None, on_update: Callable[[Any], None] | None = None, cls: Any = None
) -> Any:
    """Parse a `Content-Security-Policy` header (`default-src 'self'; img-src *`) into `cls`
    (`ContentSecurityPolicy` by default). A policy without a value is skipped."""
    if cls is None:
        cls = ds.ContentSecurityPolicy
    if value is None:
        return cls((), on_update)
    items = []
    for policy in value.split(";"):
        directive, _, sources = policy.strip(" \t").partition(" ")
        if directive and sources.strip(" \t"):
            items.append((directive, sources.strip(" \t")))
    return cls(items, on_update)


def parse_set_header(
    value: str | None, on_update: Callable[[ds.HeaderSet], None] | None = None
) -> ds.HeaderSet:
    """Parse a list header whose items form a set (`Vary`, `Allow`) into a `HeaderSet`,
    ordered and compared without case; `on_update` is called after each change."""
    if not value:
        return ds.HeaderSet(None, on_update)
    return ds.HeaderSet(parse_list_header(value), on_update)


_ETAG_SEPARATORS_RE = re.compile(r"[ \t,]*")


def parse_etags(value: str | None) -> ds.ETags:
    """Parse an `If-Match` / `If-None-Match` header (`"a", W/"b"` or `*`) into `ETags`.
    Unquoted tags are accepted as sent. Linear time; never raises.
    """
    if not value:
        return ds.ETags()
    strong: list[str] = []
    weak: list[str] = []
    pos = 0
    length = len(value)
    while pos < length:
        pos = _ETAG_SEPARATORS_RE.match(value, pos).end()  # type: ignore[union-attr]
        if pos >= length:
            break
        is_weak = value.startswith(("W/", "w/"), pos)
        if is_weak:
            pos += 2
        if value.startswith('"', pos):
            end = value.find('"', pos + 1)
            end = length if end == -1 else end
            tag = value[pos + 1 : end]
            comma = value.find(",", end)
            pos = length if comma == -1 else comma + 1
        else:
            comma = value.find(",", pos)
            end = length if comma == -1 else comma
            tag = value[pos:end].strip()
            pos = end + 1
            if tag == "*" and not is_weak:
                return ds.ETags(star_tag=True)
        (weak if is_weak else strong).append(tag)
    return ds.ETags(strong, weak)


def parse_if_range_header(value: str | None) -> ds.IfRange:
    """Parse an `If-Range` header: a date, else an ETag (its weakness dropped)."""
    if not value:
        return ds.IfRange()
    date = parse_date(value)
    if date is not None:
        return ds.IfRange(date=date)
    return ds.IfRange(unquote_etag(value)[0])


_INT_RE = re.compile(r"-?[0-9]+", re.ASCII)


def _plain_int(value: str) -> int:
    """An optionally negative base-10 integer with nothing else around it (`int()` would also
    take `+1`, `1_000` and non-ASCII digits); `ValueError` otherwise."""
    value = value.strip(" \t")
    if _INT_RE.fullmatch(value) is None:
        raise ValueError(value)
    return int(value)  # over 4300 digits, int() itself raises ValueError


def parse_range_header(value: str | None, make_inclusive: bool = True) -> ds.Range | None:
    """Parse a `Range` header (`bytes=0-499, -500`) into a `Range` of `(start, stop)` pairs
    (stop exclusive). Ranges out of order or overlapping, and anything malformed, give None.
    `make_inclusive` is accepted for Werkzeug's signature and changes nothing."""
    if not value or "=" not in value:
        return None
    units, _, spec = value.partition("=")
    units = units.strip(" \t").lower()
    ranges: list[tuple[int, int | None]] = []
    last_end = 0
    for item in spec.split(","):
        item = item.strip(" \t")
        if "-" not in item:
            return None
        try:
            if item.startswith("-"):
                if last_end < 0:
                    return None
                start = _plain_int(item)
                if start == 0:
                    return None  # "-0" asks for no bytes at all
                stop: int | None = None
                last_end = -1
            else:
                first, _, last = item.partition("-")
                start = _plain_int(first)
                if start < last_end or last_end < 0:
                    return None
                stop = _plain_int(last) + 1 if last.strip(" \t") else None
                if stop is not None and start >= stop:
                    return None
                last_end = stop if stop is not None else -1
        except ValueError:
            return None
        ranges.append((start, stop))
    try:
        return ds.Range(units, ranges)
    except ValueError:
        return None


def parse_content_range_header(
    value: str | None, on_update: Callable[[ds.ContentRange], None] | None = None
) -> ds.ContentRange | None:
    """Parse a `Content-Range` header (`bytes 0-499/1234`, `bytes */1234`) into a
    `ContentRange`; None when it is malformed or the range does not fit the length."""
    if value is None:
        return None
    units, _, spec = value.strip(" \t").partition(" ")
    span, slash, total = spec.partition("/")
    if not slash:
        return None
    try:
        length = None if total == "*" else _plain_int(total)
        if span == "*":
            start = stop = None
        else:
            first, dash, last = span.partition("-")
            if not dash:
                return None
            start = _plain_int(first)
            stop = _plain_int(last) + 1
    except ValueError:
        return None
    if not is_byte_range_valid(start, stop, length):
        return None
    return ds.ContentRange(units, start, stop, length, on_update=on_update)


def is_resource_modified(
    environ: dict[str, Any] | None = None,
    etag: str | None = None,
    data: bytes | None = None,
    last_modified: datetime | str | None = None,
    ignore_if_range: bool = True,
    *,
    http_range: str | None = None,
    http_if_range: str | None = None,
    http_if_modified_since: str | None = None,
    http_if_none_match: str | None = None,
    http_if_match: str | None = None,
) -> bool:
    """Whether the client's copy is out of date, so the full response must be sent (False
    means a 304 would do). The request's conditional headers come from a WSGI `environ`, or as
    the keyword arguments Werkzeug's sans-I/O version takes. `etag` (or the ETag of `data`) and
    `last_modified` describe the current resource; with `ignore_if_range` false, `If-Range`
    is honoured for a range request."""
    if environ is not None:
        # Werkzeug's WSGI form: the headers are read through the adapters' slot.
        headers = slots.environ_headers(environ)
        http_range = headers.get("Range")
        http_if_range = headers.get("If-Range")
        http_if_modified_since = headers.get("If-Modified-Since")
        http_if_none_match = headers.get("If-None-Match")
        http_if_match = headers.get("If-Match")
    if data is not None:
        if etag is not None:
            raise TypeError("both data and etag given")
        etag = generate_etag(data)
    modified = parse_date(last_modified) if isinstance(last_modified, str) else last_modified
    if modified is not None:
        # HTTP dates have no microseconds; a naive datetime is taken as UTC.
        modified = modified.replace(microsecond=0)
        if modified.tzinfo is None:
            modified = modified.replace(tzinfo=UTC)
    if_range = None
    if not ignore_if_range and http_range is not None:
        # RFC 9110 13.1.5: If-Range without Range is ignored.
        if_range = parse_if_range_header(http_if_range)
    since = if_range.date if if_range is not None else None
    if since is None:
        since = parse_date(http_if_modified_since)
    unmodified = bool(since and modified and modified <= since)
    if etag:
        tag = unquote_etag(etag)[0] or ""
        if if_range is not None and if_range.etag is not None:
            unmodified = if_range.etag == tag
        else:
            if_none_match = parse_etags(http_if_none_match)
            if if_none_match:
                unmodified = if_none_match.contains_weak(tag)  # weak comparison, RFC 9110
            if_match = parse_etags(http_if_match)
            if if_match:
                unmodified = not if_match.is_strong(tag)  # strong comparison, RFC 9110
    return not unmodified
