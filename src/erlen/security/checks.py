"""Start-up checks: the settings that would make requests fail, and a deployment review.

``check_app`` inspects an app's configuration and returns ``Problem``s, each with a severity, a
message and the fix. An *error* is a setting that makes every request (or every request that
uses what it configures) fail: a weak ``SECRET_KEY`` outside debug mode, an unknown
``SESSION_TYPE``, a Redis URL that does not parse, a ``SERVER_NAME`` that can never match. A
*warning* is a setting a production deployment should review, as Django's ``check --deploy``
lists them (``DEBUG`` on, no HSTS, no ``TRUSTED_HOSTS``, ...); those are looked at only with
``deploy=True``.

The servers report the errors when they start, so a misconfiguration is found before the first
user meets a 500: ``erlen run`` and ``app.run()`` print them and exit (``exit_on_startup_errors``),
the ASGI lifespan start-up fails with them (``startup_failure``), and a WSGI server, which has no
start-up hook, logs them once at the first request (``log_startup_errors``). ``erlen check``
lists them all.

This module only reads the configuration: it never changes the app, never opens a connection (a
Redis URL is parsed, not dialled) and never shows a key, only where it is wrong. It costs a few
dictionary lookups, once per process.
"""

from __future__ import annotations

import hmac
import importlib.util
import re
import sys
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from erlen.core.sessions import (
    MIN_SECRET_KEY_LENGTH,
    key_is_weak,
    uses_config_session,
    weak_keys_allowed,
)
from erlen.security.headers import SecurityHeaders
from erlen.security.hosts import host_is_trusted
from erlen.security.proxies import ProxyRules

if t.TYPE_CHECKING:
    from erlen.core.app import App

__all__ = [
    "Problem",
    "StartupError",
    "check_app",
    "exit_on_startup_errors",
    "format_problems",
    "key_digest",
    "log_startup_errors",
    "redis_url_error",
    "startup_errors",
    "startup_failure",
]

Severity = t.Literal["error", "warning"]

_KEY_FIX = (
    "Generate a key once (python -c 'import secrets; print(secrets.token_hex())'), keep it out of"
    " the code repository, and load it from the environment (ERLEN_SECRET_KEY with"
    " app.config.from_prefixed_env()) or from a file only the server can read. Do not call"
    " secrets.token_hex() in the app's code: every process (each gunicorn or uvicorn worker, each"
    " restart) would get a different key, and a cookie signed by one would be refused by the"
    " others."
)
_RELAXED = (
    "Weak or missing keys are accepted only in debug mode, with TESTING, and while pytest runs a"
    " test."
)
# A host name (letters, digits, "-", "_" and dots) or a bracketed IPv6 address, and a port.
_SERVER_NAME_RE = re.compile(r"([a-z0-9_.-]+|\[[0-9a-f:.]+\])(:[0-9]{1,5})?", re.ASCII)
_REDIS_SCHEMES = ("redis", "rediss", "unix")
_CHECKED = "erlen.startup_checked"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an app's configuration.

    :param id: a short name, for ``erlen check --ignore``.
    :param severity: ``"error"``: requests fail because of it; ``"warning"``: review it before
        deploying.
    :param setting: the configuration key to change.
    :param message: what is wrong, and what it breaks.
    :param fix: what to change.
    """

    id: str
    severity: Severity
    setting: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.severity.upper()} [{self.id}] {self.message}\n  Fix: {self.fix}"


class StartupError(RuntimeError):
    """A server refused to start (or to serve) an app whose configuration has errors."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            "The app's configuration would make requests fail:\n\n" + format_problems(problems)
        )


def format_problems(problems: t.Iterable[Problem]) -> str:
    """The problems as text for a terminal or a log, one paragraph each."""
    return "\n\n".join(str(problem) for problem in problems)


def check_app(app: App, *, deploy: bool = False) -> list[Problem]:
    """Every problem in ``app``'s configuration, errors first.

    Without ``deploy`` the app is judged as it is configured now: in debug mode, with
    ``TESTING`` or while pytest runs a test, weak keys are allowed (as the session allows them).
    With ``deploy`` it is judged as a production server: weak keys are errors whatever the mode,
    and the deployment review's warnings are added.
    """
    relaxed = not deploy and weak_keys_allowed(app)
    problems = [
        *_secret_key(app, relaxed),
        *_session_store(app),
        *_rate_limit_storage(app),
        *_hosts_and_names(app),
        *_security_settings(app),
    ]
    if deploy:
        problems.extend(_deployment_review(app))
    return sorted(problems, key=lambda problem: problem.severity != "error")


def startup_errors(app: App) -> list[Problem]:
    """The errors of ``check_app(app)``: what a server reports when it starts."""
    return [problem for problem in check_app(app) if problem.severity == "error"]


def startup_failure(app: App) -> str | None:
    """The message a server's start-up fails with (the ASGI lifespan's), or None when the app
    may start. In debug mode it always may: the debug page shows each failing request's error,
    and the reloader must keep a process serving while the developer fixes the setting."""
    if app.debug:
        return None
    problems = startup_errors(app)
    return str(StartupError(problems)) if problems else None


def log_startup_errors(app: App) -> None:
    """Log the start-up errors on ``app.logger``, once per app: what a WSGI server (which has no
    start-up hook) reports at its first request."""
    if app.extensions.get(_CHECKED):
        return
    app.extensions[_CHECKED] = True
    problems = startup_errors(app)
    if problems:
        app.logger.error("%s", StartupError(problems))


def exit_on_startup_errors(app: App) -> None:
    """What ``erlen run`` and ``app.run()`` do before serving: print the start-up errors and,
    outside debug mode, exit with status 1. In debug mode the server starts anyway, and the
    errors are printed as warnings: the debug page shows them on each request they break."""
    import click

    problems = startup_errors(app)
    if not problems:
        return
    if app.debug:
        click.secho(
            f"{StartupError(problems)}\n\n * Debug mode is on, so the server starts anyway; fix"
            " these before serving the app without debug mode.",
            fg="yellow",
            err=True,
        )
        return
    click.secho(
        f"{StartupError(problems)}\n\n * The server did not start. Run 'erlen check' to see the"
        " problems again, and 'erlen check --deploy' to review the settings for production.",
        fg="red",
        err=True,
    )
    sys.exit(1)


def key_digest(app: App) -> str | None:
    """A one-way digest of ``SECRET_KEY``, to compare the keys of two processes without showing
    either; None without a key."""
    key = app.config.get("SECRET_KEY")
    if not isinstance(key, str | bytes) or not key:
        return None
    secret = key.encode() if isinstance(key, str) else key
    return hmac.new(
        secret, b"erlen check: is the key the same in every process?", "sha256"
    ).hexdigest()


def redis_url_error(url: object) -> str | None:
    """Why ``url`` is not a Redis URL (``redis://[[user]:password@]host[:port][/db]``,
    ``rediss://`` for TLS, ``unix:///path.sock``), or None when it parses."""
    if not isinstance(url, str) or not url.strip():
        return f"it must be a URL such as 'redis://127.0.0.1:6379/0', not {type(url).__name__!r}"
    parts = urlsplit(url.strip())
    if parts.scheme not in _REDIS_SCHEMES:
        shown = f"{parts.scheme!r}" if parts.scheme else "no scheme"
        return f"it has {shown}; it must start with redis://, rediss:// (TLS) or unix://"
    try:
        parts.port  # noqa: B018 -- reading it is what checks it
    except ValueError:
        return "its port is not a number from 0 to 65535"
    if parts.scheme == "unix":
        if not parts.path:
            return "a unix:// URL needs the socket's path, such as unix:///run/redis.sock"
        database = parse_qs(parts.query).get("db", ["0"])[0]
    else:
        database = parts.path.strip("/") or "0"
    if not database.isdigit():
        return f"its database ({database!r}) is not a number"
    return None


# -- the checks ---------------------------------------------------------------------------


def _needs_key(app: App) -> bool:
    """Whether the configuration itself uses the key, so that requests fail without one (an
    app that never touches the session runs without a key, as in Flask)."""
    config = app.config
    return bool(
        config.get("CSRF_TOKENS")
        or config.get("SESSION_TYPE") == "redis"
        # Flask-WTF's CSRFProtect and Flask-Login keep their state in the session.
        or "csrf" in app.extensions
        or getattr(app, "login_manager", None) is not None
    )


def _secret_key(app: App, relaxed: bool) -> Iterator[Problem]:
    config = app.config
    key = config.get("SECRET_KEY")
    if key is not None and not isinstance(key, str | bytes):
        yield Problem(
            "secret-key-type",
            "error",
            "SECRET_KEY",
            f"SECRET_KEY is a {type(key).__name__}, not a string, so nothing can be signed with"
            " it (a key read from the environment as JSON becomes a number when it is all"
            " digits).",
            "Set SECRET_KEY to a string. " + _KEY_FIX,
        )
    elif not key:
        if relaxed:
            pass
        elif _needs_key(app):
            yield Problem(
                "secret-key-missing",
                "error",
                "SECRET_KEY",
                "SECRET_KEY is not set, and the app uses the session (CSRF tokens, Redis sessions"
                " or a login extension): those requests fail with a 500.",
                _KEY_FIX,
            )
        else:
            yield Problem(
                "secret-key-missing",
                "warning",
                "SECRET_KEY",
                "SECRET_KEY is not set: any request that uses the session, flash() or"
                " csrf_token() fails with a 500.",
                _KEY_FIX,
            )
    elif not relaxed and key_is_weak(key):
        yield Problem(
            "secret-key-weak",
            "error",
            "SECRET_KEY",
            "SECRET_KEY is too weak to sign sessions (shorter than"
            f" {MIN_SECRET_KEY_LENGTH} characters, a well-known placeholder such as 'dev', or"
            f" with little variety): every request that uses the session fails with a 500,"
            f" since anyone could forge one. {_RELAXED}",
            _KEY_FIX,
        )
    yield from _fallbacks(config.get("SECRET_KEY_FALLBACKS"), relaxed)


def _fallbacks(fallbacks: object, relaxed: bool) -> Iterator[Problem]:
    if not fallbacks:
        return
    if not isinstance(fallbacks, list | tuple):
        yield Problem(
            "secret-key-fallbacks",
            "error",
            "SECRET_KEY_FALLBACKS",
            f"SECRET_KEY_FALLBACKS is a {type(fallbacks).__name__}; it must be a list of old"
            " keys (a single string would be read as a list of one-character keys).",
            "Set it to a list: SECRET_KEY_FALLBACKS = [old_key].",
        )
        return
    if relaxed:
        return
    weak = [
        str(position)
        for position, fallback in enumerate(fallbacks)
        if not isinstance(fallback, str | bytes) or key_is_weak(fallback)
    ]
    if weak:
        yield Problem(
            "secret-key-fallbacks",
            "error",
            "SECRET_KEY_FALLBACKS",
            f"SECRET_KEY_FALLBACKS holds a weak key (at position {', '.join(weak)}): a fallback"
            " verifies sessions as the key does, so every request that uses the session fails"
            f" with a 500. {_RELAXED}",
            "Remove the weak key from SECRET_KEY_FALLBACKS; cookies signed with it then start"
            " an empty session.",
        )


def _session_store(app: App) -> Iterator[Problem]:
    config = app.config
    session_type = config.get("SESSION_TYPE") or "cookie"
    url = config.get("SESSION_REDIS_URL")
    if session_type == "cookie":
        if url:
            yield Problem(
                "session-redis-url-unused",
                "warning",
                "SESSION_REDIS_URL",
                "SESSION_REDIS_URL is set, but SESSION_TYPE is 'cookie', so sessions are signed"
                " cookies and the URL is not used.",
                "Set SESSION_TYPE = 'redis' to keep sessions in Redis, or remove the URL.",
            )
        return
    if not uses_config_session(app):
        return  # the app set its own session_interface, which SESSION_TYPE does not replace
    if session_type != "redis":
        yield Problem(
            "session-type",
            "error",
            "SESSION_TYPE",
            f"SESSION_TYPE is {session_type!r}, which erlen does not know: every request fails"
            " with a 500.",
            "Set SESSION_TYPE to 'cookie' (the default: a signed cookie) or 'redis' (server-side"
            " sessions in Redis, with SESSION_REDIS_URL).",
        )
        return
    if importlib.util.find_spec("redis") is None:
        yield Problem(
            "session-redis",
            "error",
            "SESSION_TYPE",
            "SESSION_TYPE is 'redis' but the redis package is not installed: every request fails"
            " with a 500.",
            "Install it: pip install 'erlen[redis]'.",
        )
    if config.get("SESSION_REDIS") is not None:
        return
    if not url:
        yield Problem(
            "session-redis",
            "error",
            "SESSION_REDIS_URL",
            "SESSION_TYPE is 'redis' but neither SESSION_REDIS_URL nor SESSION_REDIS (a"
            " redis.Redis client) is set: every request fails with a 500.",
            "Set SESSION_REDIS_URL, for example ERLEN_SESSION_REDIS_URL=redis://127.0.0.1:6379/0"
            " in the environment.",
        )
        return
    reason = redis_url_error(url)
    if reason is not None:
        yield Problem(
            "session-redis-url",
            "error",
            "SESSION_REDIS_URL",
            f"SESSION_REDIS_URL does not parse: {reason}. Every request fails with a 500.",
            "Use redis://[[user]:password@]host[:port][/db], rediss://... for TLS, or"
            " unix:///path/to/redis.sock.",
        )
    timeout = config.get("SESSION_REDIS_TIMEOUT", 1.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        yield Problem(
            "session-redis-timeout",
            "error",
            "SESSION_REDIS_TIMEOUT",
            f"SESSION_REDIS_TIMEOUT is {timeout!r}; it must be a positive number of seconds, or"
            " every request fails with a 500.",
            "Set SESSION_REDIS_TIMEOUT = 1.0 (the default), or another number of seconds.",
        )


def _rate_limit_storage(app: App) -> Iterator[Problem]:
    storage = app.config.get("RATE_LIMIT_STORAGE")
    if storage is None or callable(getattr(storage, "hit", None)):
        return
    if isinstance(storage, str):
        reason = redis_url_error(storage)
        fix = (
            f"The URL does not parse either: {reason}. Use a storage object,"
            " RedisStorage.from_url('redis://host:6379/0') from erlen.backends.ratelimit_redis."
            if reason
            else "Make the storage from the URL: RATE_LIMIT_STORAGE ="
            " RedisStorage.from_url(url), from erlen.backends.ratelimit_redis."
        )
        message = "RATE_LIMIT_STORAGE is a string; it must be a storage object"
    else:
        fix = "Use MemoryStorage() (one process) or RedisStorage.from_url(url) (shared)."
        message = f"RATE_LIMIT_STORAGE is a {type(storage).__name__}, not a rate-limit storage"
    yield Problem(
        "rate-limit-storage",
        "error",
        "RATE_LIMIT_STORAGE",
        f"{message}: every request to a rate-limited view fails with a 500.",
        fix,
    )


def _hosts_and_names(app: App) -> Iterator[Problem]:
    config = app.config
    hosts = config.get("TRUSTED_HOSTS")
    trusted: list[str] = []
    if isinstance(hosts, str):
        yield Problem(
            "trusted-hosts",
            "error",
            "TRUSTED_HOSTS",
            "TRUSTED_HOSTS is a string; it must be a list of host names: every request fails"
            " with a 500.",
            f"Write it as a list: TRUSTED_HOSTS = [{hosts!r}].",
        )
    elif hosts:
        for pattern in hosts:
            name = pattern.lstrip(".") if isinstance(pattern, str) else ""
            if _SERVER_NAME_RE.fullmatch(name.lower()) is None:
                yield Problem(
                    "trusted-hosts",
                    "error",
                    "TRUSTED_HOSTS",
                    f"TRUSTED_HOSTS holds {pattern!r}, which is not a host name (no scheme, path"
                    " or user part), so no request ever matches it.",
                    "List bare host names: 'example.com', or '.example.com' for the domain and"
                    " its subdomains.",
                )
            else:
                trusted.append(pattern)
    listed = hosts and not isinstance(hosts, str)
    yield from _server_name(config.get("SERVER_NAME"), trusted if listed else None, app)
    origins = config.get("TRUSTED_ORIGINS") or ()
    if isinstance(origins, str):
        origins = [origins]
        yield Problem(
            "trusted-origins",
            "error",
            "TRUSTED_ORIGINS",
            "TRUSTED_ORIGINS is a string; it must be a list of origins: every request fails"
            " with a 500.",
            f"Write it as a list: TRUSTED_ORIGINS = [{config['TRUSTED_ORIGINS']!r}].",
        )
    for origin in origins:
        parts = urlsplit(origin if isinstance(origin, str) else "")
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/"):
            yield Problem(
                "trusted-origins",
                "error",
                "TRUSTED_ORIGINS",
                f"TRUSTED_ORIGINS holds {origin!r}, which is not an origin (a scheme and a host,"
                " with no path), so no browser's request ever matches it.",
                "Write each origin as the browser sends it: 'https://admin.example.com' or"
                " 'http://localhost:3000'.",
            )


def _server_name(server_name: object, trusted: list[str] | None, app: App) -> Iterator[Problem]:
    if not server_name:
        return
    if not isinstance(server_name, str) or not _SERVER_NAME_RE.fullmatch(server_name.lower()):
        hint = (
            " It has a scheme: the scheme of built URLs is PREFERRED_URL_SCHEME."
            if isinstance(server_name, str) and "://" in server_name
            else " A path belongs in APPLICATION_ROOT."
            if isinstance(server_name, str) and "/" in server_name
            else ""
        )
        matching = " and every request 404s," if app.subdomain_matching else ""
        yield Problem(
            "server-name",
            "error",
            "SERVER_NAME",
            f"SERVER_NAME is {server_name!r}, which is not a host name and an optional port, so"
            f" it never matches a request's host:{matching} URLs built outside a request are"
            f" broken.{hint}",
            "Set SERVER_NAME to the bare host (and port): 'example.com' or 'example.com:8443'.",
        )
        return
    if trusted is not None and not host_is_trusted(server_name, trusted):
        yield Problem(
            "server-name",
            "error",
            "SERVER_NAME",
            f"SERVER_NAME is {server_name!r}, which TRUSTED_HOSTS does not allow: every request"
            " sent to it gets a 400, and every URL built from it leads to one.",
            f"Add {server_name.rsplit(':', 1)[0]!r} to TRUSTED_HOSTS, or correct SERVER_NAME.",
        )


def _security_settings(app: App) -> Iterator[Problem]:
    """The settings the security gates parse when the app starts serving: one that does not
    parse makes every request fail."""
    config = app.config
    try:
        SecurityHeaders(config)
    except (TypeError, ValueError) as error:
        yield Problem(
            "security-headers-invalid",
            "error",
            "SECURITY_HEADERS",
            f"The security header settings do not parse ({error}): every request fails with a 500.",
            "Correct SECURITY_HEADERS, HSTS_SECONDS (a number of seconds) or"
            " CONTENT_SECURITY_POLICY (a string or a dict of directives).",
        )
    proxies = config.get("TRUSTED_PROXIES")
    if proxies is None:
        return
    try:
        ProxyRules(proxies)
    except (TypeError, ValueError) as error:
        yield Problem(
            "trusted-proxies-invalid",
            "error",
            "TRUSTED_PROXIES",
            f"TRUSTED_PROXIES does not parse ({error}): every request fails with a 500.",
            "Set it to a number of proxies (1), a list of proxy addresses and networks"
            " (['10.0.0.0/8']), or a dict of counts per header ({'for': 1, 'proto': 1}).",
        )


def _warning(id: str, setting: str, message: str, fix: str) -> Problem:
    return Problem(id, "warning", setting, message, fix)


def _deployment_review(app: App) -> Iterator[Problem]:
    """What a production deployment should review: each protection that is off."""
    config = app.config
    if app.debug:
        yield _warning(
            "debug",
            "DEBUG",
            "DEBUG is on: an error shows the debug page, with source code, local variables and"
            " the request, to whoever causes it.",
            "Turn it off in production: leave ERLEN_DEBUG unset and do not pass --debug.",
        )
    if app.testing:
        yield _warning(
            "testing",
            "TESTING",
            "TESTING is on: exceptions propagate to the server and weak keys are accepted.",
            "Set TESTING only in your test suite.",
        )
    if not config.get("TRUSTED_HOSTS"):
        yield _warning(
            "trusted-hosts-unset",
            "TRUSTED_HOSTS",
            "TRUSTED_HOSTS is not set: the app answers to any Host header, so absolute URLs"
            " (password reset links) can be made to point to another site.",
            "Set TRUSTED_HOSTS = ['example.com'] (or '.example.com' for its subdomains too).",
        )
    if not config.get("HSTS_SECONDS"):
        yield _warning(
            "hsts",
            "HSTS_SECONDS",
            "HSTS is off: a browser may reach the site over plain HTTP, where the connection"
            " can be intercepted.",
            "Once the site is served only over HTTPS, set HSTS_SECONDS = 31536000 (start lower,"
            " such as 3600, while you try it).",
        )
    if config.get("SESSION_COOKIE_SECURE") is not True and not config.get(
        "SESSION_COOKIE_HOST_PREFIX"
    ):
        yield _warning(
            "session-cookie-secure",
            "SESSION_COOKIE_SECURE",
            "SESSION_COOKIE_SECURE is not True: the session cookie is marked Secure only on"
            " requests the app sees as HTTPS, which behind a proxy needs TRUSTED_PROXIES.",
            "Set SESSION_COOKIE_SECURE = True when the site is served over HTTPS.",
        )
    if config.get("TRUSTED_PROXIES") is None:
        yield _warning(
            "trusted-proxies-unset",
            "TRUSTED_PROXIES",
            "TRUSTED_PROXIES is not set: behind a proxy or load balancer, request.remote_addr is"
            " the proxy's address (every client shares one rate limit) and request.scheme is"
            " http.",
            "Behind a proxy, set TRUSTED_PROXIES = 1 (one proxy) or the proxies' networks. If"
            " clients connect to the app server directly, leave it unset: erlen check --deploy"
            " --ignore trusted-proxies-unset.",
        )
    if not config.get("CONTENT_SECURITY_POLICY"):
        yield _warning(
            "csp",
            "CONTENT_SECURITY_POLICY",
            "No Content-Security-Policy: an injected script would run.",
            "Set CONTENT_SECURITY_POLICY, for example {'default-src': \"'self'\"}; see"
            " docs/security.md.",
        )
    if not config.get("CROSS_ORIGIN_PROTECTION", True):
        yield _warning(
            "cross-origin",
            "CROSS_ORIGIN_PROTECTION",
            "CROSS_ORIGIN_PROTECTION is off: other sites can send forms to the app in its"
            " users' names.",
            "Turn it back on; exempt single views with @cross_origin_exempt, or list origins in"
            " TRUSTED_ORIGINS.",
        )
    headers = config.get("SECURITY_HEADERS") or {}
    missing = [
        name
        for name in ("X-Content-Type-Options", "X-Frame-Options")
        if not headers.get(name) and not (name == "X-Frame-Options" and _csp_frames(config))
    ]
    if missing:
        yield _warning(
            "security-headers",
            "SECURITY_HEADERS",
            f"SECURITY_HEADERS leaves out {' and '.join(missing)}.",
            "Keep erlen's defaults for these headers, or set a Content-Security-Policy with"
            " frame-ancestors.",
        )
    if not config.get("SESSION_COOKIE_HTTPONLY", True):
        yield _warning(
            "session-cookie-httponly",
            "SESSION_COOKIE_HTTPONLY",
            "SESSION_COOKIE_HTTPONLY is off: a script in the page can read the session cookie.",
            "Set SESSION_COOKIE_HTTPONLY = True (the default).",
        )
    if not config.get("SESSION_COOKIE_SAMESITE"):
        yield _warning(
            "session-cookie-samesite",
            "SESSION_COOKIE_SAMESITE",
            "SESSION_COOKIE_SAMESITE is None: other sites' requests carry the session cookie.",
            "Set SESSION_COOKIE_SAMESITE = 'Lax' (the default) or 'Strict'.",
        )
    if config.get("MAX_CONTENT_LENGTH") is None:
        yield _warning(
            "max-content-length",
            "MAX_CONTENT_LENGTH",
            "MAX_CONTENT_LENGTH is None: a client can send a request body of any size.",
            "Set MAX_CONTENT_LENGTH to the largest body the app needs (16 MiB by default).",
        )
    if config.get("PREFERRED_URL_SCHEME", "http") != "https":
        yield _warning(
            "url-scheme",
            "PREFERRED_URL_SCHEME",
            "PREFERRED_URL_SCHEME is 'http': URLs built outside a request (in e-mails, by"
            " commands) use plain HTTP.",
            "Set PREFERRED_URL_SCHEME = 'https' when the site is served over HTTPS.",
        )


def _csp_frames(config: t.Mapping[str, t.Any]) -> bool:
    """Whether the Content-Security-Policy limits framing, which X-Frame-Options also does."""
    policy = config.get("CONTENT_SECURITY_POLICY")
    if isinstance(policy, t.Mapping):
        return "frame-ancestors" in policy
    return isinstance(policy, str) and "frame-ancestors" in policy
