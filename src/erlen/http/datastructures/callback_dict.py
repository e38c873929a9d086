"""`CallbackDict`: a dict that calls `on_update(self)` after every change.

The parsed views of response headers (`response.cache_control`, `content_security_policy`,
`www_authenticate.parameters`, `mimetype_params`) are CallbackDicts whose callback writes the
header back, so editing the view edits the response. Pure container.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, cast

from erlen.http.datastructures.structures import _missing

K = TypeVar("K")
V = TypeVar("V")


class CallbackDict(dict[K, V]):
    """A `dict` that calls `on_update(self)` after each change (not when a call changes
    nothing, such as `setdefault` on a present key or `pop` of a missing one)."""

    on_update: Callable[[Any], None] | None

    def __init__(
        self,
        initial: Mapping[K, V] | Iterable[tuple[K, V]] | None = None,
        on_update: Callable[[Any], None] | None = None,
    ) -> None:
        if initial is None:
            super().__init__()
        else:
            super().__init__(initial)
        self.on_update = on_update

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: K) -> None:
        super().__delitem__(key)
        self._changed()

    def clear(self) -> None:
        super().clear()
        self._changed()

    def popitem(self) -> tuple[K, V]:
        item = super().popitem()
        self._changed()
        return item

    def pop(self, key: K, default: Any = _missing) -> Any:
        present = key in self
        value = super().pop(key) if default is _missing else super().pop(key, default)
        if present:
            self._changed()
        return value

    def setdefault(self, key: K, default: Any = None) -> V:
        present = key in self
        value = super().setdefault(key, default)
        if not present:
            self._changed()
        return value

    def update(self, arg: Any = None, /, **kwargs: Any) -> None:
        if arg is None:
            super().update(cast("dict[K, V]", kwargs))
        else:
            super().update(arg, **kwargs)
        self._changed()

    def __ior__(self, other: Any) -> CallbackDict[K, V]:  # type: ignore[override,misc]
        super().__ior__(other)
        self._changed()
        return self

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"
