"""Flask behaviour erlen keeps so unchanged Flask apps and extensions run (issue 13).

Each test shows what a Flask user sees: when the setup phase ends, hook registries edited by
hand, Flask's public dispatch steps (``full_dispatch_request`` and the rest), the app's aborter,
``from_prefixed_env``, ``json.dump``/``load``, ``get_template_attribute``, Werkzeug's rule
factories, where the instance folder is, an app freed without the garbage collector, the
debug-mode warning about routing redirects that drop a form, and the test client's Werkzeug
arguments. Tests that send requests run under both protocols (the ``both`` mark).
"""

from __future__ import annotations

import gc
import io
import logging
import sys
import warnings
import weakref
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import erlen.json
from erlen import (
    Blueprint,
    Erlen,
    Request,
    Response,
    abort,
    after_this_request,
    g,
    get_template_attribute,
    render_template_string,
    request,
    session,
    url_for,
)
from erlen.core.config import Config
from erlen.http.exceptions import Aborter, HTTPException, MethodNotAllowed, NotFound
from erlen.http.routing import (
    EndpointPrefix,
    RequestRedirect,
    Rule,
    RuleTemplate,
    Subdomain,
    Submount,
)
from erlen.json import DefaultJSONProvider
from erlen.tools.debughelpers import FormDataRoutingRedirect
from erlen.tools.testing import EnvironBuilder
from erlen.tools.testing_wsgi import Client, ClientRedirectError, create_environ

#: Runs a test once through the WSGI adapter and once through ``app.asgi``.
both = pytest.mark.parametrize("erlen_protocol", ["wsgi", "asgi"], indirect=True)


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app: Erlen) -> Iterator[Any]:
    client = app.test_client()
    yield client
    client.close()


# -- 1. the setup phase ends at the first dispatched request ----------------------------------


@both
def test_test_request_context_keeps_the_setup_phase_open(app: Erlen, client: Any) -> None:
    @app.route("/")
    def index() -> str:
        return "index"

    with app.test_request_context("/"):
        assert request.path == "/"
    assert app.got_first_request is False

    # Still setting up: a route added after a test context is served.
    @app.route("/later")
    def later() -> str:
        return "later"

    assert client.get("/later").data == b"later"
    assert app.got_first_request is True


@both
def test_the_first_request_ends_the_setup_phase(app: Erlen, client: Any) -> None:
    @app.route("/")
    def index() -> str:
        return "index"

    assert client.get("/").status_code == 200
    with pytest.raises(AssertionError, match="'add_url_rule'"):
        app.add_url_rule("/too-late", "too_late", lambda: "too late")
    with pytest.raises(AssertionError, match="'before_request'"):
        app.before_request(lambda: None)


@both
def test_config_changed_after_a_test_context_applies_to_the_first_request(
    app: Erlen, client: Any
) -> None:
    @app.route("/upload", methods=["POST"])
    def upload() -> str:
        return str(len(request.get_data()))

    with app.test_request_context("/upload", method="POST"):
        pass
    app.config["MAX_CONTENT_LENGTH"] = 10
    assert client.post("/upload", data=b"x" * 100).status_code == 413


# -- 2. hook registries edited by hand ---------------------------------------------------------


@both
def test_hook_registries_edited_directly_take_effect(app: Erlen, client: Any) -> None:
    events: list[str] = []

    def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
        g.lang = (values or {}).pop("lang", None)

    def add_lang(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("lang", g.lang)

    def before() -> None:
        events.append("before")

    def after(response: Response) -> Response:
        response.headers["X-After"] = "ran"
        return response

    def teardown(error: BaseException | None) -> None:
        events.append(f"teardown {error!r}")

    def site() -> dict[str, Any]:
        return {"site": "erlen"}

    @app.route("/<lang>/hello")
    def hello() -> str:
        return render_template_string("{{ site }} {{ g.lang }} ") + url_for("hello")

    # A test context first (of another URL: see the bug below): the registries must still be
    # read at the first request.
    with app.test_request_context("/"):
        pass
    app.url_value_preprocessors.setdefault(None, []).append(pull_lang)
    app.url_default_functions.setdefault(None, []).append(add_lang)
    app.before_request_funcs.setdefault(None, []).append(before)
    app.after_request_funcs.setdefault(None, []).append(after)
    app.teardown_request_funcs.setdefault(None, []).append(teardown)
    app.template_context_processors.setdefault(None, []).append(site)

    response = client.get("/fr/hello")
    assert response.status_code == 200
    assert response.text == "erlen fr /fr/hello"
    assert response.headers["X-After"] == "ran"
    assert events == ["before", "teardown None"]


# A test context routes its request and keeps the endpoint's plan; hooks added afterwards, still
# in the setup phase, must reach that endpoint all the same (the first request drops such plans).


@both
def test_hooks_added_after_a_test_context_of_the_same_endpoint_run(app: Erlen, client: Any) -> None:
    events: list[str] = []

    @app.route("/")
    def index() -> str:
        return "index"

    with app.test_request_context("/"):
        pass

    @app.before_request
    def before() -> None:
        events.append("before")

    @app.after_request
    def after(response: Response) -> Response:
        response.headers["X-After"] = "ran"
        return response

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        events.append("teardown")

    response = client.get("/")
    assert response.headers.get("X-After") == "ran"
    assert events == ["before", "teardown"]


def test_registry_edits_after_a_test_context_reach_full_dispatch_request(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        return "view"

    with app.test_request_context("/"):
        pass
    app.before_request_funcs.setdefault(None, []).append(lambda: "from before_request")
    with app.test_request_context("/"):
        response = app.full_dispatch_request()
    assert response.get_data() == b"from before_request"


@both
def test_hook_registries_edited_for_a_blueprint_take_effect(app: Erlen, client: Any) -> None:
    bp = Blueprint("shop", __name__, url_prefix="/shop")

    @bp.route("/")
    def index() -> str:
        return "shop"

    app.register_blueprint(bp)

    def tag(response: Response) -> Response:
        response.headers["X-Shop"] = "yes"
        return response

    app.after_request_funcs.setdefault("shop", []).append(tag)
    assert client.get("/shop/").headers["X-Shop"] == "yes"


# -- 3. Flask's public dispatch steps ----------------------------------------------------------


def test_full_dispatch_request_runs_the_whole_request(app: Erlen) -> None:
    @app.before_request
    def before() -> None:
        g.seen = "before"

    @app.route("/")
    def index() -> str:
        return f"{g.seen} view"

    @app.after_request
    def after(response: Response) -> Response:
        response.headers["X-After"] = "ran"
        return response

    with app.test_request_context("/"):
        response = app.full_dispatch_request()
    assert response.status_code == 200
    assert response.get_data() == b"before view"
    assert response.headers["X-After"] == "ran"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    # It ends the setup phase, like a first request.
    assert app.got_first_request is True
    with pytest.raises(AssertionError, match="'add_url_rule'"):
        app.add_url_rule("/too-late", "too_late", lambda: "x")


def test_full_dispatch_request_uses_error_handlers(app: Erlen) -> None:
    @app.errorhandler(404)
    def missing(error: HTTPException) -> tuple[str, int]:
        return "nothing here", 404

    with app.test_request_context("/missing"):
        response = app.full_dispatch_request()
    assert response.status_code == 404
    assert response.get_data() == b"nothing here"


def test_preprocess_request_returns_a_before_hooks_value(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        return "view"

    @app.before_request
    def gate() -> str | None:
        return "stopped" if request.args.get("stop") else None

    with app.test_request_context("/?stop=1"):
        assert app.preprocess_request() == "stopped"
    with app.test_request_context("/"):
        assert app.preprocess_request() is None


def test_preprocess_request_runs_url_value_preprocessors(app: Erlen) -> None:
    @app.url_value_preprocessor
    def pull(endpoint: str | None, values: dict[str, Any] | None) -> None:
        g.user = (values or {}).pop("user")

    @app.route("/<user>/")
    def page() -> str:
        return g.user  # type: ignore[no-any-return]

    with app.test_request_context("/ana/"):
        assert app.preprocess_request() is None
        assert g.user == "ana"
        assert request.view_args == {}


def test_dispatch_request_calls_only_the_view(app: Erlen) -> None:
    @app.before_request
    def before() -> None:
        g.before_ran = True

    @app.route("/item/<int:number>")
    def item(number: int) -> str:
        return f"item {number} before={g.get('before_ran', False)}"

    with app.test_request_context("/item/7"):
        assert app.dispatch_request() == "item 7 before=False"


def test_dispatch_request_runs_an_async_view(app: Erlen) -> None:
    @app.route("/")
    async def index() -> str:
        return "async view"

    with app.test_request_context("/"):
        assert app.dispatch_request() == "async view"


def test_dispatch_request_passes_the_request_to_a_view_that_asks_for_it(app: Erlen) -> None:
    @app.route("/item/<int:number>")
    def item(number: int, request: Request) -> str:
        return f"{request.path} {number}"

    with app.test_request_context("/item/3"):
        # The full dispatch passes it, as a request from a server does.
        assert app.full_dispatch_request().get_data() == b"/item/3 3"
    with app.test_request_context("/item/3"):
        assert app.dispatch_request() == "/item/3 3"


def test_dispatch_request_raises_the_routing_error(app: Erlen) -> None:
    @app.route("/", methods=["GET"])
    def index() -> str:
        return "index"

    with app.test_request_context("/missing"), pytest.raises(NotFound):
        app.dispatch_request()
    with app.test_request_context("/", method="DELETE"), pytest.raises(MethodNotAllowed):
        app.dispatch_request()


def test_dispatch_request_answers_options_automatically(app: Erlen) -> None:
    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        return "index"

    with app.test_request_context("/", method="OPTIONS"):
        response = app.dispatch_request()
    assert isinstance(response, Response)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_process_response_runs_after_hooks_and_saves_the_session(app: Erlen) -> None:
    app.secret_key = "test key"

    @app.route("/")
    def index() -> str:
        return "index"

    @app.after_request
    def after(response: Response) -> Response:
        response.headers["X-After"] = "ran"
        return response

    with app.test_request_context("/"):
        session["user"] = "ana"

        @after_this_request
        def only_this_one(response: Response) -> Response:
            response.headers["X-This-Request"] = "ran"
            return response

        response = app.process_response(app.response_class("body"))
    assert response.headers["X-After"] == "ran"
    assert response.headers["X-This-Request"] == "ran"
    assert "session=" in response.headers["Set-Cookie"]


def test_finalize_request_makes_and_processes_the_response(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        return "index"

    @app.after_request
    def after(response: Response) -> Response:
        response.headers["X-After"] = "ran"
        return response

    with app.test_request_context("/"):
        response = app.finalize_request(("made", 201))
    assert response.status_code == 201
    assert response.get_data() == b"made"
    assert response.headers["X-After"] == "ran"


def test_finalize_request_from_an_error_handler_keeps_the_response(
    app: Erlen, caplog: pytest.LogCaptureFixture
) -> None:
    @app.route("/")
    def index() -> str:
        return "index"

    @app.after_request
    def broken(response: Response) -> Response:
        raise ZeroDivisionError("after hook failed")

    with app.test_request_context("/"):
        with pytest.raises(ZeroDivisionError):
            app.finalize_request("handler body")
        with caplog.at_level(logging.ERROR):
            response = app.finalize_request(("handler body", 500), from_error_handler=True)
    assert response.status_code == 500
    assert response.get_data() == b"handler body"
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is ZeroDivisionError]
    assert len(logged) == 1


def test_handle_user_exception_uses_the_registered_handlers(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        return "index"

    @app.errorhandler(ValueError)
    def on_value_error(error: ValueError) -> tuple[str, int]:
        return f"bad value: {error}", 400

    with app.test_request_context("/"):
        assert app.handle_user_exception(ValueError("x")) == ("bad value: x", 400)
        # An HTTP error nobody handles comes back as itself, to be sent as it is.
        gone = NotFound()
        assert app.handle_user_exception(gone) is gone
        with pytest.raises(KeyError):
            app.handle_user_exception(KeyError("unhandled"))


def test_handle_http_exception_uses_the_handler_for_its_code(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        return "index"

    @app.errorhandler(404)
    def missing(error: HTTPException) -> tuple[str, int]:
        return "no such page", 404

    with app.test_request_context("/"):
        assert app.handle_http_exception(NotFound()) == ("no such page", 404)
        not_allowed = MethodNotAllowed(["GET"])
        assert app.handle_http_exception(not_allowed) is not_allowed
        # A routing redirect is a response, not an error to handle.
        redirect = RequestRedirect("http://localhost/new")
        assert app.handle_http_exception(redirect) is redirect


def test_handle_exception_uses_the_500_handler(app: Erlen) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    def index() -> str:
        return "index"

    @app.errorhandler(500)
    def server_error(error: HTTPException) -> tuple[str, int]:
        return "sorry", 500

    with app.test_request_context("/"):
        response = app.handle_exception(ZeroDivisionError("boom"))
    assert response.status_code == 500
    assert response.get_data() == b"sorry"


def test_handle_exception_raises_when_exceptions_propagate(app: Erlen) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.route("/")
    def index() -> str:
        return "index"

    with app.test_request_context("/"), pytest.raises(ZeroDivisionError, match="boom"):
        app.handle_exception(ZeroDivisionError("boom"))


@pytest.mark.parametrize(
    "step",
    [
        lambda app: app.full_dispatch_request(),
        lambda app: app.preprocess_request(),
        lambda app: app.dispatch_request(),
        lambda app: app.process_response(app.response_class("x")),
        lambda app: app.handle_user_exception(ValueError()),
        lambda app: app.handle_http_exception(NotFound()),
    ],
    ids=["full", "preprocess", "dispatch", "process_response", "user_exc", "http_exc"],
)
def test_dispatch_steps_need_a_request_context(app: Erlen, step: Callable[[Erlen], Any]) -> None:
    with pytest.raises(RuntimeError, match="request context"):
        step(app)
    with app.app_context(), pytest.raises(RuntimeError, match="test_request_context"):
        step(app)


# -- 4. an after_request hook that raises -----------------------------------------------------


@both
def test_a_failing_after_request_hook_sends_the_500_handlers_response(
    app: Erlen, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    def index() -> str:
        return "index"

    @app.after_request
    def broken(response: Response) -> Response:
        raise ZeroDivisionError("after hook failed")

    @app.errorhandler(500)
    def server_error(error: HTTPException) -> tuple[str, int]:
        return "the 500 handler", 500

    with caplog.at_level(logging.ERROR):
        response = client.get("/")
    assert response.status_code == 500
    assert response.text == "the 500 handler"
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)


# -- 5. the app's aborter ---------------------------------------------------------------------


class Unavailable(HTTPException):
    code = 499
    description = "The client closed the request."


@both
def test_a_code_added_to_the_aborter_is_raised_by_abort(app: Erlen, client: Any) -> None:
    assert isinstance(app.aborter, Aborter)
    app.aborter.mapping[499] = Unavailable

    @app.route("/")
    def index() -> str:
        abort(499)

    @app.errorhandler(Unavailable)
    def on_unavailable(error: Unavailable) -> tuple[str, int]:
        return f"handled {error.code}", 499

    response = client.get("/")
    assert response.status_code == 499
    assert response.text == "handled 499"
    with app.test_request_context("/"), pytest.raises(Unavailable):
        abort(499)


def test_abort_outside_a_context_ignores_an_apps_aborter(app: Erlen) -> None:
    app.aborter.mapping[499] = Unavailable
    with pytest.raises(NotFound):
        abort(404)
    with pytest.raises(LookupError):
        abort(499)


def test_aborter_class_and_make_aborter_can_be_replaced() -> None:
    class TeapotAborter(Aborter):
        pass

    class TeaApp(Erlen):
        aborter_class = TeapotAborter

    assert isinstance(TeaApp(__name__).aborter, TeapotAborter)

    class MappedApp(Erlen):
        def make_aborter(self) -> Aborter:
            return Aborter(extra={499: Unavailable})

    app = MappedApp(__name__)
    with app.app_context(), pytest.raises(Unavailable):
        abort(499)


# -- 6. url_for's endpoint is positional-only -------------------------------------------------


@both
def test_url_for_takes_a_value_named_self(app: Erlen, client: Any) -> None:
    @app.route("/<self>")
    def index(self: str) -> str:
        return url_for("index", self=self + "0")

    with app.test_request_context():
        assert url_for("index", self="2") == "/2"
        assert app.url_for("index", self="2") == "/2"
    assert client.get("/4").text == "/40"


def test_url_for_takes_a_value_named_endpoint(app: Erlen) -> None:
    @app.route("/<endpoint>/page")
    def page(endpoint: str) -> str:
        return endpoint

    with app.test_request_context():
        assert url_for("page", endpoint="api") == "/api/page"
        assert app.url_for("page", endpoint="api") == "/api/page"


# -- 7. Config.from_prefixed_env --------------------------------------------------------------


def test_from_prefixed_env_reads_flask_and_erlen_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_ISSUE13_ONLY_FLASK", "1")
    monkeypatch.setenv("FLASK_ISSUE13_BOTH", '"from flask"')
    monkeypatch.setenv("ERLEN_ISSUE13_BOTH", '"from erlen"')
    monkeypatch.setenv("ERLEN_ISSUE13_ONLY_ERLEN", "true")

    config = Config(tmp_path)
    assert config.from_prefixed_env() is True
    assert config["ISSUE13_ONLY_FLASK"] == 1
    assert config["ISSUE13_BOTH"] == "from erlen"
    assert config["ISSUE13_ONLY_ERLEN"] is True


def test_from_prefixed_env_merges_nested_keys_of_both_prefixes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_ISSUE13_DB__HOST", '"db.internal"')
    monkeypatch.setenv("FLASK_ISSUE13_DB__PORT", "5432")
    monkeypatch.setenv("ERLEN_ISSUE13_DB__PORT", "6432")

    config = Config(tmp_path)
    config.from_prefixed_env()
    assert config["ISSUE13_DB"] == {"HOST": "db.internal", "PORT": 6432}


def test_from_prefixed_env_with_a_prefix_reads_only_that_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_ISSUE13_BOTH", '"from flask"')
    monkeypatch.setenv("ERLEN_ISSUE13_BOTH", '"from erlen"')
    monkeypatch.setenv("MYAPP_ISSUE13_BOTH", '"from myapp"')

    flask_only = Config(tmp_path)
    flask_only.from_prefixed_env("FLASK")
    assert flask_only["ISSUE13_BOTH"] == "from flask"

    mine = Config(tmp_path)
    mine.from_prefixed_env("MYAPP")
    assert mine["ISSUE13_BOTH"] == "from myapp"
    assert not any(key.startswith("ISSUE13") and key != "ISSUE13_BOTH" for key in mine)


def test_app_config_from_prefixed_env_sets_app_settings(
    app: Erlen, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_MAX_CONTENT_LENGTH", "1024")
    app.config.from_prefixed_env()
    assert app.config["MAX_CONTENT_LENGTH"] == 1024


# -- 8. erlen.json.dump and load --------------------------------------------------------------


def test_json_dump_and_load_outside_an_app_context() -> None:
    out = io.StringIO()
    erlen.json.dump({"b": 1, "a": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)}, out)
    assert out.getvalue() == '{"b": 1, "a": "Tue, 02 Jan 2024 03:04:05 GMT"}'
    assert erlen.json.load(io.StringIO('{"x": [1, 2]}')) == {"x": [1, 2]}
    assert erlen.json.load(io.BytesIO(b'{"x": "bytes"}')) == {"x": "bytes"}


def test_json_dump_and_load_use_the_apps_provider(app: Erlen) -> None:
    with app.app_context():
        out = io.StringIO()
        erlen.json.dump({"b": 1, "a": 2}, out)
        # The default provider sorts keys.
        assert out.getvalue() == '{"a": 2, "b": 1}'
        app.json.sort_keys = False  # type: ignore[attr-defined]
        out = io.StringIO()
        erlen.json.dump({"b": 1, "a": 2}, out)
        assert out.getvalue() == '{"b": 1, "a": 2}'


def test_json_dump_and_load_use_a_custom_provider() -> None:
    class TaggedProvider(DefaultJSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return "tagged:" + super().dumps(obj, **kwargs)

        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            text = s.decode() if isinstance(s, bytes) else s
            return {"loaded": super().loads(text.removeprefix("tagged:"), **kwargs)}

    class TaggedApp(Erlen):
        json_provider_class = TaggedProvider

    app = TaggedApp(__name__)
    with app.test_request_context():
        out = io.StringIO()
        erlen.json.dump([1], out)
        assert out.getvalue() == "tagged:[1]"
        assert erlen.json.load(io.StringIO("tagged:[2]")) == {"loaded": [2]}


def test_json_dump_and_load_call_the_providers_own_file_methods() -> None:
    class StreamingProvider(DefaultJSONProvider):
        def dump(self, obj: Any, fp: Any, **kwargs: Any) -> None:
            for item in obj:
                fp.write(self.dumps(item) + "\n")

        def load(self, fp: Any, **kwargs: Any) -> Any:
            return [self.loads(line) for line in fp.read().splitlines()]

    class StreamingApp(Erlen):
        json_provider_class = StreamingProvider

    app = StreamingApp(__name__)
    with app.app_context():
        out = io.StringIO()
        erlen.json.dump([{"a": 1}, [2]], out)
        assert out.getvalue() == '{"a": 1}\n[2]\n'
        assert erlen.json.load(io.StringIO("1\n2\n")) == [1, 2]


# -- 9. get_template_attribute ----------------------------------------------------------------


def test_get_template_attribute_calls_a_macro(tmp_path: Path) -> None:
    (tmp_path / "macros.html").write_text(
        "{% macro hello(name) %}Hello {{ name }}!{% endmacro %}{% set answer = 42 %}"
    )
    app = Erlen(__name__, template_folder=str(tmp_path))
    with app.app_context():
        hello = get_template_attribute("macros.html", "hello")
        assert hello("<World>") == "Hello &lt;World&gt;!"
        assert get_template_attribute("macros.html", "answer") == 42
    with pytest.raises(RuntimeError):
        get_template_attribute("macros.html", "hello")


# -- 10. Werkzeug's rule factories ------------------------------------------------------------


@pytest.fixture
def factory_app() -> Erlen:
    app = Erlen(__name__, subdomain_matching=True)
    app.config["TESTING"] = True
    app.config["SERVER_NAME"] = "example.test"
    app.url_map.add(Submount("/admin/", [Rule("/users", endpoint="admin_users")]))
    app.url_map.add(EndpointPrefix("blog.", [Rule("/blog/<int:post>", endpoint="post")]))
    app.url_map.add(Subdomain("api", [Rule("/status", endpoint="api_status")]))
    app.url_map.add(Submount("/v1", [EndpointPrefix("v1.", [Rule("/ping", endpoint="ping")])]))
    resource = RuleTemplate(
        [
            Rule("/$name/", endpoint="$name.list"),
            Rule("/$name/<int:id>", endpoint="$name.show", defaults={"kind": "$name"}),
        ]
    )
    app.url_map.add(resource(name="books"))
    app.view_functions.update(
        {
            "admin_users": lambda: "admin users",
            "blog.post": lambda post: f"post {post}",
            "api_status": lambda: "api ok",
            "v1.ping": lambda: "pong",
            "books.list": lambda: "all books",
            "books.show": lambda id, kind: f"{kind} {id}",
        }
    )
    return app


@both
def test_rule_factories_serve_their_rules(factory_app: Erlen) -> None:
    client = factory_app.test_client()
    assert client.get("/admin/users").text == "admin users"
    assert client.get("/blog/3").text == "post 3"
    assert client.get("/status", subdomain="api").text == "api ok"
    assert client.get("/status").status_code == 404
    assert client.get("/v1/ping").text == "pong"
    assert client.get("/books/").text == "all books"
    assert client.get("/books/5").text == "books 5"
    client.close()


def test_url_for_builds_rules_from_factories(factory_app: Erlen) -> None:
    with factory_app.test_request_context():
        assert url_for("admin_users") == "/admin/users"
        assert url_for("blog.post", post=3) == "/blog/3"
        assert url_for("api_status") == "http://api.example.test/status"
        assert url_for("v1.ping") == "/v1/ping"
        assert url_for("books.list") == "/books/"
        assert url_for("books.show", id=5) == "/books/5"


# -- 11. the instance folder ------------------------------------------------------------------

_APP_SOURCE = "from erlen import Erlen\napp = Erlen(__name__)\n"


@pytest.fixture
def fresh_modules() -> Iterator[Callable[[str], None]]:
    """Forget modules a test imports from its tmp_path, before and after it."""
    names: list[str] = []

    def forget(name: str) -> None:
        names.append(name)
        sys.modules.pop(name, None)

    yield forget
    for name in names:
        sys.modules.pop(name, None)


def _import_app(name: str) -> Erlen:
    module = __import__(name, fromlist=["app"])
    app: Erlen = module.app
    return app


def test_instance_path_of_a_module_and_a_package_outside_the_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_modules: Callable[[str], None]
) -> None:
    (tmp_path / "issue13_single.py").write_text(_APP_SOURCE)
    package = tmp_path / "issue13_shop"
    (package / "views").mkdir(parents=True)
    (package / "__init__.py").write_text(_APP_SOURCE)
    (package / "views" / "__init__.py").write_text(_APP_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("issue13_single", "issue13_shop", "issue13_shop.views"):
        fresh_modules(name)

    assert _import_app("issue13_single").instance_path == str(tmp_path / "instance")
    assert _import_app("issue13_shop").instance_path == str(tmp_path / "instance")
    # A subpackage's app uses the folder beside the top-level package too.
    assert _import_app("issue13_shop.views").instance_path == str(tmp_path / "instance")


@pytest.mark.parametrize(
    "layout",
    [
        ("lib", f"python{sys.version_info[0]}.{sys.version_info[1]}", "site-packages"),
        ("Lib", "site-packages"),
    ],
    ids=["posix", "windows"],
)
@pytest.mark.parametrize("kind", ["module", "package"])
def test_instance_path_of_an_installed_module_or_package(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fresh_modules: Callable[[str], None],
    layout: tuple[str, ...],
    kind: str,
) -> None:
    prefix = tmp_path / "prefix"
    site = prefix.joinpath(*layout)
    site.mkdir(parents=True)
    name = f"issue13_installed_{kind}"
    if kind == "module":
        (site / f"{name}.py").write_text(_APP_SOURCE)
    else:
        (site / name).mkdir()
        (site / name / "__init__.py").write_text(_APP_SOURCE)
    monkeypatch.syspath_prepend(str(site))
    fresh_modules(name)

    assert _import_app(name).instance_path == str(prefix / "var" / f"{name}-instance")


def test_instance_path_of_a_namespace_package_is_beside_its_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_modules: Callable[[str], None]
) -> None:
    projects = []
    for part in ("first", "second"):
        project = tmp_path / f"project-{part}"
        package = project / "issue13_ns" / part
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(_APP_SOURCE)
        monkeypatch.syspath_prepend(str(project))
        projects.append(project)
    (projects[1] / "issue13_ns" / "single.py").write_text(_APP_SOURCE)
    for name in ("issue13_ns", "issue13_ns.first", "issue13_ns.second", "issue13_ns.single"):
        fresh_modules(name)

    assert _import_app("issue13_ns.first").instance_path == str(projects[0] / "instance")
    assert _import_app("issue13_ns.second").instance_path == str(projects[1] / "instance")
    assert _import_app("issue13_ns.single").instance_path == str(projects[1] / "instance")


# -- 12. an app is freed without the garbage collector ----------------------------------------


def _set_up(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        return "index"

    @app.before_request
    def before() -> None:
        pass

    @app.errorhandler(404)
    def missing(error: HTTPException) -> tuple[str, int]:
        return "missing", 404


@pytest.mark.parametrize("use", ["unused", "context", "request"])
def test_an_app_without_references_is_freed_without_the_garbage_collector(use: str) -> None:
    gc.collect()
    gc.disable()
    try:
        app = Erlen(__name__)
        _set_up(app)
        assert app.json.dumps({"a": 1}) == '{"a": 1}'
        if use == "context":
            with app.test_request_context("/"):
                assert url_for("index") == "/"
        elif use == "request":
            client = app.test_client()
            assert client.get("/").text == "index"
            client.close()
            del client
        freed = weakref.ref(app)
        del app
        assert freed() is None
    finally:
        gc.enable()


# -- 13. routing redirects that would drop a form ---------------------------------------------


def _user_app(app: Erlen) -> None:
    app.debug = True

    @app.route("/user/", methods=["GET", "POST"])
    def user() -> str:
        return request.form["status"]


@both
def test_the_default_routing_redirect_keeps_the_form(app: Erlen, client: Any) -> None:
    _user_app(app)
    response = client.post("/user", data={"status": "kept"}, follow_redirects=True)
    assert response.status_code == 200
    assert response.text == "kept"
    assert response.history[0].status_code == 308


@both
@pytest.mark.parametrize("code", [301, 302])
def test_a_form_dropping_routing_redirect_raises_in_debug_mode(
    app: Erlen, client: Any, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    _user_app(app)
    monkeypatch.setattr(RequestRedirect, "code", code)
    with pytest.raises(FormDataRoutingRedirect, match="canonical URL 'http://localhost/user/'"):
        client.post("/user", data={"status": "lost"})
    # A GET is redirected as usual: it has no form to lose.
    assert client.get("/user").status_code == code


@both
def test_a_form_dropping_routing_redirect_is_sent_outside_debug_mode(
    app: Erlen, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _user_app(app)
    app.debug = False
    monkeypatch.setattr(RequestRedirect, "code", 301)
    response = client.post("/user", data={"status": "lost"})
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/user/")


# -- 14. the test client ----------------------------------------------------------------------


def _echo(app: Erlen) -> None:
    @app.route("/echo", methods=["GET", "POST", "PUT"])
    def echo() -> dict[str, Any]:
        return {
            "method": request.method,
            "url": request.url,
            "body": request.get_data(as_text=True),
            "remote_addr": request.remote_addr,
            "user_agent": request.headers.get("User-Agent"),
        }


@both
def test_the_base_url_can_be_given_positionally(app: Erlen, client: Any) -> None:
    _echo(app)
    response = client.get("/echo", "http://example.test/")
    assert response.json["url"] == "http://example.test/echo"
    response = client.get("/echo", "https://localhost/")
    assert response.json["url"] == "https://localhost/echo"


@both
def test_environ_base_edits_apply_to_every_request(app: Erlen, client: Any) -> None:
    _echo(app)
    assert client.get("/echo").json["remote_addr"] == "127.0.0.1"
    assert client.get("/echo").json["user_agent"].startswith("erlen/")
    client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    client.environ_base["HTTP_USER_AGENT"] = "probe/1.0"
    data = client.get("/echo").json
    assert data["remote_addr"] == "192.0.2.7"
    assert data["user_agent"] == "probe/1.0"
    # A request's own environ_base wins over the client's.
    data = client.get("/echo", environ_base={"REMOTE_ADDR": "198.51.100.1"}).json
    assert data["remote_addr"] == "198.51.100.1"


@both
def test_open_takes_a_builder_or_an_environ(app: Erlen, client: Any) -> None:
    _echo(app)
    builder = EnvironBuilder(app, "/echo", method="PUT", data="from a builder")
    data = client.open(builder).json
    builder.close()
    assert data["method"] == "PUT"
    assert data["body"] == "from a builder"

    environ = create_environ("/echo", "http://localhost/", method="POST", data="from an environ")
    data = client.open(environ).json
    assert data["method"] == "POST"
    assert data["body"] == "from an environ"
    # The client's environ_base still applies to a given environ.
    assert data["remote_addr"] == "127.0.0.1"


@both
def test_a_307_redirect_is_followed_with_its_method_and_body(app: Erlen, client: Any) -> None:
    _echo(app)

    @app.route("/old", methods=["POST"])
    def old() -> Response:
        return app.redirect("/echo", 307)

    response = client.post("/old", data="the body", follow_redirects=True)
    assert response.status_code == 200
    assert response.json["method"] == "POST"
    assert response.json["body"] == "the body"
    assert [r.status_code for r in response.history] == [307]
    assert response.request.path == "/echo"


@both
def test_a_redirect_loop_raises(app: Erlen, client: Any) -> None:
    @app.route("/ping")
    def ping() -> Response:
        return app.redirect("/pong")

    @app.route("/pong")
    def pong() -> Response:
        return app.redirect("/ping")

    with pytest.raises(ClientRedirectError, match="loop"):
        client.get("/ping", follow_redirects=True)
    assert issubclass(ClientRedirectError, RuntimeError)


@both
def test_session_transaction_leaves_the_current_request_context_alone(
    app: Erlen, client: Any
) -> None:
    app.secret_key = "test key"

    @app.route("/whoami")
    def whoami() -> str:
        return str(session.get("user"))

    with app.test_request_context("/outer"):
        with client.session_transaction() as sess:
            sess["user"] = "ana"
            assert request.path == "/outer"
        assert request.path == "/outer"
    assert client.get("/whoami").text == "ana"
    with client.session_transaction() as sess:
        assert sess["user"] == "ana"


def test_session_transaction_needs_cookies(app: Erlen) -> None:
    app.secret_key = "test key"
    client = app.test_client(use_cookies=False)
    with pytest.raises(TypeError, match="use_cookies"), client.session_transaction():
        pass


@both
def test_a_webdav_method_goes_through_the_client_without_a_warning(app: Erlen, client: Any) -> None:
    @app.route("/", methods=["PROPFIND"])
    def properties() -> tuple[str, int]:
        return f"{request.method} ok", 207

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        response = client.open(method="PROPFIND")
    assert response.status_code == 207
    assert response.text == "PROPFIND ok"


def _cookie_wsgi_app(
    environ: dict[str, Any], start_response: Callable[..., Any]
) -> Iterable[bytes]:
    """A WSGI app with no erlen in it: sets a cookie on /set, echoes what it gets elsewhere."""
    if environ["PATH_INFO"] == "/set":
        start_response(
            "200 OK", [("Content-Type", "text/plain"), ("Set-Cookie", "flavour=mint; Path=/")]
        )
        return [b"set"]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ.get("HTTP_COOKIE", "none").encode()]


def test_the_wsgi_client_drives_a_plain_wsgi_app_with_cookies() -> None:
    client = Client(_cookie_wsgi_app)
    assert client.get("/show").text == "none"
    response = client.get("/set")
    assert response.status_code == 200
    assert response.text == "set"
    cookie = client.get_cookie("flavour")
    assert cookie is not None
    assert cookie.value == "mint"
    assert client.get("/show").text == "flavour=mint"
    client.delete_cookie("flavour")
    assert client.get("/show").text == "none"

    without_cookies = Client(_cookie_wsgi_app, use_cookies=False)
    without_cookies.get("/set")
    assert without_cookies.get("/show").text == "none"
