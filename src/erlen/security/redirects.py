"""``is_safe_url``: may the app send a user to this URL (``?next=`` after login)?

Browsers forgive a lot when they follow a URL: they drop tabs and newlines, treat ``\\`` as
``/``, and read ``//host`` and ``/\\host`` as another site. A redirect target taken from the
request is therefore judged the way a browser would read it, and refused at the first doubt.
The port counts as much as the name: another port of an allowed host is another server.
This module reads no request state unless ``allowed_hosts`` is left out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

from erlen.core.globals import context_var

_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_safe_url(
    target: str | None,
    allowed_hosts: Iterable[str] | str | None = None,
    require_https: bool = False,
) -> bool:
    """True when ``target`` is a relative URL, or an http(s) URL to one of ``allowed_hosts``.

    An allowed host with a port (``"example.com:8443"``) allows that port only; without one
    (``"example.com"``), only the URL's scheme's default port, written or not (443 for https,
    80 for http). ``allowed_hosts`` defaults to the current request's host (outside a request:
    no host, so only relative URLs pass). Refused: other hosts, other ports, scheme-relative
    ``//evil``, backslash tricks (``/\\evil``), schemes other than http and https
    (``javascript:``, ``data:``), user info (``https://good@evil``), and any control or
    whitespace character. With ``require_https``, an absolute ``http://`` URL is refused too.
    """
    if not target or not isinstance(target, str):
        return False
    if any(_is_control_or_space(char) for char in target):
        return False
    if "\\" in target:
        return False
    hosts = _allowed(allowed_hosts)
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if not parts.netloc:
        # Relative: "/path", "path", "?q". A scheme without a host ("javascript:x",
        # "https:evil.com") is not relative, and "///x" is read as a host by browsers.
        return not scheme and not target.startswith("//")
    if scheme and scheme not in _SCHEMES:
        return False
    if not scheme:
        return False  # "//evil.com": scheme-relative, another host
    if require_https and scheme != "https":
        return False
    if "@" in parts.netloc:
        return False
    try:
        hostname = parts.hostname
        port = parts.port
    except ValueError:
        return False
    if hostname is None:
        return False
    default = _DEFAULT_PORTS[scheme]
    if port is None:
        port = default
    # A host allowed without a port stands for the default port of the URL's scheme only.
    return (hostname, port) in hosts or (port == default and (hostname, None) in hosts)


def _is_control_or_space(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def _allowed(allowed_hosts: Iterable[str] | str | None) -> frozenset[tuple[str, int | None]]:
    """The allowed hosts as (host name, port) pairs; the port is None where none was given."""
    if allowed_hosts is None:
        ctx = context_var.get(None)
        if ctx is None or ctx.request is None:
            return frozenset()
        return frozenset({_split_host(ctx.request.host.lower())})
    if isinstance(allowed_hosts, str):
        allowed_hosts = [allowed_hosts]
    return frozenset(_split_host(host.lower()) for host in allowed_hosts)


def _split_host(host: str) -> tuple[str, int | None]:
    """``"name:port"`` as (name, port); an IPv6 literal is written in brackets, ``[::1]:8080``.
    A port that is not a number in range is kept as -1, which no URL has."""
    if host.startswith("["):
        name, bracket, rest = host[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return host, None  # malformed: the brackets stay, so no host name equals it
        port_text = rest[1:]
    elif host.count(":") == 1:
        name, _, port_text = host.partition(":")
    else:
        return host, None  # no port, or an IPv6 address without brackets
    if not port_text:
        return name, None
    port = int(port_text) if port_text.isascii() and port_text.isdigit() else -1
    return name, port if 0 < port < 65536 else -1
