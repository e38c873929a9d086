"""Rule factories: groups of rules that share a path prefix, a subdomain or an endpoint prefix.

``Map.add`` accepts a factory wherever it accepts a ``Rule``, and asks it for its rules with
``get_rules(map)``: ``Submount("/admin", [Rule("/users", endpoint="users")])`` adds
``/admin/users``. Factories nest. ``RuleTemplate`` makes rules from ``$name`` placeholders. This
module only builds ``Rule`` objects; matching and building belong to ``map`` and ``rules``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from string import Template
from typing import TYPE_CHECKING, Any

from erlen.http.routing.rules import Rule

if TYPE_CHECKING:
    from erlen.http.routing.map import Map


class RuleFactory:
    """Something ``Map.add`` can take: it yields the rules to add for a map."""

    def get_rules(self, map: Map) -> Iterable[Rule]:
        raise NotImplementedError


def _rules_of(factories: Iterable[RuleFactory | Rule], map: Map) -> Iterator[Rule]:
    for factory in factories:
        for rule in factory.get_rules(map):
            yield rule.empty()


class Subdomain(RuleFactory):
    """Every rule inside serves ``subdomain`` (with the map's subdomain matching on)."""

    def __init__(self, subdomain: str, rules: Iterable[RuleFactory | Rule]) -> None:
        self.subdomain = subdomain
        self.rules = rules

    def get_rules(self, map: Map) -> Iterator[Rule]:
        for rule in _rules_of(self.rules, map):
            rule.subdomain = self.subdomain
            yield rule


class Submount(RuleFactory):
    """Every rule inside is mounted under the path ``path``."""

    def __init__(self, path: str, rules: Iterable[RuleFactory | Rule]) -> None:
        self.path = path.rstrip("/")
        self.rules = rules

    def get_rules(self, map: Map) -> Iterator[Rule]:
        for rule in _rules_of(self.rules, map):
            yield type(rule)(self.path + rule.rule, **rule.get_empty_kwargs())


class EndpointPrefix(RuleFactory):
    """Every rule inside gets ``prefix`` in front of its endpoint."""

    def __init__(self, prefix: str, rules: Iterable[RuleFactory | Rule]) -> None:
        self.prefix = prefix
        self.rules = rules

    def get_rules(self, map: Map) -> Iterator[Rule]:
        for rule in _rules_of(self.rules, map):
            rule.endpoint = self.prefix + rule.endpoint
            yield rule


class RuleTemplate:
    """Rules with ``$name`` placeholders in their path, endpoint and defaults; calling the
    template with values gives a factory of concrete rules."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = list(rules)

    def __call__(self, *args: Any, **kwargs: Any) -> RuleTemplateFactory:
        return RuleTemplateFactory(self.rules, dict(*args, **kwargs))


class RuleTemplateFactory(RuleFactory):
    """The rules of a ``RuleTemplate`` with its placeholders filled in."""

    def __init__(self, rules: Iterable[RuleFactory | Rule], context: Mapping[str, Any]) -> None:
        self.rules = rules
        self.context = context

    def get_rules(self, map: Map) -> Iterator[Rule]:
        fill = self.context
        for factory in self.rules:
            for rule in factory.get_rules(map):
                kwargs = rule.get_empty_kwargs()
                if rule.defaults:
                    kwargs["defaults"] = {
                        key: Template(value).substitute(fill) if isinstance(value, str) else value
                        for key, value in rule.defaults.items()
                    }
                if isinstance(rule.endpoint, str):
                    kwargs["endpoint"] = Template(rule.endpoint).substitute(fill)
                if rule.subdomain:
                    kwargs["subdomain"] = Template(rule.subdomain).substitute(fill)
                yield type(rule)(Template(rule.rule).substitute(fill), **kwargs)


__all__ = [
    "EndpointPrefix",
    "RuleFactory",
    "RuleTemplate",
    "RuleTemplateFactory",
    "Subdomain",
    "Submount",
]
