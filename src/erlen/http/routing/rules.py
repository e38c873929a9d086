"""``Rule``: one URL pattern, parsed once into what the matcher and the URL builder need.

Owns the rule syntax (``/user/<int(min=1):id>/``), its parsing and checking (errors are raised
when the rule is added to a map, with the rule text in the message), and per-rule building of
URLs. A rule is parsed when it is bound to a ``Map``; after that nothing here compiles a regex
or inspects anything at request time. Matching itself (the trie) lives in ``matcher.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from erlen.http.routing.converters import (
    PATH_SAFE,
    BaseConverter,
    ValidationError,
    parse_converter_args,
)

if TYPE_CHECKING:
    from erlen.http.routing.map import Map

__all__ = ["Rule"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SLASHES = re.compile("/{2,}")
_PLACEHOLDER = re.compile(r"<([^>]+)>")
#: Converter regexes that accept any non-empty segment (so matching needs no regex).
_ANY_SEGMENT = frozenset({"[^/]+", "[^/]{1,}"})


class _Var:
    """One ``<converter(args):name>`` placeholder as written in the rule."""

    __slots__ = ("args", "converter", "name")

    def __init__(self, converter: str, args: str | None, name: str) -> None:
        self.converter = converter
        self.args = args
        self.name = name


_Token = str | _Var
_Op = tuple[str, Callable[[Any], str] | None]


class Pattern:
    """A compiled piece of a rule that contains placeholders.

    Either one path segment (``page-<int:n>.html``), the remaining path from a segment that
    holds a converter able to match "/", or a subdomain/host. ``vars`` holds, for each
    placeholder in order, its name, its regex group number and the converter's ``to_python``
    (``None`` when it returns the text unchanged, to skip the call). ``key`` lets rules that
    share an identical piece share one trie edge; ``weight`` orders edges (lower first).
    """

    __slots__ = ("key", "regex", "vars", "weight", "whole")

    def __init__(
        self,
        regex: re.Pattern[str],
        vars: tuple[tuple[str, int, Callable[[str], Any] | None], ...],
        key: tuple[Any, ...],
        weight: tuple[Any, ...],
        whole: bool = False,
    ) -> None:
        self.regex = regex
        self.vars = vars
        self.key = key
        self.weight = weight
        #: True when the pattern is one placeholder matching any non-empty segment.
        self.whole = whole


def _tokenize(text: str, what: str) -> list[_Token]:
    """Split rule text into static strings and placeholders; raise ValueError when malformed."""
    tokens: list[_Token] = []
    pos = 0
    end = len(text)
    while pos < end:
        start = text.find("<", pos)
        if start == -1:
            tokens.append(text[pos:])
            break
        if start > pos:
            tokens.append(text[pos:start])
        match = _NAME.match(text, start + 1)
        if match is None:
            raise ValueError(
                f"malformed {what} {text!r}: expected a variable name after '<' at position {start}"
            )
        name = match.group()
        cursor = match.end()
        converter = "default"
        args: str | None = None
        if text.startswith("(", cursor):
            close = _find_closing_paren(text, cursor + 1)
            if close == -1:
                raise ValueError(
                    f"malformed {what} {text!r}: '(' at position {cursor} is not closed"
                )
            args = text[cursor + 1 : close]
            cursor = close + 1
            if not text.startswith(":", cursor):
                raise ValueError(
                    f"malformed {what} {text!r}: expected ':' and a variable name after the"
                    f" arguments of converter {name!r}"
                )
        if text.startswith(":", cursor):
            converter = name
            match = _NAME.match(text, cursor + 1)
            if match is None:
                raise ValueError(
                    f"malformed {what} {text!r}: expected a variable name after"
                    f" '{converter}:' at position {cursor + 1}"
                )
            name = match.group()
            cursor = match.end()
        if not text.startswith(">", cursor):
            raise ValueError(
                f"malformed {what} {text!r}: the '<' at position {start} is not closed by '>'"
            )
        tokens.append(_Var(converter, args, name))
        pos = cursor + 1
    return tokens


def _find_closing_paren(text: str, pos: int) -> int:
    quote_char = ""
    while pos < len(text):
        char = text[pos]
        if quote_char:
            if char == "\\":
                pos += 1
            elif char == quote_char:
                quote_char = ""
        elif char in "\"'":
            quote_char = char
        elif char == ")":
            return pos
        pos += 1
    return -1


def _split_segments(tokens: list[_Token]) -> list[list[_Token]]:
    """Group the tokens of a path (after its leading "/") into "/"-separated segments."""
    segments: list[list[_Token]] = [[]]
    for token in tokens:
        if isinstance(token, _Var):
            segments[-1].append(token)
            continue
        pieces = token.split("/")
        for index, piece in enumerate(pieces):
            if index:
                segments.append([])
            if piece:
                segments[-1].append(piece)
    return segments


class Rule:
    """One URL rule: its pattern, endpoint, methods and options (Werkzeug's ``Rule``).

    ``methods`` is a set of upper-case names (``HEAD`` added when ``GET`` is there) or ``None``
    for any method. ``arguments`` holds every variable name, including the keys of
    ``defaults``. ``subdomain=None`` means the map's ``default_subdomain``.
    """

    def __init__(
        self,
        string: str,
        defaults: Mapping[str, Any] | None = None,
        subdomain: str | None = None,
        methods: Iterable[str] | None = None,
        build_only: bool = False,
        endpoint: Any | None = None,
        strict_slashes: bool | None = None,
        merge_slashes: bool | None = None,
        redirect_to: str | Callable[..., str] | None = None,
        alias: bool = False,
        host: str | None = None,
        websocket: bool = False,
    ) -> None:
        if not string.startswith("/"):
            raise ValueError(f"URL rule {string!r} must start with a slash.")
        self.rule = string
        self.is_leaf = not string.endswith("/")
        self.is_branch = string.endswith("/")
        self.map: Map | None = None
        self.strict_slashes = strict_slashes
        self.merge_slashes = merge_slashes
        self.subdomain = subdomain
        self.host = host
        self.defaults = defaults
        self.build_only = build_only
        self.alias = alias
        self.websocket = websocket
        self.endpoint: Any = endpoint
        self.redirect_to = redirect_to
        if methods is not None:
            if isinstance(methods, str):
                raise TypeError("'methods' should be a list of strings, not a string.")
            method_set = {method.upper() for method in methods}
            #: HEAD was added for GET rather than asked for: a HEAD request runs the view as a
            #: GET (see ``Dispatcher.route``, erlen.core.dispatch), which is what HEAD means in
            #: HTTP.
            self.head_as_get = "GET" in method_set and "HEAD" not in method_set
            if "GET" in method_set:
                method_set.add("HEAD")
            if websocket and method_set - {"GET", "HEAD", "OPTIONS"}:
                raise ValueError(
                    "WebSocket rules can only use 'GET', 'HEAD', and 'OPTIONS' methods."
                )
            self.methods: set[str] | None = method_set
        else:
            self.methods = None
            self.head_as_get = False
        self.arguments: set[str] = {str(key) for key in defaults} if defaults else set()
        self._converters: dict[str, BaseConverter] = {}

    # -- binding: parse once -------------------------------------------------------------

    def bind(self, map: Map, rebind: bool = False) -> None:
        """Attach the rule to ``map``, fill map-level options and parse the rule."""
        if self.map is not None and not rebind:
            raise RuntimeError(f"URL rule {self!r} is already bound to map {self.map!r}")
        self.map = map
        if self.strict_slashes is None:
            self.strict_slashes = map.strict_slashes
        if self.merge_slashes is None:
            self.merge_slashes = map.merge_slashes
        if self.subdomain is None:
            self.subdomain = map.default_subdomain
        self._compile(map)

    def get_converter(
        self,
        variable_name: str,
        converter_name: str,
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
    ) -> BaseConverter:
        """Instantiate the converter for one variable (override to customise lookup)."""
        assert self.map is not None
        converter_class = self.map.converters.get(converter_name)
        if converter_class is None:
            raise LookupError(
                f"the converter {converter_name!r} used in URL rule {self.rule!r} does not exist"
            )
        try:
            return converter_class(self.map, *args, **kwargs)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"invalid arguments for converter {converter_name!r} of variable"
                f" {variable_name!r} in URL rule {self.rule!r}: {exc}"
            ) from exc

    def _compile(self, map: Map) -> None:
        domain = (self.host or "") if map.host_matching else (self.subdomain or "")
        path = _SLASHES.sub("/", self.rule) if self.merge_slashes else self.rule
        self._path_text = path
        self._converters = {}
        self.arguments = {str(key) for key in self.defaults} if self.defaults else set()
        domain_tokens = _tokenize(domain, "subdomain/host rule") if domain else []
        path_tokens = _tokenize(path, "URL rule")
        self._register_vars(domain_tokens)
        self._register_vars(path_tokens)

        self._domain_text = domain
        self._domain_pattern = (
            self._pattern(domain_tokens, ("domain",))
            if any(isinstance(t, _Var) for t in domain_tokens)
            else None
        )
        self._static_path: str | None = None
        self._segments: tuple[str | Pattern, ...] = ()
        self._final: Pattern | None = None
        if not any(isinstance(t, _Var) for t in path_tokens):
            self._static_path = path
        else:
            # The text before the leading "/" is an empty first segment: drop it.
            segments = _split_segments(path_tokens)[1:]
            items: list[str | Pattern] = []
            for index, segment in enumerate(segments):
                if not any(isinstance(t, _Var) for t in segment):
                    items.append("".join(t for t in segment if isinstance(t, str)))
                    continue
                if all(
                    self._converters[t.name].part_isolating for t in segment if isinstance(t, _Var)
                ):
                    items.append(self._pattern(segment, ("segment",)))
                    continue
                rest: list[_Token] = []
                for number, later in enumerate(segments[index:]):
                    if number:
                        rest.append("/")
                    rest.extend(later)
                self._final = self._pattern(rest, ("final",))
                break
            self._segments = tuple(items)

        defaults = self.defaults or {}
        self._domain_ops = self._build_ops(domain_tokens, defaults, quote_static=False)
        self._path_ops = self._build_ops(path_tokens, defaults, quote_static=True)
        self._domain_const = _constant(self._domain_ops)
        self._build_domain = _make_builder(self._domain_ops)
        self._build_path = _make_builder(self._path_ops)
        self._required = tuple(name for name in self.arguments if name not in defaults)
        self._defaults_items = tuple(defaults.items())
        self._default_providers: tuple[Rule, ...] = ()
        self._plain = True

    def _register_vars(self, tokens: list[_Token]) -> None:
        for token in tokens:
            if not isinstance(token, _Var):
                continue
            if token.name in self._converters:
                raise ValueError(
                    f"variable name {token.name!r} used twice in URL rule {self.rule!r}"
                )
            try:
                args, kwargs = parse_converter_args(token.args or "")
            except ValueError as exc:
                raise ValueError(f"in URL rule {self.rule!r}: {exc}") from exc
            self._converters[token.name] = self.get_converter(
                token.name, token.converter, args, kwargs
            )
            self.arguments.add(token.name)

    def _pattern(self, tokens: list[_Token], kind: tuple[str]) -> Pattern:
        regex_parts: list[str] = []
        spec: list[Any] = []
        statics: list[int] = []
        weights: list[int] = []
        names: list[str] = []
        for token in tokens:
            if isinstance(token, str):
                regex_parts.append(re.escape(token))
                spec.append(token)
                if token != "/":
                    statics.append(-len(token))
                continue
            converter = self._converters[token.name]
            regex_parts.append(f"(?P<_erlen{len(names)}>{converter.regex})")
            spec.append((token.name, type(converter), converter.regex, token.args))
            weights.append(converter.weight)
            names.append(token.name)
        regex = re.compile("".join(regex_parts))
        vars_: list[tuple[str, int, Callable[[str], Any] | None]] = []
        for number, name in enumerate(names):
            converter = self._converters[name]
            to_python = (
                None
                if type(converter).to_python is BaseConverter.to_python
                else converter.to_python
            )
            vars_.append((name, regex.groupindex[f"_erlen{number}"], to_python))
        weight = (-len(statics), tuple(statics), -len(weights), tuple(weights))
        whole = (
            kind == ("segment",)
            and len(tokens) == 1
            and len(names) == 1
            and self._converters[names[0]].regex in _ANY_SEGMENT
        )
        return Pattern(regex, tuple(vars_), (*kind, *spec), weight, whole)

    def _build_ops(
        self, tokens: list[_Token], defaults: Mapping[str, Any], quote_static: bool
    ) -> tuple[_Op, ...]:
        """Steps to build this text: ``(text, None)`` is literal, ``(name, to_url)`` a value."""
        ops: list[_Op] = []
        for token in tokens:
            if isinstance(token, _Var):
                converter = self._converters[token.name]
                if token.name not in defaults:
                    ops.append((token.name, converter.to_url))
                    continue
                text = converter.to_url(defaults[token.name])
            else:
                text = quote(token, safe=PATH_SAFE) if quote_static else token
            if ops and ops[-1][1] is None:
                ops[-1] = (ops[-1][0] + text, None)
            else:
                ops.append((text, None))
        return tuple(ops)

    # -- building ------------------------------------------------------------------------

    def suitable_for(self, values: Mapping[str, Any], method: str | None = None) -> bool:
        """True if ``values`` (and ``method``) are enough and agree with this rule's defaults."""
        if method is not None and self.methods is not None and method not in self.methods:
            return False
        for name in self._required:
            if name not in values:
                return False
        for name, default in self._defaults_items:
            if name in values and values[name] != default:
                return False
        return True

    def _build_parts(self, values: Mapping[str, Any]) -> tuple[str, str]:
        """(domain, path) for ``values``; converters may raise ValidationError."""
        domain = self._domain_const
        if domain is None:
            domain = self._build_domain(values)
        return domain, self._build_path(values)

    def build(
        self, values: Mapping[str, Any], append_unknown: bool = True
    ) -> tuple[str, str] | None:
        """(domain, path with query) for ``values``, or ``None`` if a converter refuses."""
        assert self.map is not None
        try:
            domain, path = self._build_parts(values)
        except ValidationError:
            return None
        if append_unknown:
            path += self.map._query_for(self, values)
        return domain, path

    def provides_defaults_for(self, rule: Rule) -> bool:
        """True if this rule is the canonical URL, through its defaults, of ``rule``."""
        return bool(
            not self.build_only
            and self.defaults
            and self.endpoint == rule.endpoint
            and self is not rule
            and self.arguments == rule.arguments
        )

    def build_compare_key(self) -> tuple[int, int, int]:
        """Order in which an endpoint's rules are tried for building (Werkzeug's order)."""
        return (1 if self.alias else 0, -len(self.arguments), -len(self.defaults or ()))

    # -- misc ----------------------------------------------------------------------------

    def get_empty_kwargs(self) -> dict[str, Any]:
        """Keyword arguments that recreate this rule unbound (see ``empty``)."""
        return {
            "defaults": dict(self.defaults) if self.defaults else None,
            "subdomain": self.subdomain,
            "methods": self.methods,
            "build_only": self.build_only,
            "endpoint": self.endpoint,
            "strict_slashes": self.strict_slashes,
            "merge_slashes": self.merge_slashes,
            "redirect_to": self.redirect_to,
            "alias": self.alias,
            "host": self.host,
            "websocket": self.websocket,
        }

    def empty(self) -> Rule:
        """An unbound copy of this rule, to add to another map."""
        return type(self)(self.rule, **self.get_empty_kwargs())

    def get_rules(self, map: Map) -> Iterable[Rule]:
        yield self

    def __str__(self) -> str:
        return self.rule

    def __repr__(self) -> str:
        text = _PLACEHOLDER.sub(lambda m: "<" + m.group(1).rpartition(":")[2] + ">", self.rule)
        domain = self.host if self.map is not None and self.map.host_matching else self.subdomain
        if domain:
            text = f"{domain}|{text}"
        methods = f" ({', '.join(sorted(self.methods))})" if self.methods is not None else ""
        return f"<{type(self).__name__} {text!r}{methods} -> {self.endpoint}>"


def _make_builder(ops: tuple[_Op, ...]) -> Callable[[Mapping[str, Any]], str]:
    """A function that builds the text from values, specialised for the common shapes."""
    const = _constant(ops)
    if const is not None:
        return _constant_builder(const)
    if len(ops) == 2 and ops[0][1] is None and ops[1][1] is not None:
        return _prefix_builder(ops[0][0], ops[1][0], ops[1][1], "")
    if len(ops) == 3 and ops[0][1] is None and ops[1][1] is not None and ops[2][1] is None:
        return _prefix_builder(ops[0][0], ops[1][0], ops[1][1], ops[2][0])

    def build_any(values: Mapping[str, Any]) -> str:
        return "".join([key if fn is None else fn(values[key]) for key, fn in ops])

    return build_any


def _constant_builder(const: str) -> Callable[[Mapping[str, Any]], str]:
    def build_constant(values: Mapping[str, Any]) -> str:
        return const

    return build_constant


def _prefix_builder(
    prefix: str, name: str, to_url: Callable[[Any], str], suffix: str
) -> Callable[[Mapping[str, Any]], str]:
    if suffix:

        def build_surrounded_value(values: Mapping[str, Any]) -> str:
            return prefix + to_url(values[name]) + suffix

        return build_surrounded_value

    def build_prefixed_value(values: Mapping[str, Any]) -> str:
        return prefix + to_url(values[name])

    return build_prefixed_value


def _constant(ops: tuple[_Op, ...]) -> str | None:
    """The built text when it needs no value, else None."""
    if not ops:
        return ""
    if len(ops) == 1 and ops[0][1] is None:
        return ops[0][0]
    return None
