"""Security helpers a web app needs, one concern per module.

``passwords`` (hashing), ``origin`` (cross-origin request protection), ``csrf`` (per-session
tokens), ``hosts`` (trusted hosts), ``proxies`` (believing ``X-Forwarded-*``), ``headers``
(default response headers, CSP nonce), ``redirects`` (``is_safe_url``), ``ratelimit``, ``forms``
(the form-spam guard) and ``bodies`` (a view's own body limits). This package re-exports their
public names, so ``from erlen.security import check_password_hash, safe_join`` works as it does
from ``werkzeug.security``. ``safe_join`` lives in ``erlen.core.sendfile``, beside the file sending
that relies on it.
"""

from erlen.core.sendfile import safe_join
from erlen.security.bodies import body_limits
from erlen.security.csrf import csrf_token
from erlen.security.forms import FormGuardRefused, form_guard, guard_form, solve_form_guard
from erlen.security.headers import csp_nonce
from erlen.security.hosts import host_is_trusted
from erlen.security.origin import cross_origin_exempt
from erlen.security.passwords import check_password_hash, gen_salt, generate_password_hash
from erlen.security.ratelimit import (
    HitResult,
    MemoryStorage,
    RateLimiter,
    RateLimitItem,
    RateLimitStorage,
    limit,
    parse_limits,
    remote_address_key,
)
from erlen.security.redirects import is_safe_url

__all__ = [
    "FormGuardRefused",
    "HitResult",
    "MemoryStorage",
    "RateLimitItem",
    "RateLimitStorage",
    "RateLimiter",
    "body_limits",
    "check_password_hash",
    "cross_origin_exempt",
    "csp_nonce",
    "csrf_token",
    "form_guard",
    "gen_salt",
    "generate_password_hash",
    "guard_form",
    "host_is_trusted",
    "is_safe_url",
    "limit",
    "parse_limits",
    "remote_address_key",
    "safe_join",
    "solve_form_guard",
]
