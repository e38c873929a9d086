"""`ETags`: the entity tags of an `If-Match` or `If-None-Match` header (`request.if_match`,
`request.if_none_match`), strong and weak, or the `*` that matches any. Pure container.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator

from erlen.http.quoting import generate_etag, unquote_etag


class ETags(Collection[str]):
    """Strong and weak entity tags (unquoted), or `star_tag` for `*`. Iterating and `len`
    cover the strong tags; `"abc" in etags` is a strong comparison (`contains_weak` is the weak
    one that `If-None-Match` uses)."""

    __slots__ = ("_strong", "_weak", "star_tag")

    def __init__(
        self,
        strong_etags: Iterable[str] | None = None,
        weak_etags: Iterable[str] | None = None,
        star_tag: bool = False,
    ) -> None:
        self._strong = frozenset(strong_etags or ())
        self._weak = frozenset(weak_etags or ())
        self.star_tag = star_tag

    def as_set(self, include_weak: bool = False) -> set[str]:
        return set(self._strong | self._weak) if include_weak else set(self._strong)

    def is_weak(self, etag: str) -> bool:
        return etag in self._weak

    def is_strong(self, etag: str) -> bool:
        return etag in self._strong

    def contains_weak(self, etag: str) -> bool:
        """Weak comparison: a weak tag matches too."""
        return self.is_weak(etag) or self.contains(etag)

    def contains(self, etag: str) -> bool:
        return self.star_tag or etag in self._strong

    def contains_raw(self, etag: str) -> bool:
        """`contains` (or `contains_weak` for `W/"..."`) for a quoted ETag."""
        value, weak = unquote_etag(etag)
        if value is None:
            return False
        return self.contains_weak(value) if weak else self.contains(value)

    def to_header(self) -> str:
        if self.star_tag:
            return "*"
        tags = [f'"{tag}"' for tag in sorted(self._strong)]
        tags.extend(f'W/"{tag}"' for tag in sorted(self._weak))
        return ", ".join(tags)

    def __call__(
        self, etag: str | None = None, data: bytes | None = None, include_weak: bool = False
    ) -> bool:
        """Whether `etag` (or the ETag of `data`) is one of the tags, weak ones included with
        `include_weak`. Unlike `contains`, `*` matches nothing here, as in Werkzeug."""
        if etag is None:
            if data is None:
                raise TypeError("'data' is required when 'etag' is not given.")
            etag = generate_etag(data)
        return etag in self._strong or (include_weak and etag in self._weak)

    def __contains__(self, etag: object) -> bool:
        return isinstance(etag, str) and self.contains(etag)

    def __iter__(self) -> Iterator[str]:
        return iter(self._strong)

    def __len__(self) -> int:
        return len(self._strong)

    def __bool__(self) -> bool:
        return bool(self.star_tag or self._strong or self._weak)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"
