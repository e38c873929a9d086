"""Werkzeug's ``werkzeug.wsgi`` helpers: reading a WSGI environ and shaping WSGI bodies.

For WSGI middleware and extensions that work on the environ themselves (erlen's own adapter is
``wsgi.py``; a view reads ``request``). The rules are erlen's: a host is checked against trusted
hosts with ``erlen.security.hosts`` (a ``Host`` that is not a host name is never trusted),
and a body is read through ``erlen.http.streams.LimitedStream``, which never reads past the
declared length and refuses a body over the limit with 413 while reading. Nothing here keeps state.
"""

from __future__ import annotations

import io
import typing as t
from functools import update_wrapper
from urllib.parse import quote

from erlen.core.sendfile import FileBody
from erlen.http import streams as _streams
from erlen.http.exceptions import RequestEntityTooLarge, SecurityError
from erlen.http.streams import ClosingIterator
from erlen.http.urls import uri_to_iri
from erlen.security.hosts import host_is_trusted

if t.TYPE_CHECKING:
    from erlen.adapters.wsgi import StartResponse

    WSGIApp = t.Callable[[dict[str, t.Any], StartResponse], t.Iterable[bytes]]

__all__ = [
    "ClosingIterator",
    "FileWrapper",
    "LimitedStream",
    "get_content_length",
    "get_current_url",
    "get_host",
    "get_input_stream",
    "get_path_info",
    "responder",
    "wrap_file",
]

_DEFAULT_PORT_SUFFIX = {"http": ":80", "ws": ":80", "https": ":443", "wss": ":443"}
# Characters left as they are in each part of a rebuilt URL ("%": already-encoded text).
_PATH_SAFE = "!$&'()*+,/:;=@%"
_QUERY_SAFE = "!$&'()*+,/:;=?@%"


def responder(f: t.Callable[..., WSGIApp]) -> WSGIApp:
    """Decorate a function that returns a WSGI app (a ``Response``): the result is a WSGI app
    that calls it and then serves what it returned."""

    def application(*args: t.Any) -> t.Iterable[bytes]:
        return f(*args)(*args[-2:])

    return update_wrapper(application, f)


def get_host(environ: dict[str, t.Any], trusted_hosts: t.Iterable[str] | None = None) -> str:
    """The host the request was sent to: the ``Host`` header, else the server's name and port,
    without the scheme's default port.

    With ``trusted_hosts`` (names, or ``.example.com`` for a domain and its subdomains), a host
    that is not one of them, or is not a host name at all, raises ``SecurityError`` (400).
    """
    host = environ.get("HTTP_HOST")
    if not host:
        host = str(environ.get("SERVER_NAME", ""))
        port = environ.get("SERVER_PORT")
        if port:
            host = f"{host}:{port}"
    suffix = _DEFAULT_PORT_SUFFIX.get(environ.get("wsgi.url_scheme", ""))
    if suffix is not None and host.endswith(suffix):
        host = host[: -len(suffix)]
    if trusted_hosts is not None and not host_is_trusted(host, trusted_hosts):
        raise SecurityError(f"Host {host!r} is not trusted.")
    return t.cast(str, host)


def _raw(value: str) -> bytes:
    """A WSGI environ string as the bytes the client sent (PEP 3333 carries them as latin-1)."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def get_current_url(
    environ: dict[str, t.Any],
    root_only: bool = False,
    strip_querystring: bool = False,
    host_only: bool = False,
    trusted_hosts: t.Iterable[str] | None = None,
) -> str:
    """The URL of the request as an IRI (readable, possibly non-ASCII: pass it through
    ``erlen.http.urls.iri_to_uri`` for a header). ``host_only`` stops after the host, ``root_only``
    after the app's root path, ``strip_querystring`` leaves the query string out."""
    url = f"{environ['wsgi.url_scheme']}://{get_host(environ, trusted_hosts)}"
    if host_only:
        return uri_to_iri(f"{url}/")
    root = _raw(environ.get("SCRIPT_NAME", "")).rstrip(b"/")
    url = f"{url}{quote(root, safe=_PATH_SAFE)}/"
    if not root_only:
        path = _raw(environ.get("PATH_INFO", "")).lstrip(b"/")
        url += quote(path, safe=_PATH_SAFE)
        query = environ.get("QUERY_STRING", "")
        if query and not strip_querystring:
            url = f"{url}?{quote(_raw(query), safe=_QUERY_SAFE)}"
    return uri_to_iri(url)


def get_content_length(environ: dict[str, t.Any]) -> int | None:
    """The declared body length: None when there is none (or the body is chunked), 0 when the
    header is not a whole number."""
    if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
        return None
    value = environ.get("CONTENT_LENGTH")
    if value is None:
        return None
    value = str(value).strip()
    if not (value.isascii() and value.isdigit()):
        return 0
    return int(value)


def get_input_stream(
    environ: dict[str, t.Any],
    safe_fallback: bool = True,
    max_content_length: int | None = None,
) -> t.IO[bytes]:
    """The request body, read safely: never past ``Content-Length``, and with
    ``max_content_length`` never past that (413 when the declared length or the body is over).

    A body without a length is read only when the server marks its end
    (``wsgi.input_terminated``); otherwise it is empty, unless ``safe_fallback=False`` hands over
    the raw stream (which may never end).
    """
    stream = t.cast(t.IO[bytes], environ["wsgi.input"])
    length = get_content_length(environ)
    if length is not None and max_content_length is not None and length > max_content_length:
        raise RequestEntityTooLarge()
    if "wsgi.input_terminated" in environ:
        if max_content_length is None:
            return stream
        return t.cast(t.IO[bytes], LimitedStream(stream, max_content_length, is_max=True))
    if length is None:
        return io.BytesIO() if safe_fallback else stream
    return t.cast(t.IO[bytes], LimitedStream(stream, length))


def get_path_info(environ: dict[str, t.Any]) -> str:
    """``PATH_INFO`` decoded from UTF-8 (bytes that are not UTF-8 become U+FFFD)."""
    return _raw(environ.get("PATH_INFO", "")).decode("utf-8", "replace")


class FileWrapper(FileBody):
    """A binary file as a WSGI body, read ``buffer_size`` bytes at a time (erlen's ``FileBody``
    with Werkzeug's name and its ``seek``/``tell``)."""

    __slots__ = ()

    def __init__(self, file: t.IO[bytes], buffer_size: int = 8192) -> None:
        super().__init__(file, None, buffer_size)

    @property
    def buffer_size(self) -> int:
        return self.chunk_size

    def seekable(self) -> bool:
        seekable = getattr(self.file, "seekable", None)
        return bool(seekable()) if seekable is not None else hasattr(self.file, "seek")

    def seek(self, *args: t.Any) -> None:
        if hasattr(self.file, "seek"):
            self.file.seek(*args)

    def tell(self) -> int | None:
        return self.file.tell() if hasattr(self.file, "tell") else None


def wrap_file(
    environ: dict[str, t.Any], file: t.IO[bytes], buffer_size: int = 8192
) -> t.Iterable[bytes]:
    """``file`` as a WSGI body: the server's ``wsgi.file_wrapper`` when it has one (it may send
    the file without Python reading it), else a ``FileWrapper``. Pass the result through
    untouched (``Response(..., direct_passthrough=True)``)."""
    wrapper = environ.get("wsgi.file_wrapper", FileWrapper)
    return t.cast(t.Iterable[bytes], wrapper(file, buffer_size))


class LimitedStream(_streams.LimitedStream):
    """Werkzeug's signature for erlen's ``LimitedStream``.

    ``LimitedStream(stream, limit)`` reads a body of exactly ``limit`` bytes (a body that ends
    sooner raises ``ClientDisconnected``, 400); with ``is_max=True`` it reads a body of unknown
    length and raises ``RequestEntityTooLarge`` (413) past ``limit``.
    """

    def __init__(self, stream: _streams.Readable, limit: int, is_max: bool = False) -> None:
        super().__init__(stream, None if is_max else limit, limit if is_max else None)
        self.limit = limit
        self.is_max = is_max

    @property
    def is_exhausted(self) -> bool:
        """Whether the whole ``limit`` has been read."""
        return self.bytes_read >= self.limit

    def tell(self) -> int:
        return self.bytes_read

    def readall(self) -> bytes:
        return self.read()
