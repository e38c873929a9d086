"""Server-side sessions in Redis: the cookie holds a signed random id, Redis holds the data.

Selected by configuration: ``SESSION_TYPE = "redis"`` and then ``init_app(app)``, which sets
``app.session_interface`` (as Flask-Session's ``Session(app)`` does). The signed cookie session
stays the default. Every process that shares the Redis database (and the ``SECRET_KEY``) sees
the same sessions, which is what lets an app run on many processes and machines.

The id is 256 random bits (``secrets.token_urlsafe(32)``), signed with the app's key through
itsdangerous, so an id cannot be guessed, and a made-up or tampered cookie is refused without a
Redis lookup. An id the client sends is never adopted: an unknown or expired one gives a new
session with a fresh id. The data is the session dict in erlen's tagged JSON (the cookie
session's format, never pickle) under ``SESSION_KEY_PREFIX + id``, with a TTL of
``PERMANENT_SESSION_LIFETIME`` that every save moves forward.

Redis is reached with redis-py's sync client, inside the request: opening the session (the first
time a view touches ``session``) costs one ``GET``, saving one ``SET`` (or an ``EXPIRE`` when the
session was only read), and an untouched or empty, unchanged session costs nothing. When Redis is
down the request gets a 503 after at most ``SESSION_REDIS_TIMEOUT`` (see
``erlen.redis_client``); nothing is deleted or overwritten, so sessions are there again when
Redis is back. A save fails after the app's error handling is over, so there the response
itself is turned into the 503 (``RedisSessionInterface._fail``).
"""

from __future__ import annotations

import hashlib
import secrets
import typing as t
from collections.abc import Callable
from datetime import timedelta

from itsdangerous import BadSignature, Signer

from .exceptions import ServiceUnavailable
from .globals import _cv_context
from .redis_client import UNAVAILABLE_ERRORS, connect, unavailable
from .sessions import (
    SecureCookieSession,
    SessionInterface,
    SessionMixin,
    _add_vary_cookie,
    session_json_serializer,
    signing_key,
)

if t.TYPE_CHECKING:
    import redis

    from .app import Erlen
    from .wrappers import Request, Response

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


class RedisSession(SecureCookieSession):
    """A session dict with an id. ``regenerate()`` gives it a new id; the old one is deleted
    from Redis when the session is saved."""

    def __init__(
        self,
        initial: t.Mapping[str, t.Any] | None = None,
        sid: str | None = None,
        *,
        new: bool = False,
    ) -> None:
        super().__init__(initial)
        self.sid = sid if sid is not None else new_session_id()
        self.new = new
        #: Ids this session had before ``regenerate()``; deleted from Redis at save.
        self.replaced_sids: list[str] = []

    def regenerate(self) -> None:
        """A new id for the same data; the old id stops working once the response is saved."""
        self.replaced_sids.append(self.sid)
        self.sid = new_session_id()
        self._changed()


class RedisSessionInterface(SessionInterface):
    """Sessions in Redis, found through a signed id in the session cookie.

    :param redis: the client to use. Give it timeouts (``erlen.redis_client.connect`` does), or
        a request may wait on a Redis that stopped answering for as long as the OS lets it.
    :param key_prefix: put before the session id to make the Redis key.
    """

    salt = "erlen.redis-session"
    serializer = session_json_serializer
    session_class = RedisSession

    def __init__(self, redis: redis.Redis, *, key_prefix: str = "session:") -> None:
        self.redis = redis
        self.key_prefix = key_prefix

    @classmethod
    def from_config(cls, app: Erlen) -> RedisSessionInterface:
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

    def get_signer(self, app: Erlen) -> Signer | None:
        """The signer of session ids, or None (a null session) when the app has no key. Old keys
        in ``SECRET_KEY_FALLBACKS`` still verify ids; new ids are signed with ``SECRET_KEY``."""
        key = signing_key(app)
        if key is None:
            return None
        keys: list[str | bytes] = [*(app.config.get("SECRET_KEY_FALLBACKS") or ()), key]
        cached = app.extensions.get("erlen.redis_session_signer")
        if cached is not None and cached[0] == keys and cached[1] is self:
            return t.cast(Signer, cached[2])
        signer = Signer(
            keys,  # type: ignore[arg-type]
            salt=self.salt,
            key_derivation="hmac",
            digest_method=hashlib.sha256,
        )
        app.extensions["erlen.redis_session_signer"] = (keys, self, signer)
        return signer

    def redis_key(self, sid: str) -> str:
        return self.key_prefix + sid

    # opening and saving

    def open_session(self, app: Erlen, request: Request) -> RedisSession | None:
        signer = self.get_signer(app)
        if signer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class(new=True)
        try:
            sid = signer.unsign(cookie).decode("ascii")
        except (BadSignature, UnicodeDecodeError):
            return self.session_class(new=True)
        raw = self._call(self.redis.get, self.redis_key(sid))
        if raw is None:
            return self.session_class(new=True)
        try:
            data = self.serializer.loads(raw)
        except (ValueError, TypeError, KeyError):
            return self.session_class(new=True)
        if not isinstance(data, dict):
            return self.session_class(new=True)
        return self.session_class(data, sid)

    def save_session(self, app: Erlen, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, RedisSession):
            raise TypeError(
                "RedisSessionInterface saves RedisSession objects; a view replaced the session"
                f" with a {type(session).__name__}."
            )
        try:
            self._save(app, session, response)
        except ServiceUnavailable as error:
            self._fail(response, error)

    def _save(self, app: Erlen, session: RedisSession, response: Response) -> None:
        request = _current_request()
        if session.accessed:
            _add_vary_cookie(response)
        if not session:
            if session.modified:
                # A new session was never stored under its own id; only replaced ids may be.
                sids = [*([] if session.new else [session.sid]), *session.replaced_sids]
                if sids:
                    self._call(self.redis.delete, *(self.redis_key(sid) for sid in sids))
                self.delete_session_cookie(app, response, request)
            return
        if not self.should_set_cookie(app, session):
            return
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


def _lifetime_seconds(app: Erlen) -> int:
    lifetime: timedelta | float = app.permanent_session_lifetime
    seconds = lifetime.total_seconds() if isinstance(lifetime, timedelta) else float(lifetime)
    return max(1, int(seconds))


def _current_request() -> Request | None:
    ctx = _cv_context.get(None)
    return ctx.request if ctx is not None else None


def interface_from_config(app: Erlen) -> SessionInterface | None:
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


def init_app(app: Erlen) -> None:
    """Set ``app.session_interface`` from the configuration (``SESSION_TYPE``); call it after
    the configuration is loaded, like Flask-Session's ``Session(app)``."""
    interface = interface_from_config(app)
    if interface is not None:
        app.session_interface = interface


__all__ = [
    "DEFAULTS",
    "RedisSession",
    "RedisSessionInterface",
    "init_app",
    "interface_from_config",
    "new_session_id",
]
