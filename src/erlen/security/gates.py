"""The checks every request passes before a hook or view runs, and what every response gets.

``SecurityGates`` is built once from the config when the app starts serving. Per request the app
asks it, in this order: is the ``Host`` trusted (``TRUSTED_HOSTS``); for an unsafe method to a
view that is not exempt, did the request come from this site (cross-origin protection) and, with
``CSRF_TOKENS``, does it carry the session's token; and at the end, it adds the security headers.
A refusal is an ``HTTPException``, so the app's error handlers still shape the page; it names
its check (``refusal``) and carries a ``hint`` for the developer, which the app logs in every mode
and shows only in debug mode. Each check that is switched off costs one attribute test.
"""

from __future__ import annotations

import typing as t

from erlen.adapters.proxies import ProxyRules
from erlen.security.csrf import check_csrf_token
from erlen.security.headers import SecurityHeaders
from erlen.security.hosts import check_host
from erlen.security.origin import SAFE_METHODS, check_cross_origin

if t.TYPE_CHECKING:
    from erlen.core.ctx import RequestContext

__all__ = ["SAFE_METHODS", "SecurityGates"]


class SecurityGates:
    """The security settings of one app, read from its config once."""

    __slots__ = (
        "cross_origin",
        "csrf_tokens",
        "headers",
        "proxies",
        "trusted_hosts",
        "trusted_origins",
    )

    def __init__(self, config: t.Mapping[str, t.Any]) -> None:
        hosts = config.get("TRUSTED_HOSTS")
        if isinstance(hosts, str):
            raise TypeError("TRUSTED_HOSTS must be a list of host names, not a string.")
        self.trusted_hosts: tuple[str, ...] | None = tuple(hosts) if hosts else None
        self.cross_origin = bool(config.get("CROSS_ORIGIN_PROTECTION", True))
        origins = config.get("TRUSTED_ORIGINS") or ()
        if isinstance(origins, str):
            raise TypeError("TRUSTED_ORIGINS must be a list of origins, not a string.")
        # Browsers send origins in lower case; a setting may be written in any case.
        self.trusted_origins = frozenset(origin.rstrip("/").lower() for origin in origins)
        self.csrf_tokens = bool(config.get("CSRF_TOKENS", False))
        headers = SecurityHeaders(config)
        self.headers: SecurityHeaders | None = headers if headers else None
        proxies = config.get("TRUSTED_PROXIES")
        self.proxies: ProxyRules | None = ProxyRules(proxies) if proxies is not None else None

    @property
    def checks_unsafe_requests(self) -> bool:
        return self.cross_origin or self.csrf_tokens

    def check_host(self, ctx: RequestContext) -> None:
        assert self.trusted_hosts is not None
        check_host(ctx.request.host, self.trusted_hosts)

    def check_unsafe(self, ctx: RequestContext) -> None:
        """Cross-origin protection, then the CSRF token (for unsafe methods only)."""
        if self.cross_origin:
            check_cross_origin(ctx.request, self.trusted_origins)
        if self.csrf_tokens:
            check_csrf_token(ctx.request, ctx.session)
