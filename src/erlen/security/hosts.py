"""Trusted hosts: answer only to the host names the app is meant to serve.

The ``Host`` header is chosen by the client. An app that builds absolute URLs from it (password
reset links, redirects) can be made to point them at an attacker's site, and a cache in front can
be poisoned with such pages. With ``TRUSTED_HOSTS`` set, any other host is refused with 400
before a view runs. A name starting with a dot (``.example.com``) allows that domain and all of
its subdomains. A ``Host`` that is not a host name at all (``evil.com/.example.com``, with a
``/``, ``@``, ``?`` or ``#`` that would make a URL built from it point elsewhere) is refused
before any pattern is tried. A refusal's hint (for the developer: debug page, log) shows the
host seen and ``TRUSTED_HOSTS``. The rule is ``erlen.http.hosts``; this module names it
as a protection (the gate in ``security/gates.py`` calls ``check_host``).
"""

from __future__ import annotations

# The rule itself (what a host name is, how an entry matches) is HTTP knowledge and lives in the
# HTTP layer, where ``Request.host`` uses it too; this module is its place among the protections.
from erlen.http.hosts import HOST_RE, UntrustedHost, check_host, host_is_trusted

__all__ = ["HOST_RE", "UntrustedHost", "check_host", "host_is_trusted"]
