"""Quoting and splitting header values: tokens, quoted strings, lists, `key=value` parameters.

Owns the grammar shared by every header erlen reads or writes (RFC 9110 tokens and quoted
strings, comma-separated lists, `;`-separated parameters with RFC 2231 encoded values) and ETag
quoting. Pure functions over strings that import nothing of erlen, so the datastructures can use
them without an import cycle. Parsers never raise and run in linear time (no backtracking regex
over client text); formatters quote whatever is not a token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from hashlib import sha1
from urllib.parse import unquote, unquote_to_bytes

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
_EXTENDED_VALUE_RE = re.compile(r"([\w!#$%&+\-^`{}~]*)'[\w!#$%&+\-^`{}~]*'(.*)", re.A | re.S)
_CONTINUATION_RE = re.compile(r"\*(\d+)$")
# RFC 2231 charsets decoded (the ones RFC 8187 requires, and Werkzeug's list); a value in any
# other charset is kept as sent. Never a codec looked up by a client's name: some are not text
# codecs at all (`rot13`, `hex`), others fail on input of their own (`idna`, `utf-16`).
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
    plain parameter of the same name, as RFC 6266 asks; a value in a charset other than ASCII,
    UTF-8 or ISO-8859-1 is kept as sent (`x*=rot13''%41` -> `x="%41"`), as Werkzeug keeps it.
    Parameters that do not parse are skipped; this never raises and runs in linear time.
    """
    if not value:
        return "", {}
    main, sep, rest = value.partition(";")
    main = main.strip().lower()
    if not main or not sep:
        return main, {}
    return main, parse_parameters(rest)


def parse_parameters(rest: str) -> dict[str, str]:
    """The `key=value` parameters of the part of a header after its first `;`, as
    `parse_options_header` reads them (names lower-cased, values unquoted and decoded)."""
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
    return options


def _decode_starred(params: list[tuple[str, str]]) -> dict[str, str]:
    """RFC 2231: `key*=charset'lang'%xx` is percent-decoded in that charset; `key*0`, `key*1`...
    are joined in the order sent, every encoded piece in the charset the key declared first
    (RFC 2231 puts it on the first piece only). Only `_EXTENDED_CHARSETS` are decoded, with bad
    bytes replaced: any other charset, none, or a non-text codec (`rot13`, `idna`, `utf-16`)
    keeps the value as sent, as Werkzeug does. SECURITY: no codec is ever looked up by a name
    the client chose, so this cannot raise.
    """
    result: dict[str, str] = {}
    joined: dict[str, list[tuple[str | None, str]]] = {}
    charsets: dict[str, str] = {}
    for key, param in params:
        encoded = key[-1] == "*"
        if encoded:
            key = key[:-1]
        continuation = _CONTINUATION_RE.search(key)
        name = key if continuation is None else key[: continuation.start()]
        if not name:
            continue
        charset = None
        if encoded:
            match = _EXTENDED_VALUE_RE.fullmatch(param)
            if match is not None:
                if match.group(1):
                    charsets.setdefault(name, match.group(1).lower())
                param = match.group(2)
            charset = charsets.get(name)
            if charset not in _EXTENDED_CHARSETS:
                charset = None  # kept as sent
        if continuation is None:
            result[name] = _decode_pieces([(charset, param)])
        else:
            joined.setdefault(name, []).append((charset, param))
    for name, pieces in joined.items():
        result[name] = _decode_pieces(pieces)
    return result


def _decode_pieces(pieces: list[tuple[str | None, str]]) -> str:
    """Join `(charset, text)` pieces: runs of percent-encoded pieces in one charset are decoded
    together (a character may be split across two pieces); a piece without a charset is text."""
    text: list[str] = []
    pending = bytearray()
    pending_charset: str | None = None
    for charset, piece in pieces:
        if charset != pending_charset and pending_charset is not None:
            text.append(pending.decode(pending_charset, "replace"))
            pending.clear()
        pending_charset = charset
        if charset is None:
            text.append(piece)
        else:
            # The escapes are ASCII; anything else in the piece (not allowed by RFC 2231, but
            # sent as UTF-8 by some clients) is taken as UTF-8 and never fails to encode.
            pending += unquote_to_bytes(piece.encode("utf-8", "surrogatepass"))
    if pending_charset is not None:
        text.append(pending.decode(pending_charset, "replace"))
    return "".join(text)


def dump_header(iterable: Mapping[str, object] | Iterable[object]) -> str:
    """Join items into a comma-separated header value, the reverse of `parse_list_header`,
    `parse_dict_header` and `parse_set_header`: `["a", "b c"]` -> `a, "b c"`, and
    `{"a": "b c", "d": None}` -> `a="b c", d`. Values that are not tokens are quoted; a `None`
    value writes the key alone; a key ending in `*` carries an RFC 2231 value, written as given.
    """
    if isinstance(iterable, Mapping):
        items = []
        for key, value in iterable.items():
            if value is None:
                items.append(key)
            elif key.endswith("*"):
                items.append(f"{key}={value}")
            else:
                items.append(f"{key}={quote_header_value(value)}")
        return ", ".join(items)
    return ", ".join(quote_header_value(item) for item in iterable)


# One list item: anything but a comma or a quote, or a whole quoted string (an unrolled loop:
# every alternative starts with a different character, so this never backtracks more than once).
_LIST_ITEM_RE = re.compile(r'(?:[^,"]+|"[^"\\]*(?:\\.[^"\\]*)*")*', re.DOTALL)


def parse_list_header(value: str) -> list[str]:
    """Split a comma-separated header (RFC 9110 lists): `'a, "b, c", d'` -> `["a", "b, c", "d"]`.

    Commas inside quoted strings do not split; an item that is one quoted string is unquoted,
    one only partly quoted keeps its quotes. Empty items are dropped, and a value with an
    unclosed quoted string gives `[]`. Linear time; never raises.
    """
    items = []
    pos = 0
    length = len(value)
    while True:
        end = _LIST_ITEM_RE.match(value, pos).end()  # type: ignore[union-attr]
        if end < length and value[end] != ",":
            return []  # stopped at a quote that never closes
        item = value[pos:end].strip(" \t")
        if item:
            items.append(unquote_header_value(item))
        if end >= length:
            return items
        pos = end + 1


# RFC 2231 `key*=charset'language'value`, as `parse_dict_header` reads it.
_DICT_EXTENDED_RE = re.compile(
    r"([\w!#$%&*+\-.^`|~]*)'[\w!#$%&*+\-.^`|~]*'([\w!#$%&'*+\-.^`|~]+)", re.A
)


def parse_dict_header(value: str) -> dict[str, str | None]:
    """Split a list header into `key=value` items: `'a=b, c="d, e", f'` ->
    `{"a": "b", "c": "d, e", "f": None}` (a key without `=` maps to None). A `key*` item with
    an ASCII, UTF-8 or latin-1 RFC 2231 value is decoded and stored under `key`. Items without a
    key are skipped; never raises.
    """
    result: dict[str, str | None] = {}
    for item in parse_list_header(value):
        key, has_value, text = item.partition("=")
        key = key.strip(" \t")
        if not key:
            continue
        if not has_value:
            result[key] = None
            continue
        text = text.strip(" \t")
        if key.endswith("*"):
            key = key[:-1]
            match = _DICT_EXTENDED_RE.fullmatch(text)
            if match is not None:
                charset = match.group(1).lower()
                if charset in _EXTENDED_CHARSETS:
                    text = unquote(match.group(2), encoding=charset, errors="replace")
        result[key] = unquote_header_value(text)
    return result


def dump_csp_header(header: Mapping[str, str]) -> str:
    """A `Content-Security-Policy` value from directives: `{"default-src": "'self'"}` ->
    `default-src 'self'` (directives joined with `; `)."""
    return "; ".join(f"{key} {value}" for key, value in header.items())


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
