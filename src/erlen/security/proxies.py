"""Believing ``X-Forwarded-*`` headers only from proxies the app trusts.

Behind a reverse proxy the client's address, the scheme and the host arrive in ``X-Forwarded-For``,
``-Proto``, ``-Host``, ``-Port`` and ``-Prefix``. Anyone can send those headers, so erlen ignores
them unless ``TRUSTED_PROXIES`` says whom to believe: a number (that many proxies in front, each
appending to ``X-Forwarded-For``), a list of proxy addresses and networks (the chain is
believed hop by hop from the right while each hop is one of them), or a number per header
(``{"for": 1, "proto": 1, "host": 0, "port": 0, "prefix": 0}``: Werkzeug's ``ProxyFix`` counts,
which ``erlen.middleware.proxy_fix`` maps onto this). This module decides what to believe; the
adapters (``erlen.adapters.proxies``) rewrite the environ or scope with it before the request is
built, so ``request.remote_addr``, ``scheme``, ``host`` and ``url_for(_external=True)`` all see
the client's view. A forwarded host that is not a host name,
or a prefix that is not a path, is ignored: either could make absolute URLs point elsewhere.
Nothing here runs unless it is set.
"""

from __future__ import annotations

import ipaddress
import re
import typing as t
from collections.abc import Mapping, Sequence

from erlen.http.hosts import HOST_RE

__all__ = ["HEADERS", "Forwarded", "ProxyRules", "without_port"]

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

    def believe(
        self, peer: str | None, forwarded: t.Callable[[str], str | None]
    ) -> Forwarded | None:
        """What the request looked like to the client, from the ``X-Forwarded-*`` values the
        trusted proxies set (``forwarded("for")`` is the ``X-Forwarded-For`` header, and so on):
        None when no proxy is believed. Values that are not what their header may hold (a host
        that is not a host name, a port that is not a number, a prefix that is not a path) are
        left out."""
        client, believed = self.client(peer, forwarded("for"))
        hops = self.hops(believed)
        if not any(hops.values()):
            return None
        proto = _last(forwarded("proto"), hops["proto"])
        return Forwarded(
            client,
            believed,
            proto if proto in ("http", "https") else None,
            _host(_last(forwarded("host"), hops["host"])),
            _port(_last(forwarded("port"), hops["port"])),
            _prefix(_last(forwarded("prefix"), hops["prefix"])),
        )


class Forwarded(t.NamedTuple):
    """The request as the client sent it, by the believed proxies' headers (None: not given)."""

    client: str | None
    #: How many hops of ``X-Forwarded-For`` were believed (0: the peer is the client).
    believed: int
    scheme: str | None
    host: str | None
    port: str | None
    prefix: str | None


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
    return value if value and HOST_RE.fullmatch(value.lower()) else None


def _port(value: str | None) -> str | None:
    """A forwarded port, if it is one (ASCII digits only: ``"²".isdigit()`` is true)."""
    return value if value and value.isascii() and value.isdigit() and len(value) <= 5 else None


def _prefix(value: str | None) -> str | None:
    """A forwarded path prefix without its final slash, if it is a path."""
    return value.rstrip("/") if value and _PREFIX_RE.fullmatch(value) else None


def without_port(host: str) -> str:
    """``host`` without its ``:port`` (an IPv6 literal in brackets is kept whole)."""
    if host.endswith("]") or ":" not in host:
        return host
    return host.rsplit(":", 1)[0]
