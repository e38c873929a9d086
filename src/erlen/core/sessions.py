"""Sessions: ``session`` is a dict kept between requests, by default in a signed cookie.

``SessionInterface`` is how the app opens a session from a request and saves it into a
response; replace ``app.session_interface`` to keep sessions elsewhere (Redis, a database). The
default, ``SecureCookieSessionInterface``, stores the data in the cookie itself, signed with
HMAC-SHA256 through itsdangerous: readable by the client, but not changeable. A cookie that is
tampered with, signed with an unknown key or expired gives an empty session, never an error.
Nothing here runs unless a view touches ``session``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import typing as t
from collections.abc import MutableMapping
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeTimedSerializer

from erlen.json.tag import TaggedJSONSerializer

if t.TYPE_CHECKING:
    from erlen.core.app import App
    from erlen.core.ctx import RequestContext
    from erlen.http.wrappers import Request, Response

__all__ = [
    "DEFAULT_INTERFACE",
    "MIN_SECRET_KEY_LENGTH",
    "NullSession",
    "SecureCookieSession",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "SessionMixin",
    "TaggedJSONSerializer",
    "add_vary_cookie",
    "key_is_weak",
    "open_session",
    "save_session",
    "session_json_serializer",
    "signing_key",
    "uses_config_session",
    "verification_keys",
    "weak_keys_allowed",
]


class SessionMixin(MutableMapping[str, t.Any]):
    """What every session offers besides being a dict."""

    #: True for a session that did not exist before this request.
    new = False
    #: True when the session changed and must be saved.
    modified = True
    #: True when the session was read or changed (the response then varies on ``Cookie``).
    accessed = True

    @property
    def permanent(self) -> bool:
        """A permanent session lives for ``PERMANENT_SESSION_LIFETIME``; otherwise until the
        browser closes."""
        return bool(self.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    def regenerate(self) -> None:
        """Give the session a new identity and keep its data; call it at login. A server-side
        session gets a new id and its old one is deleted, so an id planted or seen before login
        is worthless after it (session fixation). The signed cookie session has no id to
        replace: it is saved again, so the same code works with every session store."""
        self.modified = True


class SecureCookieSession(dict[str, t.Any], SessionMixin):
    """The default session: a dict that records whether it was read and whether it changed."""

    modified = False
    accessed = False

    def __init__(self, initial: t.Mapping[str, t.Any] | None = None) -> None:
        super().__init__(initial or ())

    def _changed(self) -> None:
        self.modified = True
        self.accessed = True

    def __getitem__(self, key: str) -> t.Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: t.Any = None) -> t.Any:
        self.accessed = True
        return super().get(key, default)

    def setdefault(self, key: str, default: t.Any = None) -> t.Any:
        self.accessed = True
        if key not in self:
            self._changed()
        return super().setdefault(key, default)

    def __setitem__(self, key: str, value: t.Any) -> None:
        self._changed()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._changed()
        super().__delitem__(key)

    def pop(self, key: str, *default: t.Any) -> t.Any:
        self._changed()
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, t.Any]:
        self._changed()
        return super().popitem()

    def update(self, *args: t.Any, **kwargs: t.Any) -> None:
        self._changed()
        super().update(*args, **kwargs)

    def clear(self) -> None:
        self._changed()
        super().clear()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


class NullSession(SecureCookieSession):
    """The session when no ``SECRET_KEY`` is set: reading works (it is empty), writing fails
    with an error that says what to do."""

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(
            "The session is unavailable because no secret key was set. Set SECRET_KEY in the"
            " app's config to a long random value, for example"
            " app.config['SECRET_KEY'] = secrets.token_hex() (keep it out of your code"
            " repository, e.g. load it from an environment variable)."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail


class SessionInterface:
    """How sessions are loaded and saved. Subclass it and set ``app.session_interface``."""

    null_session_class: type[NullSession] = NullSession
    pickle_based = False

    def make_null_session(self, app: App) -> NullSession:
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: App) -> str:
        name = t.cast(str, app.config["SESSION_COOKIE_NAME"])
        if app.config.get("SESSION_COOKIE_HOST_PREFIX") and not name.startswith("__Host-"):
            name = f"__Host-{name}"
        return name

    def get_cookie_domain(self, app: App) -> str | None:
        if app.config.get("SESSION_COOKIE_HOST_PREFIX"):
            return None  # a __Host- cookie must not name a domain
        return t.cast("str | None", app.config["SESSION_COOKIE_DOMAIN"])

    def get_cookie_path(self, app: App) -> str:
        if app.config.get("SESSION_COOKIE_HOST_PREFIX"):
            return "/"  # a __Host- cookie must be for the whole site
        return t.cast(str, app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"])

    def get_cookie_httponly(self, app: App) -> bool:
        return bool(app.config["SESSION_COOKIE_HTTPONLY"])

    def get_cookie_secure(self, app: App, request: Request | None = None) -> bool:
        """``SESSION_COOKIE_SECURE``; when it is None (the default), Secure on HTTPS requests."""
        secure = app.config["SESSION_COOKIE_SECURE"]
        if app.config.get("SESSION_COOKIE_HOST_PREFIX"):
            return True  # browsers accept a __Host- cookie only with Secure
        if secure is None:
            return request is not None and request.is_secure
        return bool(secure)

    def get_cookie_samesite(self, app: App) -> str | None:
        return t.cast("str | None", app.config["SESSION_COOKIE_SAMESITE"])

    def get_cookie_partitioned(self, app: App) -> bool:
        return bool(app.config["SESSION_COOKIE_PARTITIONED"])

    def get_expiration_time(self, app: App, session: SessionMixin) -> datetime | None:
        if session.permanent:
            return datetime.now(UTC) + app.permanent_session_lifetime
        return None

    def should_set_cookie(self, app: App, session: SessionMixin) -> bool:
        """Set the cookie when the session changed, or, for a permanent session with
        ``SESSION_REFRESH_EACH_REQUEST``, on every request (to move its expiry forward)."""
        return session.modified or (
            session.permanent and bool(app.config["SESSION_REFRESH_EACH_REQUEST"])
        )

    def cookie_options(self, app: App, request: Request | None = None) -> dict[str, t.Any]:
        """The session cookie's attributes, as ``set_cookie`` and ``delete_cookie`` take them."""
        return {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app, request),
            "partitioned": self.get_cookie_partitioned(app),
            "samesite": self.get_cookie_samesite(app),
            "httponly": self.get_cookie_httponly(app),
        }

    def set_session_cookie(
        self,
        app: App,
        response: Response,
        value: str,
        session: SessionMixin,
        request: Request | None = None,
    ) -> None:
        """Send the session cookie with ``value``, expiring with the session."""
        response.set_cookie(
            self.get_cookie_name(app),
            value,
            expires=self.get_expiration_time(app, session),
            **self.cookie_options(app, request),
        )
        add_vary_cookie(response)

    def delete_session_cookie(
        self, app: App, response: Response, request: Request | None = None
    ) -> None:
        """Tell the browser to forget the session cookie."""
        response.delete_cookie(self.get_cookie_name(app), **self.cookie_options(app, request))
        add_vary_cookie(response)

    def open_session(self, app: App, request: Request) -> SessionMixin | None:
        raise NotImplementedError

    def save_session(self, app: App, session: SessionMixin, response: Response) -> None:
        raise NotImplementedError


session_json_serializer = TaggedJSONSerializer()


class SecureCookieSessionInterface(SessionInterface):
    """Sessions in a cookie signed with the app's ``SECRET_KEY`` (HMAC-SHA256).

    ``SECRET_KEY_FALLBACKS`` lists old keys that still verify cookies during a key rotation;
    new cookies are always signed with ``SECRET_KEY``.

    Session fixation does not reach this store: the cookie is the session, so a login (or
    ``clear()``) sends the browser a new cookie, and a copy an attacker planted or kept still
    holds only what it held before. What a signed cookie cannot do is end early: a copy taken
    before a logout still verifies until it is ``PERMANENT_SESSION_LIFETIME`` old, since
    nothing on the server remembers it was cleared. Where a stolen cookie must stop working at
    logout, keep sessions in Redis (``SESSION_TYPE = "redis"``), whose ``clear()`` deletes them.
    """

    salt = "cookie-session"
    digest_method = staticmethod(hashlib.sha256)
    key_derivation = "hmac"
    serializer = session_json_serializer
    session_class = SecureCookieSession

    def get_signing_serializer(self, app: App) -> URLSafeTimedSerializer | None:
        """The signer for this app's cookies, or None (a null session) without a key.

        Outside debug and testing a weak ``SECRET_KEY``, or a weak key in
        ``SECRET_KEY_FALLBACKS``, is refused with an error naming the setting; in debug, an app
        without a key gets a random key for this process (sessions end when it restarts) and a
        warning.
        """
        config = app.config
        # Checking the key and deriving the signing keys cost more than a signature: do it
        # once per app for as long as the settings it depends on stay the same.
        marker = (
            config["SECRET_KEY"],
            tuple(config["SECRET_KEY_FALLBACKS"] or ()),
            bool(config["DEBUG"]),
            bool(config["TESTING"]),
            self.salt,
            self.key_derivation,
            self.digest_method,
        )
        cached = app.extensions.get("erlen.session_signer")
        if cached is not None and cached[0] == marker and cached[1] is self:
            return t.cast("URLSafeTimedSerializer | None", cached[2])
        keys = verification_keys(app)
        signer: URLSafeTimedSerializer | None = None
        if keys is not None:
            key_derivation = self.key_derivation
            if key_derivation == "hmac":
                # What itsdangerous would derive on every call, derived here once: the
                # signatures are the same bytes, so existing cookies stay valid.
                keys = [self._derive(k) for k in keys]
                key_derivation = "none"
            signer = URLSafeTimedSerializer(
                keys,  # type: ignore[arg-type]
                salt=self.salt,
                serializer=self.serializer,
                signer_kwargs={
                    "key_derivation": key_derivation,
                    "digest_method": self.digest_method,
                },
            )
        app.extensions["erlen.session_signer"] = (marker, self, signer)
        return signer

    def _derive(self, key: str | bytes) -> bytes:
        secret = key.encode() if isinstance(key, str) else key
        mac = hmac.new(secret, digestmod=self.digest_method)
        mac.update(self.salt.encode())
        return mac.digest()

    def open_session(self, app: App, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            session = self.session_class()
            session.new = True
            return session
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data = serializer.loads(value, max_age=max_age)
        except (BadSignature, ValueError, TypeError, KeyError):
            session = self.session_class()
            session.new = True
            return session
        if not isinstance(data, dict):
            return self.session_class()
        return self.session_class(data)

    def save_session(
        self, app: App, session: SessionMixin, response: Response, request: Request | None = None
    ) -> None:
        if session.accessed:
            add_vary_cookie(response)
        if not session:
            if session.modified:
                self.delete_session_cookie(app, response, request)
            return
        if not self.should_set_cookie(app, session):
            return
        serializer = self.get_signing_serializer(app)
        assert serializer is not None
        value: str = serializer.dumps(dict(session))
        self.set_session_cookie(app, response, value, session, request)


_PLACEHOLDER_KEYS = frozenset(
    {"dev", "development", "secret", "secret-key", "secret_key", "changeme", "change-me", "test"}
)
MIN_SECRET_KEY_LENGTH = 24


def key_is_weak(key: str | bytes) -> bool:
    """A key an attacker could guess: short, a well-known placeholder, or with little variety
    (such as ``"aaaa..."``)."""
    text = key.decode("latin-1") if isinstance(key, bytes) else key
    return (
        len(text) < MIN_SECRET_KEY_LENGTH
        or text.lower() in _PLACEHOLDER_KEYS
        or len(set(text)) < 10
    )


def _running_a_test() -> bool:
    """Whether pytest is running a test in this process (it sets ``PYTEST_CURRENT_TEST`` for
    each test). A test suite's placeholder key guards nothing, and extensions' own suites use
    one without setting ``TESTING``; a deployed server never runs under pytest."""
    return "PYTEST_CURRENT_TEST" in os.environ


def weak_keys_allowed(app: App) -> bool:
    """Whether weak keys are allowed: in debug mode, with ``TESTING`` and under pytest."""
    return app.debug or app.testing or _running_a_test()


def signing_key(app: App) -> str | bytes | None:
    """The key to sign cookies with, after the safety checks described in
    ``SecureCookieSessionInterface.get_signing_serializer``."""
    key = app.secret_key
    relaxed = weak_keys_allowed(app)
    if not key:
        if not app.debug:
            return None
        ephemeral = app.extensions.get("erlen.ephemeral_secret_key")
        if ephemeral is None:
            ephemeral = app.extensions["erlen.ephemeral_secret_key"] = secrets.token_hex(32)
            app.logger.warning(
                "SECRET_KEY is not set: debug mode signs sessions with a random key for this"
                " process only, so sessions end when the server restarts. Set SECRET_KEY."
            )
        return t.cast(str, ephemeral)
    if not relaxed and key_is_weak(key):
        raise RuntimeError(
            f"SECRET_KEY is too weak to sign sessions: use at least {MIN_SECRET_KEY_LENGTH}"
            " random characters, for example from `python -c 'import secrets;"
            " print(secrets.token_hex())'`, and load it from the environment or a file, the"
            " same for every process (not secrets.token_hex() in the code: each worker would"
            " get a different key). Short or placeholder keys are allowed only in debug mode,"
            " with TESTING, and while pytest runs a test."
        )
    return key


def verification_keys(app: App) -> list[str | bytes] | None:
    """The keys that verify a signature: ``SECRET_KEY_FALLBACKS`` and then the signing key,
    which signs (itsdangerous's order, oldest first), or None when there is no key.

    A fallback verifies cookies as the key itself does, so a weak one is as bad as a weak
    ``SECRET_KEY``: whoever guesses it forges any session. It is refused by the same rule,
    with the same error, and never used to verify a cookie.
    """
    key = signing_key(app)
    if key is None:
        return None
    fallbacks: list[str | bytes] = list(app.config.get("SECRET_KEY_FALLBACKS") or ())
    if fallbacks and not weak_keys_allowed(app):
        weak = [
            str(position)
            for position, fallback in enumerate(fallbacks)
            if not isinstance(fallback, str | bytes) or key_is_weak(fallback)
        ]
        if weak:
            # Name the positions, never the keys: this message reaches the logs.
            raise RuntimeError(
                f"SECRET_KEY_FALLBACKS holds a key too weak to verify sessions (at position"
                f" {', '.join(weak)}): every fallback must be as strong as SECRET_KEY, at least"
                f" {MIN_SECRET_KEY_LENGTH} random characters. Remove the weak key; cookies signed"
                " with it then give an empty session. Short or placeholder keys are allowed only"
                " in debug mode, with TESTING, and while pytest runs a test."
            )
    return [*fallbacks, key]


def add_vary_cookie(response: Response) -> None:
    """Add ``Cookie`` to the response's ``Vary`` header (once): its body depends on the session.

    Every session interface calls this when it reads or writes the session cookie, so a cache
    never serves one visitor's page to another.
    """
    vary = response.headers.get("Vary")
    if vary is None:
        response.headers.set("Vary", "Cookie")
    elif "cookie" not in {part.strip().lower() for part in vary.split(",")}:
        response.headers.set("Vary", f"{vary}, Cookie")


#: The session interface of an app that sets none of its own (``App.session_interface``).
#: ``SESSION_TYPE`` replaces only this one: an interface the app chose itself is kept.
DEFAULT_INTERFACE = SecureCookieSessionInterface()


def uses_config_session(app: App) -> bool:
    """Whether ``SESSION_TYPE`` chooses the app's session: the app kept the default interface."""
    return app.session_interface is DEFAULT_INTERFACE


def open_session(app: App, request: Request) -> SessionMixin:
    """The session for ``request`` (a null session when the interface cannot open one)."""
    interface = app.session_interface
    session = interface.open_session(app, request)
    if session is None:
        session = interface.make_null_session(app)
    return session


def save_session(app: App, ctx: RequestContext, response: Response) -> None:
    interface = app.session_interface
    session = ctx.session
    if interface.is_null_session(session):
        return
    if isinstance(interface, SecureCookieSessionInterface):
        interface.save_session(app, session, response, ctx.request)
    else:
        interface.save_session(app, session, response)
