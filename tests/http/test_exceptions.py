"""Tests for erlen.http.exceptions: the HTTP error classes, their pages and headers, and abort."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from erlen.http import exceptions as exc
from erlen.http.exceptions import (
    Aborter,
    BadRequest,
    BadRequestKeyError,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    RequestedRangeNotSatisfiable,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    abort,
    default_exceptions,
)
from erlen.http.wrappers import Response

EXPECTED_CODES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    408: "RequestTimeout",
    409: "Conflict",
    410: "Gone",
    411: "LengthRequired",
    412: "PreconditionFailed",
    413: "RequestEntityTooLarge",
    414: "RequestURITooLarge",
    415: "UnsupportedMediaType",
    416: "RequestedRangeNotSatisfiable",
    417: "ExpectationFailed",
    418: "ImATeapot",
    421: "MisdirectedRequest",
    422: "UnprocessableEntity",
    423: "Locked",
    424: "FailedDependency",
    428: "PreconditionRequired",
    429: "TooManyRequests",
    431: "RequestHeaderFieldsTooLarge",
    451: "UnavailableForLegalReasons",
    500: "InternalServerError",
    501: "NotImplemented",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
    505: "HTTPVersionNotSupported",
}


def test_default_exceptions_maps_each_code_to_its_werkzeug_named_class() -> None:
    assert {code: cls.__name__ for code, cls in default_exceptions.items()} == EXPECTED_CODES
    for code, cls in default_exceptions.items():
        assert cls.code == code
        assert issubclass(cls, HTTPException)
        assert cls is getattr(exc, cls.__name__)


@pytest.mark.parametrize("name", ["ClientDisconnected", "SecurityError", "BadHost"])
def test_bad_request_variants_are_400(name: str) -> None:
    cls = getattr(exc, name)
    assert issubclass(cls, BadRequest)
    assert cls().code == 400
    assert cls().get_response().status_code == 400


@pytest.mark.parametrize("code", sorted(EXPECTED_CODES))
def test_every_exception_renders_its_status_and_name(code: int) -> None:
    error = default_exceptions[code]()
    response = error.get_response()
    assert response.status_code == code
    assert response.headers.get("Content-Type") == "text/html; charset=utf-8"
    body = response.get_data(as_text=True)
    assert f"<title>{code} " in body
    assert error.description
    assert error.name != "Unknown Error"


def test_name_is_the_reason_phrase() -> None:
    assert NotFound().name == "Not Found"
    assert exc.ImATeapot().name == "I'm a teapot"
    assert exc.RequestURITooLarge().name == "Request URI Too Long"


def test_name_of_an_unknown_or_missing_code() -> None:
    class Odd(HTTPException):
        code = 599

    assert Odd().name == "Unknown Error"
    assert HTTPException().name == "Unknown Error"


def test_str_and_repr() -> None:
    assert str(NotFound("gone fishing")) == "404 Not Found: gone fishing"
    assert str(NotFound()) == (
        "404 Not Found: Nothing exists at this address. Check the URL for typos and try again."
    )
    assert repr(NotFound()) == "<NotFound '404: Not Found'>"
    assert str(HTTPException()) == "??? Unknown Error: None"
    assert repr(HTTPException()) == "<HTTPException '???: Unknown Error'>"


def test_description_given_to_an_instance_does_not_change_the_class() -> None:
    custom = NotFound("No such user.")
    assert custom.description == "No such user."
    assert NotFound().description == NotFound.description != "No such user."


def test_get_body_is_a_small_html_page() -> None:
    assert NotFound("No such user.").get_body() == (
        "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n"
        "<h1>Not Found</h1>\n<p>No such user.</p>\n"
    )


def test_get_description_turns_newlines_into_br() -> None:
    assert BadRequest("one\ntwo").get_description() == "<p>one<br>two</p>"


XSS = "<script>alert('x')</script> & \"q\""


def test_description_is_escaped_in_the_body() -> None:
    body = BadRequest(XSS).get_body()
    assert "<script>" not in body
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;q&#34;" in body


def test_description_is_escaped_in_the_response() -> None:
    data = NotFound(XSS).get_response().get_data(as_text=True)
    assert "<script>" not in data
    assert "&lt;script&gt;" in data


def test_class_level_description_is_escaped_too() -> None:
    class Custom(NotFound):
        description = "<b>bold</b>"

    assert Custom().get_description() == "<p>&lt;b&gt;bold&lt;/b&gt;</p>"


def test_missing_description_gives_an_empty_paragraph() -> None:
    class Bare(HTTPException):
        code = 404

    assert Bare().get_description() == "<p></p>"


def test_get_headers_default() -> None:
    assert NotFound().get_headers() == [("Content-Type", "text/html; charset=utf-8")]


def test_get_response_builds_the_error_page() -> None:
    response = NotFound().get_response()
    assert isinstance(response, Response)
    assert response.status_code == 404
    assert response.status == "404 NOT FOUND"
    assert response.get_data(as_text=True) == NotFound().get_body()


def test_get_methods_accept_and_ignore_environ_and_scope() -> None:
    error = NotFound()
    environ = {"PATH_INFO": "/x"}
    scope = {"type": "http"}
    assert error.get_description(environ, scope) == error.get_description()
    assert error.get_body(environ, scope) == error.get_body()
    assert error.get_headers(environ=environ, scope=scope) == error.get_headers()
    assert error.get_response(environ, scope).status_code == 404


def test_get_response_returns_the_given_response() -> None:
    given = Response("custom", status=418)
    error = NotFound(response=given)
    assert error.get_response() is given
    assert error.code == 404


def test_method_not_allowed_sets_allow() -> None:
    response = MethodNotAllowed(["GET", "HEAD"]).get_response()
    assert response.status_code == 405
    assert response.headers.get("Allow") == "GET, HEAD"
    assert MethodNotAllowed(valid_methods=["POST"], description="no").description == "no"


def test_method_not_allowed_without_methods_has_no_allow() -> None:
    assert MethodNotAllowed().get_response().headers.get("Allow") is None


def test_method_not_allowed_accepts_a_generator_and_renders_twice() -> None:
    error = MethodNotAllowed(m for m in ("GET", "PUT"))
    assert ("Allow", "GET, PUT") in error.get_headers()
    assert ("Allow", "GET, PUT") in error.get_headers()


def test_unauthorized_www_authenticate() -> None:
    assert Unauthorized().get_response().headers.get("WWW-Authenticate") is None
    single = Unauthorized(www_authenticate='Basic realm="site"').get_response()
    assert single.status_code == 401
    assert single.headers.getlist("WWW-Authenticate") == ['Basic realm="site"']
    several = Unauthorized(www_authenticate=["Basic", 'Bearer realm="api"']).get_response()
    assert several.headers.getlist("WWW-Authenticate") == ["Basic", 'Bearer realm="api"']


def test_requested_range_not_satisfiable_content_range() -> None:
    response = RequestedRangeNotSatisfiable(1234).get_response()
    assert response.status_code == 416
    assert response.headers.get("Content-Range") == "bytes */1234"
    other = RequestedRangeNotSatisfiable(length=0, units="items")
    assert ("Content-Range", "items */0") in other.get_headers()
    assert RequestedRangeNotSatisfiable().get_response().headers.get("Content-Range") is None


@pytest.mark.parametrize("cls", [TooManyRequests, ServiceUnavailable])
def test_retry_after_seconds(cls: type[TooManyRequests | ServiceUnavailable]) -> None:
    response = cls(retry_after=120).get_response()
    assert response.status_code == cls.code
    assert response.headers.get("Retry-After") == "120"
    assert ("Retry-After", "0") in cls(retry_after=0).get_headers()
    assert cls().get_response().headers.get("Retry-After") is None


@pytest.mark.parametrize("cls", [TooManyRequests, ServiceUnavailable])
def test_retry_after_datetime_is_an_http_date(
    cls: type[TooManyRequests | ServiceUnavailable],
) -> None:
    when = datetime(2015, 10, 21, 7, 28, tzinfo=UTC)
    response = cls(retry_after=when).get_response()
    assert response.headers.get("Retry-After") == "Wed, 21 Oct 2015 07:28:00 GMT"


def test_internal_server_error_keeps_the_original_exception() -> None:
    cause = ValueError("boom")
    error = InternalServerError(original_exception=cause)
    assert error.original_exception is cause
    assert error.get_response().status_code == 500
    assert "boom" not in error.get_body()
    assert InternalServerError().original_exception is None


def test_bad_request_key_error_is_a_key_error_and_a_400() -> None:
    with pytest.raises(KeyError) as info:
        raise BadRequestKeyError("username")
    error = info.value
    assert isinstance(error, BadRequest)
    assert error.code == 400
    assert error.args == ("username",)
    assert error.get_response().status_code == 400
    assert str(error).startswith("400 Bad Request: ")


def test_bad_request_key_error_hides_the_key_by_default() -> None:
    error = BadRequestKeyError("username")
    assert error.description == BadRequest.description
    assert "username" not in error.get_body()


def test_bad_request_key_error_shows_the_key_when_asked() -> None:
    error = BadRequestKeyError("user<name>")
    error.show_exception = True
    assert error.description == (
        "The request was malformed or invalid, so the server could not process it.\n"
        "Missing key: 'user<name>'"
    )
    assert "<br>Missing key: &#39;user&lt;name&gt;&#39;</p>" in error.get_body()
    assert BadRequestKeyError.show_exception is False


def test_bad_request_key_error_custom_description() -> None:
    error = BadRequestKeyError("k", "Missing field.")
    assert error.description == "Missing field."
    error.show_exception = True
    assert error.description == "Missing field.\nMissing key: 'k'"
    assert BadRequestKeyError().args == ()


def test_abort_with_a_code() -> None:
    with pytest.raises(NotFound) as info:
        abort(404)
    assert info.value.description == NotFound.description


def test_abort_with_a_code_and_description() -> None:
    with pytest.raises(exc.Forbidden) as info:
        abort(403, "Admins only.")
    assert info.value.description == "Admins only."
    assert info.value.get_response().status_code == 403


def test_abort_passes_keyword_arguments_to_the_exception() -> None:
    with pytest.raises(MethodNotAllowed) as info:
        abort(405, valid_methods=["GET"])
    assert info.value.get_response().headers.get("Allow") == "GET"


def test_abort_with_a_response() -> None:
    given = Response("teapot", status=418)
    with pytest.raises(HTTPException) as info:
        abort(given)
    assert type(info.value) is HTTPException
    assert info.value.response is given
    assert info.value.get_response() is given


@pytest.mark.parametrize("status", [200, 302, 999, "404", None])
def test_abort_with_an_unknown_status_raises_lookup_error(status: object) -> None:
    with pytest.raises(LookupError, match="no exception for"):
        abort(status)  # type: ignore[arg-type]


def test_aborter_extra_and_mapping() -> None:
    class Custom(HTTPException):
        code = 599
        description = "Custom."

    aborter = Aborter(extra={599: Custom})
    with pytest.raises(Custom):
        aborter(599)
    with pytest.raises(NotFound):
        aborter(404)
    only = Aborter(mapping={599: Custom})
    with pytest.raises(LookupError):
        only(404)


def test_aborter_copies_its_mapping() -> None:
    mapping: dict[int, type[HTTPException]] = {404: NotFound}
    aborter = Aborter(mapping)
    mapping[410] = exc.Gone
    with pytest.raises(LookupError):
        aborter(410)
