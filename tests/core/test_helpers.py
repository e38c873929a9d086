"""Tests for erlen.core.helpers and erlen.json: ``url_for``, ``redirect``, ``abort``,
``make_response`` and ``jsonify``, in views and in test request contexts, as a Flask user
calls them."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import json
import uuid
from typing import Any

import pytest
from markupsafe import Markup

from erlen import (
    Erlen,
    Response,
    abort,
    jsonify,
    make_response,
    redirect,
    request,
    url_for,
)
from erlen.http.exceptions import Forbidden, HTTPException, NotFound
from erlen.http.routing import BuildError


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.config["TESTING"] = True

    @app.route("/")
    def index() -> str:
        return "index"

    @app.route("/user/<name>")
    def user(name: str) -> str:
        return name

    @app.route("/files/<path:filename>")
    def files(filename: str) -> str:
        return filename

    @app.route("/post/<int:post_id>")
    def post(post_id: int) -> str:
        return str(post_id)

    def item() -> str:
        return request.method

    app.add_url_rule("/item", "item", item, methods=["GET"])
    app.add_url_rule("/item/new", "item", item, methods=["POST"])
    return app


@pytest.fixture
def client(app: Erlen) -> Any:
    return app.test_client()


# -- url_for -------------------------------------------------------------------------------


def test_url_for_in_a_view_is_relative(app: Erlen, client: Any) -> None:
    @app.route("/links")
    def links() -> str:
        return " ".join([url_for("index"), url_for("user", name="ann"), url_for("post", post_id=3)])

    assert client.get("/links").text == "/ /user/ann /post/3"


def test_url_for_external(app: Erlen) -> None:
    with app.test_request_context("/"):
        assert url_for("user", name="ann", _external=True) == "http://localhost/user/ann"


def test_url_for_uses_the_request_host_and_script_root(app: Erlen) -> None:
    with app.test_request_context("/", base_url="https://example.com/sub/"):
        assert url_for("user", name="ann") == "/sub/user/ann"
        assert url_for("index", _external=True) == "https://example.com/sub/"


def test_url_for_scheme_makes_the_url_external(app: Erlen) -> None:
    with app.test_request_context("/"):
        assert url_for("index", _scheme="https") == "https://localhost/"
        assert url_for("index", _scheme="https", _external=True) == "https://localhost/"


def test_url_for_scheme_without_external_is_an_error(app: Erlen) -> None:
    with app.test_request_context("/"), pytest.raises(ValueError, match="_external"):
        url_for("index", _scheme="https", _external=False)


def test_url_for_anchor_is_quoted(app: Erlen) -> None:
    with app.test_request_context("/"):
        assert url_for("index", _anchor="top") == "/#top"
        assert url_for("index", _anchor="a b") == "/#a%20b"
        assert url_for("user", name="x", _anchor="sec/2?x") == "/user/x#sec/2?x"


def test_url_for_method_picks_the_rule(app: Erlen) -> None:
    with app.test_request_context("/"):
        assert url_for("item") == "/item"
        assert url_for("item", _method="GET") == "/item"
        assert url_for("item", _method="POST") == "/item/new"


def test_url_for_method_no_rule_allows_it(app: Erlen) -> None:
    with app.test_request_context("/"), pytest.raises(BuildError):
        url_for("item", _method="DELETE")


def test_url_for_extra_values_become_the_query_string(app: Erlen) -> None:
    with app.test_request_context("/"):
        assert url_for("user", name="ann", page=2) == "/user/ann?page=2"
        assert url_for("index", q="a b", x="ü") == "/?q=a+b&x=%C3%BC"
        assert url_for("index", tag=["a", "b"]) == "/?tag=a&tag=b"
        assert url_for("index", next="/a?b=c&d=e#f") == "/?next=/a?b%3Dc%26d%3De%23f"


def test_url_for_percent_encodes_path_values(app: Erlen) -> None:
    with app.test_request_context("/"):
        assert url_for("user", name="jürgen") == "/user/j%C3%BCrgen"
        assert url_for("user", name="a b?c#d%e") == "/user/a%20b%3Fc%23d%25e"
        assert url_for("files", filename="dir name/file ü.txt") == (
            "/files/dir%20name/file%20%C3%BC.txt"
        )


def test_url_for_round_trips_through_the_client(app: Erlen, client: Any) -> None:
    with app.test_request_context("/"):
        url = url_for("user", name="a b?c#dü")
    assert client.get(url).text == "a b?c#dü"


def test_url_for_missing_value_names_it(app: Erlen) -> None:
    with app.test_request_context("/"), pytest.raises(BuildError) as info:
        url_for("post")
    message = str(info.value)
    assert "post" in message
    assert "post_id" in message


def test_url_for_unknown_endpoint_names_it(app: Erlen) -> None:
    with app.test_request_context("/"), pytest.raises(BuildError) as info:
        url_for("usr")
    message = str(info.value)
    assert "'usr'" in message
    assert "'user'" in message


def test_url_for_unknown_endpoint_in_a_view_is_a_500(app: Erlen, client: Any) -> None:
    app.testing = False

    @app.route("/broken")
    def broken() -> str:
        return url_for("nowhere")

    assert client.get("/broken").status_code == 500


def test_url_for_outside_request_uses_server_name(app: Erlen) -> None:
    app.config["SERVER_NAME"] = "example.com"
    with app.app_context():
        assert url_for("user", name="ann") == "http://example.com/user/ann"
        assert url_for("user", name="ann", _external=False) == "/user/ann"


def test_url_for_outside_request_uses_root_and_scheme_config(app: Erlen) -> None:
    app.config.update(
        SERVER_NAME="example.com:8080", APPLICATION_ROOT="/app", PREFERRED_URL_SCHEME="https"
    )
    with app.app_context():
        assert url_for("index") == "https://example.com:8080/app/"
        assert url_for("index", _scheme="http") == "http://example.com:8080/app/"


def test_url_for_outside_request_without_server_name(app: Erlen) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="SERVER_NAME"):
        url_for("index")


def test_url_for_without_app_context(app: Erlen) -> None:
    with pytest.raises(RuntimeError):
        url_for("index")


def test_url_build_error_handler_can_supply_a_url(app: Erlen) -> None:
    seen: list[Any] = []

    def external_docs(error: BuildError, endpoint: str, values: dict[str, Any]) -> str | None:
        seen.append(error)
        if endpoint == "docs":
            return f"https://docs.example.com/{values['page']}"
        return None

    app.url_build_error_handlers.append(external_docs)
    with app.test_request_context("/"):
        assert url_for("docs", page="intro") == "https://docs.example.com/intro"
        assert isinstance(seen[0], BuildError)
        with pytest.raises(BuildError):
            url_for("elsewhere")


def test_url_build_error_handler_may_raise_its_own_build_error(app: Erlen) -> None:
    def refuse(error: BuildError, endpoint: str, values: dict[str, Any]) -> str:
        raise error

    app.url_build_error_handlers.append(refuse)
    with app.test_request_context("/"), pytest.raises(BuildError, match="nowhere"):
        url_for("nowhere")


# -- redirect ------------------------------------------------------------------------------


def test_redirect_defaults_to_302(app: Erlen, client: Any) -> None:
    @app.route("/old")
    def old() -> Response:
        return redirect("/new")

    response = client.get("/old")
    assert response.status_code == 302
    assert response.headers["Location"] == "/new"
    assert "/new" in response.text


@pytest.mark.parametrize("code", [301, 303, 307, 308])
def test_redirect_codes(code: int) -> None:
    response = redirect("https://example.com/x", code)
    assert response.status_code == code
    assert response.headers["Location"] == "https://example.com/x"


def test_redirect_body_escapes_the_url() -> None:
    response = redirect('/search?q=1&next="><script>alert(1)</script>')
    body = response.get_data(as_text=True)
    assert "<script>" not in body
    assert '"><' not in body
    assert "&amp;" in body
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("target", ["/x\r\nSet-Cookie: a=b", "/x\nX-Injected: 1", "/x\r"])
def test_redirect_with_newline_is_refused(target: str) -> None:
    with pytest.raises(ValueError):
        redirect(target)


def test_redirect_followed_by_the_client(app: Erlen, client: Any) -> None:
    @app.route("/go")
    def go() -> Response:
        return redirect(url_for("user", name="ann"))

    response = client.get("/go", follow_redirects=True)
    assert response.text == "ann"
    assert [r.status_code for r in response.history] == [302]


def test_app_redirect_is_used_by_redirect_helper(app: Erlen) -> None:
    class MyResponse(Response):
        pass

    app.response_class = MyResponse
    with app.test_request_context("/"):
        assert isinstance(redirect("/x"), MyResponse)


# -- abort ---------------------------------------------------------------------------------


def test_abort_404(app: Erlen, client: Any) -> None:
    @app.route("/gone")
    def gone() -> str:
        abort(404)

    response = client.get("/gone")
    assert response.status_code == 404
    assert "Not Found" in response.text


def test_abort_with_description(app: Erlen, client: Any) -> None:
    @app.route("/secret")
    def secret() -> str:
        abort(403, "Members only")

    response = client.get("/secret")
    assert response.status_code == 403
    assert "Members only" in response.text


def test_abort_with_description_reaches_the_handler(app: Erlen, client: Any) -> None:
    @app.errorhandler(403)
    def forbidden(error: Forbidden) -> Any:
        return {"error": error.description}, 403

    @app.route("/secret")
    def secret() -> str:
        abort(403, description="Members only")

    assert client.get("/secret").get_json() == {"error": "Members only"}


def test_abort_with_a_response(app: Erlen, client: Any) -> None:
    @app.route("/teapot")
    def teapot() -> str:
        abort(Response("short and stout", status=418, headers={"X-Tea": "1"}))

    response = client.get("/teapot")
    assert response.status_code == 418
    assert response.text == "short and stout"
    assert response.headers["X-Tea"] == "1"


def test_abort_outside_a_request_raises() -> None:
    with pytest.raises(NotFound):
        abort(404)
    with pytest.raises(HTTPException) as info:
        abort(Response("x", status=409))
    assert info.value.get_response().status_code == 409


def test_abort_unknown_code_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        abort(299)


# -- make_response -------------------------------------------------------------------------


def test_make_response_with_body_status_and_headers(app: Erlen, client: Any) -> None:
    @app.route("/made")
    def made() -> Response:
        response = make_response("made", 201, {"X-A": "b"})
        response.headers["X-Later"] = "set in view"
        return response

    response = client.get("/made")
    assert response.status_code == 201
    assert response.text == "made"
    assert response.headers["X-A"] == "b"
    assert response.headers["X-Later"] == "set in view"


def test_make_response_single_values(app: Erlen) -> None:
    with app.test_request_context("/"):
        empty = make_response()
        assert (empty.status_code, empty.get_data()) == (200, b"")
        text = make_response("hi")
        assert (text.status_code, text.get_data(), text.mimetype) == (200, b"hi", "text/html")
        data = make_response({"a": 1})
        assert data.mimetype == "application/json"
        assert data.get_json() == {"a": 1}
        existing = Response("r", status=202)
        assert make_response(existing) is existing


def test_make_response_tuple_forms(app: Erlen) -> None:
    with app.test_request_context("/"):
        assert make_response(("x", 404)).status_code == 404
        assert make_response("x", {"X-H": "1"}).headers["X-H"] == "1"
        assert make_response(["x"]).get_json() == ["x"]


def test_make_response_works_in_app_context_only(app: Erlen) -> None:
    with app.app_context():
        assert make_response("x", 203).status_code == 203


# -- jsonify and the JSON provider ---------------------------------------------------------


def test_jsonify_one_value(app: Erlen) -> None:
    with app.app_context():
        response = jsonify({"b": 1, "a": [1, 2]})
        assert response.status_code == 200
        assert response.mimetype == "application/json"
        assert response.get_data() == b'{"a":[1,2],"b":1}\n'
        assert jsonify("text").get_data() == b'"text"\n'
        assert jsonify(None).get_data() == b"null\n"


def test_jsonify_several_args_make_a_list(app: Erlen) -> None:
    with app.app_context():
        assert json.loads(jsonify(1, "two", None).get_data()) == [1, "two", None]


def test_jsonify_kwargs_make_a_dict(app: Erlen) -> None:
    with app.app_context():
        assert json.loads(jsonify(b=2, a=1).get_data()) == {"a": 1, "b": 2}
        assert jsonify(b=2, a=1).get_data() == b'{"a":1,"b":2}\n'


def test_jsonify_without_arguments_is_null(app: Erlen) -> None:
    with app.app_context():
        assert jsonify().get_data() == b"null\n"


def test_jsonify_args_and_kwargs_together_is_an_error(app: Erlen) -> None:
    with app.app_context(), pytest.raises(TypeError):
        jsonify(1, a=2)


def test_jsonify_outside_app_context_is_an_error() -> None:
    with pytest.raises(RuntimeError):
        jsonify(a=1)


def test_jsonify_escapes_non_ascii(app: Erlen) -> None:
    with app.app_context():
        assert jsonify(name="jürgen").get_data() == b'{"name":"j\\u00fcrgen"}\n'


def test_jsonify_is_indented_in_debug_mode(app: Erlen) -> None:
    app.debug = True
    with app.app_context():
        assert jsonify(b=1, a=2).get_data() == b'{\n  "a": 2,\n  "b": 1\n}\n'


@dataclasses.dataclass
class Point:
    x: int
    y: int


def test_jsonify_serializes_flask_types(app: Erlen) -> None:
    value = {
        "datetime": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        "date": datetime.date(2024, 1, 2),
        "decimal": decimal.Decimal("10.50"),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "dataclass": Point(1, 2),
        "markup": Markup("<b>bold</b>"),
    }
    with app.app_context():
        data = json.loads(jsonify(value).get_data())
    assert data == {
        "datetime": "Tue, 02 Jan 2024 03:04:05 GMT",
        "date": "Tue, 02 Jan 2024 00:00:00 GMT",
        "decimal": "10.50",
        "uuid": "12345678-1234-5678-1234-567812345678",
        "dataclass": {"x": 1, "y": 2},
        "markup": "<b>bold</b>",
    }


def test_jsonify_refuses_unknown_types(app: Erlen) -> None:
    with app.app_context(), pytest.raises(TypeError, match="object"):
        jsonify(object())


def test_json_sort_keys_can_be_turned_off(app: Erlen, client: Any) -> None:
    @app.route("/data")
    def data() -> Any:
        return {"b": 1, "a": 2}

    assert client.get("/data").data == b'{"a":2,"b":1}\n'
    app.json.sort_keys = False  # type: ignore[attr-defined]
    with app.app_context():
        assert jsonify(b=1, a=2).get_data() == b'{"b":1,"a":2}\n'
        assert app.json.dumps({"b": 1, "a": 2}) == '{"b": 1, "a": 2}'


def test_json_sort_keys_off_applies_to_view_dicts(app: Erlen, client: Any) -> None:
    app.json.sort_keys = False  # type: ignore[attr-defined]

    @app.route("/data")
    def data() -> Any:
        return {"b": 1, "a": 2}

    assert client.get("/data").data == b'{"b":1,"a":2}\n'


def test_json_compact_false_indents(app: Erlen) -> None:
    app.json.compact = False  # type: ignore[attr-defined]
    with app.app_context():
        assert jsonify(a=1).get_data() == b'{\n  "a": 1\n}\n'


def test_json_in_view_round_trips(app: Erlen, client: Any) -> None:
    @app.route("/echo", methods=["POST"])
    def echo() -> Response:
        return jsonify(received=request.get_json())

    response = client.post("/echo", json={"n": [1, 2, 3]})
    assert response.get_json() == {"received": {"n": [1, 2, 3]}}
