"""Tests for erlen.tools.testing: the test client, its cookie jar and redirects, and
``app.test_request_context``."""

from __future__ import annotations

import io
import typing as t

import pytest

from erlen import Erlen, Response, make_response, redirect, request
from erlen.http.datastructures import FileStorage
from erlen.tools.testing import TestResponse


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.testing = True

    @app.route("/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    def echo() -> dict[str, t.Any]:
        return {
            "method": request.method,
            "args": request.args.to_dict(flat=False),
            "form": request.form.to_dict(flat=False),
            "files": {
                name: [f.filename, f.content_type, f.read().decode()]
                for name, f in request.files.items()
            },
            "data": request.get_data(as_text=True),
            "json": request.get_json(silent=True),
            "content_type": request.content_type,
            "headers": {
                name: request.headers.get(name) for name in ("X-Token", "Accept", "Cookie")
            },
        }

    @app.route("/cookies")
    @app.route("/sub/cookies")
    def cookies() -> dict[str, str]:
        return dict(request.cookies)

    return app


@pytest.fixture
def client(app: Erlen) -> t.Any:
    return app.test_client()


# methods and bodies


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_methods(client: t.Any, method: str) -> None:
    response = getattr(client, method)("/echo")
    assert response.status_code == 200
    assert response.get_json()["method"] == method.upper()


def test_head_has_no_body(app: Erlen, client: t.Any) -> None:
    @app.route("/page")
    def page() -> str:
        return "hello"

    response = client.head("/page")
    assert response.status_code == 200
    assert response.data == b""


def test_head_keeps_the_content_length_of_get(app: Erlen, client: t.Any) -> None:
    @app.route("/page")
    def page() -> str:
        return "hello"

    assert client.head("/page").headers["Content-Length"] == "5"


def test_streamed_response_has_no_content_length(app: Erlen, client: t.Any) -> None:
    # The client reports the headers the app sent; it does not add a Content-Length.
    @app.route("/stream")
    def stream() -> t.Any:
        return (chunk for chunk in ["a", "b"])

    response = client.get("/stream")
    assert response.data == b"ab"
    assert "Content-Length" not in response.headers


def test_response_without_content_type_reaches_the_test_as_sent(app: Erlen) -> None:
    @app.route("/bare")
    def bare() -> Response:
        response = Response("x")
        del response.headers["Content-Type"]
        return response

    response = app.test_client(validate=False).get("/bare")
    assert "Content-Type" not in response.headers
    assert response.headers["Content-Length"] == "1"


def test_options_lists_allowed_methods(app: Erlen, client: t.Any) -> None:
    @app.route("/page", methods=["GET", "POST"])
    def page() -> str:
        return ""

    response = client.options("/page")
    assert response.status_code == 200
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_open_with_method(client: t.Any) -> None:
    assert client.open("/echo", method="PUT").get_json()["method"] == "PUT"


def test_data_as_dict_is_a_form(client: t.Any) -> None:
    body = client.post("/echo", data={"a": "1", "b": ["2", "3"]}).get_json()
    assert body["form"] == {"a": ["1"], "b": ["2", "3"]}
    assert body["content_type"] == "application/x-www-form-urlencoded"


def test_data_as_str_and_bytes(client: t.Any) -> None:
    body = client.post("/echo", data="héllo", content_type="text/plain").get_json()
    assert body["data"] == "héllo"
    assert body["content_type"] == "text/plain"
    body = client.post("/echo", data=b"\x00raw").get_json()
    assert body["data"] == "\x00raw"
    assert body["form"] == {}


def test_data_with_file_storage_is_multipart(client: t.Any) -> None:
    upload = FileStorage(io.BytesIO(b"content"), filename="a.txt", content_type="text/plain")
    body = client.post("/echo", data={"f": upload, "name": "x"}).get_json()
    assert body["content_type"].startswith("multipart/form-data; boundary=")
    assert body["files"] == {"f": ["a.txt", "text/plain", "content"]}
    assert body["form"] == {"name": ["x"]}


def test_data_with_file_tuple_is_an_upload(client: t.Any) -> None:
    # Flask's documented idiom: ``data={"file": (stream, filename[, content_type])}``.
    data = {
        "f": (io.BytesIO(b"content"), "a.txt"),
        "g": (io.BytesIO(b"<p>"), "b.bin", "text/html"),
    }
    body = client.post("/echo", data=data).get_json()
    assert body["files"] == {
        "f": ["a.txt", "text/plain", "content"],
        "g": ["b.bin", "text/html", "<p>"],
    }
    assert body["form"] == {}


def test_data_with_open_file_uses_its_name(client: t.Any, tmp_path: t.Any) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"notes")
    with path.open("rb") as file:
        body = client.post("/echo", data={"f": file}).get_json()
    assert body["files"] == {"f": ["notes.txt", "text/plain", "notes"]}


def test_json(client: t.Any) -> None:
    body = client.post("/echo", json={"a": [1, "b"]}).get_json()
    assert body["json"] == {"a": [1, "b"]}
    assert body["content_type"] == "application/json"


def test_json_and_data_together_is_an_error(client: t.Any) -> None:
    with pytest.raises(TypeError):
        client.post("/echo", json={}, data="x")


def test_query_string_as_dict_and_in_path(client: t.Any) -> None:
    assert client.get("/echo?a=1&a=2&b=%C3%A9").get_json()["args"] == {
        "a": ["1", "2"],
        "b": ["é"],
    }
    body = client.get("/echo", query_string={"q": "a b", "n": ["1", "2"]}).get_json()
    assert body["args"] == {"q": ["a b"], "n": ["1", "2"]}
    assert client.get("/echo", query_string="x=1").get_json()["args"] == {"x": ["1"]}


def test_query_string_in_path_and_argument_is_an_error(client: t.Any) -> None:
    # Werkzeug raises rather than silently dropping one of them.
    with pytest.raises(ValueError):
        client.get("/echo?a=1", query_string={"b": "2"})


def test_headers(client: t.Any) -> None:
    body = client.get("/echo", headers={"X-Token": "secret", "Accept": "text/plain"}).get_json()
    assert body["headers"]["X-Token"] == "secret"
    assert body["headers"]["Accept"] == "text/plain"
    body = client.get("/echo", headers=[("X-Token", "list")]).get_json()
    assert body["headers"]["X-Token"] == "list"


def test_response_text_json_and_request(client: t.Any) -> None:
    response = client.get("/echo?x=1")
    assert isinstance(response, TestResponse)
    assert response.text == response.get_data(as_text=True)
    assert response.get_json()["args"] == {"x": ["1"]}
    assert response.json == response.get_json()
    assert response.request.path == "/echo"
    assert response.request.args["x"] == "1"
    assert response.request.method == "GET"
    assert response.history == ()


def test_https_base_url(client: t.Any, app: Erlen) -> None:
    @app.route("/scheme")
    def scheme() -> str:
        return f"{request.scheme} {request.url}"

    assert client.get("/scheme", base_url="https://example.com").text == (
        "https https://example.com/scheme"
    )


def test_app_errors_propagate_when_testing(app: Erlen, client: t.Any) -> None:
    @app.route("/boom")
    def boom() -> str:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        client.get("/boom")
    app.testing = False
    assert client.get("/boom").status_code == 500


# cookies


def cookie_app(app: Erlen) -> None:
    @app.route("/set")
    def set_() -> Response:
        response = make_response("set")
        for name, value in request.args.items():
            response.set_cookie(name, value)
        return response

    @app.route("/set-path")
    def set_path() -> Response:
        response = make_response("")
        response.set_cookie("scoped", "1", path="/sub")
        return response

    @app.route("/delete")
    def delete() -> Response:
        response = make_response("")
        response.delete_cookie(request.args["name"])
        return response

    @app.route("/expire")
    def expire() -> Response:
        response = make_response("")
        response.set_cookie(request.args["name"], "", max_age=0)
        return response


def test_cookie_is_sent_on_the_next_request(app: Erlen, client: t.Any) -> None:
    cookie_app(app)
    assert client.get("/cookies").get_json() == {}
    client.get("/set?a=1&b=two")
    assert client.get("/cookies").get_json() == {"a": "1", "b": "two"}
    client.get("/set?a=changed")
    assert client.get("/cookies").get_json() == {"a": "changed", "b": "two"}


def test_cookie_with_quoted_value_round_trips(app: Erlen, client: t.Any) -> None:
    cookie_app(app)
    client.get("/set", query_string={"a": "x;y", "b": "two words"})
    assert client.get("/cookies").get_json() == {"a": "x;y", "b": "two words"}


def test_delete_cookie_removes_it_from_the_jar(app: Erlen, client: t.Any) -> None:
    cookie_app(app)
    client.get("/set?a=1&b=2")
    client.get("/delete?name=a")
    assert client.get("/cookies").get_json() == {"b": "2"}
    assert client.get_cookie("a") is None


def test_max_age_zero_removes_the_cookie(app: Erlen, client: t.Any) -> None:
    cookie_app(app)
    client.get("/set?a=1")
    client.get("/expire?name=a")
    assert client.get("/cookies").get_json() == {}


def test_cookie_path_scoping(app: Erlen, client: t.Any) -> None:
    cookie_app(app)
    client.get("/set-path")
    assert client.get("/cookies").get_json() == {}
    assert client.get("/sub/cookies").get_json() == {"scoped": "1"}


def test_secure_cookie_is_sent_only_over_https(app: Erlen, client: t.Any) -> None:
    @app.route("/secure")
    def secure() -> Response:
        response = make_response("")
        response.set_cookie("s", "1", secure=True)
        return response

    client.get("/secure", base_url="https://localhost")
    assert client.get("/cookies", base_url="https://localhost").get_json() == {"s": "1"}
    assert client.get("/cookies").get_json() == {}


def test_client_set_get_delete_cookie(app: Erlen, client: t.Any) -> None:
    cookie_app(app)
    client.set_cookie("manual", "value")
    assert client.get_cookie("manual") is not None
    assert client.get("/cookies").get_json() == {"manual": "value"}
    client.delete_cookie("manual")
    assert client.get_cookie("manual") is None
    assert client.get("/cookies").get_json() == {}


def test_client_cookie_with_path(app: Erlen, client: t.Any) -> None:
    client.set_cookie("p", "1", path="/sub")
    assert client.get("/cookies").get_json() == {}
    assert client.get("/sub/cookies").get_json() == {"p": "1"}


def test_get_cookie_sees_cookies_set_by_the_app(app: Erlen, client: t.Any) -> None:
    cookie_app(app)
    client.get("/set?a=1")
    client.get("/set-path")
    assert client.get_cookie("a") is not None
    assert client.get_cookie("scoped") is None
    assert client.get_cookie("scoped", path="/sub") is not None


def test_get_cookie_returns_a_cookie_object(app: Erlen, client: t.Any) -> None:
    # Werkzeug >= 2.3: ``client.get_cookie(key)`` is a ``Cookie`` with ``.value``, ``.path``...
    cookie_app(app)
    client.get("/set?a=1")
    cookie = client.get_cookie("a")
    assert cookie is not None
    assert cookie.value == "1"
    assert cookie.path == "/"


def test_use_cookies_false(app: Erlen) -> None:
    cookie_app(app)
    client = app.test_client(use_cookies=False)
    client.get("/set?a=1")
    assert client.get("/cookies").get_json() == {}


def test_explicit_cookie_header(client: t.Any) -> None:
    body = client.get("/echo", headers={"Cookie": "h=1"}).get_json()
    assert body["headers"]["Cookie"] == "h=1"


# redirects


def redirect_app(app: Erlen) -> None:
    @app.route("/redirect/<int:code>", methods=["GET", "POST"])
    def go(code: int) -> Response:
        return redirect("/echo?from=redirect", code)

    @app.route("/loop")
    def loop() -> Response:
        return redirect("/loop")

    @app.route("/chain/<int:n>")
    def chain(n: int) -> Response:
        return redirect(f"/chain/{n - 1}") if n else redirect("/echo")

    @app.route("/set-and-redirect")
    def set_and_redirect() -> Response:
        response = redirect("/cookies")
        response.set_cookie("during", "redirect")
        return response

    @app.route("/external")
    def external() -> Response:
        return redirect("https://other.example/")


def test_redirect_not_followed_by_default(app: Erlen, client: t.Any) -> None:
    redirect_app(app)
    response = client.get("/redirect/302")
    assert response.status_code == 302
    assert response.headers["Location"] == "/echo?from=redirect"


@pytest.mark.parametrize("code", [301, 302, 303])
def test_redirect_turns_post_into_get(app: Erlen, client: t.Any, code: int) -> None:
    redirect_app(app)
    response = client.post(f"/redirect/{code}", data={"a": "1"}, follow_redirects=True)
    body = response.get_json()
    assert body["method"] == "GET"
    assert body["form"] == {}
    assert body["data"] == ""
    assert body["content_type"] is None
    assert body["args"] == {"from": ["redirect"]}


@pytest.mark.parametrize("code", [307, 308])
def test_redirect_keeps_method_and_body(app: Erlen, client: t.Any, code: int) -> None:
    redirect_app(app)
    response = client.post(f"/redirect/{code}", data={"a": "1"}, follow_redirects=True)
    body = response.get_json()
    assert body["method"] == "POST"
    assert body["form"] == {"a": ["1"]}
    assert body["content_type"] == "application/x-www-form-urlencoded"


def test_redirect_history_and_final_request(app: Erlen, client: t.Any) -> None:
    redirect_app(app)
    response = client.get("/chain/2", follow_redirects=True)
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [302, 302, 302]
    assert [r.headers["Location"] for r in response.history] == [
        "/chain/1",
        "/chain/0",
        "/echo",
    ]
    assert response.request.path == "/echo"


def test_redirect_keeps_cookies_set_on_the_way(app: Erlen, client: t.Any) -> None:
    redirect_app(app)
    response = client.get("/set-and-redirect", follow_redirects=True)
    assert response.get_json() == {"during": "redirect"}


def test_redirect_loop_is_an_error(app: Erlen, client: t.Any) -> None:
    redirect_app(app)
    with pytest.raises(RuntimeError, match="redirect"):
        client.get("/loop", follow_redirects=True)


def test_external_redirect_is_an_error(app: Erlen, client: t.Any) -> None:
    redirect_app(app)
    with pytest.raises(RuntimeError, match=r"other\.example"):
        client.get("/external", follow_redirects=True)


# test_request_context


def test_test_request_context_arguments(app: Erlen) -> None:
    with app.test_request_context(
        "/echo?a=1",
        method="POST",
        data={"f": "v"},
        headers={"X-Token": "t"},
    ):
        assert request.path == "/echo"
        assert request.method == "POST"
        assert request.args["a"] == "1"
        assert request.form["f"] == "v"
        assert request.headers["X-Token"] == "t"
    with app.test_request_context("/", method="PUT", json={"k": [1]}):
        assert request.method == "PUT"
        assert request.get_json() == {"k": [1]}
    with app.test_request_context("/", query_string={"q": "x y"}):
        assert request.args["q"] == "x y"
    with app.test_request_context(base_url="https://example.org/app/"):
        assert request.url == "https://example.org/app/"
        assert request.script_root == "/app"


# wsgiref.validate


@pytest.mark.wsgi_only
def test_every_request_is_checked_by_wsgiref_validate(app: Erlen) -> None:
    # A WSGI app that yields text breaks PEP 3333; the client's validator catches it.
    def text_body(environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> t.Any:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter(["text, not bytes"])

    app.wsgi_app = text_body  # type: ignore[assignment,method-assign]
    with pytest.raises(AssertionError, match="non-bytestring"):
        app.test_client().get("/")


@pytest.mark.wsgi_only
def test_header_value_with_tab_is_rejected_by_the_validator(app: Erlen) -> None:
    # RFC 9110 allows a tab inside a field value and erlen's Headers accept it, but PEP 3333
    # forbids control characters in header values and wsgiref.validate checks [\x00-\x1f].
    @app.route("/tab")
    def tab() -> tuple[str, dict[str, str]]:
        return "ok", {"X-Tab": "a\tb"}

    with pytest.raises(AssertionError, match="Bad header value"):
        app.test_client().get("/tab")
    response = app.test_client(validate=False).get("/tab")
    assert response.headers["X-Tab"] == "a\tb"
    assert response.text == "ok"


@pytest.mark.wsgi_only
def test_response_without_content_type_is_rejected_by_the_validator(app: Erlen) -> None:
    # HTTP allows a body without Content-Type; wsgiref.validate does not.
    @app.route("/bare")
    def bare() -> Response:
        response = Response("x")
        del response.headers["Content-Type"]
        return response

    with pytest.raises(AssertionError, match="Content-Type"):
        app.test_client().get("/bare")
    assert app.test_client(validate=False).get("/bare").text == "x"


def test_session_transaction_plants_and_reads_the_session() -> None:
    from erlen import Erlen, session

    app = Erlen(__name__)
    app.config["SECRET_KEY"] = "a long and varied test secret key 12345"

    @app.get("/whoami")
    def whoami() -> str:
        return str(session.get("user", "nobody"))

    @app.get("/login/<name>")
    def login(name: str) -> str:
        session["user"] = name
        return "ok"

    client = app.test_client()
    with client.session_transaction() as planted:
        planted["user"] = "ann"
    assert client.get("/whoami").text == "ann"
    client.get("/login/bob")
    with client.session_transaction() as current:
        assert current["user"] == "bob"


def test_session_transaction_needs_cookies() -> None:
    from erlen import Erlen

    app = Erlen(__name__)
    with (
        pytest.raises(TypeError, match="cookies"),
        app.test_client(use_cookies=False).session_transaction(),
    ):
        pass
