"""Errors raised by routing: redirects the map asks for, failed URL builds, websocket mismatch.

Owns ``RoutingException``, ``RequestRedirect`` (a 308 response), ``BuildError`` (whose message
says exactly why a URL could not be built) and ``WebsocketMismatch`` (a 400). Messages never
include anything from the server's file system; ``BuildError`` is for the developer and names
endpoints, rules and value names.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from markupsafe import escape

from erlen.http.exceptions import BadRequest, HTTPException

__all__ = ["BuildError", "RequestRedirect", "RoutingException", "WebsocketMismatch"]

_Env = Any


class RoutingException(Exception):
    """Base of the exceptions routing raises to steer the request (redirects, build errors)."""


class RequestRedirect(HTTPException, RoutingException):
    """The map wants the client at another URL (``new_url``), e.g. with a trailing slash.

    ``Map.match_request`` puts only the new percent-encoded path in ``new_url``;
    ``MapAdapter.match`` makes it an absolute URL. The response is a 308, so the method and
    body are kept.
    """

    code = 308

    def __init__(self, new_url: str) -> None:
        super().__init__(new_url)
        self.new_url = new_url

    def get_description(self, environ: _Env = None, scope: _Env = None) -> str:
        link = escape(self.new_url)
        return f'<p>You should be redirected to <a href="{link}">{link}</a>.</p>'

    def get_headers(self, environ: _Env = None, scope: _Env = None) -> list[tuple[str, str]]:
        headers = super().get_headers(environ, scope)
        headers.append(("Location", self.new_url))
        return headers


class WebsocketMismatch(BadRequest):
    """The URL exists, but only for WebSocket requests while this is HTTP, or the reverse."""

    description = "This URL does not accept this kind of request (WebSocket or plain HTTP)."


class BuildError(RoutingException, LookupError):
    """A URL could not be built for ``endpoint`` with ``values`` (and ``method``).

    ``str(error)`` says why: the endpoint is unknown (with a close name when there is one),
    values are missing for a rule, a value disagrees with a rule's default, or no rule of the
    endpoint allows the method.
    """

    def __init__(
        self,
        endpoint: Any,
        values: Mapping[str, Any],
        method: str | None,
        adapter: Any = None,
    ) -> None:
        super().__init__(endpoint, values, method)
        self.endpoint = endpoint
        self.values = values
        self.method = method
        self.adapter = adapter
        # ``adapter`` may be a MapAdapter (Werkzeug's signature) or the Map itself.
        self._map: Any = getattr(adapter, "map", adapter)

    def __str__(self) -> str:
        message = f"Could not build url for endpoint {self.endpoint!r}"
        if self.method:
            message += f" ({self.method!r})"
        if self.values:
            message += f" with values {sorted(self.values)!r}"
        message += "."
        if self._map is None:
            return message
        return message + self._explain()

    def _explain(self) -> str:
        rules = [rule for rule in self._map.iter_rules() if rule.endpoint == self.endpoint]
        if not rules:
            endpoints = sorted({str(rule.endpoint) for rule in self._map.iter_rules()})
            close = difflib.get_close_matches(str(self.endpoint), endpoints, n=1, cutoff=0.6)
            hint = f" Did you mean {close[0]!r} instead?" if close else ""
            return f" No rule has this endpoint.{hint}"
        method = self.method
        allowing = [r for r in rules if method is None or r.methods is None or method in r.methods]
        if not allowing:
            methods = sorted({m for r in rules for m in (r.methods or ())})
            return f" Its rules allow only the methods {methods!r}."
        values = self.values
        best = min(
            allowing,
            key=lambda r: sum(
                1 for name in r.arguments if name not in values and not _has(r, name)
            ),
        )
        defaults = best.defaults or {}
        missing = sorted(
            name for name in best.arguments if name not in values and name not in defaults
        )
        if missing:
            return f" Missing values {missing!r} for rule {best.rule!r}."
        for name, default in defaults.items():
            if name in values and values[name] != default:
                return (
                    f" The value {values[name]!r} for {name!r} differs from the default"
                    f" {default!r} of rule {best.rule!r}."
                )
        return f" The converters of rule {best.rule!r} refused the values."


def _has(rule: Any, name: str) -> bool:
    return bool(rule.defaults) and name in rule.defaults
