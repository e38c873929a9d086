"""``ProxyFix``: Werkzeug's middleware for ``X-Forwarded-*`` headers, mapped onto erlen's rules.

``app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)`` says "one proxy in front sets
``X-Forwarded-For`` and ``-Proto``; believe the last value of each". That is erlen's own
``TRUSTED_PROXIES = 1``, counted per header as Werkzeug does (``{"for": 1, "proto": 1, "host": 0,
"port": 0, "prefix": 0}``), and that is what this middleware sets up: it rewrites the environ with
``erlen.adapters.proxies`` (no second copy of the rules), and when it wraps an erlen app it
writes the counts into that app's ``TRUSTED_PROXIES``, so the app served over ASGI believes the
same headers as over WSGI.

What it trusts: like Werkzeug's and like a numeric ``TRUSTED_PROXIES``, the last N values of each
header, whoever the direct peer is. So the app must be reachable only through the proxy (bound to
127.0.0.1 or a private network), and the proxy must set or remove each header counted here.
What it adds to Werkzeug's: a forwarded host must be a host name, a port digits, a scheme
``http`` or ``https`` and a prefix a path, or the header is ignored; ``TRUSTED_HOSTS`` still
applies to the forwarded host. An app with ``TRUSTED_PROXIES`` already set to something else is
refused with ``ValueError``: two answers to "whom do we believe" would leave one of them unused
under one of the protocols. Counts of 0 for every header believe nothing.
"""

from __future__ import annotations

import typing as t

from erlen.adapters.proxies import apply_to_environ
from erlen.core.app import App
from erlen.security.proxies import HEADERS, ProxyRules

if t.TYPE_CHECKING:
    from erlen.adapters.wsgi import StartResponse
    from erlen.app import Erlen

    WSGIApp = t.Callable[[dict[str, t.Any], StartResponse], t.Iterable[bytes]]

__all__ = ["ProxyFix"]

# The environ values a proxy rewrite may change; Werkzeug keeps the originals under this key.
_ORIGINAL_KEYS = (
    "REMOTE_ADDR",
    "wsgi.url_scheme",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
)


class ProxyFix:
    """Believe ``X-Forwarded-For`` / ``-Proto`` / ``-Host`` / ``-Port`` / ``-Prefix`` from the
    given number of proxies in front of ``app`` (a WSGI app, usually ``app.wsgi_app``).

    Each ``x_*`` is how many proxies set that header (0: ignore it). The environ's values before
    the rewrite are kept in ``environ["werkzeug.proxy_fix.orig"]``.
    """

    def __init__(
        self,
        app: WSGIApp,
        x_for: int = 1,
        x_proto: int = 1,
        x_host: int = 0,
        x_port: int = 0,
        x_prefix: int = 0,
    ) -> None:
        self.app = app
        self.x_for = x_for
        self.x_proto = x_proto
        self.x_host = x_host
        self.x_port = x_port
        self.x_prefix = x_prefix
        self.trusted_proxies = dict(
            zip(HEADERS, (x_for, x_proto, x_host, x_port, x_prefix), strict=True)
        )
        self.rules = ProxyRules(self.trusted_proxies)
        self.erlen_app = _erlen_app(app)
        if self.erlen_app is not None:
            _configure(self.erlen_app, self.trusted_proxies)

    def __call__(
        self,
        environ: dict[str, t.Any],
        start_response: StartResponse,
        send: t.Callable[..., t.Any] | None = None,
    ) -> t.Any:
        if send is not None:
            # Called as an ASGI app (``app = ProxyFix(app)`` handed to uvicorn): the erlen app
            # applies the same counts itself, from its TRUSTED_PROXIES.
            if self.erlen_app is None:
                raise TypeError("ProxyFix wraps a WSGI app; it cannot serve ASGI on its own.")
            return self.erlen_app.asgi(environ, start_response, send)
        if "werkzeug.proxy_fix.orig" not in environ:
            environ["werkzeug.proxy_fix.orig"] = {key: environ.get(key) for key in _ORIGINAL_KEYS}
        apply_to_environ(environ, self.rules)
        return self.app(environ, start_response)

    def __repr__(self) -> str:
        counts = ", ".join(f"x_{name}={count}" for name, count in self.trusted_proxies.items())
        return f"<ProxyFix {counts} for {self.app!r}>"


def _erlen_app(app: t.Any) -> Erlen | None:
    """The erlen app ``app`` is (``ProxyFix(app)``) or belongs to (``app.wsgi_app``), if any."""
    if isinstance(app, App):
        return t.cast("Erlen", app)
    owner = getattr(app, "__self__", None)
    return t.cast("Erlen", owner) if isinstance(owner, App) else None


def _configure(app: Erlen, counts: dict[str, int]) -> None:
    current = app.config.get("TRUSTED_PROXIES")
    if current is None:
        app.config["TRUSTED_PROXIES"] = dict(counts)
        return
    if isinstance(current, dict) and ProxyRules(current).per_header == counts:
        return
    raise ValueError(
        f"This app already sets TRUSTED_PROXIES = {current!r}; ProxyFix would believe"
        f" {counts!r}. Keep one of them: remove the ProxyFix, or remove TRUSTED_PROXIES from the"
        " config (ProxyFix sets it)."
    )
