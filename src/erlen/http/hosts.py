"""The host-name rule: which ``Host`` header values name a host, and whether one is trusted.

A ``Host`` header is a host name (letters, digits, ``-``, ``_`` and dots) or a bracketed IPv6
address, then an optional port; anything else (``evil.com/.example.com``, with a ``/``, ``@``,
``?`` or ``#`` that would make a URL built from it point elsewhere) is no host name and is never
trusted. A trusted-hosts entry starting with a dot (``.example.com``) allows that domain and all
of its subdomains. ``check_host`` raises ``UntrustedHost`` (400) with a hint for the developer
naming the host seen and the list. Used by ``Request.host`` (``trusted_hosts``), the app's
``TRUSTED_HOSTS`` gate (``erlen.security.hosts``) and the proxy rules; this module only compares
strings and never reads an environ, a scope or the app's config.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from erlen.http.exceptions import BadHost

#: A host name (letters, digits, "-", "_" and dots) or a bracketed IPv6 address, then an
#: optional port, matched against the lowercased header.
HOST_RE = re.compile(r"([a-z0-9_.-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?", re.ASCII)


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
    match = HOST_RE.fullmatch(host.strip().lower())
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


__all__ = ["HOST_RE", "UntrustedHost", "check_host", "host_is_trusted"]
