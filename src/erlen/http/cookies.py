"""Cookies: `parse_cookie` (the `Cookie` request header) and `dump_cookie` (`Set-Cookie`).

Parsing is lenient and bounded (what browsers send, never an error); writing is strict: a name,
value or attribute that could add attributes or split the header is refused with `ValueError`.
Never reads a WSGI environ: `parse_cookie(environ)`, as Werkzeug allows, reads it through the
`environ_headers` slot of `erlen.http.slots`, which the adapters fill.
"""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from erlen.http import slots
from erlen.http.datastructures.structures import ImmutableMultiDict, MultiDict
from erlen.http.dates import http_date

# Browsers keep at most ~180 cookies per site; anything past this is garbage or an attack.
_MAX_COOKIES = 1000
_COOKIE_ESCAPE_RE = re.compile(rb"\\([0-3][0-7]{2}|.)", re.DOTALL)


def _cookie_unescape(match: re.Match[bytes]) -> bytes:
    escaped = match.group(1)
    return escaped if len(escaped) == 1 else bytes((int(escaped, 8),))


def parse_cookie(
    header: str | dict[str, Any] | None, cls: type[MultiDict[str, str]] | None = None
) -> MultiDict[str, str]:
    """Parse a `Cookie` request header (`a=1; b=2`), or the `HTTP_COOKIE` of a WSGI environ,
    into `cls` (an `ImmutableMultiDict` by default, where Werkzeug's is mutable: what the client
    sent is not edited); a name sent twice keeps both values in order.

    Browsers send `name=value` pairs separated by `;`, so the header is split on `;` (a `;`
    inside a quoted value is not special, unlike Werkzeug, because no browser sends one). Spaces
    around names and values are ignored. Pairs with an empty name are skipped, and so are pairs
    without `=`: a browser sends those for a cookie that has a value but no name, and Werkzeug
    would wrongly report the value as a cookie name. A value in double quotes is unquoted and
    its backslash and octal escapes (as `dump_cookie` writes them) are decoded. A header that
    arrives as latin-1 text (WSGI) is re-read as UTF-8 when it is valid UTF-8. Only the first
    1000 pairs are read, so a huge header costs one linear pass. This never raises.
    """
    if isinstance(header, dict):
        # A WSGI environ (Werkzeug accepts one): read through the adapters' slot.
        header = slots.environ_headers(header).get("Cookie")
    if cls is None:
        cls = ImmutableMultiDict
    if not header:
        return cls()
    if not header.isascii():
        # Not latin-1 (already real text) or not UTF-8: keep what the server gave us.
        with suppress(UnicodeError):
            header = header.encode("latin-1").decode("utf-8")
    pairs: list[tuple[str, str]] = []
    for piece in header.split(";", _MAX_COOKIES)[:_MAX_COOKIES]:
        name, sep, value = piece.partition("=")
        name = name.strip()
        if not sep or not name:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == '"' == value[-1]:
            value = value[1:-1]
            if "\\" in value:
                raw = _COOKIE_ESCAPE_RE.sub(
                    _cookie_unescape, value.encode("utf-8", "surrogatepass")
                )
                value = raw.decode("utf-8", "replace")
        pairs.append((name, value))
    return cls(pairs)


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_COOKIE_KEY_FORBIDDEN_RE = re.compile(r"[\x00-\x20\x7f;=,]")
_COOKIE_ATTR_FORBIDDEN_RE = re.compile(r"[\x00-\x1f\x7f;]")
# Values made only of these are written bare; anything else is quoted (RFC 6265 cookie-octet).
_COOKIE_BARE_RE = re.compile(r"[\w!#$%&'()*+\-./:<=>?@\[\]^`{|}~]*", re.ASCII)
# How each UTF-8 byte of a quoted value is written: `"` and `\` get a backslash, `,` `;` and
# non-ASCII bytes become octal escapes (what http.cookies and Werkzeug write and read back).
_COOKIE_QUOTE_TABLE = [
    "\\" + chr(b) if b in b'"\\' else f"\\{b:03o}" if b in b",;" or b >= 0x7F else chr(b)
    for b in range(256)
]
_SAMESITE = {"strict": "Strict", "lax": "Lax", "none": "None"}


def dump_cookie(
    key: str,
    value: str = "",
    max_age: timedelta | int | None = None,
    expires: str | datetime | int | float | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    sync_expires: bool = True,
    max_size: int = 4093,
    samesite: str | None = None,
    partitioned: bool = False,
) -> str:
    """Build a `Set-Cookie` header value (without the `Set-Cookie:` prefix), with Werkzeug's
    arguments and attribute order.

    SECURITY, stricter than Werkzeug: a key that is empty or contains whitespace, a control
    character, `;`, `=` or `,`; a value with any control character; or a domain or `expires`
    string containing a control character or `;` raises `ValueError` instead of being written,
    so no input can add attributes or headers (the path is percent-encoded). An invalid
    `samesite` (not Strict, Lax or None, in any case) raises `ValueError`. A result longer than
    `max_size` (0 disables the check) raises `ValueError` where Werkzeug only warns: browsers
    silently drop such cookies.

    `max_age` is seconds or a `timedelta`; with `sync_expires`, `Expires` is set to match it.
    `expires` may be a datetime, a timestamp or a preformatted string. `partitioned` implies
    `secure`. Values that are not plain cookie octets are quoted with octal escapes.
    """
    if not key or _COOKIE_KEY_FORBIDDEN_RE.search(key):
        raise ValueError(f"Invalid cookie name {key!r}.")
    if _CONTROL_RE.search(value):
        raise ValueError(f"The value of the {key!r} cookie contains a control character.")
    if not _COOKIE_BARE_RE.fullmatch(value):
        value = '"' + "".join([_COOKIE_QUOTE_TABLE[b] for b in value.encode()]) + '"'
    if path is not None:
        # Percent-encoding also removes any control character or `;` from the path.
        path = quote(path, safe="%!$&'()*+,/:=@")
    if domain:
        domain = domain.partition(":")[0].lstrip(".")
        if _COOKIE_ATTR_FORBIDDEN_RE.search(domain) or " " in domain:
            raise ValueError(f"Invalid cookie domain {domain!r}.")
        domain = domain.encode("idna").decode("ascii") if domain else None
    if isinstance(max_age, timedelta):
        max_age = int(max_age.total_seconds())
    elif max_age is not None:
        max_age = int(max_age)
    if expires is not None:
        if isinstance(expires, str):
            if _COOKIE_ATTR_FORBIDDEN_RE.search(expires):
                raise ValueError(f"Invalid cookie expires value {expires!r}.")
        else:
            expires = http_date(expires)
    elif max_age is not None and sync_expires:
        expires = http_date(datetime.now(tz=UTC).timestamp() + max_age)
    if samesite is not None:
        canonical = _SAMESITE.get(samesite.lower())
        if canonical is None:
            raise ValueError("SameSite must be 'Strict', 'Lax' or 'None'.")
        samesite = canonical
    if partitioned:
        secure = True

    # Non-ASCII keys are sent as UTF-8 bytes read as latin-1, as WSGI headers must be.
    parts = [f"{key.encode().decode('latin-1')}={value}"]
    if domain:
        parts.append(f"Domain={domain}")
    if expires is not None:
        parts.append(f"Expires={expires}")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if path is not None:
        parts.append(f"Path={path}")
    if samesite is not None:
        parts.append(f"SameSite={samesite}")
    if partitioned:
        parts.append("Partitioned")
    result = "; ".join(parts)
    if max_size and len(result) > max_size:
        raise ValueError(
            f"The {key!r} cookie is {len(result)} bytes, over the {max_size} byte limit:"
            " browsers would silently drop it."
        )
    return result
