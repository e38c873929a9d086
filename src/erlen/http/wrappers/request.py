"""The request a view reads: method, URL, headers, cookies, query string and body.

A protocol adapter builds a ``Request`` from what the server handed it (a WSGI environ, or an
ASGI scope and its body) and the core reads only this object. Nothing is parsed until it is
asked for: ``request.form`` parses the body once, on first access, within the app's limits
(``MAX_CONTENT_LENGTH``, ``MAX_FORM_MEMORY_SIZE``, ``MAX_FORM_PARTS``), and malformed input becomes
a 4xx ``HTTPException``, never a 500. This module never talks to a server, reads an environ or
a scope, or reaches the request context: Werkzeug's ``Request(environ)``, ``from_values``,
``application`` and the WSGI server facts (``remote_user``, ``is_multithread``...) go through the
slots of ``erlen.http.slots``, which ``erlen.adapters.environ`` and ``erlen.tools.testing_wsgi``
fill; ``get_json`` decodes with ``slots.json_loads``, which the core sets to the app's provider.
"""

from __future__ import annotations

import io
import typing as t
from functools import cached_property
from urllib.parse import quote

from erlen.http import (
    parse_accept_header,
    parse_cache_control_header,
    parse_cookie,
    parse_date,
    parse_etags,
    parse_if_range_header,
    parse_options_header,
    parse_range_header,
    parse_set_header,
    slots,
)
from erlen.http.datastructures import (
    Accept,
    Authorization,
    CharsetAccept,
    CombinedMultiDict,
    FileStorage,
    Headers,
    ImmutableList,
    ImmutableMultiDict,
    LanguageAccept,
    MIMEAccept,
    MultiDict,
    RequestCacheControl,
)
from erlen.http.exceptions import (
    BadRequest,
    ClientDisconnected,
    HTTPException,
    UnsupportedMediaType,
)
from erlen.http.formparser import parse_form_data, parse_query_string
from erlen.http.hosts import check_host
from erlen.http.streams import LimitedStream, Readable
from erlen.http.wrappers.header_fields import optional, parsed_header
from erlen.http.wrappers.json_body import loads as _loads
from erlen.http.wrappers.user_agent import UserAgent

if t.TYPE_CHECKING:
    from erlen.http.routing import Rule
    from erlen.http.wrappers.response import Response

_FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}
_URL_SAFE = "/:@!$&'()*+,;=~"

Limits = tuple[int | None, int | None, int | None]
DEFAULT_LIMITS: Limits = (16 * 1024 * 1024, 500_000, 1000)


def _as_sent(value: str | None) -> str | None:
    return value


class Request:
    """An incoming HTTP request, as Flask's ``request`` exposes it.

    Adapters construct it; views read it through the ``request`` proxy (or take it as an
    argument). ``environ`` is the WSGI environ under WSGI, ``scope`` the ASGI scope under ASGI.

    ``Request(environ)``, as Werkzeug and Flask code write it, gives a request that reads that
    WSGI environ the way the WSGI adapter's requests do (an instance of a subclass made once
    per class, so ``isinstance`` holds); outside an app its limits are Werkzeug's defaults,
    inside one the app's config.
    """

    __slots__ = (
        "__dict__",
        "_input",
        "_input_terminated",
        "_limits",
        "_server",
        "_uploads",
        "environ",
        "headers",
        "method",
        "path",
        "query_string",
        "remote_addr",
        "root_path",
        "routing_exception",
        "scheme",
        "scope",
        "url_rule",
        "view_args",
    )

    parameter_storage_class = ImmutableMultiDict

    @property
    def received_method(self) -> str:
        """The method as the client sent it. It differs from ``method`` only for a HEAD routed
        to a rule that does not list HEAD: the view runs it as a GET, while the response still
        leaves out the body and ignores ``Range``, as HTTP says of HEAD."""
        method: str = self.__dict__.get("_received_method", self.method)
        return method

    #: The class of ``cookies``.
    dict_storage_class: type[MultiDict[str, t.Any]] = ImmutableMultiDict
    #: The class of ``access_route``.
    list_storage_class: type[list[t.Any]] = ImmutableList
    #: The class ``user_agent`` is made of; a subclass may parse the string.
    user_agent_class: type[UserAgent] = UserAgent
    #: Host names ``host`` accepts (``.example.com`` allows subdomains); None accepts any. The
    #: app's ``TRUSTED_HOSTS`` already refuses other hosts before a view runs: this is for a
    #: request built outside an app (``Request(environ)``).
    trusted_hosts: list[str] | None = None
    #: A shallow request refuses to read its body (Werkzeug's ``shallow=True``).
    shallow = False

    def __init__(
        self,
        method: str | dict[str, t.Any],
        scheme: str = "http",
        server: tuple[str, str | None] | None = None,
        root_path: str = "",
        path: str = "/",
        query_string: bytes = b"",
        headers: Headers | None = None,
        remote_addr: str | None = None,
        input_stream: Readable | None = None,
        input_terminated: bool = False,
        limits: Limits = DEFAULT_LIMITS,
        environ: dict[str, t.Any] | None = None,
        scope: dict[str, t.Any] | None = None,
        *,
        populate_request: bool = True,
        shallow: bool = False,
    ) -> None:
        if not isinstance(method, str):
            # Werkzeug's ``Request(environ, populate_request, shallow)``, through the slot
            # erlen.adapters.environ fills; the adapters never come here (their subclasses have
            # their own __init__).
            if isinstance(scheme, bool):
                populate_request = scheme
            if isinstance(server, bool):
                shallow = server
            slots.read_environ(self, method, populate_request, shallow)
            return
        self.method = method
        self.scheme = scheme
        self._server = server
        self.root_path = root_path
        self.path = path
        self.query_string = query_string
        self.headers = headers if headers is not None else Headers()
        self.remote_addr = remote_addr
        self._input = input_stream
        self._input_terminated = input_terminated
        self._limits = limits
        self.environ = environ
        self.scope = scope
        self.url_rule: Rule | None = None
        self.view_args: dict[str, t.Any] | None = None
        self.routing_exception: HTTPException | None = None
        self._uploads: ImmutableMultiDict[str, FileStorage] | None = None

    @classmethod
    def from_values(cls, *args: t.Any, **kwargs: t.Any) -> Request:
        """A request built from the test tools' ``EnvironBuilder`` arguments (``path``,
        ``base_url``, ``query_string``, ``method``, ``data``, ``headers``, ...); the slot is
        filled by erlen.tools.testing_wsgi."""
        return slots.request_from_values(cls, *args, **kwargs)

    @classmethod
    def application(cls, view: t.Callable[..., Response]) -> t.Callable[..., t.Iterable[bytes]]:
        """Decorate ``view(request) -> Response`` into a WSGI application (the slot is filled
        by erlen.adapters.environ)."""
        return slots.wsgi_application(cls, view)

    # limits (per request, so a view may raise them for one upload endpoint)

    @property
    def max_content_length(self) -> int | None:
        return self._limits[0]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._limits = (value, self._limits[1], self._limits[2])

    @property
    def max_form_memory_size(self) -> int | None:
        return self._limits[1]

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._limits = (self._limits[0], value, self._limits[2])

    @property
    def max_form_parts(self) -> int | None:
        return self._limits[2]

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._limits = (self._limits[0], self._limits[1], value)

    # routing

    @property
    def endpoint(self) -> str | None:
        rule = self.url_rule
        return rule.endpoint if rule is not None else None

    @property
    def blueprint(self) -> str | None:
        """The name of the blueprint the matched endpoint belongs to (innermost)."""
        endpoint = self.endpoint
        if endpoint is not None and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """Every blueprint the endpoint is in, innermost first: ``["a.b", "a"]``."""
        name = self.blueprint
        if name is None:
            return []
        names = [name]
        while "." in name:
            name = name.rpartition(".")[0]
            names.append(name)
        return names

    # URL

    @property
    def host(self) -> str:
        """The ``Host`` header, or the server's name and port when the client sent none.
        With ``trusted_hosts`` set, any other host raises ``BadHost`` (400)."""
        host = self.headers.get("Host")
        if not host:
            host = self._server_host()
        if self.trusted_hosts is not None:
            self._check_trusted(host)
        return host

    def _server_host(self) -> str:
        server = self._server
        if server is None:
            return ""
        name, port = server
        if port is None or _DEFAULT_PORTS.get(self.scheme) == port:
            return name
        return f"{name}:{port}"

    def _check_trusted(self, host: str) -> None:
        # The same rule as the app's TRUSTED_HOSTS gate (erlen.security.hosts re-exports it).
        check_host(host, tuple(self.trusted_hosts or ()))

    @property
    def server(self) -> tuple[str, int | None] | None:
        """The server's ``(host, port)`` as the server reported it, if it did."""
        server = self._server
        if server is None:
            return None
        name, port = server
        return name, int(port) if port is not None and port.isdigit() else None

    @property
    def is_secure(self) -> bool:
        return self.scheme in ("https", "wss")

    @property
    def script_root(self) -> str:
        return self.root_path

    @property
    def full_path(self) -> str:
        return f"{self.path}?{self.query_string.decode('latin-1')}"

    @property
    def host_url(self) -> str:
        return f"{self.scheme}://{self.host}/"

    @property
    def root_url(self) -> str:
        return f"{self.scheme}://{self.host}{quote(self.root_path, safe=_URL_SAFE)}/"

    url_root = root_url

    @property
    def base_url(self) -> str:
        path = quote(self.root_path + self.path, safe=_URL_SAFE + "%")
        return f"{self.scheme}://{self.host}{path}"

    @property
    def url(self) -> str:
        query = self.query_string
        if query:
            return f"{self.base_url}?{query.decode('latin-1')}"
        return self.base_url

    # headers

    @cached_property
    def args(self) -> ImmutableMultiDict[str, str]:
        """The query string's parameters."""
        if not self.query_string:
            return self.parameter_storage_class()
        return self.parameter_storage_class(parse_query_string(self.query_string, self._limits[2]))

    @cached_property
    def cookies(self) -> ImmutableMultiDict[str, str]:
        cookies = parse_cookie(self.headers.get("Cookie"), self.dict_storage_class)
        return t.cast(ImmutableMultiDict[str, str], cookies)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    @cached_property
    def _parsed_content_type(self) -> tuple[str, dict[str, str]]:
        return parse_options_header(self.headers.get("Content-Type"))

    @property
    def mimetype(self) -> str:
        return self._parsed_content_type[0]

    @property
    def mimetype_params(self) -> dict[str, str]:
        return self._parsed_content_type[1]

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("Content-Length")
        if value is None:
            return None
        value = value.strip()
        # int() refuses over 4300 digits (a 500); no body is that long anyway.
        if not value.isdigit() or not value.isascii() or len(value) > 4300:
            return None
        return int(value)

    @property
    def content_encoding(self) -> str | None:
        return self.headers.get("Content-Encoding")

    @property
    def referrer(self) -> str | None:
        return self.headers.get("Referer")

    @cached_property
    def user_agent(self) -> UserAgent:
        return self.user_agent_class(self.headers.get("User-Agent", ""))

    @property
    def remote_user(self) -> str | None:
        """The user the server authenticated (``REMOTE_USER``), under WSGI."""
        if self.environ is None:
            return None
        user: str | None = slots.environ_fact(self.environ, "remote_user")
        return user

    @cached_property
    def access_route(self) -> list[str]:
        """The client's address, as a list (Werkzeug lists the ``X-Forwarded-For`` chain).

        erlen believes ``X-Forwarded-For`` only through ``TRUSTED_PROXIES``, which already put
        the client's address in ``remote_addr``: a chain any client can write is never handed
        out as addresses. The raw header is in ``headers``.
        """
        route = [self.remote_addr] if self.remote_addr is not None else []
        return self.list_storage_class(route)

    # WSGI server facts (False under ASGI, which has no such keys)

    def _environ_flag(self, name: str) -> bool:
        return bool(slots.environ_fact(self.environ, name)) if self.environ is not None else False

    is_multithread = property(lambda self: self._environ_flag("multithread"))
    is_multiprocess = property(lambda self: self._environ_flag("multiprocess"))
    is_run_once = property(lambda self: self._environ_flag("run_once"))

    # structured headers, parsed on first access

    authorization = parsed_header(
        "Authorization", Authorization.from_header, "The ``Authorization`` header, or None."
    )
    accept_mimetypes = parsed_header(
        "Accept", lambda v: parse_accept_header(v, MIMEAccept), "The ``Accept`` header."
    )
    accept_charsets = parsed_header(
        "Accept-Charset", lambda v: parse_accept_header(v, CharsetAccept), "``Accept-Charset``."
    )
    accept_encodings = parsed_header(
        "Accept-Encoding", lambda v: parse_accept_header(v, Accept), "``Accept-Encoding``."
    )
    accept_languages = parsed_header(
        "Accept-Language", lambda v: parse_accept_header(v, LanguageAccept), "``Accept-Language``."
    )
    cache_control = parsed_header(
        "Cache-Control",
        lambda v: parse_cache_control_header(v, None, RequestCacheControl),
        "The ``Cache-Control`` header, read-only.",
    )
    if_match = parsed_header("If-Match", parse_etags, "The ETags of ``If-Match``.")
    if_none_match = parsed_header("If-None-Match", parse_etags, "The ETags of ``If-None-Match``.")
    if_modified_since = parsed_header("If-Modified-Since", parse_date, "A datetime, or None.")
    if_unmodified_since = parsed_header("If-Unmodified-Since", parse_date, "A datetime, or None.")
    if_range = parsed_header("If-Range", parse_if_range_header, "The ``If-Range`` header.")
    range = parsed_header("Range", parse_range_header, "The ``Range`` header, or None.")
    date = parsed_header("Date", parse_date, "The ``Date`` header as a datetime, or None.")
    pragma = parsed_header("Pragma", lambda v: parse_set_header(v or ""), "The ``Pragma`` header.")
    max_forwards = parsed_header("Max-Forwards", optional(int), "``Max-Forwards``, or None.")
    content_md5 = parsed_header("Content-MD5", _as_sent, "The ``Content-MD5`` header.")
    origin = parsed_header("Origin", _as_sent, "The ``Origin`` header, or None.")
    access_control_request_headers = parsed_header(
        "Access-Control-Request-Headers",
        optional(parse_set_header),
        "The headers a CORS preflight request announces, or None.",
    )
    access_control_request_method = parsed_header(
        "Access-Control-Request-Method", _as_sent, "The method a CORS preflight announces."
    )

    @property
    def want_form_data_parsed(self) -> bool:
        """Whether the request has a body type at all (a ``Content-Type``)."""
        return bool(self.headers.get("Content-Type"))

    @property
    def is_json(self) -> bool:
        mimetype = self.mimetype
        return mimetype == "application/json" or (
            mimetype.startswith("application/") and mimetype.endswith("+json")
        )

    # body

    @cached_property
    def stream(self) -> t.BinaryIO:
        """The body, limited to its declared length and to ``max_content_length``.

        Reading it raises 413 as soon as the body is over the limit and 400 when it is cut short.
        """
        raw = self._input
        declared = self.headers.get("Content-Length")
        if raw is None:
            return io.BytesIO()
        if declared is not None:
            declared = declared.strip()
            if not declared.isdigit() or not declared.isascii() or len(declared) > 4300:
                raise BadRequest("The Content-Length header is not a whole number of bytes.")
            return t.cast(t.BinaryIO, LimitedStream(raw, int(declared), self._limits[0]))
        if self._input_terminated:
            return t.cast(t.BinaryIO, LimitedStream(raw, None, self._limits[0]))
        return io.BytesIO()

    @property
    def input_stream(self) -> t.BinaryIO:
        return self.stream

    def get_data(
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> t.Any:
        """The whole body as bytes (or text with ``as_text``), read once and kept."""
        data: bytes | None = self.__dict__.get("_cached_data")
        if data is None:
            if parse_form_data:
                self._load_form_data()
                data = self.__dict__.get("_cached_data")
            if data is None:
                data = self._read_declared_body()
                if data is None:
                    data = self.stream.read()
                if cache:
                    self.__dict__["_cached_data"] = data
        return data.decode("utf-8", "replace") if as_text else data

    def _read_declared_body(self) -> bytes | None:
        """The body in bounded reads straight from the input when its length is declared and
        within the limit (the common case); None sends the caller through ``stream``, which
        handles everything else (no length, over the limit, a malformed length)."""
        raw = self._input
        if raw is None or "stream" in self.__dict__:
            return None
        length = self.content_length
        limit = self._limits[0]
        if length is None or (limit is not None and length > limit):
            return None
        parts = []
        remaining = length
        while remaining > 0:
            chunk = raw.read(remaining)
            if not chunk:
                raise ClientDisconnected(
                    "The client closed the connection before sending the whole request body."
                )
            parts.append(chunk)
            remaining -= len(chunk)
        return b"".join(parts)

    @property
    def data(self) -> bytes:
        return t.cast(bytes, self.get_data())

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        mimetype = self.mimetype
        if mimetype in _FORM_MIMETYPES:
            cached = self.__dict__.get("_cached_data")
            stream: t.Any = io.BytesIO(cached) if cached is not None else self.stream
            form, files = parse_form_data(
                stream,
                mimetype,
                self.mimetype_params,
                self.content_length,
                max_form_memory_size=self._limits[1],
                max_form_parts=self._limits[2],
            )
            self.__dict__["files"] = self._uploads = ImmutableMultiDict(files)
            self.__dict__["form"] = self.parameter_storage_class(form)
        else:
            self.__dict__["files"] = ImmutableMultiDict()
            self.__dict__["form"] = self.parameter_storage_class()

    @property
    def form(self) -> ImmutableMultiDict[str, str]:
        """Fields of a URL-encoded or multipart body (files are in ``files``)."""
        self._load_form_data()
        return t.cast(ImmutableMultiDict[str, str], self.__dict__["form"])

    @property
    def files(self) -> ImmutableMultiDict[str, FileStorage]:
        """Uploaded files of a multipart body, as ``FileStorage`` objects."""
        self._load_form_data()
        return t.cast(ImmutableMultiDict[str, FileStorage], self.__dict__["files"])

    @property
    def values(self) -> CombinedMultiDict[str, str]:
        """``args`` and ``form`` together (only ``args`` for GET, as in Werkzeug)."""
        if self.method == "GET":
            return CombinedMultiDict([self.args])
        return CombinedMultiDict([self.args, self.form])

    @property
    def json(self) -> t.Any:
        """The body parsed as JSON; 415 if the request is not JSON, 400 if it does not parse."""
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> t.Any:
        cache_key = "_json_silent" if silent else "_json"
        cached = self.__dict__.get(cache_key, _missing)
        if cached is not _missing:
            return cached
        if not (force or self.is_json):
            if silent:
                return None
            return self.on_json_loading_failed(None)
        try:
            data = self.get_data(cache=cache)
            result = _loads(data, slots.json_loads)
        except (ValueError, RecursionError) as error:
            result = None if silent else self.on_json_loading_failed(error)
        except HTTPException:
            if silent:
                return None
            raise
        if cache:
            self.__dict__[cache_key] = result
        return result

    def on_json_loading_failed(self, error: Exception | None) -> t.Any:
        """Called when ``get_json`` cannot give JSON; raises 415 or 400 by default."""
        if error is None:
            raise UnsupportedMediaType(
                "Did not attempt to load JSON data because the request Content-Type was not"
                " 'application/json'."
            )
        if isinstance(error, RecursionError):
            raise BadRequest("Failed to decode JSON object: it is nested too deeply.")
        raise BadRequest(f"Failed to decode JSON object: {error}")

    @property
    def has_open_files(self) -> bool:
        """Whether the body was parsed into uploaded files that still need closing."""
        return bool(self._uploads)

    def close(self) -> None:
        """Close the uploaded files' temporary storage."""
        self._close_uploads()

    def _close_uploads(self) -> None:
        files = self._uploads
        if files:
            for _key, value in files.items(multi=True):
                value.close()

    def __enter__(self) -> Request:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url!r} [{self.method}]>"


_missing: t.Any = object()


__all__ = ["Limits", "MultiDict", "Request", "UserAgent"]


SourceRequest = t.TypeVar("SourceRequest", bound=Request)


def request_class_over(
    source: type[SourceRequest], request_class: type[Request]
) -> type[SourceRequest]:
    """The app's ``request_class`` with its fields read by ``source``, the adapter's subclass
    that reads them from a WSGI environ or an ASGI scope; built once per app, so a user's
    subclass keeps its own methods and ``isinstance(request, request_class)`` holds."""
    if request_class is Request:
        return source
    combined = type(request_class.__name__, (source, request_class), {"__slots__": ()})
    return t.cast("type[SourceRequest]", combined)
