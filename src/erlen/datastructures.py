"""Request and response containers: MultiDict and friends, Headers, FileStorage.

Owns the multi-valued dicts behind `request.args`/`form`/`files`/`values`, the read-only dict and
list variants, the ordered case-insensitive `Headers` (whose `_list` of `(str, str)` pairs goes to
the server as is) and `FileStorage` for uploads. Werkzeug's names and semantics, so Flask code
works unchanged. Pure containers: this module never reads `environ`, `scope` or a socket.
Safety rule kept here: no header name or value with CR, LF or NUL can ever enter a `Headers`.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from copy import deepcopy as _deepcopy
from io import BytesIO
from shutil import copyfileobj
from typing import IO, TYPE_CHECKING, Any, Literal, NoReturn, TypeVar, overload

from .exceptions import BadRequestKeyError

if TYPE_CHECKING:
    from typing import TypeAlias

    _Multi: TypeAlias = "MultiDict[K, V] | Mapping[K, V | list[V] | tuple[V, ...] | set[V]]"
    _MultiSource: TypeAlias = "_Multi[K, V] | Iterable[tuple[K, V]]"
    _HeaderSource: TypeAlias = "Headers | _MultiSource[str, Any]"

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

_missing: Any = object()


def iter_multi_items(mapping: _MultiSource[K, V]) -> Iterator[tuple[K, V]]:
    """Yield every `(key, value)` pair: each value of a MultiDict, each item of a list, tuple
    or set value in a plain mapping, or the pairs of any other iterable."""
    if isinstance(mapping, MultiDict):
        yield from mapping.items(multi=True)
    elif isinstance(mapping, Mapping):
        for key, value in mapping.items():
            if isinstance(value, list | tuple | set):
                for item in value:
                    yield key, item
            else:
                yield key, value
    else:
        yield from mapping


def _convert_all(values: Iterable[Any], type: Callable[[Any], T]) -> list[T]:
    result = []
    for value in values:
        try:
            result.append(type(value))
        except (ValueError, TypeError):
            continue
    return result


def _immutable(self: Any, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError(f"{type(self).__name__!r} objects are immutable")


class ImmutableList(list[V]):
    """A read-only, hashable `list`."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _immutable
    append = remove = extend = insert = pop = reverse = sort = clear = _immutable

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self))

    def __reduce_ex__(self, protocol: Any) -> Any:
        return type(self), (list(self),)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list.__repr__(self)})"


class ImmutableDict(dict[K, V]):
    """A read-only, hashable `dict`; `copy()` returns a mutable `dict`."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = _immutable
    setdefault = update = pop = popitem = clear = _immutable

    @classmethod
    def fromkeys(cls, keys: Iterable[Any], value: Any = None) -> Any:
        return cls((key, value) for key in keys)

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce_ex__(self, protocol: Any) -> Any:
        return type(self), (dict(self),)

    def copy(self) -> dict[K, V]:
        return dict(self)

    def __copy__(self) -> ImmutableDict[K, V]:
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"


class MultiDict(dict[K, list[V]]):
    """A dict holding a list of values per key; item access gives the first value, and a
    missing key raises `BadRequestKeyError` (a `KeyError` that is also a 400 `BadRequest`).
    `dict(md)` gives first values; `to_dict(flat=False)` or `lists()` give all of them."""

    __slots__ = ()

    def __init__(self, mapping: _MultiSource[K, V] | None = None) -> None:
        super().__init__()
        if mapping is None:
            return
        tmp: dict[K, list[V]] = {}
        if isinstance(mapping, MultiDict):
            tmp.update(mapping.lists())
        elif isinstance(mapping, Mapping):
            for key, value in mapping.items():
                if not isinstance(value, list | tuple | set):
                    tmp[key] = [value]
                elif value:
                    tmp[key] = list(value)
        else:
            for key, value in mapping:
                tmp.setdefault(key, []).append(value)
        dict.update(self, tmp)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return type(self), (list(self.items(multi=True)),)

    def __iter__(self) -> Iterator[K]:
        # Overriding __iter__ makes `dict(md)` and `{**md}` use __getitem__ (first values)
        # instead of CPython's fast path that would copy the internal lists.
        return dict.__iter__(self)

    def __getitem__(self, key: K) -> V:  # type: ignore[override]
        values = dict.get(self, key)
        if values:
            return values[0]
        raise BadRequestKeyError(key)

    def __setitem__(self, key: K, value: V) -> None:  # type: ignore[override]
        dict.__setitem__(self, key, [value])

    def add(self, key: K, value: V) -> None:
        """Append `value` to the values of `key`."""
        dict.setdefault(self, key, []).append(value)

    @overload  # type: ignore[override]
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: T) -> V | T: ...
    @overload
    def get(self, key: K, *, type: Callable[[V], T]) -> T | None: ...
    @overload
    def get(self, key: K, default: T, type: Callable[[V], T]) -> T: ...
    def get(self, key: K, default: Any = None, type: Callable[[V], Any] | None = None) -> Any:
        """First value, converted by `type`; `default` if missing or `type` raises."""
        values = dict.get(self, key)
        if not values:
            return default
        if type is None:
            return values[0]
        try:
            return type(values[0])
        except (ValueError, TypeError):
            return default

    @overload
    def getlist(self, key: K) -> list[V]: ...
    @overload
    def getlist(self, key: K, type: Callable[[V], T]) -> list[T]: ...
    def getlist(self, key: K, type: Callable[[V], Any] | None = None) -> list[Any]:
        """All values of `key` (a new list); values that `type` rejects are skipped."""
        values = dict.get(self, key) or ()
        return list(values) if type is None else _convert_all(values, type)

    def setlist(self, key: K, new_list: Iterable[V]) -> None:
        """Replace the values of `key` with a copy of `new_list`."""
        dict.__setitem__(self, key, list(new_list))

    def setdefault(self, key: K, default: V | None = None) -> V | None:  # type: ignore[override]
        """First value of `key`; if there is none, set it to `default` and return that."""
        values = dict.get(self, key)
        if values:
            return values[0]
        new: list[Any] = [default]
        dict.__setitem__(self, key, new)
        return default

    def setlistdefault(self, key: K, default_list: Iterable[V] | None = None) -> list[V]:
        """The internal value list of `key` (created if missing): appending adds values."""
        if key not in self:
            dict.__setitem__(self, key, list(default_list or ()))
        return dict.__getitem__(self, key)

    def items(self, multi: bool = False) -> Iterator[tuple[K, V]]:  # type: ignore[override]
        """`(key, first value)` pairs, or one pair per value when `multi` is true."""
        for key, values in dict.items(self):
            if multi:
                for value in values:
                    yield key, value
            elif values:
                yield key, values[0]

    def lists(self) -> Iterator[tuple[K, list[V]]]:
        """`(key, copy of its value list)` pairs."""
        return ((key, list(values)) for key, values in dict.items(self))

    def values(self) -> Iterator[V]:  # type: ignore[override]
        return (values[0] for values in dict.values(self) if values)

    def listvalues(self) -> Iterator[list[V]]:
        return (list(values) for values in dict.values(self))

    def copy(self) -> MultiDict[K, V]:
        return self.__class__(self)

    def deepcopy(self, memo: Any = None) -> MultiDict[K, V]:
        return self.__class__(_deepcopy(self.to_dict(flat=False), memo))

    def __copy__(self) -> MultiDict[K, V]:
        return self.copy()

    def __deepcopy__(self, memo: Any) -> MultiDict[K, V]:
        return self.deepcopy(memo)

    @overload
    def to_dict(self, flat: Literal[True] = ...) -> dict[K, V]: ...
    @overload
    def to_dict(self, flat: Literal[False]) -> dict[K, list[V]]: ...
    def to_dict(self, flat: bool = True) -> dict[K, V] | dict[K, list[V]]:
        """A plain dict of first values, or of value lists when `flat` is false."""
        if flat:
            return dict(self.items())
        return dict(self.lists())

    def update(self, mapping: _MultiSource[K, V]) -> None:  # type: ignore[override]
        """Add the values of `mapping` to the existing ones (never replaces)."""
        for key, value in iter_multi_items(mapping):
            dict.setdefault(self, key, []).append(value)

    def __or__(self, other: Mapping[K, Any]) -> MultiDict[K, V]:  # type: ignore[override]
        if not isinstance(other, Mapping):
            return NotImplemented
        result = self.copy()
        result.update(other)
        return result

    def __ior__(self, other: Any) -> MultiDict[K, V]:  # type: ignore[override,misc]
        if not isinstance(other, Mapping | Iterable):
            return NotImplemented
        self.update(other)
        return self

    def pop(self, key: K, default: Any = _missing) -> Any:
        """Remove `key` and return its first value (or `default`, if given)."""
        values = dict.pop(self, key, None)
        if values:
            return values[0]
        if default is not _missing:
            return default
        raise BadRequestKeyError(key)

    def popitem(self) -> tuple[K, V]:  # type: ignore[override]
        """Remove a key and return `(key, first value)`."""
        key, values = self.popitemlist()
        if not values:
            raise BadRequestKeyError(key)
        return key, values[0]

    def poplist(self, key: K) -> list[V]:
        """Remove `key` and return all its values ([] if missing)."""
        return dict.pop(self, key, [])

    def popitemlist(self) -> tuple[K, list[V]]:
        """Remove a key and return `(key, list of values)`."""
        try:
            return dict.popitem(self)
        except KeyError:
            raise BadRequestKeyError("popitem(): dictionary is empty") from None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.items(multi=True))!r})"


class _ReadOnlyMultiDict(MultiDict[K, V]):
    """Every mutator raises `TypeError`; hashable; `copy()` is a mutable `MultiDict`."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = add = setlist = setdefault = _immutable
    setlistdefault = update = pop = popitem = poplist = popitemlist = clear = _immutable

    @classmethod
    def fromkeys(cls, keys: Iterable[Any], value: Any = None) -> Any:
        return cls([(key, value) for key in keys])

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items(multi=True)))

    def copy(self) -> MultiDict[K, V]:
        return MultiDict(self)

    def __copy__(self) -> MultiDict[K, V]:
        return self


class ImmutableMultiDict(_ReadOnlyMultiDict[K, V]):
    """A read-only, hashable `MultiDict` (what `request.args`, `form` and `files` are)."""

    __slots__ = ()


class CombinedMultiDict(_ReadOnlyMultiDict[K, V]):
    """A read-only view over several MultiDicts (`request.values` is args + form): lookups
    return the first dict's hit; `getlist` concatenates every dict's values."""

    __slots__ = ("dicts",)

    def __init__(self, dicts: Iterable[MultiDict[K, V]] | None = None) -> None:
        super().__init__()
        self.dicts: list[MultiDict[K, V]] = list(dicts or ())

    def __reduce_ex__(self, protocol: Any) -> Any:
        return type(self), (self.dicts,)

    @classmethod
    def fromkeys(cls, keys: Iterable[Any], value: Any = None) -> NoReturn:
        raise TypeError(f"cannot create {cls.__name__!r} instances by fromkeys")

    def __getitem__(self, key: K) -> V:  # type: ignore[override]
        for d in self.dicts:
            if key in d:
                return d[key]
        raise BadRequestKeyError(key)

    def get(self, key: K, default: Any = None, type: Callable[[V], Any] | None = None) -> Any:
        for d in self.dicts:
            if key in d:
                if type is None:
                    return d[key]
                try:
                    return type(d[key])
                except (ValueError, TypeError):
                    continue
        return default

    def getlist(self, key: K, type: Callable[[V], Any] | None = None) -> list[Any]:
        result: list[Any] = []
        for d in self.dicts:
            result.extend(d.getlist(key, type) if type is not None else d.getlist(key))
        return result

    def keys(self) -> Iterable[K]:  # type: ignore[override]
        return dict.fromkeys(key for d in self.dicts for key in d).keys()

    def __iter__(self) -> Iterator[K]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())  # type: ignore[arg-type]

    def __contains__(self, key: object) -> bool:
        return any(key in d for d in self.dicts)

    def items(self, multi: bool = False) -> Iterator[tuple[K, V]]:  # type: ignore[override]
        found: set[K] = set()
        for d in self.dicts:
            for key, value in d.items(multi):
                if multi:
                    yield key, value
                elif key not in found:
                    found.add(key)
                    yield key, value

    def values(self) -> Iterator[V]:  # type: ignore[override]
        return (value for _, value in self.items())

    def lists(self) -> Iterator[tuple[K, list[V]]]:
        merged: dict[K, list[V]] = {}
        for d in self.dicts:
            for key, values in d.lists():
                merged.setdefault(key, []).extend(values)
        return iter(merged.items())

    def listvalues(self) -> Iterator[list[V]]:
        return (values for _, values in self.lists())

    def deepcopy(self, memo: Any = None) -> MultiDict[K, V]:
        return MultiDict(_deepcopy(self.to_dict(flat=False), memo))

    def __copy__(self) -> MultiDict[K, V]:
        return self.copy()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.dicts!r})"


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
    from .http import dump_options_header

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
        if key not in _COMMON_NAMES and _token_re.fullmatch(key) is None:
            raise _invalid_name(key)
        if value.__class__ is not str:
            value = str(value)
        if "\r" in value or "\n" in value or "\0" in value:
            raise ValueError(_INVALID_VALUE)
        self._list.append((key, value))

    def add_header(self, key: str, value: Any, /, **kw: Any) -> None:
        self.add(key, value, **kw)

    def set(self, key: str, value: Any, /, **kw: Any) -> None:
        """Replace the first `key` header in place, drop the others; append if absent."""
        if kw:
            value = _with_options(value, kw)
        if key not in _COMMON_NAMES and _token_re.fullmatch(key) is None:
            raise _invalid_name(key)
        if value.__class__ is not str:
            value = str(value)
        if "\r" in value or "\n" in value or "\0" in value:
            raise ValueError(_INVALID_VALUE)
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

    def __str__(self) -> str:
        return "".join(f"{key}: {value}\r\n" for key, value in self) + "\r\n"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


_FILE_STORAGE_SLOTS = ("name", "stream", "filename", "headers", "_parsed")


class FileStorage:
    """An uploaded file: `stream` (binary file), `filename`, form field `name`, part `headers`.
    Other attributes come from the stream (`fs.read()`)."""

    __slots__ = _FILE_STORAGE_SLOTS

    def __init__(
        self,
        stream: IO[bytes] | None = None,
        filename: str | None = None,
        name: str | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.name = name
        self.stream: IO[bytes] = stream if stream is not None else BytesIO()
        if filename is None:
            # A real file's name is its path; `<stdin>`-style names and fds are not filenames.
            stream_name = getattr(stream, "name", None)
            if isinstance(stream_name, str | bytes) and stream_name:
                filename = os.fsdecode(stream_name)
                if filename.startswith("<") and filename.endswith(">"):
                    filename = None
        else:
            filename = os.fsdecode(filename)
        self.filename: str | None = filename
        self.headers = headers if headers is not None else Headers()
        if content_type is not None:
            self.headers["Content-Type"] = content_type
        if content_length is not None:
            self.headers["Content-Length"] = str(content_length)
        self._parsed: tuple[str | None, tuple[str, dict[str, str]]] | None = None

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    @property
    def content_length(self) -> int:
        """The part's `Content-Length` as an int, 0 if missing or invalid."""
        value = (self.headers.get("Content-Length") or "").strip()
        return int(value) if value.isascii() and value.isdigit() else 0

    def _parse_content_type(self) -> tuple[str, dict[str, str]]:
        content_type = self.content_type
        if self._parsed is None or self._parsed[0] != content_type:
            from .http import parse_options_header

            self._parsed = (content_type, parse_options_header(content_type))
        return self._parsed[1]

    @property
    def mimetype(self) -> str:
        return self._parse_content_type()[0].lower()

    @property
    def mimetype_params(self) -> dict[str, str]:
        return self._parse_content_type()[1]

    def save(self, dst: str | os.PathLike[str] | IO[bytes], buffer_size: int = 16384) -> None:
        """Copy the stream to a path (opened and closed here) or an open binary file (left
        open). Never use the client's `filename` as a path unchecked."""
        if isinstance(dst, str | os.PathLike):
            with open(dst, "wb") as fp:
                copyfileobj(self.stream, fp, buffer_size)
        else:
            copyfileobj(self.stream, dst, buffer_size)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stream.close()

    def __bool__(self) -> bool:
        return bool(self.filename)

    def __getattr__(self, name: str) -> Any:
        if name in _FILE_STORAGE_SLOTS:  # unset slot: never recurse through the stream
            raise AttributeError(name)
        return getattr(self.stream, name)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.stream)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.filename!r} ({self.content_type!r})>"


class ReadOnlyHeaders(Headers):
    """Request headers: what the client sent, so every mutator raises ``TypeError``."""

    __slots__ = ()

    def _read_only(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("Request headers are read-only; copy() them to change a copy.")

    add = set = setlist = setdefault = setlistdefault = extend = update = _read_only
    remove = pop = popitem = clear = add_header = _read_only
    __setitem__ = __delitem__ = _read_only
