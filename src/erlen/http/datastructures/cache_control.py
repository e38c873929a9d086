"""`Cache-Control`: `RequestCacheControl` (read-only, `request.cache_control`) and
`ResponseCacheControl` (`response.cache_control`, whose edits rewrite the response header).

Both are dicts of directive -> value (`None` for a directive without a value, such as
`no-store`) with typed attributes: `max_age` is an int, `public` a bool. Directive names use
dashes, attributes underscores. `cache_control_property` builds an attribute for a directive a
subclass adds. Pure containers: a value that does not convert reads as None, never an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn

from erlen.http.datastructures.callback_dict import CallbackDict
from erlen.http.quoting import dump_header


def cache_control_property(
    key: str, empty: Any, type: type[Any] | None, *, doc: str | None = None
) -> Any:
    """An attribute for directive `key`. With `type=bool` it is whether the directive is
    present. Otherwise it is None when absent, `empty` when present without a value, else the
    value converted by `type` (None when that raises `ValueError`). Setting None or False
    removes the directive; True writes it without a value."""
    if doc is None:
        kind = "A bool: whether it is present." if type is bool else "None when absent."
        doc = f"The ``{key}`` directive. {kind}"
    return property(
        lambda self: self._get_cache_value(key, empty, type),
        lambda self, value: self._set_cache_value(key, value, type),
        lambda self: self._del_cache_value(key),
        doc=doc,
    )


class CacheControl(CallbackDict[str, str | None]):
    """The directives every `Cache-Control` header may carry; the base of the request and
    response kinds. `provided` is false when there was no header."""

    no_store: bool = cache_control_property("no-store", None, bool)
    max_age: int | None = cache_control_property("max-age", None, int)
    no_transform: bool = cache_control_property("no-transform", None, bool)
    stale_if_error: int | None = cache_control_property("stale-if-error", None, int)

    cache_property = staticmethod(cache_control_property)

    def __init__(
        self,
        values: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = (),
        on_update: Callable[[Any], None] | None = None,
    ) -> None:
        super().__init__(values, on_update)
        self.provided = values is not None

    def _get_cache_value(self, key: str, empty: Any, type: type[Any] | None) -> Any:
        if type is bool:
            return key in self
        if key not in self:
            return None
        value = dict.__getitem__(self, key)
        if value is None:
            return empty
        if type is None:
            return value
        try:
            return type(value)
        except ValueError:
            return None

    def _set_cache_value(self, key: str, value: Any, type: type[Any] | None) -> None:
        if type is bool:
            if value:
                self[key] = None
            else:
                self.pop(key, None)
        elif value is None or value is False:
            self.pop(key, None)
        elif value is True:
            self[key] = None
        else:
            self[key] = str(type(value) if type is not None else value)

    def _del_cache_value(self, key: str) -> None:
        self.pop(key, None)

    def to_header(self) -> str:
        return dump_header(self)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        pairs = " ".join(f"{key}={value!r}" for key, value in sorted(self.items()))
        return f"<{type(self).__name__} {pairs}>"


def _read_only(self: Any, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError(f"{type(self).__name__!r} objects are immutable")


class RequestCacheControl(CacheControl):
    """The request's `Cache-Control`, read-only (setting an attribute raises `TypeError`)."""

    no_cache: bool = cache_control_property("no-cache", None, bool)
    max_stale: int | bool | None = cache_control_property("max-stale", True, int)
    min_fresh: int | None = cache_control_property("min-fresh", None, int)
    only_if_cached: bool = cache_control_property("only-if-cached", None, bool)

    __setitem__ = __delitem__ = __ior__ = _read_only
    setdefault = update = pop = popitem = clear = _read_only

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))


class ResponseCacheControl(CacheControl):
    """The response's `Cache-Control`: `response.cache_control.max_age = 60` rewrites the
    header. `no_cache` and `private` are True when present without a value (`private="x"`
    names a header)."""

    no_cache: str | bool | None = cache_control_property("no-cache", True, None)
    public: bool = cache_control_property("public", None, bool)
    private: str | bool | None = cache_control_property("private", True, None)
    must_revalidate: bool = cache_control_property("must-revalidate", None, bool)
    proxy_revalidate: bool = cache_control_property("proxy-revalidate", None, bool)
    s_maxage: int | None = cache_control_property("s-maxage", None, int)
    immutable: bool = cache_control_property("immutable", None, bool)
    must_understand: bool = cache_control_property("must-understand", None, bool)
    stale_while_revalidate: int | None = cache_control_property("stale-while-revalidate", None, int)
