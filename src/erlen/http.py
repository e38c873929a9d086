"""HTTP helpers shared by the framework: status phrases, headers, cookies, dates, ETags.

Owns the reason-phrase table `HTTP_STATUS_CODES` (code -> phrase, spelled as Werkzeug spells
them so `Response.status` reads the same as under Flask, e.g. "414 REQUEST URI TOO LONG"), the
parsing and formatting of option headers (`Content-Type`, `Content-Disposition`), cookies, HTTP
dates and ETags. Pure functions over strings only: this module never reads `environ`, `scope` or a
socket, and never raises an HTTP error. Parsers of client input never raise and run in linear time
(no backtracking regex over client text); formatters of server output raise `ValueError` for
values that would let one header spill into another.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable, Mapping
from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta
from hashlib import sha1
from time import mktime, struct_time
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, unquote_to_bytes

if TYPE_CHECKING:
    from erlen.datastructures import ImmutableMultiDict

HTTP_STATUS_CODES: dict[int, str] = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    103: "Early Hints",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi Status",
    208: "Already Reported",
    226: "IM Used",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    306: "Switch Proxy",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Request Entity Too Large",
    414: "Request URI Too Long",
    415: "Unsupported Media Type",
    416: "Requested Range Not Satisfiable",
    417: "Expectation Failed",
    418: "I'm a teapot",
    421: "Misdirected Request",
    422: "Unprocessable Entity",
    423: "Locked",
    424: "Failed Dependency",
    425: "Too Early",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    449: "Retry With",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates",
    507: "Insufficient Storage",
    508: "Loop Detected",
    510: "Not Extended",
    511: "Network Authentication Failed",
}

# RFC 9110 token characters.
_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)
_BACKSLASH_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)
# One `key=token` or `key="quoted"` parameter; the quoted string is an unrolled loop, so a
# missing closing quote fails in linear time.
_PARAM_RE = re.compile(
    r"[ \t]*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*=[ \t]*"
    r'(?:([!#$%&\'*+\-.^_`|~0-9A-Za-z]+)|"([^"\\]*(?:\\.[^"\\]*)*)")',
    re.DOTALL,
)
# RFC 2231 `charset'language'percent-encoded-value`.
_EXTENDED_VALUE_RE = re.compile(r"([\w!#$%&+\-^`{}~]*)'[\w!#$%&+\-^`{}~]*'(.+)", re.A | re.S)
_CONTINUATION_RE = re.compile(r"\*(\d+)$")
# RFC 2231 charsets decoded; a value in any other charset is kept as sent, like Werkzeug.
_EXTENDED_CHARSETS = frozenset({"ascii", "us-ascii", "utf-8", "iso-8859-1"})


def quote_header_value(value: object, allow_token: bool = True) -> str:
    """Quote `value` for use in a header: token-only values are returned as they are (unless
    `allow_token` is false), anything else is wrapped in double quotes with `"` and `\\` escaped.
    The empty string becomes `""`. The reverse of `unquote_header_value`.
    """
    text = str(value)
    if not text:
        return '""'
    if allow_token and _TOKEN_CHARS.issuperset(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unquote_header_value(value: str) -> str:
    """Remove surrounding double quotes and backslash escapes. Unquoted values are returned
    unchanged. The reverse of `quote_header_value`.
    """
    if len(value) >= 2 and value[0] == '"' == value[-1]:
        inner = value[1:-1]
        return _BACKSLASH_ESCAPE_RE.sub(r"\1", inner) if "\\" in inner else inner
    return value


def dump_options_header(header: str | None, options: Mapping[str, object]) -> str:
    """Join a header value and `key=value` parameters with `; `, e.g.
    `dump_options_header("text/html", {"charset": "utf-8"})` -> `text/html; charset=utf-8`.
    Values that are not tokens are quoted; `None` values are skipped; a key ending in `*` is an
    RFC 2231 extended parameter whose value is written as given.
    """
    segments = [] if header is None else [header]
    for key, value in options.items():
        if value is None:
            continue
        if key.endswith("*"):
            segments.append(f"{key}={value}")
        else:
            segments.append(f"{key}={quote_header_value(value)}")
    return "; ".join(segments)


def parse_options_header(value: str | None) -> tuple[str, dict[str, str]]:
    """Split a header such as `Content-Type` into its value and parameters:
    `parse_options_header('Text/HTML; Charset="utf-8"')` -> `("text/html", {"charset": "utf-8"})`.

    The value and parameter names are lower-cased (Werkzeug keeps the value's case, but every
    caller compares mimetypes case-insensitively, so it is done once here). Quoted values are
    unquoted (`\\"` and `%22` both mean `"`). RFC 2231 parameters are decoded
    (`name*=UTF-8''%E2%82%AC` -> `name="€"`; `name*0=a; name*1=b` -> `name="ab"`) and win over a
    plain parameter of the same name, as RFC 6266 asks. Parameters that do not parse are
    skipped; this never raises and runs in linear time.
    """
    if not value:
        return "", {}
    main, sep, rest = value.partition(";")
    main = main.strip().lower()
    if not main or not sep:
        return main, {}
    options: dict[str, str] = {}
    starred: list[tuple[str, str]] | None = None
    pos = 0
    length = len(rest)
    while pos < length:
        match = _PARAM_RE.match(rest, pos)
        if match is not None:
            pos = match.end()
            key, param, quoted = match.groups()
            key = key.lower()
            if quoted is not None:
                param = _BACKSLASH_ESCAPE_RE.sub(r"\1", quoted) if "\\" in quoted else quoted
                param = param.replace("%22", '"')
            if "*" in key:
                starred = [] if starred is None else starred
                starred.append((key, param))
            else:
                options[key] = param
        semicolon = rest.find(";", pos)
        if semicolon == -1:
            break
        pos = semicolon + 1
    if starred is not None:
        options.update(_decode_starred(starred))
    return main, options


def _decode_starred(params: list[tuple[str, str]]) -> dict[str, str]:
    """RFC 2231: `key*=charset'lang'%xx` is percent-decoded in that charset (a piece without its
    own charset uses the previous one); `key*0`, `key*1`... are joined, then decoded.
    """
    result: dict[str, str] = {}
    joined: dict[str, tuple[str | None, bytearray]] = {}
    charset: str | None = None
    for key, param in params:
        encoded = key[-1] == "*"
        if encoded:
            key = key[:-1]
            match = _EXTENDED_VALUE_RE.fullmatch(param)
            if match is not None:
                charset = match.group(1).lower() or charset
                param = match.group(2)
            encoded = charset in _EXTENDED_CHARSETS
        continuation = _CONTINUATION_RE.search(key)
        if continuation is None:
            if key:
                result[key] = unquote(param, charset or "utf-8", "replace") if encoded else param
            continue
        piece_charset, data = joined.setdefault(key[: continuation.start()], (charset, bytearray()))
        data += unquote_to_bytes(param) if encoded else param.encode(piece_charset or "utf-8")
    for key, (piece_charset, data) in joined.items():
        usable = piece_charset if piece_charset in _EXTENDED_CHARSETS else "utf-8"
        result[key] = data.decode(usable or "utf-8", "replace")
    return result


# Browsers keep at most ~180 cookies per site; anything past this is garbage or an attack.
_MAX_COOKIES = 1000
_COOKIE_ESCAPE_RE = re.compile(rb"\\([0-3][0-7]{2}|.)", re.DOTALL)


def _cookie_unescape(match: re.Match[bytes]) -> bytes:
    escaped = match.group(1)
    return escaped if len(escaped) == 1 else bytes((int(escaped, 8),))


def parse_cookie(header: str | None) -> ImmutableMultiDict[str, str]:
    """Parse a `Cookie` request header (`a=1; b=2`) into an `ImmutableMultiDict`; a name sent
    twice keeps both values in order.

    Browsers send `name=value` pairs separated by `;`, so the header is split on `;` (a `;`
    inside a quoted value is not special, unlike Werkzeug, because no browser sends one). Spaces
    around names and values are ignored. Pairs with an empty name are skipped, and so are pairs
    without `=`: a browser sends those for a cookie that has a value but no name, and Werkzeug
    would wrongly report the value as a cookie name. A value in double quotes is unquoted and
    its backslash and octal escapes (as `dump_cookie` writes them) are decoded. A header that
    arrives as latin-1 text (WSGI) is re-read as UTF-8 when it is valid UTF-8. Only the first
    1000 pairs are read, so a huge header costs one linear pass. This never raises.
    """
    from erlen.datastructures import ImmutableMultiDict

    if not header:
        return ImmutableMultiDict()
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
    return ImmutableMultiDict(pairs)


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


def http_date(timestamp: datetime | date | int | float | struct_time | None = None) -> str:
    """Format a datetime, date, timestamp or `struct_time` as an HTTP date
    (`Sun, 06 Nov 1994 08:49:37 GMT`); the current time when None. Naive datetimes and plain
    dates are taken as UTC.
    """
    if isinstance(timestamp, datetime):
        utc = timestamp.astimezone(UTC) if timestamp.tzinfo else timestamp.replace(tzinfo=UTC)
        return email.utils.format_datetime(utc, usegmt=True)
    if isinstance(timestamp, date):
        midnight = datetime.combine(timestamp, time(), tzinfo=UTC)
        return email.utils.format_datetime(midnight, usegmt=True)
    if isinstance(timestamp, struct_time):
        return email.utils.formatdate(mktime(timestamp), usegmt=True)
    return email.utils.formatdate(timestamp, usegmt=True)


# Real HTTP dates are under 40 characters; longer input is not worth parsing.
_MAX_DATE_LENGTH = 100


def parse_date(value: str | None) -> datetime | None:
    """Parse an HTTP date (RFC 9110, RFC 850 or asctime form) into a timezone-aware datetime,
    taking UTC when no zone is given. Anything unparsable gives None; this never raises.
    """
    if not value or len(value) > _MAX_DATE_LENGTH:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed


def quote_etag(etag: str, weak: bool = False) -> str:
    """Quote an ETag (`abc` -> `"abc"`, or `W/"abc"` when weak). A `"` in it is a ValueError."""
    if '"' in etag:
        raise ValueError("An ETag must not contain '\"'.")
    return f'W/"{etag}"' if weak else f'"{etag}"'


def unquote_etag(etag: str | None) -> tuple[str, bool] | tuple[None, None]:
    """Split a single ETag into `(value, is_weak)`: `'W/"abc"'` -> `("abc", True)`.
    Empty or None gives `(None, None)`.
    """
    if not etag:
        return None, None
    etag = etag.strip()
    weak = etag[:2] in ("W/", "w/")
    if weak:
        etag = etag[2:]
    if len(etag) >= 2 and etag[0] == '"' == etag[-1]:
        etag = etag[1:-1]
    return etag, weak


def generate_etag(data: bytes) -> str:
    """A strong ETag value for `data` (SHA-1 hex digest, as Werkzeug makes it)."""
    return sha1(data).hexdigest()


class ETags:
    """The ETags of an `If-Match` / `If-None-Match` header, strong and weak, or `*`."""

    __slots__ = ("_strong", "_weak", "star_tag")

    def __init__(
        self,
        strong_etags: Iterable[str] | None = None,
        weak_etags: Iterable[str] | None = None,
        star_tag: bool = False,
    ) -> None:
        self._strong = frozenset(strong_etags or ())
        self._weak = frozenset(weak_etags or ())
        self.star_tag = star_tag

    def as_set(self, include_weak: bool = False) -> set[str]:
        return set(self._strong | self._weak) if include_weak else set(self._strong)

    def is_weak(self, etag: str) -> bool:
        return etag in self._weak

    def is_strong(self, etag: str) -> bool:
        return etag in self._strong

    def contains_weak(self, etag: str) -> bool:
        """Weak comparison: a weak tag matches too."""
        return self.is_weak(etag) or self.contains(etag)

    def contains(self, etag: str) -> bool:
        return self.star_tag or etag in self._strong

    def contains_raw(self, etag: str) -> bool:
        """`contains` (or `contains_weak` for `W/"..."`) for a quoted ETag."""
        value, weak = unquote_etag(etag)
        if value is None:
            return False
        return self.contains_weak(value) if weak else self.contains(value)

    def to_header(self) -> str:
        if self.star_tag:
            return "*"
        tags = [f'"{tag}"' for tag in sorted(self._strong)]
        tags.extend(f'W/"{tag}"' for tag in sorted(self._weak))
        return ", ".join(tags)

    def __contains__(self, etag: object) -> bool:
        return isinstance(etag, str) and self.contains(etag)

    def __bool__(self) -> bool:
        return bool(self.star_tag or self._strong or self._weak)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


_ETAG_SEPARATORS_RE = re.compile(r"[ \t,]*")


def parse_etags(value: str | None) -> ETags:
    """Parse an `If-Match` / `If-None-Match` header (`"a", W/"b"` or `*`) into `ETags`.
    Unquoted tags are accepted as sent. Linear time; never raises.
    """
    if not value:
        return ETags()
    strong: list[str] = []
    weak: list[str] = []
    pos = 0
    length = len(value)
    while pos < length:
        pos = _ETAG_SEPARATORS_RE.match(value, pos).end()  # type: ignore[union-attr]
        if pos >= length:
            break
        is_weak = value.startswith(("W/", "w/"), pos)
        if is_weak:
            pos += 2
        if value.startswith('"', pos):
            end = value.find('"', pos + 1)
            end = length if end == -1 else end
            tag = value[pos + 1 : end]
            comma = value.find(",", end)
            pos = length if comma == -1 else comma + 1
        else:
            comma = value.find(",", pos)
            end = length if comma == -1 else comma
            tag = value[pos:end].strip()
            pos = end + 1
            if tag == "*" and not is_weak:
                return ETags(star_tag=True)
        (weak if is_weak else strong).append(tag)
    return ETags(strong, weak)
