"""Sending files: ``send_file``, ``send_from_directory``, ``safe_join`` and conditional responses.

This module owns everything between "serve this file" and a ``Response``: the mimetype, the
``Content-Disposition`` name, the validators (``ETag``, ``Last-Modified``), caching headers, and
the answer to conditional and range requests (304, 206, 412, 416), which it asks of
``erlen.http.wrappers.conditional`` (the HTTP rules, shared with ``Response.make_conditional``).
It reads the current request and app through the context, and only their headers and config; it
never writes to a server. The body is an ``erlen.http.wrappers.file_body.FileBody`` that reads the
file in chunks and closes it when the response is closed (or fully read), so no descriptor
outlives a request.

Security rule: a path from a client goes through ``send_from_directory``, which answers 404 for
anything that would leave the directory. ``safe_join`` checks the path's text (``..``, absolute
paths, backslashes, NUL, drive letters); ``send_from_directory`` then also resolves symlinks and
refuses a file whose real location is outside the directory's real location. Werkzeug follows
symlinks out of the directory; erlen does not, so a stray link in ``static/`` cannot publish
``/etc``.
"""

from __future__ import annotations

import io
import mimetypes
import os
import posixpath
import re
import stat
import time
import typing as t
import unicodedata
import weakref
import zlib
from datetime import datetime, timedelta
from urllib.parse import quote

from erlen.core.globals import _cv_context
from erlen.http import http_date, quote_etag
from erlen.http.datastructures import Headers
from erlen.http.exceptions import NotFound, RequestedRangeNotSatisfiable
from erlen.http.wrappers import Response
from erlen.http.wrappers.conditional import evaluate_conditional, make_conditional
from erlen.http.wrappers.file_body import CHUNK_SIZE, FileBody

if t.TYPE_CHECKING:
    from erlen.core.app import App
    from erlen.core.scaffold import Scaffold
    from erlen.http.wrappers import Request

MaxAge = int | timedelta | t.Callable[[str | None], "int | timedelta | None"] | None

_DRIVE_RE = re.compile(r"[A-Za-z]:")
# RFC 5987 attr-char besides letters and digits: what needs no percent-encoding in filename*.
_ATTR_CHAR_SAFE = "!#$&+-.^_`|~"
# Characters kept out of the filename= fallback: control characters, the quote and backslash
# that browsers read as the end of the string or an escape, and "%" that some percent-decode.
_UNSAFE_FALLBACK_RE = re.compile(r'["%\\\x00-\x1f\x7f]')
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_WINDOWS_DEVICES = frozenset(
    {"AUX", "CON", "CONIN$", "CONOUT$", "NUL", "PRN"}
    | {f"{kind}{n}" for kind in ("COM", "LPT") for n in "123456789¹²³"}
)


class _NameMissing(ValueError, TypeError):
    """No file name to guess a mimetype or name an attachment from. Werkzeug raises TypeError
    here; this is both, so code written for either keeps working."""


# paths


def safe_join(directory: str, *pathnames: str) -> str | None:
    """Join untrusted URL path segments to a trusted directory, or return None when the result
    could point outside it.

    Segments use ``/``. A segment is refused if, once normalized, it is absolute, climbs out with
    ``..``, or contains a backslash, a NUL byte or a Windows drive letter (and, on Windows, a
    device name such as ``CON``). Only the text is checked: whether the path exists, or is a
    symlink leading elsewhere, is ``send_from_directory``'s concern.
    """
    directory = os.fspath(directory) or "."
    parts = [directory]
    for part in pathnames:
        part = os.fspath(part)
        if not part:
            continue
        if "\\" in part or "\0" in part:
            return None
        part = posixpath.normpath(part)
        if (
            part.startswith("/")
            or part == ".."
            or part.startswith("../")
            or os.path.isabs(part)
            or _DRIVE_RE.match(part) is not None
            or (os.name == "nt" and _has_windows_device(part))
        ):
            return None
        parts.append(part)
    return posixpath.join(*parts)


def _has_windows_device(path: str) -> bool:
    return any(
        segment.partition(":")[0].partition(".")[0].strip().upper() in _WINDOWS_DEVICES
        for segment in path.split("/")
    )


def _is_within(path: str, directory: str) -> bool:
    try:
        return os.path.commonpath([path, directory]) == directory
    except ValueError:  # different drives on Windows
        return False


def send_from_directory(
    directory: str | os.PathLike[str], path: str | os.PathLike[str], **kwargs: t.Any
) -> Response:
    """Send the file at ``path`` (from the client, untrusted) inside ``directory`` (from the
    code, trusted) with ``send_file``; ``kwargs`` go to ``send_file``.

    Raises ``NotFound`` (404) unless ``path`` names a regular file that is inside ``directory``
    both as written and once symlinks are resolved. A relative ``directory`` is relative to the
    app's ``root_path``. Needs a request context for conditional and range requests.
    """
    base = _absolute(os.fspath(directory))
    joined = safe_join(base, os.fspath(path))
    if joined is None:
        raise NotFound()
    try:
        real = os.path.realpath(joined)
        if not _is_within(real, os.path.realpath(base)):
            raise NotFound()
        is_file = stat.S_ISREG(os.stat(real).st_mode)
    except (OSError, ValueError):
        raise NotFound() from None
    if not is_file:
        raise NotFound()
    return send_file(joined, **kwargs)


def _absolute(path: str) -> str:
    ctx = _cv_context.get(None)
    if ctx is not None:
        return os.path.join(ctx.app.root_path, path)
    return os.path.abspath(path)


# sending


def send_file(
    path_or_file: str | os.PathLike[str] | t.IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: MaxAge = None,
) -> Response:
    """A response that sends a file: a path (trusted: never one built from client input; use
    ``send_from_directory`` for those), or a binary file object such as ``io.BytesIO``.

    The mimetype is guessed from ``download_name``, else the path, else the file object's name;
    without any of them pass ``mimetype`` (``ValueError`` otherwise). ``as_attachment`` asks the
    browser to save the file as ``download_name`` (default: the path's name). ``etag`` is True
    (computed from a path's mtime, size and name), False, or the ETag to send. ``max_age`` is
    seconds of public caching, or a function of the path; default ``SEND_FILE_MAX_AGE_DEFAULT``
    (None: ``Cache-Control: no-cache``, so browsers revalidate). With ``conditional``, the request's
    ``If-None-Match``, ``If-Modified-Since``, ``If-Match``, ``Range`` and ``If-Range`` headers give
    304, 412, 206 or 416 answers. A relative path is relative to the app's ``root_path``.
    """
    ctx = _cv_context.get(None)
    app: App | None = ctx.app if ctx is not None else None
    request: Request | None = ctx.request if ctx is not None else None
    path: str | None = None
    file: t.IO[bytes] | None = None
    size: int | None = None
    mtime: float | None = None
    if isinstance(path_or_file, (str, os.PathLike)):
        path = _absolute(os.fspath(path_or_file))
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"send_file can only send a regular file, and {path!r} is not one.")
        size, mtime = info.st_size, info.st_mtime
        if download_name is None:
            download_name = os.path.basename(path)
    else:
        file = path_or_file
        if isinstance(file, io.TextIOBase):
            raise ValueError("send_file needs a file opened in binary mode ('rb'), or a BytesIO.")
        if isinstance(file, io.BytesIO):
            size = file.getbuffer().nbytes

    headers = Headers()
    if mimetype is None:
        name = download_name or (path and os.path.basename(path)) or _file_object_name(file)
        if not name:
            raise _NameMissing(
                "Cannot guess the mimetype of a file object without a name: pass 'mimetype' or"
                " 'download_name', or send a path instead."
            )
        mimetype, encoding = mimetypes.guess_type(name)
        mimetype = mimetype or "application/octet-stream"
        if encoding is not None and not as_attachment:
            headers.set("Content-Encoding", encoding)
    if download_name is not None:
        headers.set("Content-Disposition", content_disposition(download_name, as_attachment))
    elif as_attachment:
        raise _NameMissing(
            "An attachment needs a name: pass 'download_name', or send a path instead of a file."
        )

    response_class = app.response_class if app is not None else Response
    response = response_class(None, mimetype=mimetype, headers=headers, direct_passthrough=True)
    headers = response.headers
    if size is not None:
        headers.set("Content-Length", str(size))
    if last_modified is not None:
        headers.set("Last-Modified", http_date(last_modified))
    elif mtime is not None:
        headers.set("Last-Modified", http_date(mtime))
    if max_age is None and app is not None:
        max_age = app.get_send_file_max_age
    if callable(max_age):
        max_age = max_age(path)
    _set_cache_headers(headers, max_age)
    if isinstance(etag, str):
        headers.set("ETag", quote_etag(etag))
    elif etag and path is not None:
        # Werkzeug's recipe, so ETags survive a move between the two frameworks.
        check = zlib.adler32(path.encode()) & 0xFFFFFFFF
        headers.set("ETag", quote_etag(f"{mtime}-{size}-{check}"))
    x_sendfile = path is not None and app is not None and bool(app.config["USE_X_SENDFILE"])
    if x_sendfile:
        headers.set("X-Sendfile", t.cast(str, path))

    span: tuple[int, int] | None = None
    if conditional and request is not None:
        # Ranges need a known size and a file we can seek; behind X-Sendfile the server answers.
        ranges = size is not None and not x_sendfile and (file is None or _seekable(file))
        try:
            span = evaluate_conditional(
                response, request.received_method, request.headers.get, ranges, size
            )
        except RequestedRangeNotSatisfiable:
            if file is not None:
                file.close()
            raise
    if response.status_code not in (200, 206):
        headers.remove("X-Sendfile")
        if file is not None:
            file.close()
        return response
    if x_sendfile or (file is None and request is not None and request.received_method == "HEAD"):
        return response
    if file is None:
        file = open(t.cast(str, path), "rb")  # noqa: SIM115 (FileBody closes it)
    if span is not None:
        file.seek(span[0])
        response.response = FileBody(file, span[1] - span[0])
    else:
        response.response = FileBody(file, size)
    return response


def _file_object_name(file: t.IO[bytes] | None) -> str | None:
    name = getattr(file, "name", None)
    return os.path.basename(name) if isinstance(name, str) else None


def _seekable(file: t.IO[bytes]) -> bool:
    try:
        return bool(file.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _set_cache_headers(headers: Headers, max_age: int | timedelta | None) -> None:
    if max_age is None:
        headers.set("Cache-Control", "no-cache")
        return
    if isinstance(max_age, timedelta):
        max_age = int(max_age.total_seconds())
    max_age = max(int(max_age), 0)
    if max_age > 0:
        headers.set("Cache-Control", f"public, max-age={max_age}")
    else:
        headers.set("Cache-Control", "no-cache, max-age=0")
    headers.set("Expires", http_date(int(time.time() + max_age)))


def content_disposition(name: str, as_attachment: bool = False) -> str:
    """The ``Content-Disposition`` value that names a file: ``attachment`` (save it) or
    ``inline``, with ``filename=`` and, when the name is not plain ASCII, RFC 6266's
    ``filename*=UTF-8''...`` carrying the exact name.

    The ``filename=`` fallback is ASCII with ``"`` and ``\\`` replaced by ``_``, so no name can end
    the quoted string early. Control characters (CR, LF, ...) are never part of a file name a
    browser would use; they become ``_`` in both parameters instead of splitting the header.
    """
    name = _CONTROL_RE.sub("_", name)
    kind = "attachment" if as_attachment else "inline"
    if name.isascii() and _UNSAFE_FALLBACK_RE.search(name) is None:
        return f"{kind}; filename={_quote_if_needed(name)}"
    simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    simple = _UNSAFE_FALLBACK_RE.sub("_", simple) or "download"
    quoted = quote(name, safe=_ATTR_CHAR_SAFE)
    return f"{kind}; filename={_quote_if_needed(simple)}; filename*=UTF-8''{quoted}"


_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _quote_if_needed(value: str) -> str:
    return value if _TOKEN_RE.fullmatch(value) else f'"{value}"'


# static files


def get_send_file_max_age() -> int | None:
    """``SEND_FILE_MAX_AGE_DEFAULT`` of the current app in seconds (None: no timed caching)."""
    ctx = _cv_context.get(None)
    if ctx is None:
        return None
    value = ctx.app.config["SEND_FILE_MAX_AGE_DEFAULT"]
    if value is None:
        return None
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return int(value)


def send_static_file(scaffold: Scaffold, filename: str) -> Response:
    """The view behind a ``static`` endpoint: ``filename`` from the app's or blueprint's
    ``static_folder``, cached for ``scaffold.get_send_file_max_age(filename)`` seconds."""
    folder = scaffold.static_folder
    if folder is None:
        raise RuntimeError(f"{scaffold!r} has no 'static_folder' to serve static files from.")
    max_age = scaffold.get_send_file_max_age(filename)
    return send_from_directory(folder, filename, max_age=max_age)


def add_static_route(app: App, static_host: str | None, host_matching: bool) -> None:
    """Register ``<static_url_path>/<path:filename>`` as the ``static`` endpoint, as Flask does
    when the app has a static folder (whether or not the folder exists yet)."""
    if bool(static_host) != host_matching:
        raise AssertionError(
            "Invalid static_host/host_matching combination: with host_matching=True a static_host"
            " is required (the host that serves static files), and without it none may be given."
        )
    # A weak reference: the view must not keep the app alive (a bound method would make a
    # cycle, and an app a test or a factory drops would wait for the garbage collector).
    app_ref = weakref.ref(app)

    def static(**kwargs: t.Any) -> Response:
        owner = app_ref()
        assert owner is not None
        return owner.send_static_file(**kwargs)

    static.__name__ = "send_static_file"
    app.add_url_rule(
        f"{app.static_url_path}/<path:filename>",
        endpoint="static",
        host=static_host,
        view_func=static,
    )


__all__ = [
    "CHUNK_SIZE",
    "FileBody",
    "content_disposition",
    "make_conditional",
    "safe_join",
    "send_file",
    "send_from_directory",
]
