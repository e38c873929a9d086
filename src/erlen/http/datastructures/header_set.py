"""`HeaderSet`: an ordered, case-insensitive set of header tokens (`Vary`, `Allow`, `Pragma`,
`Content-Language`, the `Access-Control-*` lists).

`response.vary` and `response.allow` are HeaderSets whose `on_update` writes the header back,
so `response.vary.add("Cookie")` edits the response. Pure container.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, MutableSet
from typing import Any, SupportsIndex

from erlen.http.quoting import quote_header_value


class HeaderSet(MutableSet[str]):
    """Header tokens in their original order and case, compared without case:
    `"cookie" in HeaderSet(["Cookie"])` is true. Every change calls `on_update(self)`."""

    def __init__(
        self,
        headers: Iterable[str] | None = None,
        on_update: Callable[[HeaderSet], None] | None = None,
    ) -> None:
        self._headers: list[str] = []
        self._set: set[str] = set()
        for header in headers or ():
            if header.lower() not in self._set:
                self._headers.append(header)
                self._set.add(header.lower())
        self.on_update = on_update

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    def add(self, header: str) -> None:
        self.update((header,))

    def update(self, iterable: Iterable[str]) -> None:
        """Add every header of `iterable` not already in the set (one `on_update` call)."""
        added = False
        for header in iterable:
            key = header.lower()
            if key not in self._set:
                self._set.add(key)
                self._headers.append(header)
                added = True
        if added:
            self._changed()

    def remove(self, header: str) -> None:
        """Remove `header` (any case); `KeyError` if it is not in the set."""
        key = header.lower()
        if key not in self._set:
            raise KeyError(header)
        self._set.discard(key)
        del self._headers[self.find(header)]
        self._changed()

    def discard(self, header: str) -> None:
        if header.lower() in self._set:
            self.remove(header)

    def find(self, header: str) -> int:
        """The position of `header` (any case), or -1."""
        key = header.lower()
        for index, item in enumerate(self._headers):
            if item.lower() == key:
                return index
        return -1

    def index(self, header: str) -> int:
        """The position of `header` (any case); `IndexError` if it is not in the set."""
        index = self.find(header)
        if index < 0:
            raise IndexError(header)
        return index

    def clear(self) -> None:
        self._set.clear()
        self._headers.clear()
        self._changed()

    def as_set(self, preserve_casing: bool = False) -> set[str]:
        """A plain `set`: lower-cased, or as written with `preserve_casing`."""
        return set(self._headers) if preserve_casing else set(self._set)

    def to_header(self) -> str:
        return ", ".join(quote_header_value(header) for header in self._headers)

    def __getitem__(self, index: SupportsIndex) -> str:
        return self._headers[index]

    def __delitem__(self, index: SupportsIndex) -> None:
        removed = self._headers.pop(index)
        self._set.discard(removed.lower())
        self._changed()

    def __setitem__(self, index: SupportsIndex, value: str) -> None:
        old = self._headers[index]
        self._set.discard(old.lower())
        self._headers[index] = value
        self._set.add(value.lower())
        self._changed()

    def __contains__(self, header: Any) -> bool:
        return isinstance(header, str) and header.lower() in self._set

    def __len__(self) -> int:
        return len(self._set)

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers)

    def __bool__(self) -> bool:
        return bool(self._set)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._headers!r})"
