"""Werkzeug 3.1's ``werkzeug.urls``: converting between URIs and IRIs.

A URI is ASCII only: anything else is percent-encoded (``/caf%C3%A9``) and an international
host name is in its IDNA form (``xn--bcher-kva.example``). An IRI is what a person reads:
``/café`` on ``bücher.example``. ``iri_to_uri`` makes a URL safe to send in a header (a
``Location``); ``uri_to_iri`` makes one readable without changing where it points, so the
characters that carry meaning in a part (``/`` in a path, ``&`` and ``=`` in a query, ``%``,
spaces and controls everywhere) stay encoded, and so do bytes that are not UTF-8. Neither
function raises on odd input: what cannot be converted is left encoded.
"""

from __future__ import annotations

import re
import typing as t
from urllib.parse import SplitResult, quote, urlsplit, urlunsplit

__all__ = ["iri_to_uri", "uri_to_iri"]

# Encoded characters that must stay encoded in every part: controls, space, "%" and DEL
# (https://url.spec.whatwg.org/#percent-encoded-bytes).
_ALWAYS_ENCODED = "".join(chr(code) for code in (*range(0x21), 0x25, 0x7F))
_PATH_ENCODED = _ALWAYS_ENCODED + "/?#"
_QUERY_ENCODED = _ALWAYS_ENCODED + "&=+#"
_FRAGMENT_ENCODED = _ALWAYS_ENCODED
_USER_ENCODED = _ALWAYS_ENCODED + ":@/?#"

_ESCAPE_RE = re.compile(r"(?:%[0-9A-Fa-f]{2})+")

# What iri_to_uri leaves as it is, per part; "%" is kept so that encoded text is not encoded twice.
_PATH_SAFE = "%!$&'()*+,/:;=@"
_QUERY_SAFE = "%!$&'()*+,/:;=?@"
_FRAGMENT_SAFE = "%!#$&'()*+,/:;=?@"
_USER_SAFE = "%!$&'()*+,;="


def _decode_escapes(keep: str) -> t.Callable[[str], str]:
    """A function that decodes a part's percent-escapes except those of ``keep`` and those
    that are not UTF-8."""
    kept = frozenset(keep.encode("latin-1"))

    def decode_run(match: re.Match[str]) -> str:
        escapes = match[0]
        out: list[str] = []
        pending = bytearray()
        # Decode the stretches between escapes that must stay (kept as written, in their case).
        for index in range(0, len(escapes), 3):
            byte = int(escapes[index + 1 : index + 3], 16)
            if byte in kept:
                out.append(_utf8_or_escaped(bytes(pending)))
                out.append(escapes[index : index + 3])
                pending.clear()
            else:
                pending.append(byte)
        out.append(_utf8_or_escaped(bytes(pending)))
        return "".join(out)

    def decode(value: str) -> str:
        return _ESCAPE_RE.sub(decode_run, value)

    return decode


def _utf8_or_escaped(data: bytes) -> str:
    """``data`` as text; each byte that is not part of valid UTF-8 stays percent-encoded."""
    return data.decode("utf-8", "erlen.url_quote") if data else ""


def _requote(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    return "".join(f"%{byte:02X}" for byte in bad), error.end


def _register() -> None:
    import codecs

    codecs.register_error("erlen.url_quote", _requote)


_register()

_decode_path = _decode_escapes(_PATH_ENCODED)
_decode_query = _decode_escapes(_QUERY_ENCODED)
_decode_fragment = _decode_escapes(_FRAGMENT_ENCODED)
_decode_user = _decode_escapes(_USER_ENCODED)


def _readable_host(host: str) -> str:
    """An IDNA host name decoded label by label; a label that is not valid IDNA stays as is."""
    if not host.isascii():
        return host
    labels = []
    for label in host.split("."):
        try:
            labels.append(label.encode("ascii").decode("idna") if label else label)
        except UnicodeError:
            labels.append(label)
    return ".".join(labels)


def _ascii_host(host: str) -> str:
    """A host name in its IDNA form; one that has none is percent-encoded instead."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return quote(host, safe="")


def _netloc(
    host: str | None,
    port: int | None,
    user: str | None,
    password: str | None,
    convert_host: t.Callable[[str], str],
    convert_user: t.Callable[[str], str],
) -> str:
    netloc = convert_host(host) if host else ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if port is not None:
        netloc = f"{netloc}:{port}"
    if user is not None:
        auth = convert_user(user)
        if password is not None:
            auth = f"{auth}:{convert_user(password)}"
        netloc = f"{auth}@{netloc}"
    return netloc


def _split(url: str) -> tuple[SplitResult, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts, port


def uri_to_iri(uri: str) -> str:
    """A URI made readable: percent-escapes of text decoded where that keeps the URL's meaning,
    and an IDNA host name decoded (``http://xn--n3h.net/p%C3%A5th`` gives
    ``http://☃.net/påth``)."""
    parts, port = _split(uri)
    netloc = _netloc(
        parts.hostname, port, parts.username, parts.password, _readable_host, _decode_user
    )
    if parts.hostname is None and port is None and parts.username is None:
        netloc = parts.netloc
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            _decode_path(parts.path),
            _decode_query(parts.query),
            _decode_fragment(parts.fragment),
        )
    )


def iri_to_uri(iri: str) -> str:
    """An IRI made ASCII: other characters percent-encoded as UTF-8, the host name in IDNA
    form, and existing escapes kept (``http://☃.net/påth`` gives
    ``http://xn--n3h.net/p%C3%A5th``)."""
    parts, port = _split(iri)
    netloc = _netloc(
        parts.hostname,
        port,
        parts.username,
        parts.password,
        _ascii_host,
        lambda value: quote(value, safe=_USER_SAFE),
    )
    if parts.hostname is None and port is None and parts.username is None:
        netloc = quote(parts.netloc, safe=_USER_SAFE + ":@[]")
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            quote(parts.path, safe=_PATH_SAFE),
            quote(parts.query, safe=_QUERY_SAFE),
            quote(parts.fragment, safe=_FRAGMENT_SAFE),
        )
    )
