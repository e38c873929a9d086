"""Server-side sessions in Redis: the cookie holds a signed random id, Redis holds the data.

Selected by configuration: ``SESSION_TYPE = "redis"`` and then ``init_app(app)``, which sets
``app.session_interface`` (as Flask-Session's ``Session(app)`` does). The signed cookie session
stays the default. Every process that shares the Redis database (and the ``SECRET_KEY``) sees
the same sessions, which is what lets an app run on many processes and machines.

The id is 256 random bits (``secrets.token_urlsafe(32)``), signed with the app's key through
itsdangerous, so an id cannot be guessed, and a made-up or tampered cookie is refused without a
Redis lookup. An id the client sends is never adopted: an unknown or expired one gives a new
session with a fresh id. The id changes, and its old record is deleted, whenever the session
changes hands (``clear()``, ``regenerate()``, or a change of who is logged in: see
``RedisSessionInterface``), so an id planted or seen before a login is worthless after it.
The data is the session dict in erlen's tagged JSON (the cookie session's format, never pickle)
under ``SESSION_KEY_PREFIX + id``, with a TTL of ``PERMANENT_SESSION_LIFETIME`` that every save
moves forward.

Redis is reached with redis-py's sync client, inside the request: opening the session (the first
time a view touches ``session``) costs one ``GET``, saving one ``SET`` (or an ``EXPIRE`` when the
session was only read), and an untouched or empty, unchanged session costs nothing. When Redis is
down the request gets a 503 after at most ``SESSION_REDIS_TIMEOUT`` (see
``erlen.backends.redis_client``); nothing is deleted or overwritten, so sessions are there
again when Redis is back. A save fails after the app's error handling is over, so there the response
itself is turned into the 503 (``RedisSessionInterface._fail``).

This module owns the Redis session interface and nothing else: it uses the core's public names only
(``context_var``, the session classes, ``add_vary_cookie``), must never read an environ or a scope,
and must never import the adapters or the tools.
"""

from __future__ import annotations

import hashlib
import secrets
import typing as t
from collections.abc import Callable, Iterable
from datetime import timedelta

from itsdangerous import BadSignature, Signer

from erlen.backends.redis_client import UNAVAILABLE_ERRORS, connect, unavailable
from erlen.core.globals import context_var
from erlen.core.sessions import (
    SecureCookieSession,
    SessionInterface,
    SessionMixin,
    add_vary_cookie,
    session_json_serializer,
    verification_keys,
)
from erlen.http.exceptions import ServiceUnavailable

if t.TYPE_CHECKING:
    import redis

    from erlen.core.app import App
    from erlen.http.wrappers import Request, Response

R = t.TypeVar("R")

#: The name the user sees in the 503 when Redis is down.
STORE_NAME = "The session store"

#: Configuration keys and their defaults. ``SESSION_REDIS`` (a ``redis.Redis``) wins over
#: ``SESSION_REDIS_URL``; ``SESSION_REDIS_TIMEOUT`` applies only to the client made from the URL.
DEFAULTS: dict[str, t.Any] = {
    "SESSION_TYPE": "cookie",
    "SESSION_REDIS": None,
    "SESSION_REDIS_URL": None,
    "SESSION_REDIS_TIMEOUT": 1.0,
    "SESSION_KEY_PREFIX": "session:",
}

# The response headers that describe the body a view returned; a 503 that replaces the body
# (see ``RedisSessionInterface._fail``) must not keep them.
_BODY_HEADERS = (
    "Content-Type",
    "Content-Length",
    "Content-Encoding",
    "Content-Range",
    "Content-Disposition",
    "ETag",
    "Last-Modified",
    "Location",
)


def new_session_id() -> str:
    """A new session id: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


#: The session keys that say who is logged in: Flask-Login's ``_user_id`` and the ``user_id``
#: of Flask's tutorial (and erlen's blog). When one changes the session gets a new id; see
#: ``RedisSessionInterface``.
IDENTITY_KEYS: tuple[str, ...] = ("_user_id", "user_id")

# Stands for "no such key" in an identity snapshot, so that a key set to None still differs.
_MISSING = object()


class RedisSession(SecureCookieSession):
    """A session dict with an id. ``regenerate()`` and ``clear()`` give it a new id; the old
    one is deleted from Redis when the session is saved."""

    def __init__(
        self,
        initial: t.Mapping[str, t.Any] | None = None,
        sid: str | None = None,
        *,
        new: bool = False,
        identity_keys: tuple[str, ...] = IDENTITY_KEYS,
    ) -> None:
        super().__init__(initial)
        self.sid = sid if sid is not None else new_session_id()
        self.new = new
        #: The id the session was loaded under, None for a new session: with
        #: ``replaced_sids``, the only ids of this session that Redis may hold.
        self.stored_sid = None if new or sid is None else sid
        #: Ids this session had in Redis before it got a new one; deleted from Redis at save.
        self.replaced_sids: list[str] = []
        self.identity_keys = identity_keys
        self._loaded_identity = self._identity()

    def _identity(self) -> tuple[t.Any, ...]:
        # dict.get: looking at the session must not mark it accessed.
        return tuple(dict.get(self, key, _MISSING) for key in self.identity_keys)

    @property
    def identity_changed(self) -> bool:
        """Whether a key in ``identity_keys`` was set, changed or removed since loading."""
        return self._identity() != self._loaded_identity

    def regenerate(self) -> None:
        """A new id for the same data; the old id stops working once the response is saved."""
        if self.sid == self.stored_sid:
            self.replaced_sids.append(self.sid)
        self.sid = new_session_id()
        self._changed()

    def clear(self) -> None:
        """Empty the session and give it a new id. ``clear()`` is what Flask code calls at
        login and logout, so an id known from before (planted by an attacker, or copied)
        never carries what is stored after it."""
        super().clear()
        self.regenerate()


class RedisSessionInterface(SessionInterface):
    """Sessions in Redis, found through a signed id in the session cookie.

    Session fixation: an attacker who gets a session id of their own and plants it in a
    victim's browser (through a sibling subdomain, or a page served over plain HTTP) waits for
    the victim to log in under it. So the id changes, and the old record is deleted, whenever
    the session changes hands:

    - ``regenerate()``, the explicit call;
    - ``clear()``, which Flask code calls at login and logout (Flask's tutorial, erlen's blog);
    - a save after a key in ``identity_keys`` was set, changed or removed: Flask-Login's
      ``login_user`` and ``logout_user`` change ``_user_id`` and call neither of the above.

    Rotating when a session goes from empty to non-empty would add nothing: an empty session
    is never stored, so one that holds data for the first time already has an id no one has
    seen. Any other change keeps the id, as Flask-Session does, so that writing a cart or a
    flashed message does not log out the requests running beside it.

    :param redis: the client to use. Give it timeouts (``erlen.redis_client.connect``
        does), or a request may wait on a Redis that stopped answering for as long as the OS lets
        it.
    :param key_prefix: put before the session id to make the Redis key.
    :param identity_keys: the session keys that say who is logged in (``IDENTITY_KEYS``); add
        the key your login code sets if it is another.
    """

    salt = "erlen.redis-session"
    serializer = session_json_serializer
    session_class = RedisSession

    def __init__(
        self,
        redis: redis.Redis,
        *,
        key_prefix: str = "session:",
        identity_keys: Iterable[str] = IDENTITY_KEYS,
    ) -> None:
        self.redis = redis
        self.key_prefix = key_prefix
        self.identity_keys = tuple(identity_keys)

    @classmethod
    def from_config(cls, app: App) -> RedisSessionInterface:
        """The interface ``app``'s configuration describes: ``SESSION_REDIS``, else a client for
        ``SESSION_REDIS_URL`` with ``SESSION_REDIS_TIMEOUT``; ``SESSION_KEY_PREFIX``."""
        config = app.config
        client = config.get("SESSION_REDIS")
        if client is None:
            url = config.get("SESSION_REDIS_URL")
            if not url:
                raise RuntimeError(
                    "SESSION_TYPE is 'redis' but neither SESSION_REDIS (a redis.Redis client) nor"
                    " SESSION_REDIS_URL (such as 'redis://127.0.0.1:6379/0') is set."
                )
            timeout = config.get("SESSION_REDIS_TIMEOUT", DEFAULTS["SESSION_REDIS_TIMEOUT"])
            client = connect(str(url), timeout=float(timeout))
        prefix = config.get("SESSION_KEY_PREFIX", DEFAULTS["SESSION_KEY_PREFIX"])
        return cls(client, key_prefix=str(prefix))

    # signing

    def get_signer(self, app: App) -> Signer | None:
        """The signer of session ids, or None (a null session) when the app has no key. Old keys
        in ``SECRET_KEY_FALLBACKS`` still verify ids; new ids are signed with ``SECRET_KEY``.
        Weak keys, fallbacks included, are refused as for the cookie session
        (``erlen.core.sessions.verification_keys``)."""
        config = app.config
        # Checking the keys costs more than a signature: once per app and settings.
        marker = (
            config.get("SECRET_KEY"),
            tuple(config.get("SECRET_KEY_FALLBACKS") or ()),
            bool(config.get("DEBUG")),
            bool(config.get("TESTING")),
        )
        cached = app.extensions.get("erlen.redis_session_signer")
        if cached is not None and cached[0] == marker and cached[1] is self:
            return t.cast("Signer | None", cached[2])
        keys = verification_keys(app)
        signer = None
        if keys is not None:
            signer = Signer(
                keys,  # type: ignore[arg-type]
                salt=self.salt,
                key_derivation="hmac",
                digest_method=hashlib.sha256,
            )
        app.extensions["erlen.redis_session_signer"] = (marker, self, signer)
        return signer

    def redis_key(self, sid: str) -> str:
        return self.key_prefix + sid

    # opening and saving

    def open_session(self, app: App, request: Request) -> RedisSession | None:
        signer = self.get_signer(app)
        if signer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self._new_session()
        try:
            sid = signer.unsign(cookie).decode("ascii")
        except (BadSignature, UnicodeDecodeError):
            return self._new_session()
        raw = self._call(self.redis.get, self.redis_key(sid))
        if raw is None:
            return self._new_session()
        try:
            data = self.serializer.loads(raw)
        except (ValueError, TypeError, KeyError):
            return self._new_session()
        if not isinstance(data, dict):
            return self._new_session()
        return self.session_class(data, sid, identity_keys=self.identity_keys)

    def _new_session(self) -> RedisSession:
        return self.session_class(new=True, identity_keys=self.identity_keys)

    def save_session(self, app: App, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, RedisSession):
            raise TypeError(
                "RedisSessionInterface saves RedisSession objects; a view replaced the session"
                f" with a {type(session).__name__}."
            )
        try:
            self._save(app, session, response)
        except ServiceUnavailable as error:
            self._fail(response, error)

    def _save(self, app: App, session: RedisSession, response: Response) -> None:
        request = _current_request()
        if session.accessed:
            add_vary_cookie(response)
        if not session:
            if session.modified:
                sids = [*session.replaced_sids]
                if session.sid == session.stored_sid:
                    sids.append(session.sid)
                if sids:
                    self._call(self.redis.delete, *(self.redis_key(sid) for sid in sids))
                self.delete_session_cookie(app, response, request)
            return
        if not self.should_set_cookie(app, session):
            return
        if session.modified and session.sid == session.stored_sid and session.identity_changed:
            # Someone logged in or out (see the class docstring): the id seen before is done.
            session.regenerate()
        key = self.redis_key(session.sid)
        ttl = _lifetime_seconds(app)
        if session.modified:
            self._call(self._store, key, self.serializer.dumps(dict(session)), ttl, session)
        elif not self._call(self.redis.expire, key, ttl):
            # Only read, and gone from Redis meanwhile (a logout elsewhere, or it expired):
            # renewing the cookie would point at nothing.
            return
        signer = self.get_signer(app)
        assert signer is not None
        self.set_session_cookie(
            app, response, signer.sign(session.sid).decode("ascii"), session, request
        )

    def _store(self, key: str, data: str, ttl: int, session: RedisSession) -> None:
        """Write the data and delete replaced ids in one transaction: a regenerated session
        never exists under both ids, nor under neither."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.set(key, data, ex=ttl)
        if session.replaced_sids:
            pipe.delete(*(self.redis_key(sid) for sid in session.replaced_sids))
        pipe.execute()

    def _call(self, func: Callable[..., R], *args: t.Any) -> R:
        try:
            return func(*args)
        except UNAVAILABLE_ERRORS as error:
            raise unavailable(STORE_NAME, error) from error

    @staticmethod
    def _fail(response: Response, error: ServiceUnavailable) -> None:
        """Turn the response into the 503 in place.

        The session is saved after the view, when the response exists and the app's error
        handling is over, so an exception from here would be reported as a 500. The response
        says 503 instead, with ``Retry-After``: the view ran, but what it put in the session
        was not kept, and the client should try again.
        """
        page = error.get_response()
        body = response.response
        for name in _BODY_HEADERS:
            response.headers.remove(name)
        for name, value in page.headers.items():
            response.headers.set(name, value)
        response.status_code = page.status_code
        response.set_data(page.get_data())
        close = getattr(body, "close", None)
        if close is not None:
            close()


def _lifetime_seconds(app: App) -> int:
    lifetime: timedelta | float = app.permanent_session_lifetime
    seconds = lifetime.total_seconds() if isinstance(lifetime, timedelta) else float(lifetime)
    return max(1, int(seconds))


def _current_request() -> Request | None:
    ctx = context_var.get(None)
    return ctx.request if ctx is not None else None


def interface_from_config(app: App) -> SessionInterface | None:
    """The session interface ``SESSION_TYPE`` asks for, or None for the default cookie
    session. Raises ``ValueError`` for an unknown type."""
    session_type = app.config.get("SESSION_TYPE") or "cookie"
    if session_type == "cookie":
        return None
    if session_type == "redis":
        return RedisSessionInterface.from_config(app)
    raise ValueError(
        f"Unknown SESSION_TYPE {session_type!r}: use 'cookie' (the default, a signed cookie) or"
        " 'redis' (server-side sessions in Redis)."
    )


def init_app(app: App) -> None:
    """Set ``app.session_interface`` from the configuration (``SESSION_TYPE``); call it after
    the configuration is loaded, like Flask-Session's ``Session(app)``."""
    interface = interface_from_config(app)
    if interface is not None:
        app.session_interface = interface


__all__ = [
    "DEFAULTS",
    "IDENTITY_KEYS",
    "RedisSession",
    "RedisSessionInterface",
    "init_app",
    "interface_from_config",
    "new_session_id",
]
