"""HTTP errors as Python exceptions: the `HTTPException` hierarchy, `abort` and `Aborter`.

Owns one exception class per standard error status (Werkzeug's names and semantics, so Flask
code that catches `NotFound` or calls `abort(404)` works unchanged) and the small HTML page each
one renders. Every description is HTML-escaped before it reaches a body, whoever wrote it.

Beyond Werkzeug, an error may carry a `hint` for the developer (which setting or decorator
changes the outcome) and a `refusal` (the name of the protection that refused the request).
This module only holds them: the app decides who sees a hint (debug mode, the log) and logs
refusals, since a visitor must never be shown the app's configuration.
Never reads `environ` or `scope` (the arguments exist only for Werkzeug compatibility). The
error pages are `Response` objects, but `erlen.http.wrappers.response` imports this module (through
the datastructures), so it cannot be imported here: it hands its class over with
`use_response_class` when it is imported, which is always before an error renders.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from markupsafe import Markup, escape

from erlen.http.dates import http_date
from erlen.http.status import HTTP_STATUS_CODES

if TYPE_CHECKING:
    from collections.abc import Iterable

    from erlen.http.wrappers import Request, Response

__all__ = [
    "Aborter",
    "BadGateway",
    "BadHost",
    "BadRequest",
    "BadRequestKeyError",
    "ClientDisconnected",
    "Conflict",
    "ExpectationFailed",
    "FailedDependency",
    "Forbidden",
    "GatewayTimeout",
    "Gone",
    "HTTPException",
    "HTTPVersionNotSupported",
    "ImATeapot",
    "InternalServerError",
    "LengthRequired",
    "Locked",
    "MethodNotAllowed",
    "MisdirectedRequest",
    "NotAcceptable",
    "NotFound",
    "NotImplemented",
    "PreconditionFailed",
    "PreconditionRequired",
    "RequestEntityTooLarge",
    "RequestHeaderFieldsTooLarge",
    "RequestTimeout",
    "RequestURITooLarge",
    "RequestedRangeNotSatisfiable",
    "SecurityError",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "UnavailableForLegalReasons",
    "UnprocessableEntity",
    "UnsupportedMediaType",
    "abort",
    "default_exceptions",
]

_Env = dict[str, Any] | None
_BR = Markup("<br>")


_DEFAULT_BODIES: dict[type[HTTPException], bytes] = {}
_response_class: type[Response]


def use_response_class(cls: type[Response]) -> None:
    """Build error pages with ``cls``: ``erlen.http.wrappers.response`` calls this with
    ``Response`` when it is imported (it imports this module, so the dependency is inverted)."""
    global _response_class
    _response_class = cls


class HTTPException(Exception):
    """Base class of every HTTP error; `get_response()` turns it into an error page.

    `code` and `description` are class attributes a subclass sets; `description` may be
    overridden per instance. An instance built with `response=` renders that response as is.
    """

    code: int | None = None
    description: str | None = None
    #: For the developer, never for a visitor: what to change (a setting, a decorator) for
    #: this request to pass. Shown on the error page in debug mode and written in the log.
    hint: str | None = None
    #: The protection that refused the request ("cross-origin request", "rate limit"); when
    #: set, the app logs a warning naming it and the request, in every mode.
    refusal: str | None = None

    def __init__(self, description: str | None = None, response: Response | None = None) -> None:
        super().__init__()
        if description is not None:
            self.description = description
        self.response = response

    @property
    def name(self) -> str:
        """The reason phrase of `code`, e.g. "Not Found"."""
        if self.code is None:
            return "Unknown Error"
        return HTTP_STATUS_CODES.get(self.code, "Unknown Error")

    def get_hint(self, request: Request | None = None) -> str | None:
        """The developer's hint for this error raised while handling `request`: `hint` by
        default; a subclass may work one out from the request (see `RequestEntityTooLarge`)."""
        return self.hint

    def get_description(self, environ: _Env = None, scope: _Env = None) -> str:
        """The description as an HTML paragraph: escaped, newlines turned into `<br>`."""
        html = escape(self.description or "").replace("\n", _BR)
        return f"<p>{html}</p>"

    def get_body(self, environ: _Env = None, scope: _Env = None) -> str:
        """The HTML error page."""
        name = escape(self.name)
        return (
            "<!doctype html>\n<html lang=en>\n"
            f"<title>{self.code} {name}</title>\n<h1>{name}</h1>\n"
            f"{self.get_description(environ, scope)}\n"
        )

    def get_headers(self, environ: _Env = None, scope: _Env = None) -> list[tuple[str, str]]:
        """The headers of the error page; subclasses append theirs."""
        return [("Content-Type", "text/html; charset=utf-8")]

    def get_response(self, environ: _Env = None, scope: _Env = None) -> Response:
        """The response to send: the one given at construction, else the HTML error page."""
        if self.response is not None:
            return self.response
        Response = _response_class
        cls = type(self)
        if (
            "description" not in self.__dict__
            and cls.get_body is HTTPException.get_body
            and cls.get_description is HTTPException.get_description
            and cls.get_headers is HTTPException.get_headers
            and self.code is not None
        ):
            # PERF: the page of an error with its class's own text never changes, so it is
            # rendered and encoded once per class (instead of get_body + Response(...) per 404)
            # and sent through the Response._text fast path; measure with
            # `.venv/bin/python benchmarks/instructions.py wsgi not-found`.
            body = _DEFAULT_BODIES.get(cls)
            if body is None:
                body = _DEFAULT_BODIES[cls] = self.get_body().encode()
            return Response._text(body, self.code, "text/html; charset=utf-8")
        headers = self.get_headers(environ, scope)
        return Response(self.get_body(environ, scope), self.code, headers)

    def __str__(self) -> str:
        code = "???" if self.code is None else self.code
        return f"{code} {self.name}: {self.description}"

    def __repr__(self) -> str:
        code = "???" if self.code is None else self.code
        return f"<{type(self).__name__} '{code}: {self.name}'>"


class BadRequest(HTTPException):
    """400: the request is malformed or cannot be handled as sent."""

    code = 400
    description = "The request was malformed or invalid, so the server could not process it."


class BadRequestKeyError(BadRequest, KeyError):
    """A missing key in request data: a `KeyError` for Python code and a 400 for the client.

    The key appears in the description only when `show_exception` is true (Flask sets it in
    debug mode), so a production page does not echo the application's field names.
    """

    show_exception = False
    _description = BadRequest.description

    def __init__(
        self,
        arg: object = None,
        description: str | None = None,
        response: Response | None = None,
    ) -> None:
        super().__init__(description, response)
        if arg is None:
            KeyError.__init__(self)
        else:
            KeyError.__init__(self, arg)

    @property
    def description(self) -> str:
        if self.show_exception:
            return f"{self._description}\nMissing key: {KeyError.__str__(self)}"
        return self._description

    @description.setter
    def description(self, value: str) -> None:
        self._description = value


class ClientDisconnected(BadRequest):
    """400 raised when the client went away mid-request; there is nobody left to answer."""


class SecurityError(BadRequest):
    """400 raised when a request trips a security check."""


class BadHost(BadRequest):
    """400 raised when the Host header is malformed or not trusted."""


class Unauthorized(HTTPException):
    """401; `www_authenticate` (one value or several) sets the WWW-Authenticate header(s)."""

    code = 401
    description = (
        "You must sign in to access this resource. The credentials sent were missing or were not"
        " accepted."
    )

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        www_authenticate: str | Iterable[str] | None = None,
    ) -> None:
        super().__init__(description, response)
        if isinstance(www_authenticate, str):
            www_authenticate = (www_authenticate,)
        self.www_authenticate = www_authenticate

    def get_headers(self, environ: _Env = None, scope: _Env = None) -> list[tuple[str, str]]:
        headers = super().get_headers(environ, scope)
        if self.www_authenticate:
            headers.extend(("WWW-Authenticate", str(value)) for value in self.www_authenticate)
        return headers


class Forbidden(HTTPException):
    code = 403
    description = "Access to this resource is not allowed with your current permissions."


class NotFound(HTTPException):
    code = 404
    description = "Nothing exists at this address. Check the URL for typos and try again."


class MethodNotAllowed(HTTPException):
    """405: the URL exists but not for this method; `valid_methods` fill the `Allow` header."""

    code = 405
    description = "This URL does not accept the request method that was used."

    def __init__(
        self,
        valid_methods: Iterable[str] | None = None,
        description: str | None = None,
        response: Response | None = None,
    ) -> None:
        super().__init__(description, response)
        # A list, so a generator argument still yields its methods on every render.
        self.valid_methods = None if valid_methods is None else list(valid_methods)

    def get_headers(self, environ: _Env = None, scope: _Env = None) -> list[tuple[str, str]]:
        headers = super().get_headers(environ, scope)
        if self.valid_methods:
            headers.append(("Allow", ", ".join(self.valid_methods)))
        return headers


class NotAcceptable(HTTPException):
    code = 406
    description = (
        "The server cannot produce a response in any format that the request's Accept headers"
        " allow."
    )


class RequestTimeout(HTTPException):
    code = 408
    description = (
        "The request took too long to arrive, so the server stopped waiting and closed the"
        " connection. Please send it again."
    )


class Conflict(HTTPException):
    code = 409
    description = (
        "The request conflicts with the current state of the resource, which may have changed while"
        " the request was being handled."
    )


class Gone(HTTPException):
    code = 410
    description = (
        "This resource has been removed for good, and no new address is known. If a link led you"
        " here, that link is out of date."
    )


class LengthRequired(HTTPException):
    """411. The description names the header in plain text: markup would be escaped."""

    code = 411
    description = "The request must state the size of its body in a valid Content-Length header."


class PreconditionFailed(HTTPException):
    code = 412
    description = (
        "A condition set in the request's headers was not met, so the request was not carried out."
    )


class RequestEntityTooLarge(HTTPException):
    """413. Its hint names the limits the request was held to (the settings behind
    `request.max_content_length`, `max_form_memory_size` and `max_form_parts`)."""

    code = 413
    description = "The request body is larger than the server accepts."
    refusal = "request body too large"

    def get_hint(self, request: Request | None = None) -> str | None:
        if self.hint is not None or request is None:
            return self.hint
        size = request.content_length
        whole, memory, parts = (
            request.max_content_length,
            request.max_form_memory_size,
            request.max_form_parts,
        )
        if size is not None and whole is not None and size > whole:
            # The one case the declared length settles; otherwise any of the limits may apply.
            return (
                f"The body declares {size} bytes and MAX_CONTENT_LENGTH is {whole}: raise"
                " MAX_CONTENT_LENGTH in the config (None lifts the limit), or set"
                " request.max_content_length in the one view that takes large bodies."
            )
        declared = "no Content-Length" if size is None else f"Content-Length {size}"
        return (
            f"The request has {declared}. The body limits are MAX_CONTENT_LENGTH ({whole} bytes,"
            f" the whole body), MAX_FORM_MEMORY_SIZE ({memory} bytes, a urlencoded form or one"
            f" multipart field held in memory) and MAX_FORM_PARTS ({parts} form fields): raise"
            " the one the message above names in the config (None lifts it), or set it on"
            " request (request.max_content_length, ...) in the one view that needs more."
        )


class RequestURITooLarge(HTTPException):
    code = 414
    description = "The URL is longer than the server accepts. Try a shorter one."


class UnsupportedMediaType(HTTPException):
    code = 415
    description = "The format of the request body is not one the server accepts."


class RequestedRangeNotSatisfiable(HTTPException):
    """416: the Range asked for lies outside the resource; `length` sets `Content-Range`."""

    code = 416
    description = "The requested range lies outside the bounds of this resource."

    def __init__(
        self,
        length: int | None = None,
        units: str = "bytes",
        description: str | None = None,
        response: Response | None = None,
    ) -> None:
        super().__init__(description, response)
        self.length = length
        self.units = units

    def get_headers(self, environ: _Env = None, scope: _Env = None) -> list[tuple[str, str]]:
        headers = super().get_headers(environ, scope)
        if self.length is not None:
            headers.append(("Content-Range", f"{self.units} */{self.length}"))
        return headers


class ExpectationFailed(HTTPException):
    code = 417
    description = "The server cannot meet the expectation stated in the request's Expect header."


class ImATeapot(HTTPException):
    code = 418
    description = "This server is a teapot; it cannot brew coffee."


class MisdirectedRequest(HTTPException):
    code = 421
    description = "This request reached a server that cannot respond for the requested host."


class UnprocessableEntity(HTTPException):
    code = 422
    description = (
        "The request is formatted correctly, but its content has errors that stop it from being"
        " processed."
    )


class Locked(HTTPException):
    code = 423
    description = "This resource is locked and cannot be accessed right now."


class FailedDependency(HTTPException):
    code = 424
    description = "The request could not be completed because another action it depended on failed."


class PreconditionRequired(HTTPException):
    code = 428
    description = (
        "This request must be conditional. Send it again with an If-Match or If-Unmodified-Since"
        " header."
    )


class _RetryAfter(HTTPException):
    """Adds `retry_after` (int seconds or datetime) -> `Retry-After`; unlike Werkzeug, 0 is sent."""

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        retry_after: datetime | int | None = None,
    ) -> None:
        super().__init__(description, response)
        self.retry_after = retry_after

    def get_headers(self, environ: _Env = None, scope: _Env = None) -> list[tuple[str, str]]:
        headers = super().get_headers(environ, scope)
        if isinstance(self.retry_after, datetime):
            headers.append(("Retry-After", http_date(self.retry_after)))
        elif self.retry_after is not None:
            headers.append(("Retry-After", str(int(self.retry_after))))
        return headers


class TooManyRequests(_RetryAfter):
    """429: the client is over its rate limit; `retry_after` says when to come back."""

    code = 429
    description = "Too many requests were sent in a short time. Wait a while before trying again."


class RequestHeaderFieldsTooLarge(HTTPException):
    code = 431
    description = "The request's headers are too large for the server to process."


class UnavailableForLegalReasons(HTTPException):
    code = 451
    description = "This resource cannot be provided for legal reasons."


class InternalServerError(HTTPException):
    """500: the application failed; `original_exception` keeps the error that caused it."""

    code = 500
    description = (
        "Something went wrong on the server, and the request could not be completed. Please try"
        " again later."
    )

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        original_exception: BaseException | None = None,
    ) -> None:
        self.original_exception = original_exception
        super().__init__(description, response)


class NotImplemented(HTTPException):
    """501. Werkzeug's name; it shadows the builtin `NotImplemented` in this module only."""

    code = 501
    description = "The server does not support the feature needed to handle this request."


class BadGateway(HTTPException):
    code = 502
    description = "The server got an invalid response from another server it relies on."


class ServiceUnavailable(_RetryAfter):
    """503: temporarily unable to serve; `retry_after` says when to come back."""

    code = 503
    description = (
        "The server cannot handle requests right now because it is overloaded or down for"
        " maintenance. Please try again later."
    )


class GatewayTimeout(HTTPException):
    code = 504
    description = "Another server that this request depends on took too long to respond."


class HTTPVersionNotSupported(HTTPException):
    code = 505
    description = "The HTTP version of this request is not supported by the server."


def _collect(base: type[HTTPException], into: dict[int, type[HTTPException]]) -> None:
    # Parents are visited before their subclasses, so 400 maps to BadRequest, not to
    # BadRequestKeyError.
    for cls in base.__subclasses__():
        if cls.code is not None:
            into.setdefault(cls.code, cls)
        _collect(cls, into)


#: Status code -> the exception class `abort` raises for it.
default_exceptions: dict[int, type[HTTPException]] = {}
_collect(HTTPException, default_exceptions)


class Aborter:
    """A callable that raises the exception mapped to a status code, as `abort` does.

    `mapping` defaults to a copy of `default_exceptions`; `extra` adds or overrides codes.
    """

    def __init__(
        self,
        mapping: dict[int, type[HTTPException]] | None = None,
        extra: dict[int, type[HTTPException]] | None = None,
    ) -> None:
        self.mapping = dict(default_exceptions if mapping is None else mapping)
        if extra is not None:
            self.mapping.update(extra)

    def __call__(self, code: int | Response, *args: Any, **kwargs: Any) -> NoReturn:
        if not isinstance(code, int):
            if isinstance(code, _response_class):
                raise HTTPException(response=code)
        elif code in self.mapping:
            raise self.mapping[code](*args, **kwargs)
        raise LookupError(f"no exception for {code!r}")


_aborter = Aborter()


def abort(status: int | Response, *args: Any, **kwargs: Any) -> NoReturn:
    """Raise the HTTPException for `status` (extra arguments go to its constructor), or
    raise an HTTPException carrying `status` when it is a Response.

    `abort(404)`, `abort(404, "No such user")`, `abort(Response("gone", 410))`. A code with no
    exception class raises LookupError.
    """
    _aborter(status, *args, **kwargs)
