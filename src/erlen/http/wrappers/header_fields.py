"""Attributes of requests and responses that are one header, parsed or formatted.

`request.accept_mimetypes`, `response.vary`, `response.expires` and their kind are each one
line in the wrapper class, built from the descriptors here, so the rule for each kind lives in
one place: a request attribute parses its header on first access and keeps the result (request
headers never change); a response attribute reads and writes `response.headers` every time, so
it always agrees with the header list, and every value it writes goes through `Headers`, which
refuses CR, LF and NUL. A header that does not parse reads as None (or the empty value), never
as an error. Nothing here runs unless the attribute is used.
"""

from __future__ import annotations

import typing as t

from erlen.http import dump_header, parse_set_header
from erlen.http.datastructures import HeaderSet

T = t.TypeVar("T")

if t.TYPE_CHECKING:
    from erlen.http.datastructures import Headers

    class _HasHeaders(t.Protocol):
        headers: Headers
        __dict__: dict[str, t.Any]


class parsed_header(t.Generic[T]):
    """A read-only request attribute: header `name` parsed by `parse` on first access.

    A non-data descriptor: the parsed value is stored in the instance `__dict__` under the
    attribute's name, so later reads are plain attribute lookups.
    """

    def __init__(self, name: str, parse: t.Callable[[str | None], T], doc: str) -> None:
        self.name = name
        self.parse = parse
        self.__doc__ = doc
        self.attribute = ""

    def __set_name__(self, owner: type, attribute: str) -> None:
        self.attribute = attribute

    @t.overload
    def __get__(self, obj: None, owner: type) -> parsed_header[T]: ...
    @t.overload
    def __get__(self, obj: _HasHeaders, owner: type) -> T: ...
    def __get__(self, obj: _HasHeaders | None, owner: type) -> parsed_header[T] | T:
        if obj is None:
            return self
        value = self.parse(obj.headers.get(self.name))
        obj.__dict__[self.attribute] = value
        return value


def optional(convert: t.Callable[[str], T]) -> t.Callable[[str | None], T | None]:
    """`convert` for a header that may be missing or malformed: None in either case."""

    def parse(value: str | None) -> T | None:
        if value is None:
            return None
        try:
            return convert(value)
        except (ValueError, TypeError):
            return None

    return parse


class header_property(t.Generic[T]):
    """A response attribute backed by header `name`: reading gives `load(value)` (`default`
    when the header is missing, None when `load` raises `ValueError` or `TypeError`); setting
    writes `dump(value)` (or `str(value)`), and setting None or deleting removes the header."""

    def __init__(
        self,
        name: str,
        default: T | None = None,
        load: t.Callable[[str], T] | None = None,
        dump: t.Callable[[T], str] | None = None,
        doc: str | None = None,
        read_only: bool = False,
    ) -> None:
        self.name = name
        self.default = default
        self.load = load
        self.dump = dump
        self.read_only = read_only
        self.__doc__ = doc

    @t.overload
    def __get__(self, obj: None, owner: type) -> header_property[T]: ...
    @t.overload
    def __get__(self, obj: _HasHeaders, owner: type) -> T | None: ...
    def __get__(self, obj: _HasHeaders | None, owner: type) -> header_property[T] | T | None:
        if obj is None:
            return self
        value = obj.headers.get(self.name)
        if value is None:
            return self.default
        if self.load is None:
            return t.cast(T, value)
        try:
            return self.load(value)
        except (ValueError, TypeError):
            return None

    def __set__(self, obj: _HasHeaders, value: T | None) -> None:
        if self.read_only:
            raise AttributeError(f"{self.name!r} is read-only here.")
        if value is None:
            obj.headers.remove(self.name)
        elif self.dump is not None:
            obj.headers.set(self.name, self.dump(value))
        else:
            obj.headers.set(self.name, value)

    def __delete__(self, obj: _HasHeaders) -> None:
        if self.read_only:
            raise AttributeError(f"{self.name!r} is read-only here.")
        obj.headers.remove(self.name)


class _Structured(t.Protocol):
    def to_header(self) -> str: ...


S = t.TypeVar("S", bound=_Structured)


def structured_header_property(
    name: str, parse: t.Callable[[str | None, t.Callable[[S], None]], S], doc: str
) -> t.Any:
    """A response attribute parsed from header `name` into an object (a cache control, a
    CSP, a content range) whose edits rewrite the header; an emptied object removes it. Assign
    an object, a header string, or None."""

    def get(self: _HasHeaders) -> S:
        def write_back(value: S) -> None:
            if value:
                self.headers.set(name, value.to_header())
            else:
                self.headers.remove(name)

        return parse(self.headers.get(name), write_back)

    def set(self: _HasHeaders, value: S | str | None) -> None:
        if not value:
            self.headers.remove(name)
        else:
            self.headers.set(name, value if isinstance(value, str) else value.to_header())

    def delete(self: _HasHeaders) -> None:
        self.headers.remove(name)

    return property(get, set, delete, doc=doc)


SetValue = str | t.Mapping[str, t.Any] | t.Iterable[str] | None


def header_set_property(name: str, doc: str) -> t.Any:
    """A response attribute that is a `HeaderSet` over header `name` (`Vary`, `Allow`):
    `response.vary.add("Cookie")` rewrites the header, and an emptied set removes it. Assign a
    string, an iterable of tokens, or None."""

    def get(self: _HasHeaders) -> HeaderSet:
        def write_back(header_set: HeaderSet) -> None:
            if header_set:
                self.headers.set(name, header_set.to_header())
            else:
                self.headers.remove(name)

        return parse_set_header(self.headers.get(name), write_back)

    def set(self: _HasHeaders, value: SetValue) -> None:
        if not value:
            self.headers.remove(name)
        elif isinstance(value, str):
            self.headers.set(name, value)
        else:
            self.headers.set(name, dump_header(value))

    def delete(self: _HasHeaders) -> None:
        self.headers.remove(name)

    return property(get, set, delete, doc=doc)
