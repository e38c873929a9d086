"""``Map``: the rules of an application, matched per request and used to build URLs.

Owns the request-time entry points: ``Map.match_request`` (the app calls it once per request;
it allocates no adapter and, on a hit, nothing but the view-args dict) and ``Map.build_path``
(``url_for``). It compiles the matcher lazily on the first match or build after a change, and
turns misses into ``NotFound``, ``MethodNotAllowed``, ``RequestRedirect`` or
``WebsocketMismatch``. Trailing-slash and merged-slash redirects are only looked for after a
miss, so they cost nothing on hits. This module never reads ``environ`` or ``scope``.

Redirect targets produced by ``match_request`` are percent-encoded paths; a target that would
start with "//" (a protocol-relative URL to another host) is never produced.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pprint import pformat
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urljoin

from erlen.http.exceptions import BadHost, MethodNotAllowed, NotFound
from erlen.http.routing.adapter import QUERY_SAFE, MapAdapter
from erlen.http.routing.converters import (
    DEFAULT_CONVERTERS,
    PATH_SAFE,
    BaseConverter,
    ValidationError,
)
from erlen.http.routing.exceptions import BuildError, RequestRedirect, WebsocketMismatch
from erlen.http.routing.matcher import ANY_METHOD, Table, build_tables, collect, convert, walk
from erlen.http.routing.rules import Pattern, Rule

if TYPE_CHECKING:
    from erlen.http.routing.factories import RuleFactory

__all__ = ["Map"]

_SLASHES = re.compile("/{2,}")
_PLACEHOLDER = re.compile(r"<([^>]+)>")
_EMPTY: Mapping[str, Any] = {}

_Match = tuple[Rule, dict[str, Any]]


class Map:
    """All URL rules of an application and the options that apply to them (Werkzeug's ``Map``).

    ``converters`` is this map's own copy of ``DEFAULT_CONVERTERS``; add custom converters to
    it before adding rules that use them. Rules may be added at any time; the matcher is
    rebuilt on the next match or build.
    """

    default_converters: Mapping[str, type[BaseConverter]] = DEFAULT_CONVERTERS

    def __init__(
        self,
        rules: Iterable[Rule | RuleFactory] | None = None,
        default_subdomain: str = "",
        strict_slashes: bool = True,
        merge_slashes: bool = True,
        redirect_defaults: bool = True,
        converters: Mapping[str, type[BaseConverter]] | None = None,
        sort_parameters: bool = False,
        sort_key: Callable[[Any], Any] | None = None,
        host_matching: bool = False,
    ) -> None:
        self.default_subdomain = default_subdomain
        self.strict_slashes = strict_slashes
        self.merge_slashes = merge_slashes
        self.redirect_defaults = redirect_defaults
        self.converters: dict[str, type[BaseConverter]] = dict(self.default_converters)
        if converters:
            self.converters.update(converters)
        self.sort_parameters = sort_parameters
        self.sort_key = sort_key
        self.host_matching = host_matching
        self._rules: list[Rule] = []
        self._lock = threading.Lock()
        self._stale = True
        self._tables: dict[str, Table] = {}
        self._ws_tables: dict[str, Table] = {}
        self._domain_patterns: list[tuple[Pattern, Table]] = []
        self._ws_domain_patterns: list[tuple[Pattern, Table]] = []
        self._build_rules: dict[Any, tuple[Rule, ...]] = {}
        self._build_rules_get_first: dict[Any, tuple[Rule, ...]] = {}
        for rule in rules or ():
            self.add(rule)

    # -- rules ---------------------------------------------------------------------------

    def add(self, rule: Rule | RuleFactory) -> None:
        """Bind ``rule`` (or each rule of a factory such as ``Submount``) to this map; a
        malformed rule raises ValueError or LookupError here."""
        for one in rule.get_rules(self):
            one.bind(self)
            with self._lock:
                self._rules.append(one)
                self._stale = True

    def iter_rules(self, endpoint: Any | None = None) -> Iterator[Rule]:
        """All rules in the order added, or those of ``endpoint`` (KeyError if it has none)."""
        if endpoint is None:
            return iter(list(self._rules))
        rules = [rule for rule in self._rules if rule.endpoint == endpoint]
        if not rules:
            raise KeyError(endpoint)
        return iter(rules)

    def is_endpoint_expecting(self, endpoint: Any, *arguments: str) -> bool:
        """True if a rule of ``endpoint`` takes all of ``arguments``."""
        wanted = set(arguments)
        return any(wanted <= rule.arguments for rule in self.iter_rules(endpoint))

    def update(self) -> None:
        """Rebuild the compiled structures if rules were added since the last build."""
        if self._stale:
            self._compile()

    def _compile(self) -> None:
        with self._lock:
            if not self._stale:
                return
            rules = list(self._rules)
            by_endpoint: dict[Any, list[Rule]] = {}
            for rule in rules:
                by_endpoint.setdefault(rule.endpoint, []).append(rule)
            build_rules: dict[Any, tuple[Rule, ...]] = {}
            get_first: dict[Any, tuple[Rule, ...]] = {}
            for endpoint, endpoint_rules in by_endpoint.items():
                endpoint_rules.sort(key=Rule.build_compare_key)
                build_rules[endpoint] = tuple(endpoint_rules)
                with_get = [r for r in endpoint_rules if r.methods is None or "GET" in r.methods]
                others = [
                    r for r in endpoint_rules if not (r.methods is None or "GET" in r.methods)
                ]
                get_first[endpoint] = (*with_get, *others)
            for rule in rules:
                ordered = build_rules[rule.endpoint]
                earlier = ordered[: ordered.index(rule)]
                rule._default_providers = tuple(r for r in earlier if r.provides_defaults_for(rule))
                rule._plain = not (
                    rule.defaults
                    or rule._default_providers
                    or rule.alias
                    or rule.redirect_to is not None
                )
            tables = build_tables(rules, _domain_text)
            self._tables, self._ws_tables, self._domain_patterns, self._ws_domain_patterns = tables
            self._build_rules = build_rules
            self._build_rules_get_first = get_first
            self._stale = False

    # -- matching ------------------------------------------------------------------------

    def match_request(
        self, path: str, method: str, subdomain: str = "", websocket: bool = False
    ) -> tuple[Rule, dict[str, Any]]:
        """The rule for ``path`` (percent-decoded, starting with "/") and its view args.

        Raises ``NotFound``, ``MethodNotAllowed`` (with the sorted allowed methods),
        ``RequestRedirect`` (``new_url`` is the new percent-encoded path only: the caller adds
        the script root and query string) or ``WebsocketMismatch``. With ``host_matching``,
        pass the request's host as ``subdomain``.
        """
        if self._stale:
            self._compile()
        table = (self._ws_tables if websocket else self._tables).get(subdomain)
        if table is not None:
            by_method = table.static.get(path)
            if by_method is not None:
                rule = by_method.get(method) or by_method.get(ANY_METHOD)
                if rule is not None:
                    if rule._plain:
                        return rule, {}
                    return self._finish(rule, {}, method, None)
            root = table.root
            if root is not None:
                parts = path.split("/")
                values: dict[str, Any] = {}
                rule = walk(root, parts, 1, len(parts), 1, path, method, values)
                if rule is not None:
                    if rule._plain:
                        return rule, values
                    return self._finish(rule, values, method, None)
        return self._resolve(path, method, subdomain, websocket, None, True)

    def _resolve(
        self,
        path: str,
        method: str,
        subdomain: str,
        websocket: bool,
        adapter: MapAdapter | None,
        skip_literal: bool = False,
    ) -> _Match:
        if self._stale:
            self._compile()
        found = self._lookup(path, method, subdomain, websocket, skip_literal)
        if found is not None:
            return self._finish(found[0], found[1], method, adapter)
        return self._miss(path, method, subdomain, websocket, adapter)

    def _lookup(
        self, path: str, method: str, subdomain: str, websocket: bool, skip_literal: bool = False
    ) -> _Match | None:
        if not skip_literal:
            table = (self._ws_tables if websocket else self._tables).get(subdomain)
            if table is not None:
                found = _in_table(table, path, method, {})
                if found is not None:
                    return found
        for pattern, table in self._ws_domain_patterns if websocket else self._domain_patterns:
            match = pattern.regex.fullmatch(subdomain)
            if match is None:
                continue
            values: dict[str, Any] = {}
            if not convert(match, pattern.vars, values):
                continue
            found = _in_table(table, path, method, values)
            if found is not None:
                return found
        return None

    def _collect(self, path: str, subdomain: str, websocket: bool) -> list[Rule]:
        tables: list[Table] = []
        table = (self._ws_tables if websocket else self._tables).get(subdomain)
        if table is not None:
            tables.append(table)
        for pattern, other in self._ws_domain_patterns if websocket else self._domain_patterns:
            match = pattern.regex.fullmatch(subdomain)
            if match is not None and convert(match, pattern.vars, {}):
                tables.append(other)
        found: list[Rule] = []
        for table in tables:
            found.extend(table.static_rules.get(path, ()))
            if table.root is not None:
                parts = path.split("/")
                collect(table.root, parts, 1, len(parts), 1, path, found)
        return found

    def _miss(
        self,
        path: str,
        method: str,
        subdomain: str,
        websocket: bool,
        adapter: MapAdapter | None,
    ) -> _Match:
        if not path.endswith("/"):
            found = self._lookup(path + "/", method, subdomain, websocket)
            if found is not None:
                if not found[0].strict_slashes:
                    return self._finish(found[0], found[1], method, adapter)
                redirect = _redirect_to_path(path + "/")
                if redirect is not None:
                    raise redirect
        elif len(path) > 1:
            found = self._lookup(path[:-1], method, subdomain, websocket)
            if found is not None and not found[0].strict_slashes:
                return self._finish(found[0], found[1], method, adapter)
        if self.merge_slashes and "//" in path:
            merged = _SLASHES.sub("/", path)
            target = merged
            found = self._lookup(merged, method, subdomain, websocket)
            if found is None and not merged.endswith("/"):
                target = merged + "/"
                found = self._lookup(target, method, subdomain, websocket)
            if found is not None and found[0].merge_slashes:
                redirect = _redirect_to_path(target)
                if redirect is not None:
                    raise redirect
        rules = self._collect(path, subdomain, websocket)
        if rules:
            methods = sorted({m for rule in rules if rule.methods for m in rule.methods})
            raise MethodNotAllowed(valid_methods=methods)
        if self._collect(path, subdomain, not websocket):
            raise WebsocketMismatch()
        raise NotFound()

    def _finish(
        self, rule: Rule, values: dict[str, Any], method: str, adapter: MapAdapter | None
    ) -> _Match:
        """Add defaults, then apply redirect_defaults, alias and redirect_to (rare rules)."""
        if rule._plain:
            return rule, values
        if rule.defaults:
            values.update(rule.defaults)
        if self.redirect_defaults:
            for provider in rule._default_providers:
                if provider.suitable_for(values, method):
                    assert provider.defaults is not None
                    try:
                        _, target = provider._build_parts({**values, **provider.defaults})
                    except (ValidationError, UnicodeEncodeError):
                        continue
                    raise RequestRedirect(target)
            if rule.alias:
                try:
                    canonical, _, target = self._build(rule.endpoint, values, method, None, False)
                except BuildError:
                    canonical = rule
                if canonical is not rule:
                    raise RequestRedirect(target)
        if rule.redirect_to is not None:
            raise self._redirect_to(rule, values, adapter)
        return rule, values

    def _redirect_to(
        self, rule: Rule, values: dict[str, Any], adapter: MapAdapter | None
    ) -> RequestRedirect:
        redirect_to = rule.redirect_to
        if isinstance(redirect_to, str):

            def fill(match: re.Match[str]) -> str:
                name = match.group(1).rpartition(":")[2]
                return rule._converters[name].to_url(values[name])

            target = _PLACEHOLDER.sub(fill, redirect_to)
        else:
            assert redirect_to is not None
            target = redirect_to(adapter or self.bind("localhost"), **values)
        if adapter is not None:
            base = f"{adapter.url_scheme or 'http'}://{adapter.get_host(None)}{adapter.script_name}"
            return RequestRedirect(urljoin(base, target))
        if "://" in target or target.startswith("//"):
            return RequestRedirect(target)
        return RequestRedirect("/" + target.lstrip("/"))

    # -- building ------------------------------------------------------------------------

    def build_path(
        self,
        endpoint: Any,
        values: Mapping[str, Any],
        method: str | None = None,
        subdomain: str | None = None,
        append_unknown: bool = True,
    ) -> tuple[str, str]:
        """(subdomain or host, path with query string) of the URL for ``endpoint``.

        The rule used is the first of the endpoint (in Werkzeug's build order, then the order
        added) whose arguments are all given or defaulted, whose defaults agree with the given
        values and which allows ``method`` (``None`` prefers rules that allow GET). Values
        the rule does not use become the query string (lists repeat the key, ``None`` is
        dropped). With ``host_matching``, a rule on host ``subdomain`` is preferred.
        Raises ``BuildError`` when no rule fits.
        """
        _, domain, path = self._build(endpoint, values, method, subdomain, append_unknown)
        return domain, path

    def _build(
        self,
        endpoint: Any,
        values: Mapping[str, Any] | None,
        method: str | None,
        subdomain: str | None,
        append_unknown: bool,
    ) -> tuple[Rule, str, str]:
        if self._stale:
            self._compile()
        if method is None:
            rules = self._build_rules_get_first.get(endpoint)
        else:
            rules = self._build_rules.get(endpoint)
        values = _clean_values(values) if values else _EMPTY
        if rules is None:
            raise BuildError(endpoint, values, method, self)
        fallback: tuple[Rule, str, str] | None = None
        for rule in rules:
            if method is not None and rule.methods is not None and method not in rule.methods:
                continue
            # PERF: Rule.suitable_for, inlined: this loop is url_for's hot path (make bench,
            # template scenario: the page builds its links with url_for).
            for name in rule._required:
                if name not in values:
                    break
            else:
                for name, default in rule._defaults_items:
                    if name in values and values[name] != default:
                        break
                else:
                    try:
                        domain = rule._domain_const
                        if domain is None:
                            domain = rule._build_domain(values)
                        path = rule._build_path(values)
                    except ValidationError:
                        continue
                    if self.host_matching and subdomain is not None and domain != subdomain:
                        if fallback is None:
                            fallback = (rule, domain, path)
                        continue
                    if append_unknown and not values.keys() <= rule.arguments:
                        path += self._query_for(rule, values)
                    return rule, domain, path
        if fallback is None:
            raise BuildError(endpoint, values, method, self)
        rule, domain, path = fallback
        if append_unknown and not values.keys() <= rule.arguments:
            path += self._query_for(rule, values)
        return rule, domain, path

    def _query_for(self, rule: Rule, values: Mapping[str, Any]) -> str:
        """``"?..."`` for the values ``rule`` does not use, or ``""``."""
        arguments = rule.arguments
        items: list[tuple[str, Any]] | None = None
        for key, value in values.items():
            if key in arguments:
                continue
            if items is None:
                items = []
            if isinstance(value, (list, tuple, set)):
                items.extend((key, one) for one in value if one is not None)
            elif value is not None:
                items.append((key, value))
        if not items:
            return ""
        if self.sort_parameters:
            items.sort(key=self.sort_key)
        return "?" + urlencode(items, safe=QUERY_SAFE)

    # -- adapters ------------------------------------------------------------------------

    def bind(
        self,
        server_name: str,
        script_name: str | None = "/",
        subdomain: str | None = None,
        url_scheme: str = "http",
        default_method: str = "GET",
        path_info: str | None = None,
        query_args: Mapping[str, Any] | str | None = None,
    ) -> MapAdapter:
        """A ``MapAdapter`` for requests to ``server_name`` (used for absolute URLs)."""
        server_name = server_name.lower()
        if self.host_matching:
            if subdomain is not None:
                raise RuntimeError("host matching is enabled and a subdomain was given")
        elif subdomain is None:
            subdomain = self.default_subdomain
        name, sep, port = server_name.partition(":")
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise BadHost() from exc
        return MapAdapter(
            self,
            f"{name}{sep}{port}",
            script_name or "/",
            subdomain,
            url_scheme,
            path_info or "/",
            default_method,
            query_args,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({pformat(list(self.iter_rules()))})"


def _domain_text(rule: Rule) -> str:
    return rule._domain_text


def _in_table(table: Table, path: str, method: str, values: dict[str, Any]) -> _Match | None:
    by_method = table.static.get(path)
    if by_method is not None:
        rule = by_method.get(method) or by_method.get(ANY_METHOD)
        if rule is not None:
            return rule, values
    if table.root is not None:
        parts = path.split("/")
        found = walk(table.root, parts, 1, len(parts), 1, path, method, values)
        if found is not None:
            return found, values
    return None


def _redirect_to_path(path: str) -> RequestRedirect | None:
    """A redirect to ``path`` percent-encoded, or None if it would leave this host."""
    try:
        # surrogateescape gives back the raw bytes of a path a server decoded that way
        target = quote(path, safe=PATH_SAFE, errors="surrogateescape")
    except UnicodeEncodeError:
        return None
    if target.startswith("//"):
        return None
    return RequestRedirect(target)


def _clean_values(values: Mapping[str, Any]) -> Mapping[str, Any]:
    """Drop ``None`` values; flatten a MultiDict (one value -> value, several -> list)."""
    if values.__class__ is not dict:
        lists = getattr(values, "lists", None)
        if callable(lists):
            return {
                key: (items[0] if len(items) == 1 else list(items))
                for key, items in lists()
                if items
            }
    for value in values.values():
        if value is None:
            return {key: value for key, value in values.items() if value is not None}
    return values
