"""Testing an app in process: ``app.test_client()`` and ``app.test_request_context()``.

``EnvironBuilder`` turns test arguments (path, method, query string, headers, form data, files,
JSON) into a WSGI environ; ``ErlenClient`` sends it through the app's real WSGI entry point,
checked by the standard library's ``wsgiref.validate`` so every test also checks the app against
the WSGI specification, and keeps cookies between requests like a browser. This module is for
tests: it is never on the serving path.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import mimetypes
import os
import secrets
import sys
import typing as t
from contextlib import ExitStack
from http.cookies import SimpleCookie
from time import time
from urllib.parse import quote, urlencode, urljoin, urlsplit
from wsgiref.validate import validator

from click.testing import CliRunner, Result

from .datastructures import FileStorage, Headers, MultiDict, iter_multi_items
from .globals import _cv_context
from .wrappers import Response

if t.TYPE_CHECKING:
    from .app import Erlen
    from .ctx import RequestContext
    from .testing_asgi import WebSocketSession

_PATH_SAFE = "/:@!$&'()*+,;=~%"


def _encode_multipart(values: MultiDict[str, t.Any]) -> tuple[bytes, str]:
    boundary = f"erlen-{secrets.token_hex(16)}"
    out = io.BytesIO()
    for name, value in values.items(multi=True):
        out.write(f"--{boundary}\r\n".encode())
        disposition = f'form-data; name="{quote(name, safe="")}"'
        if isinstance(value, (str, int, float)):
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
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


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
    ``(file, filename[, content_type])`` is one upload, not several values."""
    if isinstance(data, MultiDict):
        return data
    fields: MultiDict[str, t.Any] = MultiDict()
    items = data.items() if isinstance(data, t.Mapping) else data
    for key, value in items:
        if isinstance(value, list):
            for item in value:
                fields.add(key, item)
        else:
            fields.add(key, value)
    return fields


def _is_file(value: t.Any) -> bool:
    return isinstance(value, (tuple, FileStorage)) or hasattr(value, "read")


class EnvironBuilder:
    """Builds a WSGI environ from test-friendly arguments.

    ``path`` may carry a query string; ``query_string`` may be a dict or a string; ``data`` may
    be a dict (a form: URL-encoded, or multipart when a value is a file, a
    ``(file, filename[, content_type])`` tuple or a ``FileStorage``), a string or bytes (the raw
    body); ``json`` serializes with the app's JSON provider.
    """

    def __init__(
        self,
        app: Erlen,
        path: str = "/",
        base_url: str | None = None,
        query_string: t.Mapping[str, t.Any] | str | bytes | None = None,
        method: str = "GET",
        input_stream: t.BinaryIO | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        headers: Headers | t.Mapping[str, t.Any] | list[tuple[str, str]] | None = None,
        data: t.Any = None,
        json: t.Any = None,
        environ_base: dict[str, t.Any] | None = None,
        environ_overrides: dict[str, t.Any] | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
    ) -> None:
        self.app = app
        parsed = urlsplit(path)
        if base_url is None:
            server = app.config["SERVER_NAME"] or "localhost"
            scheme = url_scheme or parsed.scheme or app.config["PREFERRED_URL_SCHEME"]
            host = parsed.netloc or (f"{subdomain}.{server}" if subdomain else server)
            root = app.config["APPLICATION_ROOT"].rstrip("/")
            base_url = f"{scheme}://{host}{root}/"
        base = urlsplit(base_url)
        self.url_scheme = base.scheme or "http"
        self.host = base.netloc
        self.script_root = base.path.rstrip("/")
        self.path = parsed.path or "/"
        if parsed.query and query_string is not None:
            raise ValueError("Give the query string in the path or as 'query_string', not both.")
        if isinstance(query_string, t.Mapping):
            pairs = iter_multi_items(t.cast("t.Mapping[str | bytes, object]", query_string))
            self.query_string = urlencode([(str(k), str(v)) for k, v in pairs])
        elif isinstance(query_string, bytes):
            self.query_string = query_string.decode("latin-1")
        else:
            self.query_string = query_string if query_string is not None else parsed.query
        self.method = method.upper()
        self.headers = Headers(headers)
        self.environ_base = environ_base or {}
        self.environ_overrides = environ_overrides or {}
        self._closing = ExitStack()
        body: bytes | None = None
        if json is not None:
            if data is not None:
                raise TypeError("Pass either 'data' or 'json', not both.")
            body = app.json.dumps(json).encode()
            content_type = content_type or "application/json"
        elif isinstance(data, str):
            body = data.encode()
        elif isinstance(data, (bytes, bytearray)):
            body = bytes(data)
        elif data is not None:
            form = _form_fields(data)
            if any(_is_file(v) for _, v in form.items(multi=True)):
                body, multipart_type = _encode_multipart(form)
                content_type = content_type or multipart_type
            else:
                form_pairs = [(str(k), str(v)) for k, v in form.items(multi=True)]
                body = urlencode(form_pairs).encode()
                content_type = content_type or "application/x-www-form-urlencoded"
        if content_type is None:
            content_type = self.headers.get("Content-Type")
        self.content_type = content_type
        if input_stream is not None:
            self.input_stream: t.BinaryIO = input_stream
            self.content_length = content_length
        else:
            body = body or b""
            self.input_stream = io.BytesIO(body)
            self.content_length = content_length if content_length is not None else len(body)

    def get_environ(self) -> dict[str, t.Any]:
        raw_path = quote(self.path, safe=_PATH_SAFE)
        path = _unquote_to_wsgi(raw_path)
        host, _, port = self.host.partition(":")
        environ: dict[str, t.Any] = {
            "REQUEST_METHOD": self.method,
            "SCRIPT_NAME": _unquote_to_wsgi(quote(self.script_root, safe=_PATH_SAFE)),
            "PATH_INFO": path,
            "QUERY_STRING": self.query_string,
            "REQUEST_URI": raw_path + (f"?{self.query_string}" if self.query_string else ""),
            "SERVER_NAME": host,
            "SERVER_PORT": port or ("443" if self.url_scheme == "https" else "80"),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": self.host,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": self.url_scheme,
            "wsgi.input": self.input_stream,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        environ.update(self.environ_base)
        if self.content_type:
            environ["CONTENT_TYPE"] = self.content_type
        if self.content_length is not None:
            environ["CONTENT_LENGTH"] = str(self.content_length)
        elif self.input_stream is not None and "CONTENT_LENGTH" not in environ:
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

    def close(self) -> None:
        self._closing.close()


def _unquote_to_wsgi(path: str) -> str:
    """Percent-decode a path to bytes and spell them as latin-1, as WSGI servers do."""
    from urllib.parse import unquote_to_bytes

    return unquote_to_bytes(path).decode("latin-1")


class TestResponse(Response):
    """A response as a test sees it, with the request that led to it and earlier redirects."""

    __test__ = False
    #: The response is shown exactly as the app sent it: no Content-Type is added.
    default_mimetype = None

    request: t.Any
    history: tuple[TestResponse, ...]

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
    expires: float | None = None
    secure: bool = False
    http_only: bool = False
    same_site: str | None = None

    @property
    def decoded_value(self) -> str:
        return _decode_cookie_value(self.value)


def _decode_cookie_value(value: str) -> str:
    parsed: SimpleCookie = SimpleCookie()
    try:
        parsed.load(f"x={value}")
    except Exception:
        return value
    morsel = parsed.get("x")
    return morsel.value if morsel is not None else value


class ErlenClient:
    """Sends requests to an app in process and keeps cookies like a browser.

    By default requests go through the app's WSGI entry point, checked by ``wsgiref.validate``;
    with ``asgi=True`` they go through ``app.asgi`` on an event loop the client keeps.
    ``with client:`` keeps the last request's context open after the call, so the test can read
    ``request``, ``g`` and ``session`` afterwards.
    """

    __test__ = False

    #: The protocol when ``asgi`` is not given (the test suite flips it to run every HTTP test
    #: under both protocols).
    default_asgi = False

    def __init__(
        self,
        app: Erlen,
        use_cookies: bool = True,
        validate: bool = True,
        asgi: bool | None = None,
    ) -> None:
        self.app = app
        self.use_cookies = use_cookies
        self.validate = validate
        self.asgi = self.default_asgi if asgi is None else asgi
        self._loop: asyncio.AbstractEventLoop | None = (
            asyncio.new_event_loop() if self.asgi else None
        )
        self._cookies: dict[tuple[str, str, str], Cookie] = {}
        self._preserve = False
        self._kept: list[RequestContext] = []

    # cookies

    def set_cookie(
        self, key: str, value: str = "", *, domain: str = "localhost", path: str = "/"
    ) -> None:
        self._cookies[(domain, path, key)] = Cookie(key, value, domain, path)

    def get_cookie(self, key: str, domain: str = "localhost", path: str = "/") -> Cookie | None:
        """The cookie the jar would send, as a ``Cookie`` (``.value``, ``.path``, ...)."""
        self._expire()
        return self._cookies.get((domain, path, key))

    def delete_cookie(self, key: str, *, domain: str = "localhost", path: str = "/") -> None:
        self._cookies.pop((domain, path, key), None)

    def _expire(self) -> None:
        now = time()
        for key, cookie in list(self._cookies.items()):
            if cookie.expires is not None and cookie.expires <= now:
                del self._cookies[key]

    def _cookie_header(self, host: str, path: str, secure: bool) -> str | None:
        self._expire()
        host = host.split(":")[0]
        pairs = [
            f"{name}={cookie.value}"
            for (domain, cookie_path, name), cookie in self._cookies.items()
            if _domain_matches(host, domain)
            and (path == cookie_path or path.startswith(cookie_path.rstrip("/") + "/"))
            and (secure or not cookie.secure)
        ]
        return "; ".join(pairs) if pairs else None

    def _store_cookies(self, host: str, headers: Headers) -> None:
        host = host.split(":")[0]
        for header in headers.getlist("Set-Cookie"):
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(header)
            for name, morsel in parsed.items():
                domain = (morsel["domain"] or host).lstrip(".")
                path = morsel["path"] or "/"
                expires: float | None = None
                if morsel["max-age"]:
                    expires = time() + int(morsel["max-age"])
                elif morsel["expires"]:
                    from .http import parse_date

                    parsed_date = parse_date(morsel["expires"])
                    expires = parsed_date.timestamp() if parsed_date else None
                cookie = Cookie(
                    name,
                    morsel.coded_value,
                    domain,
                    path,
                    expires,
                    bool(morsel["secure"]),
                    bool(morsel["httponly"]),
                    morsel["samesite"] or None,
                )
                if expires is not None and expires <= time():
                    self._cookies.pop((domain, path, name), None)
                else:
                    self._cookies[(domain, path, name)] = cookie

    # requests

    def open(
        self,
        path: str = "/",
        method: str = "GET",
        *,
        follow_redirects: bool = False,
        buffered: bool = True,
        **kwargs: t.Any,
    ) -> TestResponse:
        """Send a request and return the response (``get``, ``post``, ... call this)."""
        self._release()
        builder = EnvironBuilder(self.app, path, method=method, **kwargs)
        response = self._send(builder)
        history: list[TestResponse] = []
        while follow_redirects and response.status_code in (301, 302, 303, 305, 307, 308):
            if len(history) >= 20:
                raise RuntimeError("The test client followed more than 20 redirects.")
            history.append(response)
            builder = self._redirect_builder(builder, response)
            self._release()
            response = self._send(builder)
        response.history = tuple(history)
        return response

    def _redirect_builder(self, previous: EnvironBuilder, response: TestResponse) -> EnvironBuilder:
        base = f"{previous.url_scheme}://{previous.host}{previous.script_root}{previous.path}"
        target = urlsplit(urljoin(base, response.headers["Location"]))
        if target.netloc and target.netloc != previous.host:
            raise RuntimeError(f"The test client cannot follow a redirect to {target.netloc!r}.")
        keep_body = response.status_code in (307, 308)
        method = previous.method if keep_body or previous.method == "HEAD" else "GET"
        path = target.path
        if previous.script_root and path.startswith(previous.script_root):
            path = path[len(previous.script_root) :] or "/"
        headers = Headers(previous.headers)
        if not keep_body:
            headers.remove("Content-Type")
            headers.remove("Content-Length")
        base_url = (
            f"{target.scheme or previous.url_scheme}://{previous.host}{previous.script_root}/"
        )
        builder = EnvironBuilder(
            self.app,
            path,
            base_url=base_url,
            query_string=target.query,
            method=method,
            headers=headers,
            data=previous.input_stream.getvalue() if keep_body else None,  # type: ignore[attr-defined]
            content_type=previous.content_type if keep_body else None,
        )
        return builder

    def _send(self, builder: EnvironBuilder) -> TestResponse:
        environ = builder.get_environ()
        if self.use_cookies:
            cookie = self._cookie_header(
                builder.host, builder.script_root + builder.path, builder.url_scheme == "https"
            )
            if cookie is not None:
                environ["HTTP_COOKIE"] = cookie
        if self.asgi:
            return self._send_asgi(builder, environ)
        if self._preserve:
            environ["erlen.preserve_context"] = self._kept.append
        status_headers: list[t.Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
        ) -> t.Callable[[bytes], None]:
            status_headers[:] = [status, headers]
            return _no_write

        app: t.Any = validator(self.app) if self.validate else self.app
        body_iter = app(environ, start_response)
        try:
            body = b"".join(body_iter)
        finally:
            close = getattr(body_iter, "close", None)
            if close is not None:
                close()
        status, headers = status_headers
        response = TestResponse([body], status, headers)
        response.request = _request_for(self.app, self._kept, environ)
        response.history = ()
        if self.use_cookies:
            self._store_cookies(builder.host, response.headers)
        builder.close()
        return response

    def _send_asgi(self, builder: EnvironBuilder, environ: dict[str, t.Any]) -> TestResponse:
        from .testing_asgi import run_http, scope_from_environ

        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
        scope = scope_from_environ(environ)
        kept: list[RequestContext] = []
        if self._preserve:
            scope["extensions"]["erlen.preserve_context"] = kept.append
        body = builder.input_stream.read()
        status, headers, data = run_http(self.app, self._loop, scope, body)
        for ctx in kept:
            ctx._tokens = [*ctx._tokens, _cv_context.set(ctx)]
            self._kept.append(ctx)
        response = TestResponse([data], status, headers)
        response.request = (
            kept[0].request if kept else self.app._asgi_request_class(scope, None, self.app._limits)
        )
        response.history = ()
        if self.use_cookies:
            self._store_cookies(builder.host, response.headers)
        builder.close()
        return response

    def websocket_connect(self, path: str = "/", **kwargs: t.Any) -> WebSocketSession:
        """Open a WebSocket to the app (always over ASGI): ``with client.websocket_connect(
        "/ws") as ws: ...``."""
        from .testing_asgi import WebSocketSession, scope_from_environ

        builder = EnvironBuilder(self.app, path, **kwargs)
        environ = builder.get_environ()
        if self.use_cookies:
            cookie = self._cookie_header(builder.host, builder.path, builder.url_scheme == "https")
            if cookie is not None:
                environ["HTTP_COOKIE"] = cookie
        return WebSocketSession(self.app, scope_from_environ(environ, "websocket"))

    @contextlib.contextmanager
    def session_transaction(self, *args: t.Any, **kwargs: t.Any) -> t.Iterator[t.Any]:
        """Read or change the session the client's next request will send::

            with client.session_transaction() as session:
                session["user_id"] = 1

        The session is opened from the client's cookies in a request context made from the
        arguments (as ``test_request_context`` takes them), and saved back into the cookie jar
        when the block ends.
        """
        if not self.use_cookies:
            raise TypeError("Sessions need cookies: create the client with use_cookies=True.")
        app = self.app
        builder = EnvironBuilder(app, *args, **kwargs)
        environ = builder.get_environ()
        builder.close()
        cookie = self._cookie_header(
            builder.host, builder.script_root + builder.path, builder.url_scheme == "https"
        )
        if cookie is not None:
            environ["HTTP_COOKIE"] = cookie
        interface = app.session_interface
        ctx = app.request_context(environ)
        with ctx:
            session = interface.open_session(app, ctx.request)
            if session is None:
                raise RuntimeError("The session interface could not open a session.")
            yield session
            response = app.response_class()
            if not interface.is_null_session(session):
                ctx.session = session
                app._save_session(ctx, response)
        self._store_cookies(builder.host, response.headers)

    def close(self) -> None:
        """Release the kept context and the client's event loop."""
        self._release()
        if self._loop is not None and not self._loop.is_closed():
            self._loop.close()

    def get(self, path: str = "/", **kw: t.Any) -> TestResponse:
        return self.open(path, method="GET", **kw)

    def post(self, path: str = "/", **kw: t.Any) -> TestResponse:
        return self.open(path, method="POST", **kw)

    def put(self, path: str = "/", **kw: t.Any) -> TestResponse:
        return self.open(path, method="PUT", **kw)

    def patch(self, path: str = "/", **kw: t.Any) -> TestResponse:
        return self.open(path, method="PATCH", **kw)

    def delete(self, path: str = "/", **kw: t.Any) -> TestResponse:
        return self.open(path, method="DELETE", **kw)

    def head(self, path: str = "/", **kw: t.Any) -> TestResponse:
        return self.open(path, method="HEAD", **kw)

    def options(self, path: str = "/", **kw: t.Any) -> TestResponse:
        return self.open(path, method="OPTIONS", **kw)

    def trace(self, path: str = "/", **kw: t.Any) -> TestResponse:
        return self.open(path, method="TRACE", **kw)

    # keeping the last context

    def _release(self) -> None:
        while self._kept:
            self._kept.pop().pop()

    def __enter__(self) -> ErlenClient:
        if self._preserve:
            raise RuntimeError("Cannot nest 'with client:' blocks.")
        self._preserve = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._preserve = False
        self._release()


def _request_for(app: Erlen, kept: list[RequestContext], environ: dict[str, t.Any]) -> t.Any:
    for ctx in kept:
        if ctx.request.environ is environ:
            return ctx.request
    from .wsgi import make_request

    return make_request(app, environ)


def _no_write(data: bytes) -> None:
    raise AssertionError("erlen never uses the WSGI write() callable.")


def _domain_matches(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


#: Flask's name, so ``from erlen.testing import FlaskClient`` works after an import swap.
FlaskClient = ErlenClient


class ErlenCliRunner(CliRunner):
    """Runs an app's CLI commands in tests: ``app.test_cli_runner().invoke(args=["hello"])``."""

    def __init__(self, app: Erlen, **kwargs: t.Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self, cli: t.Any = None, args: t.Any = None, **kwargs: t.Any
    ) -> Result:
        """Run ``cli`` (default: ``app.cli``) with ``args``; unless ``obj`` is given, commands
        load this app rather than looking for one."""
        from .cli import ScriptInfo

        if "obj" not in kwargs:
            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        return super().invoke(self.app.cli if cli is None else cli, args, **kwargs)


FlaskCliRunner = ErlenCliRunner
