"""``MapAdapter``: a ``Map`` bound to a server name, script root and scheme.

Owns what needs those: absolute redirect URLs, relative-or-absolute built URLs, and
``allowed_methods``. Matching and building themselves stay in ``Map``; this class only wraps
them, so it adds no cost to ``Map.match_request``, which the app calls without an adapter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from erlen.http.exceptions import HTTPException, MethodNotAllowed
from erlen.http.routing.exceptions import BuildError, RequestRedirect

if TYPE_CHECKING:
    from erlen.http.routing.map import Map

__all__ = ["MapAdapter"]

#: Characters left unquoted in a query string (WHATWG query percent-encode set).
QUERY_SAFE = "!$'()*,/:;?@"


class MapAdapter:
    """A map bound to a server name, script root and scheme (Werkzeug's ``MapAdapter``).

    ``match`` raises ``RequestRedirect`` with absolute URLs; ``build`` returns relative URLs
    unless ``force_external`` is set or the rule is on another subdomain/host.
    """

    def __init__(
        self,
        map: Map,
        server_name: str,
        script_name: str,
        subdomain: str | None,
        url_scheme: str,
        path_info: str,
        default_method: str,
        query_args: Mapping[str, Any] | str | None = None,
    ) -> None:
        self.map = map
        self.server_name = server_name
        if not script_name.endswith("/"):
            script_name += "/"
        self.script_name = script_name
        self.subdomain = subdomain
        self.url_scheme = url_scheme
        self.path_info = path_info
        self.default_method = default_method
        self.query_args = query_args
        self.websocket = url_scheme in {"ws", "wss"}

    def match(
        self,
        path_info: str | None = None,
        method: str | None = None,
        return_rule: bool = False,
        query_args: Mapping[str, Any] | str | None = None,
        websocket: bool | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """``(endpoint, view_args)``, or ``(rule, view_args)`` with ``return_rule=True``."""
        if path_info is None:
            path_info = self.path_info
        if query_args is None:
            query_args = self.query_args
        method = (method or self.default_method).upper()
        if websocket is None:
            websocket = self.websocket
        domain = self.server_name if self.map.host_matching else (self.subdomain or "")
        path = "/" + path_info.lstrip("/")
        try:
            rule, values = self.map._resolve(path, method, domain, websocket, self)
        except RequestRedirect as exc:
            if exc.new_url.startswith("/"):
                url = self.make_redirect_url(exc.new_url, query_args)
                raise RequestRedirect(url) from None
            raise
        return (rule if return_rule else rule.endpoint), values

    def test(self, path_info: str | None = None, method: str | None = None) -> bool:
        """True if the path matches (a redirect counts as a match)."""
        try:
            self.match(path_info, method)
        except RequestRedirect:
            return True
        except HTTPException:
            return False
        return True

    def allowed_methods(self, path_info: str | None = None) -> list[str]:
        """The methods rules allow for this path (empty if none restricts it or none match)."""
        try:
            self.match(path_info, method="--")
        except MethodNotAllowed as exc:
            return list(exc.valid_methods or ())
        except HTTPException:
            pass
        return []

    def get_host(self, domain_part: str | None) -> str:
        """The host name for a subdomain (or for a host, with host matching)."""
        if self.map.host_matching:
            return self.server_name if domain_part is None else domain_part
        subdomain = self.subdomain if domain_part is None else domain_part
        return f"{subdomain}.{self.server_name}" if subdomain else self.server_name

    def make_redirect_url(
        self,
        path: str,
        query_args: Mapping[str, Any] | str | None = None,
        domain_part: str | None = None,
    ) -> str:
        """The absolute URL of ``path`` (already percent-encoded) plus the query string."""
        if query_args is None:
            query_args = self.query_args
        scheme = self.url_scheme or "http"
        url = f"{scheme}://{self.get_host(domain_part)}{self.script_name.rstrip('/')}{path}"
        if query_args:
            query = query_args if isinstance(query_args, str) else _encode_query(query_args)
            if query:
                url += "?" + query
        return url

    def build(
        self,
        endpoint: Any,
        values: Mapping[str, Any] | None = None,
        method: str | None = None,
        force_external: bool = False,
        append_unknown: bool = True,
        url_scheme: str | None = None,
    ) -> str:
        """The URL for ``endpoint``: relative, or absolute when needed or asked for."""
        preferred = self.server_name if self.map.host_matching else None
        if method is None and self.default_method.upper() != "GET":
            try:
                rule, domain, path = self.map._build(
                    endpoint, values, self.default_method.upper(), preferred, append_unknown
                )
            except BuildError:
                rule, domain, path = self.map._build(
                    endpoint, values, None, preferred, append_unknown
                )
        else:
            rule, domain, path = self.map._build(
                endpoint, values, method, preferred, append_unknown
            )
        host = self.get_host(domain)
        scheme = url_scheme if url_scheme is not None else self.url_scheme
        secure = scheme in {"https", "wss"}
        if rule.websocket:
            force_external = True
            scheme = "wss" if secure else "ws"
        elif scheme:
            scheme = "https" if secure else "http"
        if not force_external and (
            (self.map.host_matching and host == self.server_name)
            or (not self.map.host_matching and domain == (self.subdomain or ""))
        ):
            return f"{self.script_name.rstrip('/')}/{path.lstrip('/')}"
        prefix = f"{scheme}:" if scheme else ""
        return f"{prefix}//{host}{self.script_name[:-1]}/{path.lstrip('/')}"


def _encode_query(query: Mapping[str, Any]) -> str:
    items: list[tuple[str, Any]] = []
    multi = getattr(query, "lists", None)
    if callable(multi):
        pairs: Iterable[tuple[str, Any]] = multi()
    else:
        pairs = query.items()
    for key, value in pairs:
        if isinstance(value, (list, tuple, set)):
            items.extend((key, one) for one in value if one is not None)
        elif value is not None:
            items.append((key, value))
    return urlencode(items, safe=QUERY_SAFE)
