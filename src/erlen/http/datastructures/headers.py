"""HTTP header lists: `Headers` (ordered, case-insensitive, multi-valued) and `ReadOnlyHeaders`.

`Headers` keeps its `(name, value)` pairs in `_list`, which goes to the server as is, so the
safety rule lives here: no header name or value with CR, LF or NUL can ever enter a `Headers`
(a name must be an RFC 9110 token). Werkzeug's names and semantics. Pure containers: nothing
here reads an environ, a scope or a socket.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, overload

from erlen.http.datastructures.structures import MultiDict, _convert_all, _missing, iter_multi_items
from erlen.http.exceptions import BadRequestKeyError
from erlen.http.quoting import dump_options_header

if TYPE_CHECKING:
    from typing import TypeAlias

    from erlen.http.datastructures.structures import _MultiSource

    _HeaderSource: TypeAlias = "Headers | _MultiSource[str, Any]"

T = TypeVar("T")

_token_re = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Names checked by a set lookup instead of the regex: the headers nearly every response has.
_COMMON_NAMES_TEXT = (
    "Content-Type Content-Length Content-Disposition Content-Encoding Content-Language "
    "Content-Range Content-Security-Policy Cache-Control Set-Cookie Location Vary ETag "
    "Last-Modified Expires Date Server Allow Accept-Ranges Retry-After WWW-Authenticate "
    "X-Content-Type-Options X-Frame-Options Referrer-Policy Strict-Transport-Security "
    "Cross-Origin-Opener-Policy Cross-Origin-Resource-Policy Permissions-Policy "
    "Access-Control-Allow-Origin Access-Control-Allow-Credentials Content-type"
)
_COMMON_NAMES = frozenset(_COMMON_NAMES_TEXT.split())


def _invalid_name(key: str) -> ValueError:
    return ValueError(f"Invalid header name {key[:60]!r}: it must be a non-empty token.")


_INVALID_VALUE = "Header values must not contain CR, LF or NUL characters."


def _checked(key: str, value: Any) -> tuple[str, str]:
    if key not in _COMMON_NAMES and _token_re.fullmatch(key) is None:
        raise _invalid_name(key)
    if value.__class__ is not str:
        value = str(value)
    if "\r" in value or "\n" in value or "\0" in value:
        raise ValueError(_INVALID_VALUE)
    return key, value


def _with_options(value: Any, options: dict[str, Any]) -> str:
    return dump_options_header(str(value), {k.replace("_", "-"): v for k, v in options.items()})


class Headers:
    """Ordered, case-insensitive, multi-valued HTTP headers; iterating yields `(name, value)`.

    Values that are not `str` go through `str()`. A name that is not a token, or a value with
    CR, LF or NUL, raises `ValueError` before anything is written, so a header can never be
    injected or split (Werkzeug checks only for newlines in values).
    """

    __slots__ = ("_list",)

    @classmethod
    def _trusted(cls, pairs: list[tuple[str, str]]) -> Headers:
        """Wrap pairs the framework built itself from constants, without checking them again."""
        self = cls.__new__(cls)
        self._list = pairs
        return self

    def __init__(self, defaults: _HeaderSource | None = None) -> None:
        if defaults is None:
            self._list: list[tuple[str, str]] = []
        elif type(defaults) is Headers:
            self._list = defaults._list[:]  # already validated
        else:
            self._list = []
            self.extend(defaults)

    @overload
    def __getitem__(self, key: str) -> str: ...
    @overload
    def __getitem__(self, key: int) -> tuple[str, str]: ...
    @overload
    def __getitem__(self, key: slice) -> Headers: ...
    def __getitem__(self, key: str | int | slice) -> str | tuple[str, str] | Headers:
        if isinstance(key, str):
            ikey = key.lower()
            for k, v in self._list:
                if k.lower() == ikey:
                    return v
            raise BadRequestKeyError(key)
        if isinstance(key, int):
            return self._list[key]
        if isinstance(key, slice):
            return self.__class__(self._list[key])
        raise TypeError(f"Headers indices must be str, int or slice, not {type(key).__name__}")

    @overload
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: T) -> str | T: ...
    @overload
    def get(self, key: str, *, type: Callable[[str], T]) -> T | None: ...
    @overload
    def get(self, key: str, default: T, type: Callable[[str], T]) -> T: ...
    def get(self, key: str, default: Any = None, type: Callable[[str], Any] | None = None) -> Any:
        """First value, converted by `type`; `default` if missing or `type` raises."""
        ikey = key.lower()
        for k, v in self._list:
            if k.lower() == ikey:
                if type is None:
                    return v
                try:
                    return type(v)
                except (ValueError, TypeError):
                    return default
        return default

    @overload
    def getlist(self, key: str) -> list[str]: ...
    @overload
    def getlist(self, key: str, type: Callable[[str], T]) -> list[T]: ...
    def getlist(self, key: str, type: Callable[[str], Any] | None = None) -> list[Any]:
        """All values of `key` in order; values that `type` rejects are skipped."""
        ikey = key.lower()
        values = [v for k, v in self._list if k.lower() == ikey]
        return values if type is None else _convert_all(values, type)

    def get_all(self, name: str) -> list[str]:
        return self.getlist(name)

    def __contains__(self, key: str) -> bool:
        ikey = key.lower()
        for k, _ in self._list:  # noqa: SIM110 (a plain loop is faster than any() here)
            if k.lower() == ikey:
                return True
        return False

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._list)

    def __len__(self) -> int:
        return len(self._list)

    def keys(self, lower: bool = False) -> Iterator[str]:
        return (key.lower() if lower else key for key, _ in self)

    def values(self) -> Iterator[str]:
        return (value for _, value in self)

    def items(self, lower: bool = False) -> Iterator[tuple[str, str]]:
        return ((key.lower(), value) for key, value in self) if lower else iter(self)

    def add(self, key: str, value: Any, /, **kw: Any) -> None:
        """Append a header; keywords become options (`filename="a b"` -> `; filename="a b"`)."""
        if kw:
            value = _with_options(value, kw)
        self._list.append(_checked(key, value))

    def add_header(self, key: str, value: Any, /, **kw: Any) -> None:
        self.add(key, value, **kw)

    def set(self, key: str, value: Any, /, **kw: Any) -> None:
        """Replace the first `key` header in place, drop the others; append if absent."""
        if kw:
            value = _with_options(value, kw)
        key, value = _checked(key, value)
        lst = self._list
        ikey = key.lower()
        for i, (k, _) in enumerate(lst):
            if k.lower() == ikey:
                lst[i] = (key, value)
                rest = [item for item in lst[i + 1 :] if item[0].lower() != ikey]
                if len(rest) != len(lst) - i - 1:
                    lst[i + 1 :] = rest
                return
        lst.append((key, value))

    def setlist(self, key: str, values: Iterable[Any]) -> None:
        """Replace every `key` header with `values` (the first keeps the old place)."""
        pairs = [_checked(key, value) for value in values]
        if not pairs:
            self.remove(key)
            return
        self.set(*pairs[0])
        self._list.extend(pairs[1:])

    def setdefault(self, key: str, default: Any) -> str:
        """First value of `key`; if absent, add `default` and return it (as str)."""
        ikey = key.lower()
        for k, v in self._list:
            if k.lower() == ikey:
                return v
        pair = _checked(key, default)
        self._list.append(pair)
        return pair[1]

    def setlistdefault(self, key: str, default: Iterable[Any]) -> list[str]:
        """All values of `key` (a copy), set to `default` first if absent."""
        if key not in self:
            self.setlist(key, default)
        return self.getlist(key)

    def extend(self, arg: _HeaderSource | None = None, /, **kwargs: Any) -> None:
        """Append headers from a Headers, MultiDict, mapping (list values add several),
        iterable of pairs and keywords. All or nothing."""
        if arg is None:
            new = []
        elif type(arg) is list:  # the common case, skip the generator
            new = [_checked(k, v) for k, v in arg]
        else:
            new = [_checked(k, v) for k, v in iter_multi_items(arg)]
        if kwargs:
            new.extend(_checked(k, v) for k, v in iter_multi_items(kwargs))
        self._list.extend(new)

    def update(self, arg: _HeaderSource | None = None, /, **kwargs: Any) -> None:
        """Replace headers: each name given gets exactly the given values (list, tuple or set
        values give several; among pairs, the last for a name wins). All or nothing."""
        plan: dict[str, list[tuple[str, str]]] = {}
        if isinstance(arg, Headers | MultiDict):
            for key, value in iter_multi_items(arg):
                plan.setdefault(key.lower(), []).append(_checked(key, value))
            arg = None
        for source in (arg.items() if isinstance(arg, Mapping) else arg or (), kwargs.items()):
            for key, value in source:
                values = value if isinstance(value, list | tuple | set) else (value,)
                plan[key.lower()] = [_checked(key, item) for item in values]
        for ikey, pairs in plan.items():
            if pairs:
                self.set(*pairs[0])
                self._list.extend(pairs[1:])
            else:
                self.remove(ikey)

    def __setitem__(self, key: str | int | slice, value: Any) -> None:
        """`h[name] = value` is `set`; an int or slice key replaces pairs by position."""
        if isinstance(key, str):
            self.set(key, value)
        elif isinstance(key, int):
            self._list[key] = _checked(*value)
        else:
            self._list[key] = [_checked(k, v) for k, v in value]

    def __delitem__(self, key: str | int | slice) -> None:
        if isinstance(key, str):
            self.remove(key)
        else:
            del self._list[key]

    def remove(self, key: str) -> None:
        ikey = key.lower()
        self._list[:] = [item for item in self._list if item[0].lower() != ikey]

    def pop(self, key: str | int | None = None, default: Any = _missing) -> Any:
        """Remove and return the last pair, the pair at an index, or a name's first value
        (removing all its headers; `default` or `BadRequestKeyError` if absent)."""
        if key is None:
            return self._list.pop()
        if isinstance(key, int):
            return self._list.pop(key)
        value = self.get(key, _missing)
        if value is _missing:
            if default is _missing:
                raise BadRequestKeyError(key)
            return default
        self.remove(key)
        return value

    def popitem(self) -> tuple[str, str]:
        return self._list.pop()

    def clear(self) -> None:
        self._list.clear()

    def to_wsgi_list(self) -> list[tuple[str, str]]:
        return list(self)

    def copy(self) -> Headers:
        return self.__class__(list(self))

    def __copy__(self) -> Headers:
        return self.copy()

    def __eq__(self, other: object) -> bool:
        """Same pairs, names compared without case, order ignored (repeats count, unlike in
        Werkzeug where a set comparison ignores them)."""
        if not isinstance(other, Headers):
            return NotImplemented
        return sorted(other.items(lower=True)) == sorted(self.items(lower=True))

    __hash__ = None  # type: ignore[assignment]

    def __or__(self, other: Mapping[str, Any] | Headers) -> Headers:
        """A copy updated with `other` (names in `other` replace the copy's)."""
        if not isinstance(other, Mapping | Headers):
            return NotImplemented
        result = self.copy()
        result.update(other)
        return result

    def __ior__(self, other: Mapping[str, Any] | Headers | Iterable[tuple[str, Any]]) -> Headers:
        if not isinstance(other, Mapping | Headers | Iterable):
            return NotImplemented
        self.update(other)
        return self

    def __str__(self) -> str:
        return "".join(f"{key}: {value}\r\n" for key, value in self) + "\r\n"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


class ReadOnlyHeaders(Headers):
    """Request headers: what the client sent, so every mutator raises ``TypeError``."""

    __slots__ = ()

    def _read_only(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("Request headers are read-only; copy() them to change a copy.")

    add = set = setlist = setdefault = setlistdefault = extend = update = _read_only
    remove = pop = popitem = clear = add_header = _read_only
    __setitem__ = __delitem__ = _read_only
