"""Per-session CSRF tokens, for defence in depth on top of the cross-origin check.

With ``CSRF_TOKENS = True`` every unsafe request must carry the token ``csrf_token()`` gives
(a form field named ``csrf_token`` or an ``X-CSRF-Token`` header). The secret lives in the
session; each call to ``csrf_token()`` masks it with fresh random bytes, so the token differs on
every page and cannot be recovered by compression side channels (BREACH). Tokens are compared in
constant time. A refusal's hint (for the developer: debug page, log) says which of these was
wrong and where the token goes. This module reads only the session and the request it is given.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import typing as t

from erlen.core.globals import session as current_session
from erlen.http.exceptions import Forbidden

if t.TYPE_CHECKING:
    from erlen.core.sessions import SessionMixin
    from erlen.http.wrappers import Request

SESSION_KEY = "_csrf_secret"
FIELD_NAME = "csrf_token"
HEADER_NAME = "X-CSRF-Token"
_SIZE = 32


class CSRFTokenMissing(Forbidden):
    description = (
        "This form has expired or did not come from this site (its security token is missing or"
        " wrong). Reload the page and submit it again."
    )
    refusal = "CSRF token"


def _secret(session: SessionMixin) -> bytes:
    value = session.get(SESSION_KEY)
    if isinstance(value, str):
        try:
            secret = base64.urlsafe_b64decode(value)
        except ValueError:
            secret = b""
        if len(secret) == _SIZE:
            return secret
    secret = secrets.token_bytes(_SIZE)
    session[SESSION_KEY] = base64.urlsafe_b64encode(secret).decode("ascii")
    return secret


def generate_csrf_token(session: SessionMixin) -> str:
    """A fresh masked token for the session's secret (created on first use)."""
    secret = _secret(session)
    mask = secrets.token_bytes(_SIZE)
    masked = bytes(a ^ b for a, b in zip(mask, secret, strict=True))
    return base64.urlsafe_b64encode(mask + masked).decode("ascii").rstrip("=")


def csrf_token() -> str:
    """The token to put in a form: ``<input type=hidden name=csrf_token value="{{
    csrf_token() }}">``. Needs a request context (it lives in the session)."""
    return generate_csrf_token(current_session)


def _unmask(token: str) -> bytes | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        return None
    if len(raw) != 2 * _SIZE:
        return None
    mask, masked = raw[:_SIZE], raw[_SIZE:]
    return bytes(a ^ b for a, b in zip(mask, masked, strict=True))


def check_csrf_token(request: Request, session: SessionMixin) -> None:
    """Raise ``CSRFTokenMissing`` (403) unless the request carries a valid token."""
    token = request.headers.get(HEADER_NAME)
    form_body = request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
    if not token and form_body:
        token = request.form.get(FIELD_NAME)
    stored = session.get(SESSION_KEY)
    if not token:
        # Only a form body is searched for the field: a JSON or empty body needs the header.
        where = "" if form_body else ", and only the header is read when the body is not a form"
        raise _refused(f"The request carries no token{where}")
    if not isinstance(stored, str):
        raise _refused(
            "The session holds no CSRF secret: the session cookie did not come with the request,"
            " or the session was cleared or expired since the page called csrf_token()"
        )
    secret = _unmask(token)
    try:
        expected = base64.urlsafe_b64decode(stored)
    except ValueError:
        raise _refused("The session's CSRF secret is damaged") from None
    if secret is None:
        raise _refused("The token sent is not one csrf_token() made")
    if not hmac.compare_digest(secret, expected):
        raise _refused("The token sent belongs to another session")


def _refused(problem: str) -> CSRFTokenMissing:
    refused = CSRFTokenMissing()
    refused.hint = (
        f"{problem}. CSRF_TOKENS is on, so every unsafe request must carry csrf_token(): in a form"
        f' as <input type=hidden name={FIELD_NAME} value="{{{{ csrf_token() }}}}">, or in an'
        f" {HEADER_NAME} header. A view that must accept other sites' requests can be marked"
        " @cross_origin_exempt, which skips this check too."
    )
    return refused
