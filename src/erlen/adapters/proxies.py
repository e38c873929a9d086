"""Believing ``X-Forwarded-*`` headers only from proxies the app trusts.

Behind a reverse proxy the client's address, the scheme and the host arrive in ``X-Forwarded-For``,
``-Proto``, ``-Host``, ``-Port`` and ``-Prefix``. Anyone can send those headers, so erlen ignores
them unless ``TRUSTED_PROXIES`` says whom to believe: a number (that many proxies in front, each
appending to ``X-Forwarded-For``), a list of proxy addresses and networks (the chain is
believed hop by hop from the right while each hop is one of them), or a number per header
(``{"for": 1, "proto": 1, "host": 0, "port": 0, "prefix": 0}``: Werkzeug's ``ProxyFix`` counts,
which ``erlen.middleware.proxy_fix`` maps onto this). The adapters apply this to the
environ or scope before the request is built, so ``request.remote_addr``, ``scheme``, ``host`` and
``url_for(_external=True)`` all see the client's view. A forwarded host that is not a host name,
or a prefix that is not a path, is ignored: either could make absolute URLs point elsewhere.
Nothing here runs unless it is set.
"""

from __future__ import annotations

import ipaddress
import re
import typing as t
from collections.abc import Mapping, Sequence

from erlen.security.hosts import _HOST_RE

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: The ``X-Forwarded-*`` headers, by the names a per-header ``TRUSTED_PROXIES`` uses.
HEADERS = ("for", "proto", "host", "port", "prefix")

# A path prefix: "/" then path segments. Anything else ("@evil.example", "//evil.example",
# control characters) would change where the app's absolute URLs point, so it is ignored.
_PREFIX_RE = re.compile(r"(?:/[\w.~!$&'()*+,;=:@%-]+)+/?", re.ASCII)


class ProxyRules:
    """``TRUSTED_PROXIES`` parsed once: a hop count, a list of trusted networks, or a hop count
    per header."""

    def __init__(self, setting: int | Sequence[str] | Mapping[str, int]) -> None:
        self.count: int | None = None
        self.networks: tuple[Network, ...] = ()
        self.per_header: dict[str, int] | None = None
        if isinstance(setting, Mapping):
            self.per_header = _per_header(setting)
            return
        if isinstance(setting, bool) or not isinstance(setting, (int, list, tuple, set, frozenset)):
            raise TypeError(
                "TRUSTED_PROXIES must be a number of proxies or a list of proxy addresses."
            )
        if isinstance(setting, int):
            if setting < 0:
                raise ValueError("TRUSTED_PROXIES cannot be negative.")
            self.count = setting
        else:
            self.networks = tuple(ipaddress.ip_network(item, strict=False) for item in setting)

    def _trusted_address(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip().strip("[]"))
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client(self, peer: str | None, forwarded_for: str | None) -> tuple[str | None, int]:
        """The client address and how many proxy hops were believed (0: none)."""
        hops = [part.strip() for part in forwarded_for.split(",")] if forwarded_for else []
        count = self.per_header["for"] if self.per_header is not None else self.count
        if count is not None:
            if count == 0 or len(hops) < count:
                return peer, 0
            return hops[-count] or peer, count
        if peer is None or not self._trusted_address(peer):
            return peer, 0
        believed = 1
        client = peer
        for hop in reversed(hops):
            client = hop
            if not self._trusted_address(hop):
                break
            believed += 1
        return client, believed

    def hops(self, believed: int) -> dict[str, int]:
        """How many values of each ``X-Forwarded-*`` header to believe, once ``believed`` hops
        of ``X-Forwarded-For`` were: the same number for all, unless set per header."""
        if self.per_header is not None:
            return self.per_header
        return dict.fromkeys(HEADERS, believed)


def _per_header(setting: Mapping[str, int]) -> dict[str, int]:
    unknown = sorted(set(setting) - set(HEADERS))
    if unknown:
        raise ValueError(
            f"TRUSTED_PROXIES has unknown headers {unknown}: use {', '.join(HEADERS)}"
            " (for X-Forwarded-For, -Proto, -Host, -Port and -Prefix)."
        )
    counts = {name: setting.get(name, 0) for name in HEADERS}
    for name, count in counts.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"TRUSTED_PROXIES[{name!r}] must be a number of proxies (0 or more).")
    return counts


def _last(value: str | None, hops: int) -> str | None:
    """The value the nearest believed proxy set (``X-Forwarded-Proto: https, http`` lists one
    per proxy; the trusted one is counted from the right)."""
    if not value or hops <= 0:
        return None
    parts = [part.strip() for part in value.split(",")]
    if len(parts) < hops:
        return None
    return parts[-hops] or None


def _host(value: str | None) -> str | None:
    """A forwarded host, if it is a host name with an optional port."""
    return value if value and _HOST_RE.fullmatch(value.lower()) else None


def _port(value: str | None) -> str | None:
    """A forwarded port, if it is one (ASCII digits only: ``"²".isdigit()`` is true)."""
    return value if value and value.isascii() and value.isdigit() and len(value) <= 5 else None


def _prefix(value: str | None) -> str | None:
    """A forwarded path prefix without its final slash, if it is a path."""
    return value.rstrip("/") if value and _PREFIX_RE.fullmatch(value) else None


def _without_port(host: str) -> str:
    if host.endswith("]") or ":" not in host:
        return host
    return host.rsplit(":", 1)[0]


def apply_to_environ(environ: dict[str, t.Any], rules: ProxyRules) -> None:
    """Rewrite a WSGI environ as the client saw the request (keeping the originals under
    ``erlen.proxy.original``). An environ is rewritten once: after a ``ProxyFix`` in front, the
    app's own pass would take the client for a proxy."""
    if "erlen.proxy.original" in environ:
        return
    client, believed = rules.client(environ.get("REMOTE_ADDR"), environ.get("HTTP_X_FORWARDED_FOR"))
    hops = rules.hops(believed)
    if not any(hops.values()):
        return
    keys = ("REMOTE_ADDR", "wsgi.url_scheme", "HTTP_HOST", "SERVER_PORT", "SCRIPT_NAME")
    environ["erlen.proxy.original"] = {key: environ.get(key) for key in keys}
    environ["REMOTE_ADDR"] = client
    proto = _last(environ.get("HTTP_X_FORWARDED_PROTO"), hops["proto"])
    if proto in ("http", "https"):
        environ["wsgi.url_scheme"] = proto
    host = _host(_last(environ.get("HTTP_X_FORWARDED_HOST"), hops["host"]))
    if host:
        environ["HTTP_HOST"] = host
    port = _port(_last(environ.get("HTTP_X_FORWARDED_PORT"), hops["port"]))
    if port:
        environ["SERVER_PORT"] = port
        name = _without_port(environ.get("HTTP_HOST", ""))
        if name:
            environ["HTTP_HOST"] = f"{name}:{port}"
    prefix = _prefix(_last(environ.get("HTTP_X_FORWARDED_PREFIX"), hops["prefix"]))
    if prefix:
        environ["SCRIPT_NAME"] = prefix


def apply_to_scope(scope: dict[str, t.Any], rules: ProxyRules) -> dict[str, t.Any]:
    """A copy of an ASGI scope as the client saw the request (the original is left alone)."""
    headers: dict[bytes, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        # A header sent on several lines is one list, as a WSGI server joins it.
        name, value = raw_name.lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    peer = scope["client"][0] if scope.get("client") else None
    client, believed = rules.client(peer, headers.get(b"x-forwarded-for"))
    hops = rules.hops(believed)
    if not any(hops.values()):
        return scope
    scope = dict(scope)
    if believed:
        scope["client"] = (client, 0)
    proto = _last(headers.get(b"x-forwarded-proto"), hops["proto"])
    if proto in ("http", "https"):
        if scope["type"] == "websocket":
            proto = "wss" if proto == "https" else "ws"
        scope["scheme"] = proto
    host = _host(_last(headers.get(b"x-forwarded-host"), hops["host"]))
    port = _port(_last(headers.get(b"x-forwarded-port"), hops["port"]))
    if port:
        name = _without_port(host or headers.get(b"host", ""))
        if name:
            host = f"{name}:{port}"
        server = scope.get("server")
        scope["server"] = (server[0] if server else name, int(port))
    if host:
        scope["headers"] = [
            (name, value) for name, value in scope.get("headers", ()) if name != b"host"
        ] + [(b"host", host.encode("latin-1"))]
    prefix = _prefix(_last(headers.get(b"x-forwarded-prefix"), hops["prefix"]))
    if prefix:
        scope["root_path"] = prefix
        if not scope["path"].startswith(prefix + "/") and scope["path"] != prefix:
            scope["path"] = prefix + scope["path"]
    return scope
