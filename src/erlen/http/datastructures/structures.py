"""Multi-valued and read-only dicts and lists: MultiDict and friends, TypeConversionDict.

Owns the containers behind `request.args`/`form`/`files`/`values` (`MultiDict`,
`ImmutableMultiDict`, `CombinedMultiDict`), the read-only `ImmutableDict`/`ImmutableList`, and
`TypeConversionDict` whose `get(key, type=int)` Werkzeug's dicts share. Werkzeug's names and
semantics, so Flask code works unchanged. Pure containers: nothing here reads a request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from copy import deepcopy as _deepcopy
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar, overload

from erlen.http.exceptions import BadRequestKeyError

if TYPE_CHECKING:
    from typing import TypeAlias

    _Multi: TypeAlias = "MultiDict[K, V] | Mapping[K, V | list[V] | tuple[V, ...] | set[V]]"
    _MultiSource: TypeAlias = "_Multi[K, V] | Iterable[tuple[K, V]]"

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


class TypeConversionDict(dict[K, V]):
    """A `dict` whose `get` can convert the value: `d.get("page", 1, type=int)` gives the
    default when the key is missing or the conversion raises `ValueError` or `TypeError`."""

    __slots__ = ()

    @overload  # type: ignore[override]
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: T) -> V | T: ...
    @overload
    def get(self, key: K, *, type: Callable[[V], T]) -> T | None: ...
    @overload
    def get(self, key: K, default: T, type: Callable[[V], T]) -> T: ...
    def get(self, key: K, default: Any = None, type: Callable[[V], Any] | None = None) -> Any:
        try:
            value = self[key]
        except KeyError:
            return default
        if type is None:
            return value
        try:
            return type(value)
        except (ValueError, TypeError):
            return default


class ImmutableTypeConversionDict(ImmutableDict[K, V], TypeConversionDict[K, V]):
    """A read-only, hashable `TypeConversionDict` (what `ImmutableDict` makes read-only, with
    `get(key, type=...)`); `copy()` returns a mutable one."""

    __slots__ = ()

    def copy(self) -> TypeConversionDict[K, V]:
        return TypeConversionDict(self)


class MultiDict(TypeConversionDict[K, list[V]]):
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

    def get(  # type: ignore[override]
        self, key: K, default: Any = None, type: Callable[[V], Any] | None = None
    ) -> Any:
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
