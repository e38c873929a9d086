"""Security headers added to every response, and the per-request CSP nonce.

The defaults tell browsers not to guess content types, not to frame the site, to send only the
origin as referrer to other sites, and to keep other sites' windows out of this one's. A response
that sets one of these headers itself keeps its own value. ``HSTS_SECONDS`` adds
``Strict-Transport-Security`` to HTTPS responses only (on HTTP it would be ignored, or worse,
cached by a proxy). ``CONTENT_SECURITY_POLICY`` (a string, or a dict of directives whose values
are strings or lists of sources) is sent with ``{nonce}`` replaced by a fresh random value for
each request, which templates read with ``csp_nonce()`` to mark their own inline scripts. All of
this is computed from the config once, when the app starts serving. It sees only the ``Request``
and the ``Response``: never an environ, a scope, or a layer above security.
"""

from __future__ import annotations

import secrets
import typing as t

from erlen.core.globals import request as current_request
from erlen.http.datastructures import Headers

if t.TYPE_CHECKING:
    from erlen.core.ctx import RequestContext
    from erlen.http.wrappers import Request, Response

DEFAULT_SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}

NONCE_KEY = "erlen.csp_nonce"
_PLAIN = frozenset({"content-type", "content-length"})


class SecurityHeaders:
    """What to add to each response, worked out once from the config."""

    __slots__ = ("csp", "hsts", "pairs")

    def __init__(self, config: t.Mapping[str, t.Any]) -> None:
        headers = config.get("SECURITY_HEADERS", DEFAULT_SECURITY_HEADERS)
        if headers is None:
            headers = {}
        for name, value in headers.items():
            if any(c in f"{name}{value}" for c in "\r\n\0"):
                raise ValueError(f"SECURITY_HEADERS[{name!r}] contains CR, LF or NUL.")
        self.pairs: list[tuple[str, str]] = [(k, str(v)) for k, v in headers.items() if v]
        try:
            # PERF: these pairs skip the checks of Headers on the hot path (appended as they are,
            # see dispatch.respond); the same checks run on them once, here, instead
            # (benchmarks/instructions.py wsgi hello).
            Headers(self.pairs)
        except ValueError as error:
            raise ValueError(f"SECURITY_HEADERS has an invalid header: {error}") from None
        seconds = config.get("HSTS_SECONDS")
        self.hsts: str | None = None
        if seconds:
            value = f"max-age={int(seconds)}"
            if config.get("HSTS_INCLUDE_SUBDOMAINS", True):
                value += "; includeSubDomains"
            if config.get("HSTS_PRELOAD", False):
                value += "; preload"
            self.hsts = value
        policy = config.get("CONTENT_SECURITY_POLICY")
        if isinstance(policy, t.Mapping):
            policy = "; ".join(
                f"{name} {_sources(value)}".strip()
                for name, value in policy.items()
                if value is not None and value is not False
            )
        if policy is not None and any(c in policy for c in "\r\n\0"):
            raise ValueError("CONTENT_SECURITY_POLICY contains CR, LF or NUL.")
        self.csp: str | None = policy or None

    @property
    def is_static(self) -> bool:
        """The same headers for every response: no HSTS (it depends on the scheme) and no
        CSP (its nonce changes per request)."""
        return self.hsts is None and self.csp is None

    def __bool__(self) -> bool:
        return bool(self.pairs or self.hsts or self.csp)

    def apply(self, ctx: RequestContext, response: Response) -> None:
        """Add the headers the response does not set itself."""
        pairs = response.headers._list
        if (
            pairs[0][0] == "Content-Type"
            and pairs[1][0] == "Content-Length"
            and (len(pairs) == 2 or (len(pairs) == 3 and pairs[2][0] == "Vary"))
            if 2 <= len(pairs) <= 3
            else False
        ):
            # The plain text/HTML/JSON response make_response builds (an error page also has
            # "Vary: Accept"): none of them is a security header, nothing to keep.
            present: frozenset[str] | set[str] = _PLAIN
            pairs.extend(self.pairs)
        else:
            present = {name.lower() for name, _ in pairs}
            for name, value in self.pairs:
                if name.lower() not in present:
                    pairs.append((name, value))
        if self.hsts is None and self.csp is None:
            return
        request: Request = ctx.request
        if (
            self.hsts is not None
            and request.is_secure
            and "strict-transport-security" not in present
        ):
            pairs.append(("Strict-Transport-Security", self.hsts))
        if self.csp is not None and "content-security-policy" not in present:
            policy = self.csp
            if "{nonce}" in policy:
                policy = policy.replace("{nonce}", request_nonce(request))
            pairs.append(("Content-Security-Policy", policy))


def _sources(value: t.Any) -> str:
    """A directive's value in the dict form of the policy: a string as it is, a list or tuple
    of sources joined by spaces (``["'self'", "'nonce-{nonce}'"]``), ``True`` for none."""
    if value is True:
        return ""
    if isinstance(value, (list, tuple, set, frozenset)):
        return " ".join(str(source) for source in value)
    return str(value)


def request_nonce(request: Request) -> str:
    """The CSP nonce of this request (made on first use, the same for the whole request)."""
    state = request.__dict__
    nonce = state.get(NONCE_KEY)
    if nonce is None:
        nonce = state[NONCE_KEY] = secrets.token_urlsafe(18)
    return t.cast(str, nonce)


def csp_nonce() -> str:
    """The nonce for inline scripts and styles in this request's page:
    ``<script nonce="{{ csp_nonce() }}">``. Needs a request context."""
    return request_nonce(current_request)
