"""Flask's ``flask.sessions`` import path, kept as ``erlen.sessions``.

The code lives in :mod:`erlen.core.sessions`; it only re-exports the public names.
"""

from erlen.core.sessions import (
    MIN_SECRET_KEY_LENGTH,
    NullSession,
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
    SessionMixin,
    TaggedJSONSerializer,
    key_is_weak,
    open_session,
    save_session,
    session_json_serializer,
    signing_key,
    verification_keys,
    weak_keys_allowed,
)

__all__ = [
    "MIN_SECRET_KEY_LENGTH",
    "NullSession",
    "SecureCookieSession",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "SessionMixin",
    "TaggedJSONSerializer",
    "key_is_weak",
    "open_session",
    "save_session",
    "session_json_serializer",
    "signing_key",
    "verification_keys",
    "weak_keys_allowed",
]
