"""The checks every request passes before a hook or view runs, and what every response gets.

``SecurityGates`` is built once from the config when the app starts serving (``app.dispatcher``
holds it). This is the one place that says which checks run and in what order; both protocols
run the same list, HTTP requests through ``check_request`` and WebSocket handshakes through
``check_websocket``: is the ``Host`` trusted (``TRUSTED_HOSTS``); for an unsafe method to a view
that is not exempt, did the request come from this site (cross-origin protection) and, with
``CSRF_TOKENS``, does it carry the session's token. At the end the response gets the security
headers. Per view it also decides, once, whether the view is protected and its body limits.
A new check is one module in this folder raising an ``HTTPException``, called from here.
A refusal is an ``HTTPException``, so the app's error handlers still shape the page; it names
its check (``refusal``) and carries a ``hint`` for the developer, which the app logs in every mode
and shows only in debug mode. Each check that is switched off costs one attribute test.
"""

from __future__ import annotations

import typing as t

from erlen.http.status import SAFE_METHODS
from erlen.security.bodies import merged
from erlen.security.csrf import check_csrf_token
from erlen.security.headers import SecurityHeaders
from erlen.security.hosts import check_host
from erlen.security.origin import check_cross_origin, check_websocket_origin, is_exempt
from erlen.security.proxies import ProxyRules

if t.TYPE_CHECKING:
    from erlen.core.ctx import RequestContext
    from erlen.http.wrappers.request import Limits

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

    def protects(self, view: t.Callable[..., t.Any] | None) -> bool:
        """Whether unsafe requests to ``view`` pass the cross-origin and CSRF checks (decided
        once per view, when its plan is built)."""
        return self.checks_unsafe_requests and not is_exempt(view)

    def body_limits(self, limits: Limits, view: t.Callable[..., t.Any] | None) -> Limits | None:
        """The view's own body limits (``@body_limits``) over the app's, or None for the
        app's."""
        return merged(limits, view)

    def check_request(self, ctx: RequestContext, protect: bool) -> None:
        """Every check, in order, for an HTTP request to a view (``protect``: not exempt)."""
        if self.trusted_hosts is not None:
            self.check_host(ctx)
        if protect and ctx.request.method not in SAFE_METHODS:
            self.check_unsafe(ctx)

    def check_websocket(self, ctx: RequestContext, view: t.Callable[..., t.Any] | None) -> None:
        """The same checks for a WebSocket handshake: a GET, but one any page may start with
        the user's cookies, so it is judged like an unsafe request (``check_websocket_origin``)."""
        if self.trusted_hosts is not None:
            self.check_host(ctx)
        if self.cross_origin and not is_exempt(view):
            check_websocket_origin(ctx.request, self.trusted_origins)

    def check_host(self, ctx: RequestContext) -> None:
        assert self.trusted_hosts is not None
        check_host(ctx.request.host, self.trusted_hosts)

    def check_unsafe(self, ctx: RequestContext) -> None:
        """Cross-origin protection, then the CSRF token (for unsafe methods only)."""
        if self.cross_origin:
            check_cross_origin(ctx.request, self.trusted_origins)
        if self.csrf_tokens:
            check_csrf_token(ctx.request, ctx.session)
