"""Rewriting a WSGI environ or an ASGI scope as the client saw the request, behind trusted proxies.

What to believe of the ``X-Forwarded-*`` headers is the security layer's decision
(``erlen.security.proxies``, from ``TRUSTED_PROXIES``); this module only reads those headers from
the environ or scope and writes the believed client address, scheme, host, port and path prefix
back, before the request is built. Nothing here runs unless ``TRUSTED_PROXIES`` is set.
"""

from __future__ import annotations

import typing as t

from erlen.security.proxies import ProxyRules, without_port

__all__ = ["apply_to_environ", "apply_to_scope"]

_ENVIRON_KEYS = {
    "for": "HTTP_X_FORWARDED_FOR",
    "proto": "HTTP_X_FORWARDED_PROTO",
    "host": "HTTP_X_FORWARDED_HOST",
    "port": "HTTP_X_FORWARDED_PORT",
    "prefix": "HTTP_X_FORWARDED_PREFIX",
}


def apply_to_environ(environ: dict[str, t.Any], rules: ProxyRules) -> None:
    """Rewrite a WSGI environ as the client saw the request (keeping the originals under
    ``erlen.proxy.original``). An environ is rewritten once: after a ``ProxyFix`` in front, the
    app's own pass would take the client for a proxy."""
    if "erlen.proxy.original" in environ:
        return
    seen = rules.believe(environ.get("REMOTE_ADDR"), lambda key: environ.get(_ENVIRON_KEYS[key]))
    if seen is None:
        return
    keys = ("REMOTE_ADDR", "wsgi.url_scheme", "HTTP_HOST", "SERVER_PORT", "SCRIPT_NAME")
    environ["erlen.proxy.original"] = {key: environ.get(key) for key in keys}
    environ["REMOTE_ADDR"] = seen.client
    if seen.scheme:
        environ["wsgi.url_scheme"] = seen.scheme
    if seen.host:
        environ["HTTP_HOST"] = seen.host
    if seen.port:
        environ["SERVER_PORT"] = seen.port
        name = without_port(environ.get("HTTP_HOST", ""))
        if name:
            environ["HTTP_HOST"] = f"{name}:{seen.port}"
    if seen.prefix:
        environ["SCRIPT_NAME"] = seen.prefix


def apply_to_scope(scope: dict[str, t.Any], rules: ProxyRules) -> dict[str, t.Any]:
    """A copy of an ASGI scope as the client saw the request (the original is left alone)."""
    headers: dict[bytes, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        # A header sent on several lines is one list, as a WSGI server joins it.
        name, value = raw_name.lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    peer = scope["client"][0] if scope.get("client") else None
    seen = rules.believe(peer, lambda key: headers.get(b"x-forwarded-" + key.encode()))
    if seen is None:
        return scope
    scope = dict(scope)
    if seen.believed:
        scope["client"] = (seen.client, 0)
    proto = seen.scheme
    if proto:
        if scope["type"] == "websocket":
            proto = "wss" if proto == "https" else "ws"
        scope["scheme"] = proto
    host = seen.host
    port = seen.port
    if port:
        name = without_port(host or headers.get(b"host", ""))
        if name:
            host = f"{name}:{port}"
        server = scope.get("server")
        scope["server"] = (server[0] if server else name, int(port))
    if host:
        scope["headers"] = [
            (name, value) for name, value in scope.get("headers", ()) if name != b"host"
        ] + [(b"host", host.encode("latin-1"))]
    prefix = seen.prefix
    if prefix:
        scope["root_path"] = prefix
        if not scope["path"].startswith(prefix + "/") and scope["path"] != prefix:
            scope["path"] = prefix + scope["path"]
    return scope
