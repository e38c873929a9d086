"""`Accept` and its kinds: the parsed `Accept`, `Accept-Charset`, `Accept-Encoding` and
`Accept-Language` request headers (`request.accept_mimetypes`, ...).

An `Accept` is a read-only list of `(value, quality)` pairs, most specific and best first, with
the negotiation helpers Flask code uses (`best_match`, `quality`, `accept_html`). Matching rules
differ per header (mimetype wildcards, language subtags, charset aliases), so each kind
overrides `_value_matches` and `_specificity`. Pure containers.
"""

from __future__ import annotations

import encodings
import encodings.aliases
import re
from collections.abc import Iterable, Iterator
from typing import Any, SupportsIndex, overload

from erlen.http.datastructures.structures import ImmutableList


class Accept(ImmutableList[tuple[str, float]]):
    """`(value, quality)` pairs sorted by specificity, then quality (both descending; equal
    items keep the client's order). `accept["gzip"]` is a quality (0 when not accepted),
    `accept[0]` a pair. `provided` is false when the client sent no header."""

    __slots__ = ("provided",)

    def __init__(self, values: Accept | Iterable[tuple[str, float]] | None = ()) -> None:
        if values is None:
            super().__init__()
            self.provided = False
        elif isinstance(values, Accept):
            super().__init__(values)
            self.provided = values.provided
        else:
            ordered = sorted(
                values, key=lambda item: (self._specificity(item[0]), item[1]), reverse=True
            )
            super().__init__(ordered)
            self.provided = True

    def _specificity(self, value: str) -> tuple[bool, ...]:
        return (value != "*",)

    def _value_matches(self, value: str, item: str) -> bool:
        """Whether the server's `value` is covered by the client's `item`."""
        return item == "*" or item.lower() == value.lower()

    @overload
    def __getitem__(self, key: str) -> float: ...
    @overload
    def __getitem__(self, key: SupportsIndex) -> tuple[str, float]: ...
    @overload
    def __getitem__(self, key: slice) -> list[tuple[str, float]]: ...
    def __getitem__(self, key: str | SupportsIndex | slice) -> Any:
        if isinstance(key, str):
            return self.quality(key)
        return list.__getitem__(self, key)

    def quality(self, key: str) -> float:
        """The quality the client gives `key`; 0 when it does not accept it."""
        for item, quality in self:
            if self._value_matches(key, item):
                return quality
        return 0

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and self._accepts(value)

    def _accepts(self, value: str) -> bool:
        return any(self._value_matches(value, item) for item, _ in self)

    def index(self, key: str | tuple[str, float]) -> int:  # type: ignore[override]
        """The position of the first entry matching `key`; `ValueError` if none does."""
        if isinstance(key, str):
            for position, (item, _) in enumerate(self):
                if self._value_matches(key, item):
                    return position
            raise ValueError(key)
        return list.index(self, key)

    def find(self, key: str | tuple[str, float]) -> int:
        """Like `index`, but -1 when nothing matches."""
        try:
            return self.index(key)
        except ValueError:
            return -1

    def values(self) -> Iterator[str]:
        return (item for item, _ in self)

    def to_header(self) -> str:
        return ",".join(item if q == 1 else f"{item};q={q}" for item, q in self)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        pairs = ", ".join(f"({item!r}, {q})" for item, q in self)
        return f"{type(self).__name__}([{pairs}])"

    def _best_single_match(self, match: str) -> tuple[str, float] | None:
        # Sorted by specificity, so the first covering item is the most specific one.
        for item, quality in self:
            if self._value_matches(match, item):
                return item, quality
        return None

    @overload
    def best_match(self, matches: Iterable[str]) -> str | None: ...
    @overload
    def best_match(self, matches: Iterable[str], default: str) -> str: ...
    def best_match(self, matches: Iterable[str], default: str | None = None) -> str | None:
        """The server value of `matches` the client prefers: highest quality, then the most
        specific client item, then the first in `matches`; `default` when none is accepted."""
        result = default
        best_quality: float = -1
        best_specificity: tuple[bool, ...] = ()
        for candidate in matches:
            found = self._best_single_match(candidate)
            if found is None:
                continue
            item, quality = found
            if quality <= 0 or quality < best_quality:
                continue
            specificity = self._specificity(item)
            if quality > best_quality or specificity > best_specificity:
                result = candidate
                best_quality = quality
                best_specificity = specificity
        return result

    @property
    def best(self) -> str | None:
        """The client's most preferred value."""
        return self[0][0] if self else None


_MIME_SPLIT_RE = re.compile(r"/|[ \t]*;[ \t]*")


def _split_mime(value: str) -> list[str]:
    return _MIME_SPLIT_RE.split(value.lower())


class MIMEAccept(Accept):
    """The `Accept` header: `type/subtype` items, where `*/*` and `type/*` are wildcards and
    parameters must match exactly."""

    __slots__ = ()

    def _specificity(self, value: str) -> tuple[bool, ...]:
        return tuple(part != "*" for part in _MIME_SPLIT_RE.split(value))

    def _value_matches(self, value: str, item: str) -> bool:
        if "/" not in item:
            return False  # the client's item is malformed: it matches nothing
        if "/" not in value:
            raise ValueError(f"invalid mimetype {value!r}")
        value_type, value_subtype, *value_params = _split_mime(value)
        if value_type == "*" and value_subtype != "*":
            raise ValueError(f"invalid mimetype {value!r}")
        item_type, item_subtype, *item_params = _split_mime(item)
        if item_type == "*" and item_subtype != "*":
            return False
        if (item_type, item_subtype) == ("*", "*") or (value_type, value_subtype) == ("*", "*"):
            return True
        if item_type != value_type:
            return False
        if "*" in (item_subtype, value_subtype):
            return True
        return item_subtype == value_subtype and sorted(item_params) == sorted(value_params)

    @property
    def accept_html(self) -> bool:
        """Whether the client accepts HTML (or XHTML)."""
        return self._accepts("text/html") or self.accept_xhtml

    @property
    def accept_xhtml(self) -> bool:
        return self._accepts("application/xhtml+xml") or self._accepts("application/xml")

    @property
    def accept_json(self) -> bool:
        return self._accepts("application/json")


_LANGUAGE_SPLIT_RE = re.compile(r"[_-]")


def _split_language(value: str) -> list[str]:
    return _LANGUAGE_SPLIT_RE.split(value.lower())


class LanguageAccept(Accept):
    """The `Accept-Language` header: tags compared without case, `_` and `-` alike."""

    __slots__ = ()

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or _split_language(value) == _split_language(item)

    @overload
    def best_match(self, matches: Iterable[str]) -> str | None: ...
    @overload
    def best_match(self, matches: Iterable[str], default: str) -> str: ...
    def best_match(self, matches: Iterable[str], default: str | None = None) -> str | None:
        """Like `Accept.best_match`, then falling back to primary tags: a client accepting
        `en-US` is offered `en`, and one accepting `en` is offered `en-GB`. The returned value
        is always one of `matches`, unchanged."""
        matches = list(matches)
        result = super().best_match(matches)
        if result is not None:
            return result
        primary = Accept([(_LANGUAGE_SPLIT_RE.split(item, 1)[0], q) for item, q in self])
        result = primary.best_match(matches)
        if result is not None:
            return result
        result = super().best_match([_LANGUAGE_SPLIT_RE.split(item, 1)[0] for item in matches])
        if result is not None:
            return next(item for item in matches if item.startswith(result))
        return default


def _charset_name(name: str) -> str:
    """One spelling for every alias of a charset (``UTF-8``, ``utf8``, ``U8``: ``utf_8``).

    Not ``codecs.lookup``: it imports a codec module for a client's name and caches every name
    that resolves, so a client could grow the process's memory with endless variants."""
    normalized = encodings.normalize_encoding(name.lower())
    return encodings.aliases.aliases.get(normalized, normalized)


class CharsetAccept(Accept):
    """The `Accept-Charset` header: aliases of one codec match (`utf8` is `UTF-8`)."""

    __slots__ = ()

    def _value_matches(self, value: str, item: str) -> bool:
        return item == "*" or _charset_name(value) == _charset_name(item)
