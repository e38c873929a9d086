"""Tests for the parsed request and response attributes (`request.accept_mimetypes`,
`response.vary`, ...), `Request(environ)`, `Request.from_values`, `Request.application`, and
Werkzeug's `Response.force_type` / `from_app` / `get_wsgi_headers`."""

from __future__ import annotations

import pickle
import typing as t
from datetime import UTC, datetime

import pytest

from erlen import Erlen, request
from erlen.http import COOP
from erlen.http.datastructures import ContentSecurityPolicy, WWWAuthenticate
from erlen.http.exceptions import BadRequest, NotFound
from erlen.http.wrappers import Request, Response
from erlen.tools.testing import ErlenClient

HEADERS = {
    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "de-DE,de;q=0.9,en;q=0.5",
    "Accept-Encoding": "gzip, br",
    "Accept-Charset": "utf-8",
    "Cache-Control": "no-cache, max-age=0",
    "If-None-Match": '"a", W/"b"',
    "If-Match": "*",
    "If-Modified-Since": "Sun, 06 Nov 1994 08:49:37 GMT",
    "Range": "bytes=0-9",
    "If-Range": '"a"',
    "Pragma": "no-cache",
    "Max-Forwards": "3",
    "Origin": "https://o.test",
    "Access-Control-Request-Headers": "X-A, X-B",
    "Access-Control-Request-Method": "PUT",
    "Authorization": "Basic dXNlcjpwYXNz",
    "User-Agent": "UA/1",
}


@pytest.fixture
def app() -> Erlen:
    return Erlen(__name__)


@pytest.fixture
def client(app: Erlen) -> ErlenClient:
    return app.test_client()


def test_request_parses_structured_headers_in_a_view(app: Erlen, client: ErlenClient) -> None:
    @app.get("/")
    def index() -> dict[str, t.Any]:
        auth = request.authorization
        assert auth is not None
        return {
            "best": request.accept_mimetypes.best_match(["application/json", "text/html"]),
            "html": request.accept_mimetypes.accept_html,
            "language": request.accept_languages.best_match(["en", "de"]),
            "encodings": list(request.accept_encodings.values()),
            "charset": request.accept_charsets.best,
            "no_cache": request.cache_control.no_cache,
            "max_age": request.cache_control.max_age,
            "if_none_match": sorted(request.if_none_match.as_set(include_weak=True)),
            "star": request.if_match.star_tag,
            "since": request.if_modified_since.isoformat(),  # type: ignore[union-attr]
            "range": request.range.range_for_length(100),  # type: ignore[union-attr]
            "if_range": request.if_range.etag,
            "pragma": list(request.pragma),
            "max_forwards": request.max_forwards,
            "origin": request.origin,
            "acr_headers": sorted(request.access_control_request_headers or ()),
            "acr_method": request.access_control_request_method,
            "user": [auth.type, auth.username, auth.password],
            "agent": [request.user_agent.string, request.user_agent.browser],
        }

    data = client.get("/", headers=HEADERS).get_json()
    assert data == {
        "best": "text/html",
        "html": True,
        "language": "de",
        "encodings": ["gzip", "br"],
        "charset": "utf-8",
        "no_cache": True,
        "max_age": 0,
        "if_none_match": ["a", "b"],
        "star": True,
        "since": "1994-11-06T08:49:37+00:00",
        "range": [0, 10],
        "if_range": "a",
        "pragma": ["no-cache"],
        "max_forwards": 3,
        "origin": "https://o.test",
        "acr_headers": ["X-A", "X-B"],
        "acr_method": "PUT",
        "user": ["basic", "user", "pass"],
        "agent": ["UA/1", None],
    }


def test_request_without_the_headers(app: Erlen, client: ErlenClient) -> None:
    @app.get("/")
    def index() -> dict[str, t.Any]:
        return {
            "auth": request.authorization is None,
            "range": request.range is None,
            "accept": request.accept_mimetypes.provided,
            "date": request.date,
            "max_forwards": request.max_forwards,
            "form": request.want_form_data_parsed,
        }

    headers = {"Max-Forwards": "many", "Authorization": "Basic ***"}
    assert client.get("/", headers=headers).get_json() == {
        "auth": True,
        "range": True,
        "accept": False,
        "date": None,
        "max_forwards": None,
        "form": False,
    }


def test_access_route_is_the_believed_client_only(app: Erlen, client: ErlenClient) -> None:
    @app.get("/")
    def index() -> list[str]:
        return list(request.access_route)

    spoofed = {"X-Forwarded-For": "6.6.6.6, 7.7.7.7"}
    response = client.get("/", headers=spoofed, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.get_json() == ["10.0.0.1"]


# Request(environ), from_values, application


def _environ(**extra: t.Any) -> dict[str, t.Any]:
    environ = {
        "REQUEST_METHOD": "post",
        "PATH_INFO": "/caf\xc3\xa9",
        "QUERY_STRING": "x=1",
        "SERVER_NAME": "srv",
        "SERVER_PORT": "8080",
        "wsgi.url_scheme": "https",
        "HTTP_HOST": "ex.test",
        "HTTP_ACCEPT": "application/json",
        "wsgi.multithread": True,
    }
    environ.update(extra)
    return environ


def test_request_from_an_environ() -> None:
    environ = _environ()
    r = Request(environ)
    assert isinstance(r, Request)
    assert (r.method, r.path, r.url) == ("POST", "/café", "https://ex.test/caf%C3%A9?x=1")
    assert r.args["x"] == "1" and r.accept_mimetypes.accept_json
    assert r.is_multithread and not r.is_multiprocess and r.server == ("srv", 8080)
    assert environ["werkzeug.request"] is r
    assert repr(r) == "<Request 'https://ex.test/caf%C3%A9?x=1' [POST]>"


def test_request_subclass_from_an_environ_stays_that_class() -> None:
    class MyRequest(Request):
        def shout(self) -> str:
            return self.method + "!"

    r = MyRequest(_environ(), populate_request=False)
    assert isinstance(r, MyRequest) and r.shout() == "POST!"
    again = type(r)({"PATH_INFO": "/x"})
    assert isinstance(again, MyRequest) and again.method == "GET"


def test_request_from_a_partial_environ_uses_werkzeug_defaults(app: Erlen) -> None:
    app.config.update(MAX_CONTENT_LENGTH=100, MAX_FORM_MEMORY_SIZE=50, MAX_FORM_PARTS=3)
    r = Request({})
    assert (r.method, r.scheme, r.path) == ("GET", "http", "/")
    assert (r.max_content_length, r.max_form_memory_size, r.max_form_parts) == (None, 500_000, 1000)
    with app.app_context():
        assert (r.max_content_length, r.max_form_memory_size, r.max_form_parts) == (100, 50, 3)
    r.max_content_length = 90
    with app.app_context():
        assert (r.max_content_length, r.max_form_memory_size) == (90, 50)


def test_request_from_an_environ_enforces_its_body_limit() -> None:
    r = Request.from_values("/", method="POST", data={"field": "x" * 100})
    r.max_content_length = 10
    with pytest.raises(Exception) as caught:
        r.form  # noqa: B018
    assert getattr(caught.value, "code", None) == 413


def test_shallow_request_refuses_to_read_the_body() -> None:
    environ = _environ(CONTENT_LENGTH="3")
    r = Request(environ, shallow=True)
    assert r.shallow and "werkzeug.request" not in environ
    with pytest.raises(RuntimeError):
        r.get_data()


def test_from_values_builds_a_request() -> None:
    r = Request.from_values(
        "/p?a=1",
        base_url="http://h.test",
        method="POST",
        data={"x": "y"},
        headers={"Range": "bytes=0-9"},
    )
    assert (r.url, r.form["x"], r.args["a"]) == ("http://h.test/p?a=1", "y", "1")
    assert r.range is not None and r.range.ranges == [(0, 10)]


def test_trusted_hosts_on_a_request_class() -> None:
    class Strict(Request):
        trusted_hosts = [".example.test"]

    assert Strict(_environ(HTTP_HOST="a.example.test")).host == "a.example.test"
    with pytest.raises(BadRequest):
        Strict(_environ(HTTP_HOST="evil.test")).host  # noqa: B018


def test_request_application_decorator() -> None:
    @Request.application
    def wsgi_app(r: Request) -> Response:
        if r.path == "/missing":
            raise NotFound()
        return Response(f"{r.method} {r.path}")

    status: list[str] = []
    body = wsgi_app(_environ(PATH_INFO="/x"), lambda s, h: status.append(s))
    assert b"".join(body) == b"POST /x" and status == ["200 OK"]
    wsgi_app(_environ(PATH_INFO="/missing"), lambda s, h: status.append(s))
    assert status[-1] == "404 NOT FOUND"


# response attributes


def test_response_header_sets_write_through() -> None:
    r = Response("hello")
    r.vary.add("Cookie")
    r.vary.add("Accept-Encoding")
    r.vary.add("cookie")
    assert r.headers["Vary"] == "Cookie, Accept-Encoding"
    r.vary.discard("COOKIE")
    assert r.headers["Vary"] == "Accept-Encoding"
    r.vary.clear()
    assert "Vary" not in r.headers
    r.allow = ["GET", "HEAD"]
    assert r.headers["Allow"] == "GET, HEAD" and "get" in r.allow
    r.allow = None
    assert "Allow" not in r.headers
    r.content_language.update(["de", "en"])
    assert r.headers["Content-Language"] == "de, en"


def test_response_cache_control_writes_through() -> None:
    r = Response("x")
    r.cache_control.max_age = 60
    cc = r.cache_control
    cc.public = True
    cc.immutable = True
    assert r.headers["Cache-Control"] == "max-age=60, public, immutable"
    assert r.cache_control.max_age == 60 and r.cache_control.public
    cc = r.cache_control
    cc.max_age = None
    cc.public = False
    cc.immutable = False
    assert "Cache-Control" not in r.headers


def test_response_dates_ages_and_plain_headers() -> None:
    r = Response("x")
    r.expires = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    r.last_modified = 0  # type: ignore[assignment]
    r.age = 30  # type: ignore[assignment]
    r.content_location = "/x"
    r.access_control_max_age = 600
    r.access_control_allow_origin = "https://o.test"
    assert r.headers["Expires"] == "Thu, 02 Jan 2020 03:04:05 GMT"
    assert r.expires == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert r.headers["Last-Modified"] == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert (r.headers["Age"], r.age.total_seconds()) == ("30", 30)  # type: ignore[union-attr]
    assert r.access_control_max_age == 600 and r.content_location == "/x"
    r.expires = None
    assert "Expires" not in r.headers and r.date is None
    r.headers["Access-Control-Max-Age"] = "soon"
    assert r.access_control_max_age is None
    r.retry_after = 120  # type: ignore[assignment]
    assert r.headers["Retry-After"] == "120" and r.retry_after is not None


def test_response_content_range_and_etags() -> None:
    r = Response("hello")
    assert not r.content_range
    r.content_range = "bytes 0-4/5"
    content_range = r.content_range
    content_range.set(0, 2, 5)
    assert r.headers["Content-Range"] == "bytes 0-1/5"
    r.content_range.unset()
    assert "Content-Range" not in r.headers
    r.set_etag("abc", weak=True)
    assert r.get_etag() == ("abc", True) and r.headers["ETag"] == 'W/"abc"'
    r.add_etag()  # keeps the one set
    assert r.get_etag() == ("abc", True)
    r.add_etag(overwrite=True)
    assert r.get_etag() == ("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", False)


def test_response_www_authenticate() -> None:
    r = Response("", 401)
    r.www_authenticate = WWWAuthenticate("basic", {"realm": "Login"})
    assert r.headers["WWW-Authenticate"] == "Basic realm=Login"
    r.www_authenticate.realm = "Other place"
    assert r.headers["WWW-Authenticate"] == 'Basic realm="Other place"'
    r.www_authenticate = [WWWAuthenticate("basic", {"realm": "a"}), WWWAuthenticate("bearer")]
    assert r.headers.getlist("WWW-Authenticate") == ["Basic realm=a", "Bearer"]
    del r.www_authenticate
    assert "WWW-Authenticate" not in r.headers


def test_response_security_and_cors_headers() -> None:
    r = Response("x")
    r.content_security_policy.default_src = "'self'"
    assert r.headers["Content-Security-Policy"] == "default-src 'self'"
    r.content_security_policy_report_only = ContentSecurityPolicy({"img-src": "*"})
    assert r.headers["Content-Security-Policy-Report-Only"] == "img-src *"
    r.content_security_policy = None
    assert "Content-Security-Policy" not in r.headers
    assert r.cross_origin_opener_policy is COOP.UNSAFE_NONE
    r.cross_origin_opener_policy = COOP.SAME_ORIGIN
    assert r.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    r.access_control_allow_credentials = True
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    r.access_control_allow_methods = ["GET", "POST"]  # type: ignore[assignment]
    assert r.headers["Access-Control-Allow-Methods"] == "GET, POST"
    r.access_control_allow_credentials = False
    assert not r.access_control_allow_credentials


def test_response_mimetype_params_write_through() -> None:
    r = Response("x", mimetype="text/plain")
    r.mimetype_params["charset"] = "latin-1"
    assert r.headers["Content-Type"] == "text/plain; charset=latin-1"


@pytest.mark.parametrize("bad", ["a\r\nSet-Cookie: x=1", "a\nb", "a\0b"])
def test_parsed_attributes_cannot_split_a_header(bad: str) -> None:
    r = Response("x")
    with pytest.raises(ValueError):
        r.vary.add(bad)
    with pytest.raises(ValueError):
        r.content_location = bad
    with pytest.raises(ValueError):
        r.cache_control.private = bad
    with pytest.raises(ValueError):
        r.content_security_policy.default_src = bad
    assert "\n" not in str(r.headers).replace("\r\n", "")


def test_freeze_and_content_length() -> None:
    r = Response(iter([b"da", "ta"]))
    assert r.calculate_content_length() == 4
    r.freeze()
    assert r.headers["Content-Length"] == "4" and r.headers["ETag"]
    assert pickle.loads(pickle.dumps(r.response)) == [b"da", b"ta"]
    assert Response(iter([b"x"]), direct_passthrough=True).calculate_content_length() is None


def test_get_wsgi_headers() -> None:
    not_modified = Response("x", status=304)
    not_modified.headers["Expires"] = "a"
    not_modified.headers["Allow"] = "GET"
    assert sorted(not_modified.get_wsgi_headers({}).keys()) == ["Expires"]
    streamed = Response(["xyz"])
    streamed.headers.remove("Content-Length")
    assert streamed.get_wsgi_headers({})["Content-Length"] == "3"

    class Absolute(Response):
        autocorrect_location_header = True

    moved = Absolute("", 302, {"Location": "../b"})
    environ = {"wsgi.url_scheme": "https", "HTTP_HOST": "h.test", "PATH_INFO": "/a/c"}
    assert moved.get_wsgi_headers(environ)["Location"] == "https://h.test/b"


def _wsgi_app(environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> list[bytes]:
    start_response("202 ACCEPTED", [("X-A", "1")])
    return [b"hi"]


def test_force_type_and_from_app() -> None:
    class MyResponse(Response):
        pass

    converted = MyResponse.force_type(Response("q", status=201))
    assert isinstance(converted, MyResponse)
    assert (converted.status_code, converted.get_data()) == (201, b"q")
    from_app = Response.from_app(_wsgi_app, {"REQUEST_METHOD": "GET"})
    assert (from_app.status, from_app.headers["X-A"], from_app.get_data()) == (
        "202 ACCEPTED",
        "1",
        b"hi",
    )
    forced = MyResponse.force_type(_wsgi_app, {"REQUEST_METHOD": "GET"})
    assert isinstance(forced, MyResponse) and forced.status_code == 202
    with pytest.raises(TypeError):
        Response.force_type(_wsgi_app)
