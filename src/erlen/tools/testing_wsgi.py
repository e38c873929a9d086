"""Testing any WSGI app in process: build an environ, call the app, read the response.

This is the part of the test tools that knows nothing of erlen's app object, the part Flask's
test client inherits from Werkzeug (``werkzeug.test`` resolves here): ``EnvironBuilder`` turns
test arguments (path, base URL, query string, headers, form data, files, JSON, basic auth) into a
WSGI environ, ``Client`` calls a WSGI application with it, keeps cookies like a browser and
follows redirects, and ``TestResponse`` is what a test reads back. ``erlen.testing`` builds the
app-aware client on top. It also fills the ``request_from_values`` and ``run_wsgi_app`` slots of
``erlen.http.slots`` (Werkzeug's ``Request.from_values`` and ``Response.from_app``). This module
is for tests: it is never on the serving path.
"""

from __future__ import annotations

import dataclasses
import io
import json as _json
import mimetypes
import os
import secrets
import sys
import typing as t
from base64 import b64encode
from contextlib import ExitStack
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from urllib.parse import quote, unquote_to_bytes, urlencode, urljoin, urlsplit

from erlen.http import parse_date, slots
from erlen.http.datastructures import FileStorage, Headers, MultiDict, iter_multi_items
from erlen.http.wrappers import Request, Response

WSGIEnvironment = dict[str, t.Any]
WSGIApplication = t.Callable[[WSGIEnvironment, t.Callable[..., t.Any]], t.Iterable[bytes]]

_PATH_SAFE = "/:@!$&'()*+,;=~%"
_REDIRECTS = frozenset({301, 302, 303, 305, 307, 308})


# bodies


def encode_multipart(
    values: t.Mapping[str, t.Any] | MultiDict[str, t.Any], boundary: str | None = None
) -> tuple[str, bytes]:
    """Encode form fields and files as ``multipart/form-data``: ``(boundary, body)``.

    A value may be text, a file object, a ``FileStorage`` or a ``(file, filename[,
    content_type])`` tuple."""
    boundary = boundary or f"erlen-{secrets.token_hex(16)}"
    out = io.BytesIO()
    for name, value in _form_fields(values).items(multi=True):
        out.write(f"--{boundary}\r\n".encode())
        disposition = f'form-data; name="{quote(name, safe="")}"'
        if not _is_file(value):
            out.write(f"Content-Disposition: {disposition}\r\n\r\n".encode())
            out.write(str(value).encode())
        else:
            stream, filename, content_type = _file_parts(value)
            if filename is not None:
                disposition += f'; filename="{quote(filename, safe=" ./")}"'
            out.write(f"Content-Disposition: {disposition}\r\n".encode())
            out.write(f"Content-Type: {content_type}\r\n\r\n".encode())
            data = stream.read()
            out.write(data.encode() if isinstance(data, str) else data)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return boundary, out.getvalue()


def stream_encode_multipart(
    data: t.Mapping[str, t.Any],
    use_tempfile: bool = True,
    threshold: int = 1024 * 500,
    boundary: str | None = None,
) -> tuple[t.IO[bytes], int, str]:
    """Like :func:`encode_multipart`, as ``(stream, length, boundary)``."""
    boundary, body = encode_multipart(data, boundary)
    return io.BytesIO(body), len(body), boundary


def _file_parts(value: t.Any) -> tuple[t.Any, str | None, str]:
    if isinstance(value, FileStorage):
        return value.stream, value.filename, value.content_type or "application/octet-stream"
    content_type = None
    if isinstance(value, tuple):
        stream, filename, *rest = value
        content_type = rest[0] if rest else None
    else:
        stream = value
        filename = os.path.basename(getattr(value, "name", "") or "") or None
    if content_type is None:
        guessed = mimetypes.guess_type(filename or "")[0]
        content_type = guessed or "application/octet-stream"
    return stream, filename, content_type


def _form_fields(data: t.Any) -> MultiDict[str, t.Any]:
    """Form data as given to the client: a mapping whose values may be lists, where a tuple
    ``(file, filename[, content_type])`` is one upload, not several values. ``None`` values are
    left out, as they are from a query string."""
    fields: MultiDict[str, t.Any] = MultiDict()
    if isinstance(data, MultiDict):
        items: t.Iterable[tuple[t.Any, t.Any]] = data.items(multi=True)
    else:
        items = data.items() if isinstance(data, t.Mapping) else data
    for key, value in items:
        for item in value if isinstance(value, list) else [value]:
            if item is not None:
                fields.add(key, item)
    return fields


def _is_file(value: t.Any) -> bool:
    return isinstance(value, (tuple, FileStorage)) or hasattr(value, "read")


def _unquote_to_wsgi(path: str) -> str:
    """Percent-decode a path to bytes and spell them as latin-1, as WSGI servers do."""
    return unquote_to_bytes(path).decode("latin-1")


# the environ


class EnvironBuilder:
    """Builds a WSGI environ from test-friendly arguments.

    ``path`` may carry a query string, or be a whole URL (then it gives the base URL too);
    ``query_string`` may be a mapping or a string; ``data`` may be a mapping (a form:
    URL-encoded, or multipart when a value is a file, a ``(file, filename[, content_type])``
    tuple or a ``FileStorage``), a string or bytes (the raw body); ``json`` is serialized with
    ``json_dumps``; ``auth`` is a ``(username, password)`` pair for HTTP basic auth, or an
    object with ``to_header()``.
    """

    server_protocol = "HTTP/1.1"
    wsgi_version = (1, 0)
    request_class: type[Request] = Request
    json_dumps = staticmethod(_json.dumps)

    def __init__(
        self,
        path: str = "/",
        base_url: str | None = None,
        query_string: t.Mapping[str, t.Any] | str | bytes | None = None,
        method: str = "GET",
        input_stream: t.IO[bytes] | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        errors_stream: t.IO[str] | None = None,
        multithread: bool = False,
        multiprocess: bool = False,
        run_once: bool = False,
        headers: Headers | t.Mapping[str, t.Any] | t.Iterable[tuple[str, t.Any]] | None = None,
        data: t.Any = None,
        environ_base: t.Mapping[str, t.Any] | None = None,
        environ_overrides: t.Mapping[str, t.Any] | None = None,
        mimetype: str | None = None,
        json: t.Any = None,
        auth: t.Any = None,
    ) -> None:
        parsed = urlsplit(path)
        if parsed.query and query_string is not None:
            raise ValueError("Give the query string in the path or as 'query_string', not both.")
        if base_url is None and parsed.scheme and parsed.netloc:
            base_url = f"{parsed.scheme}://{parsed.netloc}/"
        self.base_url = base_url
        self.path = parsed.path or "/"
        if isinstance(query_string, t.Mapping):
            pairs = iter_multi_items(query_string)
            self.query_string = urlencode([(str(k), str(v)) for k, v in pairs if v is not None])
        elif isinstance(query_string, bytes):
            self.query_string = query_string.decode("latin-1")
        else:
            self.query_string = query_string if query_string is not None else parsed.query
        self.method = method.upper()
        self.headers = Headers(headers)
        if auth is not None:
            self.headers.set("Authorization", _auth_header(auth))
        self.errors_stream = errors_stream if errors_stream is not None else sys.stderr
        self.multithread = multithread
        self.multiprocess = multiprocess
        self.run_once = run_once
        self.environ_base = dict(environ_base or {})
        self.environ_overrides = dict(environ_overrides or {})
        self.closing = ExitStack()
        if content_type is None and mimetype is not None:
            content_type = mimetype
        body: bytes | None = None
        if json is not None:
            if data is not None:
                raise TypeError("Pass either 'data' or 'json', not both.")
            body = self.json_dumps(json).encode()
            content_type = content_type or "application/json"
        elif isinstance(data, str):
            body = data.encode()
        elif isinstance(data, (bytes, bytearray)):
            body = bytes(data)
        elif hasattr(data, "read"):
            input_stream = data
        elif data is not None:
            form = _form_fields(data)
            if any(_is_file(v) for _, v in form.items(multi=True)):
                boundary, body = encode_multipart(form)
                content_type = content_type or f"multipart/form-data; boundary={boundary}"
            else:
                form_pairs = [(str(k), str(v)) for k, v in form.items(multi=True)]
                body = urlencode(form_pairs).encode()
                content_type = content_type or "application/x-www-form-urlencoded"
        if content_type is None:
            content_type = self.headers.get("Content-Type")
        self.content_type = content_type
        if input_stream is not None:
            self.input_stream: t.IO[bytes] = input_stream
            self.content_length = content_length
            self.body: bytes | None = None
        else:
            self.body = body or b""
            self.input_stream = io.BytesIO(self.body)
            self.content_length = content_length if content_length is not None else len(self.body)

    @classmethod
    def from_environ(cls, environ: WSGIEnvironment, **kwargs: t.Any) -> EnvironBuilder:
        """A builder that makes a copy of ``environ`` (``kwargs`` override what it says)."""
        headers = Headers(
            (key[5:].replace("_", "-").title(), value)
            for key, value in environ.items()
            if key.startswith("HTTP_") and key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH")
        )
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost")
        settings: dict[str, t.Any] = {
            "path": environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace"),
            "base_url": f"{environ.get('wsgi.url_scheme', 'http')}://{host}"
            f"{environ.get('SCRIPT_NAME', '')}/",
            "query_string": environ.get("QUERY_STRING", ""),
            "method": environ.get("REQUEST_METHOD", "GET"),
            "input_stream": environ.get("wsgi.input"),
            "content_type": environ.get("CONTENT_TYPE"),
            "content_length": int(environ["CONTENT_LENGTH"])
            if str(environ.get("CONTENT_LENGTH", "")).isdigit()
            else None,
            "errors_stream": environ.get("wsgi.errors"),
            "multithread": environ.get("wsgi.multithread", False),
            "multiprocess": environ.get("wsgi.multiprocess", False),
            "run_once": environ.get("wsgi.run_once", False),
            "headers": headers,
            "environ_base": {
                key: value
                for key, value in environ.items()
                if not key.startswith(("HTTP_", "wsgi."))
            },
        }
        settings.update(kwargs)
        return cls(**settings)

    # the base URL: scheme, host and the root the app is mounted under

    @property
    def base_url(self) -> str:
        return f"{self.url_scheme}://{self.host}{self.script_root}/"

    @base_url.setter
    def base_url(self, value: str | None) -> None:
        if value is None:
            self.url_scheme, self.host, self.script_root = "http", "localhost", ""
            return
        base = urlsplit(value)
        if base.query or base.fragment:
            raise ValueError("The base URL may not hold a query string or a fragment.")
        self.url_scheme = base.scheme or "http"
        self.host = base.netloc or "localhost"
        self.script_root = base.path.rstrip("/")

    @property
    def server_name(self) -> str:
        return split_host(self.host)[0]

    @property
    def server_port(self) -> int:
        port = split_host(self.host)[1]
        if port is None:
            return 443 if self.url_scheme == "https" else 80
        return port

    @property
    def mimetype(self) -> str | None:
        return self.content_type.split(";")[0].strip() if self.content_type else None

    def get_environ(self) -> WSGIEnvironment:
        """The environ, new on each call (the body stream is shared)."""
        raw_path = quote(self.path, safe=_PATH_SAFE)
        environ: WSGIEnvironment = dict(self.environ_base)
        environ.update(
            {
                "REQUEST_METHOD": self.method,
                "SCRIPT_NAME": _unquote_to_wsgi(quote(self.script_root, safe=_PATH_SAFE)),
                "PATH_INFO": _unquote_to_wsgi(raw_path),
                "QUERY_STRING": self.query_string,
                "REQUEST_URI": raw_path + (f"?{self.query_string}" if self.query_string else ""),
                "RAW_URI": raw_path + (f"?{self.query_string}" if self.query_string else ""),
                "SERVER_NAME": self.server_name,
                "SERVER_PORT": str(self.server_port),
                "HTTP_HOST": self.host,
                "SERVER_PROTOCOL": self.server_protocol,
                "wsgi.version": self.wsgi_version,
                "wsgi.url_scheme": self.url_scheme,
                "wsgi.input": self.input_stream,
                "wsgi.errors": self.errors_stream,
                "wsgi.multithread": self.multithread,
                "wsgi.multiprocess": self.multiprocess,
                "wsgi.run_once": self.run_once,
            }
        )
        if self.content_type:
            environ["CONTENT_TYPE"] = self.content_type
        if self.content_length is not None:
            environ["CONTENT_LENGTH"] = str(self.content_length)
        elif "CONTENT_LENGTH" not in environ:
            environ["wsgi.input_terminated"] = True
        for name, value in self.headers.items():
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
                continue
            key = f"HTTP_{key}"
            environ[key] = (
                f"{environ[key]}, {value}" if key in environ and key != "HTTP_HOST" else value
            )
        environ.update(self.environ_overrides)
        return environ

    def get_request(self, cls: type[Request] | None = None) -> Request:
        """A request object over a new environ (``request_class`` unless ``cls`` is given)."""
        return (cls or self.request_class)(self.get_environ())

    def close(self) -> None:
        """Close the files this builder opened."""
        self.closing.close()

    def __enter__(self) -> EnvironBuilder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def split_host(host: str) -> tuple[str, int | None]:
    """``"example.com:8080"`` -> ``("example.com", 8080)``; IPv6 literals keep their brackets."""
    if host.startswith("["):
        end = host.find("]") + 1
        name, rest = host[:end], host[end:]
        port = rest[1:] if rest.startswith(":") else ""
    else:
        name, _, port = host.partition(":")
    return name, int(port) if port.isdigit() else None


def _auth_header(auth: t.Any) -> str:
    if isinstance(auth, tuple) and len(auth) == 2:
        username, password = auth
        token = b64encode(f"{username}:{password}".encode()).decode("ascii")
        return f"Basic {token}"
    return str(auth.to_header())


def create_environ(*args: t.Any, **kwargs: t.Any) -> WSGIEnvironment:
    """A WSGI environ from ``EnvironBuilder``'s arguments."""
    builder = EnvironBuilder(*args, **kwargs)
    try:
        return builder.get_environ()
    finally:
        builder.close()


def run_wsgi_app(
    app: WSGIApplication, environ: WSGIEnvironment, buffered: bool = False
) -> tuple[t.Iterable[bytes], str, Headers]:
    """Call a WSGI app: ``(body iterable, status line, headers)``. With ``buffered`` the body
    is read at once and the app's iterable closed."""
    response: list[t.Any] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Callable[[bytes], None]:
        if exc_info is not None and response:
            raise exc_info[1].with_traceback(exc_info[2])
        response[:] = [status, headers]
        return _no_write

    body = app(environ, start_response)
    if buffered:
        returned = body
        try:
            body = list(returned)
        finally:
            close = getattr(returned, "close", None)
            if close is not None:
                close()
    elif not response:
        # The app calls start_response lazily, with its first chunk.
        body = _Resumed(body)
    status, headers = response
    return body, status, Headers(headers)


class _Resumed:
    """A body whose first chunk was read early, to let the app call ``start_response``."""

    def __init__(self, body: t.Iterable[bytes]) -> None:
        self._body = body
        self._iterator = iter(body)
        self._first = next(self._iterator, None)

    def __iter__(self) -> t.Iterator[bytes]:
        if self._first is not None:
            first, self._first = self._first, None
            yield first
        yield from self._iterator

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is not None:
            close()


def _no_write(data: bytes) -> None:
    raise AssertionError("This test client does not support the WSGI write() callable.")


# responses and cookies


class TestResponse(Response):
    """A response as a test sees it, with the request that led to it and earlier redirects."""

    __test__ = False
    #: The response is shown exactly as the app sent it: no Content-Type is added.
    default_mimetype = None

    request: t.Any
    history: tuple[TestResponse, ...]
    #: The body stream the request was sent with.
    sent_input: t.Any = None

    def __init__(
        self,
        response: t.Any,
        status: int | str | None,
        headers: t.Any,
        request: t.Any = None,
        history: tuple[TestResponse, ...] = (),
        **kwargs: t.Any,
    ) -> None:
        super().__init__(response, status, headers, **kwargs)
        self.request = request
        self.history = history

    @property
    def text(self) -> str:
        return t.cast(str, self.get_data(as_text=True))


@dataclasses.dataclass(frozen=True)
class Cookie:
    """A cookie in the test client's jar, as the app set it (``value`` is sent back as is)."""

    key: str
    value: str
    domain: str
    path: str
    expires: datetime | None = None
    secure: bool = False
    http_only: bool = False
    same_site: str | None = None
    max_age: int | None = None
    origin_only: bool = True

    @property
    def decoded_key(self) -> str:
        return self.key

    @property
    def decoded_value(self) -> str:
        parsed: SimpleCookie = SimpleCookie()
        try:
            parsed.load(f"x={self.value}")
        except Exception:
            return self.value
        morsel = parsed.get("x")
        return morsel.value if morsel is not None else self.value

    def _matches(self, host: str, path: str, secure: bool) -> bool:
        domain_ok = host == self.domain or (
            not self.origin_only and host.endswith("." + self.domain)
        )
        path_ok = path == self.path or path.startswith(self.path.rstrip("/") + "/")
        return domain_ok and path_ok and (secure or not self.secure)

    @property
    def expired(self) -> bool:
        return self.expires is not None and self.expires <= datetime.now(UTC)


class ClientRedirectError(RuntimeError):
    """A redirect the client cannot follow: a loop, or too many."""


class Client:
    """Calls a WSGI application in process and keeps cookies like a browser.

    ``open()`` (and ``get``, ``post``, ...) take ``EnvironBuilder``'s arguments, or one
    ``EnvironBuilder``, environ or request; ``follow_redirects=True`` follows ``Location`` within
    the app; ``buffered=True`` reads the whole body before returning.
    """

    __test__ = False

    def __init__(
        self,
        application: WSGIApplication,
        response_wrapper: type[TestResponse] | None = None,
        use_cookies: bool = True,
        allow_subdomain_redirects: bool = False,
    ) -> None:
        self.application = application
        if response_wrapper is None or response_wrapper is TestResponse:
            response_wrapper = TestResponse
        elif not issubclass(response_wrapper, TestResponse):
            response_wrapper = type("WrapperTestResponse", (TestResponse, response_wrapper), {})
        self.response_wrapper: type[TestResponse] = response_wrapper
        self._cookies: dict[tuple[str, str, str], Cookie] | None = {} if use_cookies else None
        self.allow_subdomain_redirects = allow_subdomain_redirects

    @property
    def use_cookies(self) -> bool:
        return self._cookies is not None

    # cookies

    def get_cookie(self, key: str, domain: str = "localhost", path: str = "/") -> Cookie | None:
        """The cookie the jar holds for exactly this key, domain and path."""
        if self._cookies is None:
            raise TypeError("Cookies are disabled: create the client with use_cookies=True.")
        cookie = self._cookies.get((domain, path, key))
        if cookie is not None and cookie.expired:
            del self._cookies[(domain, path, key)]
            return None
        return cookie

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        domain: str = "localhost",
        origin_only: bool = True,
        path: str = "/",
        **kwargs: t.Any,
    ) -> None:
        """Put a cookie in the jar, as if the app had set it."""
        if self._cookies is None:
            raise TypeError("Cookies are disabled: create the client with use_cookies=True.")
        max_age = kwargs.get("max_age")
        expires = kwargs.get("expires")
        if isinstance(expires, (int, float)):
            expires = datetime.fromtimestamp(expires, UTC)
        if max_age is not None:
            max_age = int(getattr(max_age, "total_seconds", lambda: max_age)())
            expires = datetime.fromtimestamp(datetime.now(UTC).timestamp() + max_age, UTC)
        cookie = Cookie(
            key,
            value,
            domain.lstrip("."),
            path,
            expires,
            bool(kwargs.get("secure")),
            bool(kwargs.get("httponly")),
            kwargs.get("samesite"),
            max_age,
            origin_only,
        )
        if cookie.expired:
            self._cookies.pop((cookie.domain, path, key), None)
        else:
            self._cookies[(cookie.domain, path, key)] = cookie

    def delete_cookie(
        self, key: str, *, domain: str = "localhost", path: str = "/", **kwargs: t.Any
    ) -> None:
        """Drop a cookie from the jar."""
        if self._cookies is None:
            raise TypeError("Cookies are disabled: create the client with use_cookies=True.")
        self._cookies.pop((domain.lstrip("."), path, key), None)

    def _cookie_header(self, host: str, path: str, secure: bool) -> str | None:
        if self._cookies is None:
            return None
        host = split_host(host)[0]
        pairs = []
        for key, cookie in list(self._cookies.items()):
            if cookie.expired:
                del self._cookies[key]
            elif cookie._matches(host, path, secure):
                pairs.append(f"{cookie.key}={cookie.value}")
        return "; ".join(pairs) if pairs else None

    def _add_cookies_to_wsgi(self, environ: WSGIEnvironment) -> None:
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost")
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "/")
        path = path.encode("latin-1").decode("utf-8", "replace")
        header = self._cookie_header(host, path, environ.get("wsgi.url_scheme") == "https")
        if header is not None:
            # The jar's cookies replace a Cookie header the test set; with an empty jar the
            # test's header is sent as it is.
            environ["HTTP_COOKIE"] = header

    def _update_cookies_from_response(self, host: str, path: str, headers: Headers) -> None:
        if self._cookies is None:
            return
        host = split_host(host)[0]
        for header in headers.getlist("Set-Cookie"):
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(header)
            for name, morsel in parsed.items():
                domain = morsel["domain"].lstrip(".") if morsel["domain"] else host
                cookie_path = morsel["path"] or path.rsplit("/", 1)[0] or "/"
                expires: datetime | None = None
                max_age: int | None = None
                if morsel["max-age"]:
                    max_age = int(morsel["max-age"])
                    expires = datetime.fromtimestamp(datetime.now(UTC).timestamp() + max_age, UTC)
                elif morsel["expires"]:
                    expires = parse_date(morsel["expires"])
                cookie = Cookie(
                    name,
                    morsel.coded_value,
                    domain,
                    cookie_path,
                    expires,
                    bool(morsel["secure"]),
                    bool(morsel["httponly"]),
                    morsel["samesite"] or None,
                    max_age,
                    origin_only=not morsel["domain"],
                )
                if cookie.expired:
                    self._cookies.pop((domain, cookie_path, name), None)
                else:
                    self._cookies[(domain, cookie_path, name)] = cookie

    # requests

    def run_wsgi_app(
        self, environ: WSGIEnvironment, buffered: bool = False
    ) -> tuple[t.Iterable[bytes], str, Headers]:
        """Call the app with ``environ``, sending and storing cookies."""
        self._add_cookies_to_wsgi(environ)
        body, status, headers = run_wsgi_app(self.application, environ, buffered=buffered)
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "/")
        self._update_cookies_from_response(
            environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost"),
            path.encode("latin-1").decode("utf-8", "replace"),
            headers,
        )
        return body, status, headers

    def resolve_redirect(self, response: TestResponse, buffered: bool = False) -> TestResponse:
        """The response to the request that ``response``'s redirect asks for."""
        builder = self._redirect_builder(response)
        return self.open(builder, buffered=buffered)

    def _redirect_builder(self, response: TestResponse) -> EnvironBuilder:
        previous = response.request.environ if response.request is not None else {}
        host = previous.get("HTTP_HOST", "localhost")
        scheme = previous.get("wsgi.url_scheme", "http")
        root = previous.get("SCRIPT_NAME", "")
        here = f"{scheme}://{host}{root}{previous.get('PATH_INFO', '/')}"
        target = urlsplit(urljoin(here, response.headers["Location"]))
        target_host = target.netloc or host
        if target_host != host:
            same_site = target_host.endswith("." + host.split(":")[0])
            if not (self.allow_subdomain_redirects and same_site):
                raise RuntimeError(
                    f"The test client cannot follow a redirect to another host: {target_host!r}."
                )
        keep_body = response.status_code in (307, 308)
        method = previous.get("REQUEST_METHOD", "GET")
        if not keep_body and method != "HEAD":
            method = "GET"
        path = target.path or "/"
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        headers = Headers(
            (key[5:].replace("_", "-").title(), value)
            for key, value in previous.items()
            if key.startswith("HTTP_") and key not in ("HTTP_HOST", "HTTP_COOKIE")
        )
        body: bytes | None = None
        content_type = None
        if keep_body:
            content_type = previous.get("CONTENT_TYPE")
            stream = getattr(response, "sent_input", None)
            if stream is not None and hasattr(stream, "getvalue"):
                body = stream.getvalue()
        return EnvironBuilder(
            path,
            base_url=f"{target.scheme or scheme}://{target_host}{root}/",
            query_string=target.query,
            method=method,
            headers=headers,
            data=body,
            content_type=content_type,
            environ_base={key: value for key, value in previous.items() if key == "REMOTE_ADDR"},
        )

    def _builder(self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> EnvironBuilder:
        return EnvironBuilder(*args, **kwargs)

    def open(
        self,
        *args: t.Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: t.Any,
    ) -> TestResponse:
        """Send a request; its arguments are ``EnvironBuilder``'s, or one builder, environ or
        request object."""
        request: Request | None = None
        builder: EnvironBuilder | None = None
        if not kwargs and len(args) == 1 and isinstance(args[0], (EnvironBuilder, dict, Request)):
            given = args[0]
            if isinstance(given, EnvironBuilder):
                environ = self._prepare_environ(given.get_environ())
            elif isinstance(given, dict):
                environ = self._prepare_environ(dict(given))
            else:
                environ = self._prepare_environ(dict(given.environ or {}))
                request = given
        else:
            builder = self._builder(args, kwargs)
            environ = self._prepare_environ(builder.get_environ())
        try:
            response = self._respond(environ, buffered, request)
        finally:
            if builder is not None:
                builder.close()
        history: list[TestResponse] = []
        seen: set[tuple[str, str]] = set()
        while follow_redirects and response.status_code in _REDIRECTS:
            location = (response.headers.get("Location", ""), response.request.method)
            if location in seen:
                raise ClientRedirectError("The app redirects in a loop.")
            if len(history) >= 20:
                raise ClientRedirectError("The test client followed more than 20 redirects.")
            seen.add(location)
            response.get_data()
            response.close()
            history.append(response)
            next_builder = self._redirect_builder(response)
            try:
                response = self._respond(
                    self._prepare_environ(next_builder.get_environ()), buffered, None
                )
            finally:
                next_builder.close()
        response.history = tuple(history)
        return response

    def _prepare_environ(self, environ: WSGIEnvironment) -> WSGIEnvironment:
        """A hook for subclasses that add to every request's environ."""
        return environ

    def _respond(
        self, environ: WSGIEnvironment, buffered: bool, request: Request | None
    ) -> TestResponse:
        # The app (or a validator) may replace wsgi.input; a 307/308 redirect sends it again.
        sent_input = environ.get("wsgi.input")
        body, status, headers = self.run_wsgi_app(environ, buffered=buffered)
        response = self.response_wrapper(body, status, headers, request=request)
        response.sent_input = sent_input
        if response.request is None:
            response.request = self._request_for(environ)
        close = getattr(body, "close", None)
        if close is not None and not buffered:
            # Reading the body replaces the iterable with its chunks; closing the response must
            # still close what the app returned.
            response.call_on_close(close)
        return response

    def _request_for(self, environ: WSGIEnvironment) -> Request:
        return Request(environ)

    def get(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        return self.open(*args, **{"method": "GET", **kw})

    def post(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        return self.open(*args, **{"method": "POST", **kw})

    def put(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        return self.open(*args, **{"method": "PUT", **kw})

    def patch(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        return self.open(*args, **{"method": "PATCH", **kw})

    def delete(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        return self.open(*args, **{"method": "DELETE", **kw})

    def head(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        return self.open(*args, **{"method": "HEAD", **kw})

    def options(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        return self.open(*args, **{"method": "OPTIONS", **kw})

    def trace(self, *args: t.Any, **kw: t.Any) -> TestResponse:
        return self.open(*args, **{"method": "TRACE", **kw})

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.application!r}>"


# The HTTP layer's slots for Werkzeug's ``Request.from_values`` and ``Response.from_app`` (and
# ``force_type`` of a WSGI app): they build an environ or run an app, which is this module's job.


def request_from_values(cls: type[Request], *args: t.Any, **kwargs: t.Any) -> Request:
    """A ``cls`` over an environ built by ``EnvironBuilder`` from its arguments (``path``,
    ``base_url``, ``query_string``, ``method``, ``data``, ``headers``...)."""
    builder = EnvironBuilder(*args, **kwargs)
    try:
        return builder.get_request(cls)
    finally:
        builder.close()


def _run_for_response(
    app: WSGIApplication, environ: WSGIEnvironment, buffered: bool
) -> tuple[t.Iterable[bytes], str, list[tuple[str, str]]]:
    body, status, headers = run_wsgi_app(app, environ, buffered=buffered)
    return body, status, list(headers)


slots.request_from_values = request_from_values
slots.run_wsgi_app = _run_for_response


__all__ = [
    "Client",
    "ClientRedirectError",
    "Cookie",
    "EnvironBuilder",
    "TestResponse",
    "create_environ",
    "encode_multipart",
    "run_wsgi_app",
    "stream_encode_multipart",
]
