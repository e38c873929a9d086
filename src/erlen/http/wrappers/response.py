"""The response object a view returns, or that ``make_response`` builds from what it returns.

A ``Response`` is a status, a ``Headers`` list and a body (a list of byte strings, or any
iterable for a streamed body). It knows nothing about WSGI or ASGI: the adapters read
``status``, ``headers`` and the body and write them out. Every header it sets goes through
``Headers``, which refuses CR, LF and NUL, so a response can never be split.

Werkzeug's WSGI methods (``__call__``, ``from_app``, ``force_type`` of a WSGI app,
``get_wsgi_headers``) and the app's ``MAX_COOKIE_SIZE`` go through ``erlen.http.slots``, which
the adapters, the test tools and the core fill: this module never reads an environ, runs an app
or reaches the request context. Conditional requests are answered by ``conditional``.
"""

from __future__ import annotations

import json as _json
import typing as t
from datetime import UTC, datetime, timedelta

from erlen.http import (
    COEP,
    COOP,
    HTTP_STATUS_CODES,
    dump_age,
    dump_cookie,
    dump_header,
    dump_options_header,
    generate_etag,
    http_date,
    parse_age,
    parse_cache_control_header,
    parse_content_range_header,
    parse_csp_header,
    parse_date,
    parse_options_header,
    parse_set_header,
    quote_etag,
    slots,
    unquote_etag,
)
from erlen.http.datastructures import (
    CallbackDict,
    ContentRange,
    Headers,
    ResponseCacheControl,
    WWWAuthenticate,
)
from erlen.http.exceptions import use_response_class
from erlen.http.wrappers.conditional import make_conditional
from erlen.http.wrappers.header_fields import (
    header_property,
    header_set_property,
    structured_header_property,
)

if t.TYPE_CHECKING:
    from erlen.http.wrappers.request import Request

BodyType = bytes | str | t.Iterable[bytes] | t.Iterable[str] | None
HeadersType = Headers | t.Mapping[str, t.Any] | t.Iterable[tuple[str, t.Any]] | None

_TEXT_CT = "text/html; charset=utf-8"
#: ``{404: "404 NOT FOUND", ...}``: the status lines of the known codes, as Werkzeug spells them.
# PERF: built once, so neither a response nor an adapter formats a status line per request
# (the WSGI adapter reads it directly); measure with
# `.venv/bin/python benchmarks/instructions.py wsgi hello`.
STATUS_LINES: dict[int, str] = {
    code: f"{code} {phrase.upper()}" for code, phrase in HTTP_STATUS_CODES.items()
}


def status_line(code: int) -> str:
    """``"404 NOT FOUND"`` for 404, as Werkzeug spells it; ``"599 UNKNOWN"`` for unknown codes."""
    line = STATUS_LINES.get(code)
    if line is None:
        line = f"{code} UNKNOWN"
    return line


def content_type_for(mimetype: str) -> str:
    """Add ``charset=utf-8`` to textual mimetypes, as Flask does."""
    if mimetype.startswith("text/") or mimetype in _CHARSET_MIMETYPES:
        return f"{mimetype}; charset=utf-8"
    return mimetype


_CHARSET_MIMETYPES = frozenset(
    {
        "application/ecmascript",
        "application/javascript",
        "application/sql",
        "application/xml",
        "application/xml-dtd",
        "application/xml-external-parsed-entity",
    }
)


class Response:
    """An HTTP response: ``Response(body, status=200, headers=None, mimetype=None,
    content_type=None)``.

    ``body`` may be ``str`` (encoded as UTF-8), ``bytes``, or an iterable of either for a streamed
    body. Text responses get ``Content-Length``; streamed ones do not.
    """

    __slots__ = (
        "__dict__",
        "_custom_status",
        "_on_close",
        "_status_code",
        "direct_passthrough",
        "headers",
        "response",
    )

    default_status = 200
    default_mimetype: str | None = "text/html"

    @property
    def max_cookie_size(self) -> int:
        """The largest ``Set-Cookie`` value allowed (``MAX_COOKIE_SIZE``; 4093 without an app:
        the core fills ``slots.max_cookie_size``)."""
        return slots.max_cookie_size()

    #: Make a relative ``Location`` absolute in ``get_wsgi_headers`` (browsers resolve
    #: relative ones themselves, so erlen leaves them, as Werkzeug 2.1+ does).
    autocorrect_location_header = False
    #: ``get_wsgi_headers`` adds a ``Content-Length`` to a body of known length.
    automatically_set_content_length = True
    #: Werkzeug's switch for reading a streamed body as a list; erlen always may.
    implicit_sequence_conversion = True

    def __init__(
        self,
        response: BodyType = None,
        status: int | str | None = None,
        headers: HeadersType = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        if headers is None:
            self.headers = Headers()
        elif isinstance(headers, Headers):
            self.headers = headers
        else:
            self.headers = Headers(headers)
        if content_type is None:
            if mimetype is None and "Content-Type" not in self.headers:
                mimetype = self.default_mimetype
            if mimetype is not None:
                content_type = _TEXT_CT if mimetype == "text/html" else content_type_for(mimetype)
        if content_type is not None:
            self.headers.set("Content-Type", content_type)
        self._custom_status: str | None = None
        if status is None:
            self._status_code = self.default_status
        elif type(status) is int:
            self._status_code = status
        else:
            self.status = status
        self.direct_passthrough = direct_passthrough
        self._on_close: list[t.Callable[[], t.Any]] | None = None
        if response is None:
            self.response: t.Iterable[bytes] = []
        elif isinstance(response, (str, bytes, bytearray)):
            self.set_data(response)
        elif isinstance(response, (list, tuple)):
            self.response = [_encode(chunk) for chunk in response]
        else:
            self.response = response  # type: ignore[assignment]

    @classmethod
    def _text(
        cls,
        body: bytes,
        status: int,
        content_type: str,
        extra: t.Sequence[tuple[str, str]] = (),
    ) -> Response:
        """The hot path of ``make_response``: a body already encoded, no user headers (``extra``
        are header pairs the framework built from its config, already valid)."""
        self = _new(cls)
        headers = _new(Headers)
        headers._list = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            *extra,
        ]
        self.headers = headers
        self._status_code = status
        self._custom_status = None
        self.direct_passthrough = False
        self._on_close = None
        self.response = [body]
        return self

    # status

    @property
    def status_code(self) -> int:
        return self._status_code

    @status_code.setter
    def status_code(self, code: int) -> None:
        self._status_code = int(code)
        self._custom_status = None

    @property
    def status(self) -> str:
        return self._custom_status or status_line(self._status_code)

    @status.setter
    def status(self, value: int | str) -> None:
        self._custom_status = None
        if isinstance(value, int):
            self._status_code = value
            return
        value = value.strip()
        if not value:
            raise ValueError("An empty status is not a valid HTTP status.")
        code, _, phrase = value.partition(" ")
        if not code.isdigit() or len(code) != 3:
            raise ValueError(f"{value!r} is not a valid HTTP status: it must start with 3 digits.")
        self._status_code = int(code)
        if phrase:
            if any(c in phrase for c in "\r\n\0"):
                raise ValueError("A status phrase may not contain CR, LF or NUL.")
            self._custom_status = f"{code} {phrase}"

    # body

    @property
    def is_streamed(self) -> bool:
        """True when the body is an iterator whose length is not known in advance."""
        return not isinstance(self.response, (list, tuple))

    def get_data(self, as_text: bool = False) -> t.Any:
        """The body as bytes (or text); a streamed body is read and kept."""
        body = self.response
        if not isinstance(body, list):
            body = self.response = [_encode(chunk) for chunk in body]
        data = b"".join(body)
        return data.decode() if as_text else data

    def set_data(self, value: bytes | str) -> None:
        value = value.encode() if isinstance(value, str) else bytes(value)
        self.response = [value]
        self.headers.set("Content-Length", str(len(value)))

    data = property(get_data, set_data, doc="The body as bytes; set it with a str or bytes.")

    def iter_encoded(self) -> t.Iterator[bytes]:
        for chunk in self.response:
            yield _encode(chunk)

    @property
    def is_sequence(self) -> bool:
        return not self.is_streamed

    def calculate_content_length(self) -> int | None:
        """The body's length in bytes (a streamed body is read and kept); None when the body
        passes through untouched (``direct_passthrough``, such as a file being sent)."""
        if self.direct_passthrough and self.is_streamed:
            return None
        return len(self.get_data())

    def freeze(self) -> None:
        """Read the body into memory and set ``Content-Length`` and an ``ETag`` (unless set),
        so the response can be cached or pickled."""
        self.response = list(self.iter_encoded())
        self.headers.set("Content-Length", str(sum(map(len, self.response))))
        self.add_etag()

    # WSGI, for code written against Werkzeug (the slots are filled by erlen.adapters.environ
    # and erlen.tools.testing_wsgi)

    @classmethod
    def force_type(cls, response: t.Any, environ: dict[str, t.Any] | None = None) -> Response:
        """``response`` as a ``cls``: a response object changes class in place (or, when the
        layouts differ, its state moves to a new ``cls`` instance); a WSGI application is run
        against ``environ`` first."""
        if not isinstance(response, Response):
            if environ is None:
                raise TypeError(
                    "A WSGI application can only become a response when run against an environ:"
                    " pass force_type(app, environ)."
                )
            response = Response(*slots.run_wsgi_app(response, environ, False))
        if isinstance(response, cls):
            return response
        try:
            response.__class__ = cls
        except TypeError:  # a subclass that adds slots (or __weakref__) has another layout
            converted = object.__new__(cls)
            for name in _STATE:
                object.__setattr__(converted, name, getattr(response, name))
            converted.__dict__.update(response.__dict__)
            return converted
        return t.cast(Response, response)

    @classmethod
    def from_app(
        cls,
        app: t.Callable[..., t.Iterable[bytes]],
        environ: dict[str, t.Any],
        buffered: bool = False,
    ) -> Response:
        """The response a WSGI application gives for ``environ``."""
        return cls(*slots.run_wsgi_app(app, environ, buffered))

    def get_wsgi_headers(self, environ: dict[str, t.Any]) -> Headers:
        """A copy of the headers as they should be sent for ``environ`` (no ``Content-Length``
        on 1xx and 204, no entity headers on 304, a computed ``Content-Length`` otherwise)."""
        return slots.wsgi_headers(self, environ)

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("Content-Length")
        if value is None or not value.isdigit():
            return None
        return int(value)

    @content_length.setter
    def content_length(self, value: int | None) -> None:
        if value is None:
            self.headers.remove("Content-Length")
        else:
            self.headers.set("Content-Length", str(value))

    # content type

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    @content_type.setter
    def content_type(self, value: str) -> None:
        self.headers.set("Content-Type", value)

    @property
    def mimetype(self) -> str | None:
        value = self.headers.get("Content-Type")
        return parse_options_header(value)[0] if value else None

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self.headers.set("Content-Type", content_type_for(value))

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The ``Content-Type`` parameters; editing the dict rewrites the header."""

        def write_back(params: dict[str, str]) -> None:
            self.headers.set("Content-Type", dump_options_header(self.mimetype, params))

        return CallbackDict(parse_options_header(self.headers.get("Content-Type"))[1], write_back)

    # headers as attributes (each reads and writes ``headers``; see header_fields)

    location: header_property[str] = header_property("Location", doc="Where to go next.")
    age = header_property("Age", None, parse_age, lambda age: str(dump_age(age)), "In seconds.")
    content_location: header_property[str] = header_property("Content-Location")
    content_encoding: header_property[str] = header_property("Content-Encoding")
    content_md5: header_property[str] = header_property("Content-MD5")
    date = header_property("Date", None, parse_date, http_date, "A datetime.")
    expires = header_property("Expires", None, parse_date, http_date, "A datetime.")
    last_modified = header_property("Last-Modified", None, parse_date, http_date, "A datetime.")
    accept_ranges: header_property[str] = header_property("Accept-Ranges", doc="bytes or none")
    vary = header_set_property("Vary", "The request headers the response depends on.")
    content_language = header_set_property("Content-Language", "The body's languages.")
    allow = header_set_property("Allow", "The methods the resource supports.")
    access_control_allow_headers = header_property(
        "Access-Control-Allow-Headers", None, parse_set_header, dump_header
    )
    access_control_allow_methods = header_property(
        "Access-Control-Allow-Methods", None, parse_set_header, dump_header
    )
    access_control_allow_origin: header_property[str] = header_property(
        "Access-Control-Allow-Origin"
    )
    access_control_expose_headers = header_property(
        "Access-Control-Expose-Headers", None, parse_set_header, dump_header
    )
    access_control_max_age = header_property("Access-Control-Max-Age", None, int, str)
    cross_origin_opener_policy = header_property(
        "Cross-Origin-Opener-Policy", COOP.UNSAFE_NONE, COOP, lambda policy: policy.value
    )
    cross_origin_embedder_policy = header_property(
        "Cross-Origin-Embedder-Policy", COEP.UNSAFE_NONE, COEP, lambda policy: policy.value
    )

    @property
    def access_control_allow_credentials(self) -> bool:
        return "Access-Control-Allow-Credentials" in self.headers

    @access_control_allow_credentials.setter
    def access_control_allow_credentials(self, value: bool | None) -> None:
        if value is True:
            self.headers.set("Access-Control-Allow-Credentials", "true")
        else:
            self.headers.remove("Access-Control-Allow-Credentials")

    @property
    def retry_after(self) -> datetime | None:
        """``Retry-After`` as a datetime (a number of seconds counts from now)."""
        value = self.headers.get("Retry-After")
        if value is None:
            return None
        if value.strip().isdigit() and value.isascii():
            return datetime.now(UTC) + timedelta(seconds=int(value))
        return parse_date(value)

    @retry_after.setter
    def retry_after(self, value: datetime | int | str | None) -> None:
        if value is None:
            self.headers.remove("Retry-After")
        else:
            self.headers.set(
                "Retry-After", http_date(value) if isinstance(value, datetime) else str(value)
            )

    cache_control = structured_header_property(
        "Cache-Control",
        lambda value, write_back: parse_cache_control_header(
            value, write_back, ResponseCacheControl
        ),
        "``Cache-Control``: ``response.cache_control.max_age = 60`` rewrites the header.",
    )
    content_range = structured_header_property(
        "Content-Range",
        lambda value, write_back: (
            parse_content_range_header(value, write_back)
            or ContentRange(None, None, None, on_update=write_back)
        ),
        "``Content-Range``, always an object (unset when there is no header).",
    )
    content_security_policy = structured_header_property(
        "Content-Security-Policy",
        parse_csp_header,
        "``Content-Security-Policy``; editing it rewrites the header.",
    )
    content_security_policy_report_only = structured_header_property(
        "Content-Security-Policy-Report-Only",
        parse_csp_header,
        "``Content-Security-Policy-Report-Only``; editing it rewrites the header.",
    )

    @property
    def www_authenticate(self) -> WWWAuthenticate:
        """The first ``WWW-Authenticate`` challenge (``Basic`` when there is none); editing it
        rewrites the header. Assign one, a list (one header each), or None."""
        value = WWWAuthenticate.from_header(self.headers.get("WWW-Authenticate"))
        if value is None:
            value = WWWAuthenticate("basic")
        value._on_update = self._set_www_authenticate
        return value

    @www_authenticate.setter
    def www_authenticate(self, value: WWWAuthenticate | list[WWWAuthenticate] | None) -> None:
        if not value:
            self.headers.remove("WWW-Authenticate")
        elif isinstance(value, list):
            self.headers.setlist("WWW-Authenticate", [item.to_header() for item in value])
        else:
            self._set_www_authenticate(value)
            value._on_update = self._set_www_authenticate

    @www_authenticate.deleter
    def www_authenticate(self) -> None:
        self.headers.remove("WWW-Authenticate")

    def _set_www_authenticate(self, value: WWWAuthenticate) -> None:
        self.headers.set("WWW-Authenticate", value.to_header())

    # ETags

    def set_etag(self, etag: str, weak: bool = False) -> None:
        self.headers.set("ETag", quote_etag(etag, weak))

    def get_etag(self) -> tuple[str, bool] | tuple[None, None]:
        """``(etag, is_weak)``, or ``(None, None)`` without an ``ETag``."""
        return unquote_etag(self.headers.get("ETag"))

    def add_etag(self, overwrite: bool = False, weak: bool = False) -> None:
        """Set an ``ETag`` computed from the body, unless there is one (or ``overwrite``)."""
        if overwrite or "ETag" not in self.headers:
            self.set_etag(generate_etag(self.get_data()), weak)

    @property
    def is_json(self) -> bool:
        mimetype = self.mimetype or ""
        return mimetype == "application/json" or (
            mimetype.startswith("application/") and mimetype.endswith("+json")
        )

    @property
    def json(self) -> t.Any:
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False) -> t.Any:
        """The body parsed as JSON (used mostly by tests); None when the response is not JSON."""
        if not (force or self.is_json):
            return None
        try:
            return _json.loads(self.get_data())
        except ValueError:
            if silent:
                return None
            raise

    # cookies

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: timedelta | int | None = None,
        expires: str | datetime | int | float | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header. A name or value that would split the header, or a cookie
        the browser would drop for its size, raises ``ValueError`` here."""
        self.headers.add(
            "Set-Cookie",
            dump_cookie(
                key,
                value,
                max_age=max_age,
                expires=expires,
                path=path,
                domain=domain,
                secure=secure,
                httponly=httponly,
                max_size=self.max_cookie_size,
                samesite=samesite,
                partitioned=partitioned,
            ),
        )

    def delete_cookie(
        self,
        key: str,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Tell the browser to forget a cookie (an empty value that expired in 1970)."""
        self.set_cookie(
            key,
            expires=0,
            max_age=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    # conditional requests

    def make_conditional(
        self,
        request_or_environ: Request | dict[str, t.Any],
        accept_ranges: bool | str = False,
        complete_length: int | None = None,
    ) -> Response:
        """Answer the request's ``If-None-Match``, ``If-Modified-Since``, ``If-Match`` and (with
        ``accept_ranges``) ``Range`` headers from this response's ``ETag`` and
        ``Last-Modified``: 304, 412 or 206, in place. See
        ``erlen.http.wrappers.conditional.make_conditional``."""
        return make_conditional(self, request_or_environ, accept_ranges, complete_length)

    # lifetime

    def call_on_close(self, func: t.Callable[[], t.Any]) -> t.Callable[[], t.Any]:
        """Run ``func`` once the server is done with the body (also usable as a decorator)."""
        if self._on_close is None:
            self._on_close = []
        self._on_close.append(func)
        return func

    def close(self) -> None:
        close = getattr(self.response, "close", None)
        if close is not None:
            close()
        if self._on_close is not None:
            callbacks, self._on_close = self._on_close, None
            for func in callbacks:
                func()

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __call__(
        self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]
    ) -> t.Iterable[bytes]:
        """A response is also a WSGI application that sends itself."""
        return slots.send_response(self, environ, start_response)

    def __repr__(self) -> str:
        size = "streamed" if self.is_streamed else f"{len(self.get_data())} bytes"
        return f"<{type(self).__name__} {size} [{self.status}]>"


_new = object.__new__

# The slots of ``Response``, copied by ``force_type`` when an instance cannot change class.
_STATE = tuple(name for name in Response.__slots__ if name != "__dict__")

use_response_class(Response)


def _encode(chunk: bytes | str) -> bytes:
    if isinstance(chunk, str):
        return chunk.encode()
    return chunk
