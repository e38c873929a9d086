"""URL converters: how one ``<converter(args):name>`` placeholder matches, converts and builds.

Owns ``BaseConverter``, the built-in converters registered in ``DEFAULT_CONVERTERS``,
``ValidationError`` and the parser for converter arguments written in a rule
(``<int(min=1, max=10):n>``). Argument values are read as literals only: this module never
evaluates rule text as code.

Two choices differ from Werkzeug on purpose, both safer:
- ``BaseConverter.to_url`` percent-quotes "/" so a value built into a one-segment converter
  can never become two segments (``PathConverter`` keeps "/").
- Number converters accept ASCII digits only (``[0-9]``, not ``\\d``, which also matches other
  scripts' digits and would give one resource many URLs); every built-in ``to_url`` quotes.
"""

from __future__ import annotations

import ast
import re
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

if TYPE_CHECKING:
    from erlen.http.routing.map import Map

__all__ = [
    "DEFAULT_CONVERTERS",
    "AnyConverter",
    "BaseConverter",
    "FloatConverter",
    "IntegerConverter",
    "NumberConverter",
    "PathConverter",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
    "parse_converter_args",
]

#: Characters left as they are in one path segment (WHATWG path-segment set minus "/").
SEGMENT_SAFE = "!$&'()*+,:;=@"
#: The same set with "/" kept, for values that may span segments and for static rule text.
PATH_SAFE = SEGMENT_SAFE + "/"

# PERF: text made only of characters that need no quoting is returned as is, instead of
# through ``quote``, which costs several times more than this check (benchmarks/routing_scale.py).
_SEGMENT_CLEAN = re.compile(r"[A-Za-z0-9_.~!$&'()*+,:;=@-]*").fullmatch
_PATH_CLEAN = re.compile(r"[A-Za-z0-9_.~!$&'()*+,:;=@/-]*").fullmatch


def quote_segment(value: Any) -> str:
    """Percent-encode ``value`` for one path segment ("/" is encoded too)."""
    text = value if value.__class__ is str else str(value)
    if (text.isascii() and text.isalnum()) or _SEGMENT_CLEAN(text) is not None:
        return text
    return quote(text, safe=SEGMENT_SAFE)


def quote_path(value: Any) -> str:
    """Percent-encode ``value`` for a path that may span segments ("/" is kept)."""
    text = value if value.__class__ is str else str(value)
    if _PATH_CLEAN(text) is not None:
        return text
    return quote(text, safe=PATH_SAFE)


class ValidationError(ValueError):
    """Raised by ``to_python`` (or ``to_url``) when a value does not fit the converter.

    While matching it means "this rule does not match, keep looking"; while building it
    means "this rule cannot build these values, try the endpoint's next rule".
    """


class BaseConverter:
    """Base class of all converters: matches one path segment and keeps it a string.

    Subclasses set ``regex`` (the pattern for the placeholder), ``weight`` (lower is tried
    first among placeholders at the same place) and override ``to_python``/``to_url``.
    A subclass whose ``regex`` contains "/" gets ``part_isolating = False`` automatically,
    which lets it span segments (like ``path``).
    """

    regex: str = "[^/]+"
    weight: ClassVar[int] = 100
    part_isolating: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "regex" in cls.__dict__ and "part_isolating" not in cls.__dict__:
            cls.part_isolating = "/" not in cls.regex

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        self.map = map

    def to_python(self, value: str) -> Any:
        return value

    def to_url(self, value: Any) -> str:
        return quote_segment(value)


class UnicodeConverter(BaseConverter):
    """The default converter: any text of one segment, ``minlength``/``maxlength``/``length``."""

    def __init__(
        self,
        map: Map,
        minlength: int = 1,
        maxlength: int | None = None,
        length: int | None = None,
    ) -> None:
        super().__init__(map)
        if length is not None:
            count = f"{{{int(length)}}}"
        else:
            upper = "" if maxlength is None else str(int(maxlength))
            count = f"{{{int(minlength)},{upper}}}"
        self.regex = f"[^/]{count}"


class AnyConverter(BaseConverter):
    """One of a fixed set of words: ``<any(about, help, "a b"):page>``."""

    weight = 50

    def __init__(self, map: Map, *items: str) -> None:
        super().__init__(map)
        if not items:
            raise ValueError("the 'any' converter needs at least one item")
        self.items = {str(item) for item in items}
        longest_first = sorted(self.items, key=len, reverse=True)
        self.regex = "(?:" + "|".join(re.escape(item) for item in longest_first) + ")"

    def to_url(self, value: Any) -> str:
        if str(value) in self.items:
            return quote_segment(value)
        valid = ", ".join(repr(item) for item in sorted(self.items))
        raise ValueError(f"{value!r} is not one of {valid}")


class PathConverter(BaseConverter):
    """Like the default converter but also matches "/", so it may span segments.

    Tried after every one-segment placeholder at the same place (``weight = 200``).
    """

    regex = "[^/].*?"
    weight = 200
    part_isolating = False

    def to_url(self, value: Any) -> str:
        return quote_path(value)


class NumberConverter(BaseConverter):
    """Shared logic of ``int`` and ``float``: ``fixed_digits``, ``min``, ``max``, ``signed``."""

    weight = 50
    unsigned_regex: ClassVar[str] = "[0-9]+"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map)
        # Checked here so a mistyped rule fails when added, not with a 500 on each request.
        for option, value in (("min", min), ("max", max)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise TypeError(f"{option!r} must be a number, not {value!r}")
        if isinstance(fixed_digits, bool) or not isinstance(fixed_digits, int) or fixed_digits < 0:
            raise TypeError(f"'fixed_digits' must be a non-negative integer, not {fixed_digits!r}")
        if not isinstance(signed, bool):
            raise TypeError(f"'signed' must be True or False, not {signed!r}")
        self.fixed_digits = fixed_digits
        self.min = min
        self.max = max
        self.signed = signed
        self.regex = ("-?" if signed else "") + self.unsigned_regex

    def num_convert(self, value: Any) -> Any:
        return int(value)

    def to_python(self, value: str) -> Any:
        if self.fixed_digits and len(value) != self.fixed_digits:
            raise ValidationError()
        try:
            number = self.num_convert(value)
        except (ValueError, OverflowError) as exc:
            # int() refuses over 4300 digits with ValueError: a client must not cause a 500.
            raise ValidationError() from exc
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        text = str(self.num_convert(value))
        if self.fixed_digits:
            text = text.zfill(self.fixed_digits)
        return text


class IntegerConverter(NumberConverter):
    """Non-negative integers (``signed=True`` allows a leading "-"): ``<int:id>``."""

    regex = "[0-9]+"


class FloatConverter(NumberConverter):
    """Decimal numbers written with a dot (``1.5``; ``signed=True`` allows "-")."""

    regex = r"[0-9]+\.[0-9]+"
    unsigned_regex = r"[0-9]+\.[0-9]+"

    def __init__(
        self,
        map: Map,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, min=min, max=max, signed=signed)

    def num_convert(self, value: Any) -> Any:
        return float(value)


class UUIDConverter(BaseConverter):
    """A UUID in its 8-4-4-4-12 hex form, converted to ``uuid.UUID``."""

    regex = "[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}"
    weight = 50

    def to_python(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_url(self, value: Any) -> str:
        return quote_segment(value)


#: The converters every ``Map`` starts with (each map works on its own copy).
DEFAULT_CONVERTERS: Mapping[str, type[BaseConverter]] = {
    "default": UnicodeConverter,
    "string": UnicodeConverter,
    "any": AnyConverter,
    "path": PathConverter,
    "int": IntegerConverter,
    "float": FloatConverter,
    "uuid": UUIDConverter,
}

_CONSTANTS: dict[str, Any] = {"None": None, "True": True, "False": False}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BARE_WORD = re.compile(r"[\w.\-]+")


def _split_arguments(text: str) -> list[str]:
    """Split ``text`` on commas that are not inside quotes."""
    items: list[str] = []
    start = 0
    quote_char = ""
    index = 0
    while index < len(text):
        char = text[index]
        if quote_char:
            if char == "\\":
                index += 1
            elif char == quote_char:
                quote_char = ""
        elif char in "\"'":
            quote_char = char
        elif char == ",":
            items.append(text[start:index])
            start = index + 1
        index += 1
    if quote_char:
        raise ValueError(f"unclosed quote in converter arguments {text!r}")
    items.append(text[start:])
    return items


def _literal(text: str) -> Any:
    """Read one argument value: a constant, a number, a quoted string or a bare word."""
    if text in _CONSTANTS:
        return _CONSTANTS[text]
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    if text[:1] in "\"'":
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError) as exc:
            raise ValueError(f"cannot parse converter argument {text!r}") from exc
        if not isinstance(value, str):
            raise ValueError(f"cannot parse converter argument {text!r}")
        return value
    if _BARE_WORD.fullmatch(text):
        return text
    raise ValueError(f"cannot parse converter argument {text!r}")


def parse_converter_args(text: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Parse the text between the parentheses of ``<name(...):var>`` into args and kwargs.

    ``'1, max=10, "a b"'`` -> ``((1, "a b"), {"max": 10})``. Raises ``ValueError`` with the
    offending piece on anything that is not a literal.
    """
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if not text.strip():
        return (), kwargs
    for raw in _split_arguments(text):
        item = raw.strip()
        if not item:
            raise ValueError(f"empty converter argument in {text!r}")
        name, sep, rest = item.partition("=")
        if sep and _NAME.fullmatch(name.strip()) and rest.strip():
            key = name.strip()
            if key in kwargs:
                raise ValueError(f"converter argument {key!r} given twice in {text!r}")
            kwargs[key] = _literal(rest.strip())
        else:
            args.append(_literal(item))
    return tuple(args), kwargs
