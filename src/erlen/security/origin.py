"""Cross-origin request protection: refuse unsafe requests that a browser sent for another site.

Browsers mark every request with ``Sec-Fetch-Site``; for one a page on another site made (a
form that auto-submits, a ``fetch``), it says ``cross-site`` or ``same-site``, and no page can
forge it. Older browsers send no such header but do send ``Origin`` with unsafe requests, which
must then name this very site (scheme and host). Requests with neither header come from
non-browser clients (curl, other servers) and pass: they carry no victim's cookies. Safe methods
(GET, HEAD, OPTIONS, TRACE) always pass, so links keep working. This is the header-based check
modern browsers allow (as in Go 1.25's ``CrossOriginProtection``): no token is needed in forms,
so an existing app is protected as it is.

A refusal carries a hint for the developer: the ``Origin`` and ``Sec-Fetch-Site`` the browser
sent, and the two ways to let such requests through (``TRUSTED_ORIGINS``,
``@cross_origin_exempt``).
"""

from __future__ import annotations

import typing as t

from erlen.http.exceptions import Forbidden
from erlen.http.status import SAFE_METHODS

if t.TYPE_CHECKING:
    from erlen.http.wrappers import Request

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

_PASS = frozenset({"same-origin", "none"})


class CrossOriginRefused(Forbidden):
    """A browser sent an unsafe request on behalf of another site."""

    description = (
        "This request came from another website, so it was refused to protect you: a page"
        " elsewhere cannot submit forms or make changes here on your behalf. If you meant to"
        " do this, go back to this site and try again from its own pages."
    )
    refusal = "cross-origin request"


def check_cross_origin(request: Request, trusted_origins: frozenset[str]) -> None:
    """Raise ``CrossOriginRefused`` (403) for an unsafe request a browser sent for another
    site; return quietly otherwise."""
    if request.method in SAFE_METHODS:
        return
    _check_site(request, request.scheme, trusted_origins)


def check_websocket_origin(request: Request, trusted_origins: frozenset[str]) -> None:
    """Raise ``CrossOriginRefused`` for a WebSocket handshake a page on another site started.

    The handshake is a GET, but browsers let any page open a socket to any site, with the
    user's cookies (cross-site WebSocket hijacking); so it is judged like an unsafe request,
    its ``ws``/``wss`` scheme read as ``http``/``https`` to compare with ``Origin``."""
    scheme = {"ws": "http", "wss": "https"}.get(request.scheme, request.scheme)
    _check_site(request, scheme, trusted_origins)


def _check_site(request: Request, scheme: str, trusted_origins: frozenset[str]) -> None:
    headers = request.headers
    fetch_site = headers.get("Sec-Fetch-Site")
    origin = headers.get("Origin")
    if fetch_site is not None:
        if fetch_site in _PASS:
            return
    elif origin is None or origin.lower() == f"{scheme}://{request.host}".lower():
        return
    if origin is not None and origin.lower() in trusted_origins:
        return
    refused = CrossOriginRefused()
    refused.hint = _hint(request, scheme, origin, fetch_site)
    raise refused


def _hint(request: Request, scheme: str, origin: str | None, fetch_site: str | None) -> str:
    """What the browser said about the request's site, and how to let such requests through."""
    endpoint = request.endpoint
    view = f"the view {endpoint!r}" if endpoint else "the view"
    exempt = f"mark {view} @cross_origin_exempt if it must accept requests from other sites"
    sent = [f"Origin {origin[:100]!r}" if origin is not None else "no Origin header"]
    if fetch_site is not None:
        sent.append(f"Sec-Fetch-Site {fetch_site[:40]!r}")
    seen = f"The browser sent {' and '.join(sent)}"
    if origin is None or origin.lower() == "null":
        # Nothing to trust: no Origin, or the opaque one of sandboxed and file:// pages, which
        # any site can produce.
        return f"{seen}, which TRUSTED_ORIGINS cannot match: {exempt}."
    if fetch_site is None:
        here = f"{scheme}://{request.host}"
        seen += f", and this site is {here[:100]!r}"
        if origin.lower().partition("://")[2] == request.host.lower():
            # Same host, other scheme: typically TLS ends at a proxy the app does not trust.
            seen += (
                " (if a proxy in front ends TLS, set TRUSTED_PROXIES so the app believes its"
                " X-Forwarded-Proto)"
            )
    trusted = origin.lower().rstrip("/")[:100]
    return f"{seen}. Add {trusted!r} to TRUSTED_ORIGINS, or {exempt}."


def cross_origin_exempt(view: F) -> F:
    """Let ``view`` accept cross-origin unsafe requests (a webhook, a public API called from
    other sites with its own authentication). It is exempt from the ``CSRF_TOKENS`` check too.
    It also marks a class-based view: ``@cross_origin_exempt class Hook(MethodView)``."""
    view.cross_origin_exempt = True  # type: ignore[attr-defined]
    return view


def is_exempt(view: t.Callable[..., t.Any] | None) -> bool:
    """Whether ``view`` (or a function it wraps with ``functools.wraps``, or the class a
    class-based view was made from) is marked ``cross_origin_exempt``."""
    while view is not None:
        if getattr(view, "cross_origin_exempt", False):
            return True
        view_class = getattr(view, "view_class", None)
        if view_class is not None and getattr(view_class, "cross_origin_exempt", False):
            return True
        view = getattr(view, "__wrapped__", None)
    return False
