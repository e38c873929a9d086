"""Trusted hosts: answer only to the host names the app is meant to serve.

The ``Host`` header is chosen by the client. An app that builds absolute URLs from it (password
reset links, redirects) can be made to point them at an attacker's site, and a cache in front can
be poisoned with such pages. With ``TRUSTED_HOSTS`` set, any other host is refused with 400
before a view runs. A name starting with a dot (``.example.com``) allows that domain and all of
its subdomains. A ``Host`` that is not a host name at all (``evil.com/.example.com``, with a
``/``, ``@``, ``?`` or ``#`` that would make a URL built from it point elsewhere) is refused
before any pattern is tried. A refusal's hint (for the developer: debug page, log) shows the
host seen and ``TRUSTED_HOSTS``. This module only compares strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from erlen.http.exceptions import BadHost

# A name (letters, digits, "-", "_" and dots) or a bracketed IPv6 address, then an optional port.
_HOST_RE = re.compile(r"([a-z0-9_.-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?", re.ASCII)


class UntrustedHost(BadHost):
    description = "This server does not serve the host name the request was sent to."
    refusal = "untrusted host"


def _split_port(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end != -1 else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _host_name(host: str) -> str | None:
    """The name in a ``Host`` header, without its port and final dot; None when the header is
    not a host name and an optional port."""
    match = _HOST_RE.fullmatch(host.strip().lower())
    if match is None:
        return None
    return match[1].rstrip(".") or None


def host_is_trusted(host: str, trusted_hosts: Iterable[str]) -> bool:
    """Whether ``host`` (a Host header, port allowed) matches one of ``trusted_hosts``."""
    name = _host_name(host)
    if name is None:
        return False
    for pattern in trusted_hosts:
        pattern = pattern.lower().rstrip(".")
        if pattern.startswith("."):
            if name == pattern[1:] or name.endswith(pattern):
                return True
        elif name == _split_port(pattern):
            return True
    return False


def check_host(host: str, trusted_hosts: tuple[str, ...]) -> None:
    """Raise ``UntrustedHost`` (400) when ``host`` is not trusted."""
    if not host_is_trusted(host, trusted_hosts):
        refused = UntrustedHost()
        shown = repr(host[:100])
        if _host_name(host) is None:
            refused.hint = (
                f"The Host header {shown} is not a host name with an optional port, so no"
                " TRUSTED_HOSTS entry can match it."
            )
        else:
            refused.hint = (
                f"The request was sent to host {shown}, which TRUSTED_HOSTS"
                f" {list(trusted_hosts)!r} does not list: add it there (an entry starting with"
                " a dot, '.example.com', also allows every subdomain)."
            )
        raise refused
