"""Security helpers a web app needs, one concern per module.

``passwords`` (hashing), ``origin`` (cross-origin request protection), ``csrf`` (per-session
tokens), ``hosts`` (trusted hosts), ``proxies`` (believing ``X-Forwarded-*``), ``headers``
(default response headers, CSP nonce), ``redirects`` (``is_safe_url``) and ``ratelimit``. This
package re-exports their public names, so ``from erlen.security import check_password_hash,
safe_join`` works as it does from ``werkzeug.security``. ``safe_join`` lives in
``erlen.sendfile``, beside the file sending that relies on it.
"""

from ..sendfile import safe_join
from .csrf import csrf_token
from .headers import csp_nonce
from .hosts import host_is_trusted
from .origin import cross_origin_exempt
from .passwords import check_password_hash, gen_salt, generate_password_hash
from .ratelimit import (
    HitResult,
    MemoryStorage,
    RateLimiter,
    RateLimitItem,
    RateLimitStorage,
    limit,
    parse_limits,
    remote_address_key,
)
from .redirects import is_safe_url

__all__ = [
    "HitResult",
    "MemoryStorage",
    "RateLimitItem",
    "RateLimitStorage",
    "RateLimiter",
    "check_password_hash",
    "cross_origin_exempt",
    "csp_nonce",
    "csrf_token",
    "gen_salt",
    "generate_password_hash",
    "host_is_trusted",
    "is_safe_url",
    "limit",
    "parse_limits",
    "remote_address_key",
    "safe_join",
]
