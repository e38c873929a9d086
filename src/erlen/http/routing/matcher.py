"""The compiled matcher: a dict of static paths plus a segment trie for dynamic rules.

Owns the structures built from a map's rules (one ``Table`` per subdomain or host, and per
HTTP/WebSocket) and the walk over them. Cost grows with the length of the path, not with the
number of rules: a static path is one dict lookup; a dynamic path walks one trie node per
segment, where each node has a dict of static child segments, then a short list of dynamic
edges (one compiled regex for one segment, ordered by weight) and last the edges of converters
that may match "/" (one regex for the rest of the path). A ``ValidationError`` from a
converter makes its branch fail and the walk backtrack to the next edge.

Every trie node is entered at most once per walk (a node has one parent and sits at one
depth), so backtracking can never explode. This module never raises HTTP errors: it answers
"which rule, with which values" or ``None``; ``map.py`` turns misses into 404/405/redirects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from erlen.http.routing.converters import ValidationError
from erlen.http.routing.rules import Pattern, Rule

__all__ = ["ANY_METHOD", "Node", "Table", "build_tables", "collect", "convert", "walk"]

#: Key of the rule that accepts any method in a static entry (no real method is empty).
ANY_METHOD = ""


class Node:
    """One trie node: the rules that end here and the edges to the next segment."""

    __slots__ = ("dynamic", "final", "rules", "static")

    def __init__(self) -> None:
        self.static: dict[str, Node] = {}
        self.dynamic: list[Edge] = []
        self.final: list[FinalEdge] = []
        self.rules: list[Rule] = []


class Edge:
    """A dynamic segment (one compiled regex) leading to the next node.

    For the usual one-placeholder segment, ``name``/``group``/``to_python`` describe it so the
    walk needs no helper call; ``whole`` is true when the placeholder takes any non-empty
    segment (the default converter), which needs no regex at all.
    """

    __slots__ = ("group", "name", "node", "pattern", "regex", "to_python", "vars", "whole")

    def __init__(self, pattern: Pattern) -> None:
        self.pattern = pattern
        self.regex = pattern.regex
        self.vars = pattern.vars
        self.node = Node()
        single = pattern.vars[0] if len(pattern.vars) == 1 else None
        self.name = single[0] if single is not None else None
        self.group = single[1] if single is not None else 0
        self.to_python = single[2] if single is not None else None
        self.whole = pattern.whole


class FinalEdge:
    """A regex for the rest of the path (a converter that matches "/"), ending at rules."""

    __slots__ = ("pattern", "regex", "rules", "vars")

    def __init__(self, pattern: Pattern) -> None:
        self.pattern = pattern
        self.regex = pattern.regex
        self.vars = pattern.vars
        self.rules: list[Rule] = []


class Table:
    """The rules of one subdomain (or host) for one kind of request (HTTP or WebSocket).

    ``static`` maps a path to ``{method: rule}`` where ``ANY_METHOD`` holds a rule without
    method restriction; ``static_rules`` keeps every static rule of a path (for 405 answers);
    ``root`` is the trie of dynamic rules, or ``None`` when there are none.
    """

    __slots__ = ("root", "static", "static_rules")

    def __init__(self) -> None:
        self.static: dict[str, dict[str, Rule]] = {}
        self.static_rules: dict[str, list[Rule]] = {}
        self.root: Node | None = None

    def add(self, rule: Rule) -> None:
        path = rule._static_path
        if path is not None:
            self.static_rules.setdefault(path, []).append(rule)
            by_method = self.static.setdefault(path, {})
            if ANY_METHOD in by_method:
                return  # an earlier rule takes every method
            if rule.methods is None:
                by_method[ANY_METHOD] = rule
            else:
                for method in rule.methods:
                    by_method.setdefault(method, rule)
            return
        if self.root is None:
            self.root = Node()
        node = self.root
        for item in rule._segments:
            if isinstance(item, str):
                child = node.static.get(item)
                if child is None:
                    child = node.static[item] = Node()
                node = child
                continue
            for edge in node.dynamic:
                if edge.pattern.key == item.key:
                    break
            else:
                edge = Edge(item)
                node.dynamic.append(edge)
            node = edge.node
        final = rule._final
        if final is None:
            node.rules.append(rule)
            return
        for final_edge in node.final:
            if final_edge.pattern.key == final.key:
                break
        else:
            final_edge = FinalEdge(final)
            node.final.append(final_edge)
        final_edge.rules.append(rule)

    def finish(self) -> None:
        """Order the edges of every node by weight (stable: equal weights keep rule order)."""
        stack = [self.root] if self.root is not None else []
        while stack:
            node = stack.pop()
            node.dynamic.sort(key=_edge_weight)
            node.final.sort(key=_final_weight)
            stack.extend(node.static.values())
            stack.extend(edge.node for edge in node.dynamic)


def _edge_weight(edge: Edge) -> tuple[Any, ...]:
    return edge.pattern.weight


def _final_weight(edge: FinalEdge) -> tuple[Any, ...]:
    return edge.pattern.weight


def build_tables(
    rules: list[Rule], domain_of: Callable[[Rule], str]
) -> tuple[
    dict[str, Table],
    dict[str, Table],
    list[tuple[Pattern, Table]],
    list[tuple[Pattern, Table]],
]:
    """Build (http tables, websocket tables, http domain patterns, websocket domain patterns).

    Tables of literal domains are keyed by the domain string; domains with placeholders
    (``subdomain="<user>"``) come as a list of (pattern, table) ordered by weight.
    """
    literal: tuple[dict[str, Table], dict[str, Table]] = ({}, {})
    patterns: tuple[dict[Any, tuple[Pattern, Table]], dict[Any, tuple[Pattern, Table]]] = (
        {},
        {},
    )
    for rule in rules:
        if rule.build_only:
            continue
        kind = 1 if rule.websocket else 0
        domain_pattern = rule._domain_pattern
        if domain_pattern is None:
            domain = domain_of(rule)
            table = literal[kind].get(domain)
            if table is None:
                table = literal[kind][domain] = Table()
        else:
            entry = patterns[kind].get(domain_pattern.key)
            if entry is None:
                entry = patterns[kind][domain_pattern.key] = (domain_pattern, Table())
            table = entry[1]
        table.add(rule)
    ordered: list[list[tuple[Pattern, Table]]] = []
    for kind in (0, 1):
        for table in literal[kind].values():
            table.finish()
        entries = sorted(patterns[kind].values(), key=lambda entry: entry[0].weight)
        for _, table in entries:
            table.finish()
        ordered.append(entries)
    return literal[0], literal[1], ordered[0], ordered[1]


def walk(
    node: Node,
    parts: list[str],
    index: int,
    count: int,
    pos: int,
    path: str,
    method: str,
    values: dict[str, Any],
) -> Rule | None:
    """Find the rule for ``parts[index:]`` below ``node`` that allows ``method``.

    ``parts`` is ``path.split("/")`` and ``pos`` the offset of ``parts[index]`` in ``path``
    (rest-of-path regexes match the original string from there, without joining). Converted
    values are written to ``values``; a failed branch removes the ones it wrote.
    """
    if index == count:
        for rule in node.rules:
            if rule.methods is None or method in rule.methods:
                return rule
        return None
    part = parts[index]
    after = index + 1
    child = node.static.get(part)
    if child is not None:
        if after == count:
            for rule in child.rules:
                if rule.methods is None or method in rule.methods:
                    return rule
        else:
            found = walk(child, parts, after, count, pos + len(part) + 1, path, method, values)
            if found is not None:
                return found
    for edge in node.dynamic:
        name = edge.name
        if name is None:  # several placeholders in one segment
            match = edge.regex.fullmatch(part)
            if match is not None:
                if convert(match, edge.vars, values):
                    found = walk(
                        edge.node, parts, after, count, pos + len(part) + 1, path, method, values
                    )
                    if found is not None:
                        return found
                for var in edge.vars:
                    values.pop(var[0], None)
            continue
        if edge.whole:
            if not part:
                continue
            text = part
        else:
            match = edge.regex.fullmatch(part)
            if match is None:
                continue
            text = match.group(edge.group)
        to_python = edge.to_python
        if to_python is None:
            values[name] = text
        else:
            try:
                values[name] = to_python(text)
            except ValidationError:
                continue
        next_node = edge.node
        if after == count:
            for rule in next_node.rules:
                if rule.methods is None or method in rule.methods:
                    return rule
        else:
            found = walk(next_node, parts, after, count, pos + len(part) + 1, path, method, values)
            if found is not None:
                return found
        del values[name]
    for final_edge in node.final:
        match = final_edge.regex.fullmatch(path, pos)
        if match is None:
            continue
        if convert(match, final_edge.vars, values):
            for rule in final_edge.rules:
                if rule.methods is None or method in rule.methods:
                    return rule
        for var in final_edge.vars:
            values.pop(var[0], None)
    return None


def convert(
    match: Any,
    vars: tuple[tuple[str, int, Callable[[str], Any] | None], ...],
    values: dict[str, Any],
) -> bool:
    for name, group, to_python in vars:
        text = match.group(group)
        if to_python is None:
            values[name] = text
            continue
        try:
            values[name] = to_python(text)
        except ValidationError:
            return False
    return True


def collect(
    node: Node,
    parts: list[str],
    index: int,
    count: int,
    pos: int,
    path: str,
    found: list[Rule],
) -> None:
    """Append to ``found`` every rule below ``node`` that matches the path, whatever its method.

    Used only after a miss, to list the allowed methods of a 405 answer.
    """
    if index == count:
        found.extend(node.rules)
        return
    part = parts[index]
    scratch: dict[str, Any] = {}
    child = node.static.get(part)
    if child is not None:
        collect(child, parts, index + 1, count, pos + len(part) + 1, path, found)
    for edge in node.dynamic:
        match = edge.regex.fullmatch(part)
        if match is not None and convert(match, edge.vars, scratch):
            collect(edge.node, parts, index + 1, count, pos + len(part) + 1, path, found)
    for final_edge in node.final:
        match = final_edge.regex.fullmatch(path, pos)
        if match is not None and convert(match, final_edge.vars, scratch):
            found.extend(final_edge.rules)
