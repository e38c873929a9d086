"""Password hashing: ``generate_password_hash`` and ``check_password_hash``.

Hashes are strings ``method$salt$hexdigest`` in exactly Werkzeug's format, so a database of
hashes made by a Flask app keeps working after the move to erlen, and back. The work is done by
``hashlib`` (scrypt by default, PBKDF2 on request); salts come from ``secrets`` and digests are
compared in constant time. ``check_password_hash`` never raises: a stored hash it cannot read is
simply not a match, so a corrupted row cannot turn a login form into a 500.

This module also answers for ``werkzeug.security``, so it re-exports ``safe_join`` (kept in
``erlen.core.sendfile``, beside the file sending that relies on it) under that module's name.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from erlen.core.sendfile import safe_join

SALT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

#: scrypt's cost parameters when the method is plain ``"scrypt"``: ``scrypt:32768:8:1``.
DEFAULT_SCRYPT_N = 2**15
DEFAULT_SCRYPT_R = 8
DEFAULT_SCRYPT_P = 1
#: PBKDF2 iterations when the method is ``"pbkdf2"`` or ``"pbkdf2:<hash>"`` (Werkzeug 3.1's).
DEFAULT_PBKDF2_ITERATIONS = 1_000_000


def gen_salt(length: int) -> str:
    """A random string of ``length`` letters and digits, from ``secrets``."""
    if length <= 0:
        raise ValueError("A salt must be at least 1 character long.")
    return "".join(secrets.choice(SALT_CHARS) for _ in range(length))


def _hash(method: str, salt: str, password: str) -> tuple[str, str]:
    """The hex digest of ``password`` and the method spelled in full (``scrypt:32768:8:1``)."""
    name, *args = method.split(":")
    salt_bytes = salt.encode()
    password_bytes = password.encode()
    if name == "scrypt":
        if not args:
            n, r, p = DEFAULT_SCRYPT_N, DEFAULT_SCRYPT_R, DEFAULT_SCRYPT_P
        elif len(args) == 3:
            n, r, p = (int(arg) for arg in args)
        else:
            raise ValueError("The 'scrypt' method takes 3 parameters: 'scrypt:n:r:p'.")
        # The memory scrypt needs is 128 * n * r * p bytes; Werkzeug allows 132 for overhead, and
        # so must we, or a hash made by Werkzeug with larger parameters would fail to check.
        digest = hashlib.scrypt(
            password_bytes, salt=salt_bytes, n=n, r=r, p=p, maxmem=132 * n * r * p
        )
        return digest.hex(), f"scrypt:{n}:{r}:{p}"
    if name == "pbkdf2":
        if len(args) > 2:
            raise ValueError("The 'pbkdf2' method takes at most 2 parameters: 'pbkdf2:hash:n'.")
        hash_name = args[0] if args else "sha256"
        iterations = int(args[1]) if len(args) == 2 else DEFAULT_PBKDF2_ITERATIONS
        if iterations < 1:
            raise ValueError("PBKDF2 needs at least 1 iteration.")
        digest = hashlib.pbkdf2_hmac(hash_name, password_bytes, salt_bytes, iterations)
        return digest.hex(), f"pbkdf2:{hash_name}:{iterations}"
    raise ValueError(
        f"Unknown password hash method {name!r}: use 'scrypt' (the default) or 'pbkdf2'."
    )


def generate_password_hash(password: str, method: str = "scrypt", salt_length: int = 16) -> str:
    """Hash ``password`` for storage; check it later with ``check_password_hash``.

    ``method`` is ``"scrypt"`` (the default, ``scrypt:32768:8:1``) or ``"pbkdf2"``
    (``pbkdf2:sha256:1000000``), optionally with its parameters: ``"scrypt:65536:8:1"``,
    ``"pbkdf2:sha256:600000"``. An unknown method raises ``ValueError``. The result is
    ``method$salt$hexdigest``, the format Werkzeug uses.
    """
    salt = gen_salt(salt_length)
    digest, full_method = _hash(method, salt, password)
    return f"{full_method}${salt}${digest}"


def check_password_hash(pwhash: str, password: str) -> bool:
    """Whether ``password`` matches ``pwhash`` (made by ``generate_password_hash``, here or by
    Werkzeug). The comparison takes constant time; a malformed hash gives False."""
    if not isinstance(pwhash, str) or not isinstance(password, str):
        return False
    method, sep1, rest = pwhash.partition("$")
    salt, sep2, expected = rest.partition("$")
    if not (sep1 and sep2 and expected):
        return False
    try:
        digest = _hash(method, salt, password)[0]
    except (ValueError, TypeError, OverflowError, MemoryError):
        # Impossible parameters, an unknown hash name, or a cost the machine cannot meet: the
        # stored string is not a hash this password can match.
        return False
    return hmac.compare_digest(digest.encode(), expected.encode())


__all__ = ["check_password_hash", "gen_salt", "generate_password_hash", "safe_join"]
