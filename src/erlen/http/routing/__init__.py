"""URL routing: rules, converters, the compiled matcher and URL building.

The public names Flask users know from ``werkzeug.routing`` live here; the parts are split by
concern: ``converters`` (placeholders), ``rules`` (one rule, parsed once), ``matcher`` (the
static dict and segment trie), ``map`` (``Map``/``MapAdapter``: matching and building entry
points) and ``exceptions``. Nothing in this package depends on Werkzeug, reads ``environ`` or
``scope``, or does I/O.
"""

from erlen.http.routing.adapter import MapAdapter
from erlen.http.routing.converters import (
    DEFAULT_CONVERTERS,
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    NumberConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
    ValidationError,
    parse_converter_args,
)
from erlen.http.routing.exceptions import (
    BuildError,
    RequestRedirect,
    RoutingException,
    WebsocketMismatch,
)
from erlen.http.routing.factories import (
    EndpointPrefix,
    RuleFactory,
    RuleTemplate,
    RuleTemplateFactory,
    Subdomain,
    Submount,
)
from erlen.http.routing.map import Map
from erlen.http.routing.rules import Rule

__all__ = [
    "DEFAULT_CONVERTERS",
    "AnyConverter",
    "BaseConverter",
    "BuildError",
    "EndpointPrefix",
    "FloatConverter",
    "IntegerConverter",
    "Map",
    "MapAdapter",
    "NumberConverter",
    "PathConverter",
    "RequestRedirect",
    "RoutingException",
    "Rule",
    "RuleFactory",
    "RuleTemplate",
    "RuleTemplateFactory",
    "Subdomain",
    "Submount",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
    "WebsocketMismatch",
    "parse_converter_args",
]
