"""Which headers describe the body (entity headers) or one connection (hop-by-hop headers),
and whether a byte range fits a body.

Used where a response loses its body (a 304 drops `Content-Type`, `Content-Length`...) and by
proxies and middleware that must not forward connection headers. Pure functions over names and
numbers that import nothing of erlen.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from erlen.http.datastructures.headers import Headers

_ENTITY_HEADERS = frozenset(
    {
        "allow",
        "content-encoding",
        "content-language",
        "content-length",
        "content-location",
        "content-md5",
        "content-range",
        "content-type",
        "expires",
        "last-modified",
    }
)
_HOP_BY_HOP_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)

# A `Headers` or a list of pairs: both take slice assignment of `(name, value)` pairs.
HeaderPairs: TypeAlias = "Headers | list[tuple[str, str]]"


def is_entity_header(header: str) -> bool:
    """Whether `header` describes the body (`Content-Type`, `Expires`, ...)."""
    return header.lower() in _ENTITY_HEADERS


def is_hop_by_hop_header(header: str) -> bool:
    """Whether `header` belongs to one connection (`Connection`, `Keep-Alive`, ...)."""
    return header.lower() in _HOP_BY_HOP_HEADERS


def remove_entity_headers(
    headers: HeaderPairs, allowed: Iterable[str] = ("expires", "content-location")
) -> None:
    """Drop every entity header from `headers` in place, except those in `allowed` (by
    default `Expires` and `Content-Location`, which a 304 still carries)."""
    keep = {name.lower() for name in allowed}
    headers[:] = [
        (name, value)
        for name, value in headers
        if name.lower() not in _ENTITY_HEADERS or name.lower() in keep
    ]


def remove_hop_by_hop_headers(headers: HeaderPairs) -> None:
    """Drop every hop-by-hop header from `headers` in place."""
    headers[:] = [(name, value) for name, value in headers if not is_hop_by_hop_header(name)]


def is_byte_range_valid(start: int | None, stop: int | None, length: int | None) -> bool:
    """Whether `start`-`stop` (stop exclusive) is a valid range of a body of `length` bytes
    (None: unknown). `start` and `stop` are both None or both set; `None, None` is the
    unsatisfied range (`bytes */length`)."""
    if (start is None) != (stop is None):
        return False
    if start is None or stop is None:
        return length is None or length >= 0
    if length is None:
        return 0 <= start < stop
    return 0 <= start < stop and start < length
