"""Tests for erlen.blueprints: registering blueprints (prefixes, names, nesting, options), their
hooks and error handlers and how they are scoped, URL building inside them, their static files
and templates, seen through the test client under WSGI and ASGI as a Flask user sees them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from erlen import Erlen, abort, g, render_template, render_template_string, request, url_for
from erlen.core.blueprints import Blueprint, BlueprintSetupState


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.config["TESTING"] = True
    return app


@pytest.fixture(params=["wsgi", "asgi"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def client_for(app: Erlen, protocol: str) -> Any:
    return app.test_client(asgi=protocol == "asgi")


# creating and registering


@pytest.mark.parametrize("name", ["", "a.b"])
def test_name_must_be_non_empty_and_without_dots(name: str) -> None:
    with pytest.raises(ValueError):
        Blueprint(name, __name__)


def test_endpoint_and_view_names_may_not_contain_dots() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError):
        bp.add_url_rule("/", "a.b", lambda: "")

    def view() -> str:
        return ""

    view.__name__ = "a.b"
    with pytest.raises(ValueError):
        bp.add_url_rule("/", view_func=view)


def test_routes_get_the_prefix_and_the_blueprint_name(app: Erlen, protocol: str) -> None:
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.route("/")
    def index() -> str:
        return f"{request.endpoint} {request.blueprint}"

    @bp.get("/users/<int:user_id>")
    def user(user_id: int) -> str:
        return f"user {user_id}"

    app.register_blueprint(bp)
    client = client_for(app, protocol)
    assert client.get("/admin/").text == "admin.index admin"
    assert client.get("/admin/users/3").text == "user 3"
    assert client.get("/users/3").status_code == 404
    assert client.post("/admin/users/3").status_code == 405


def test_register_options_override_the_blueprint(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/old")

    @bp.route("/page")
    def page() -> str:
        return "page"

    app.register_blueprint(bp, url_prefix="/new")
    client = app.test_client()
    assert client.get("/new/page").text == "page"
    assert client.get("/old/page").status_code == 404


def test_empty_rule_is_the_prefix_itself(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/shop")
    bp.add_url_rule("", "home", lambda: "home")
    app.register_blueprint(bp)
    assert app.test_client().get("/shop").text == "home"


def test_url_defaults_reach_the_view(app: Erlen, protocol: str) -> None:
    bp = Blueprint("bp", __name__, url_defaults={"size": 10, "order": "asc"})

    @bp.route("/list/<int:page>")
    def listing(page: int, size: int, order: str) -> str:
        return f"{page}/{size}/{order}"

    app.register_blueprint(bp, url_defaults={"size": 20})
    client = client_for(app, protocol)
    assert client.get("/list/4").text == "4/20/asc"


def test_route_defaults_merge_with_blueprint_defaults(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_defaults={"kind": "all"})

    @bp.route("/items", defaults={"page": 2})
    def items(kind: str, page: int) -> str:
        return f"{kind} {page}"

    app.register_blueprint(bp)
    assert app.test_client().get("/items").text == "all 2"


def test_same_blueprint_twice_under_different_names(app: Erlen, protocol: str) -> None:
    bp = Blueprint("files", __name__)

    @bp.route("/")
    def index() -> str:
        return f"{request.blueprint} {url_for('.index')}"

    app.register_blueprint(bp, url_prefix="/public")
    app.register_blueprint(bp, url_prefix="/private", name="private_files")
    client = client_for(app, protocol)
    assert client.get("/public/").text == "files /public/"
    assert client.get("/private/").text == "private_files /private/"
    with app.test_request_context():
        assert url_for("files.index") == "/public/"
        assert url_for("private_files.index") == "/private/"
    assert list(app.blueprints) == ["files", "private_files"]


def test_registering_a_name_twice_is_an_error(app: Erlen) -> None:
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(ValueError, match="already registered for this blueprint"):
        app.register_blueprint(bp)
    with pytest.raises(ValueError, match="a different blueprint"):
        app.register_blueprint(Blueprint("bp", __name__))
    with pytest.raises(ValueError, match="a different blueprint"):
        app.register_blueprint(Blueprint("other", __name__), name="bp")


def test_register_after_first_request_is_refused(app: Erlen) -> None:
    app.add_url_rule("/", "index", lambda: "hi")
    app.test_client().get("/")
    with pytest.raises(AssertionError, match="register_blueprint"):
        app.register_blueprint(Blueprint("late", __name__))


def test_blueprint_setup_after_registration_is_refused(app: Erlen) -> None:
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(AssertionError, match="'route'"):
        bp.route("/late")
    with pytest.raises(AssertionError, match="'before_request'"):
        bp.before_request(lambda: None)


def test_cannot_register_a_blueprint_on_itself() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError):
        bp.register_blueprint(bp)


def test_iter_blueprints_in_registration_order(app: Erlen) -> None:
    first, second = Blueprint("first", __name__), Blueprint("second", __name__)
    app.register_blueprint(second)
    app.register_blueprint(first)
    assert list(app.iter_blueprints()) == [second, first]
    assert app.blueprints == {"second": second, "first": first}


def test_record_runs_per_registration_and_record_once_only_first(app: Erlen) -> None:
    bp = Blueprint("bp", __name__)
    seen: list[tuple[str, Any, bool]] = []
    once: list[str] = []

    @bp.record
    def remember(state: BlueprintSetupState) -> None:
        seen.append((state.name, state.options.get("flavour"), state.first_registration))

    bp.record_once(lambda state: once.append(state.name))
    app.register_blueprint(bp, flavour="vanilla")
    app.register_blueprint(bp, name="again", flavour="mint")
    assert seen == [("bp", "vanilla", True), ("again", "mint", False)]
    assert once == ["bp"]


def test_subdomain_blueprint(app: Erlen, protocol: str) -> None:
    app.config["SERVER_NAME"] = "example.com"
    app.subdomain_matching = True
    bp = Blueprint("api", __name__, subdomain="api")

    @bp.route("/")
    def index() -> str:
        return "api"

    @app.route("/")
    def home() -> str:
        return url_for("api.index")

    app.register_blueprint(bp)
    client = client_for(app, protocol)
    assert client.get("/", base_url="http://api.example.com/").text == "api"
    assert client.get("/", base_url="http://example.com/").text == "http://api.example.com/"


# nesting


def make_nested(app: Erlen, events: list[str]) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")

    @parent.route("/")
    def parent_index() -> str:
        events.append("view parent")
        return request.endpoint or ""

    @child.route("/<int:n>")
    async def child_view(n: int) -> str:
        events.append("view child")
        return f"{request.endpoint} {n} {request.blueprints}"

    for name, scaffold in (("app", app), ("parent", parent), ("child", child)):

        def before(name: str = name) -> None:
            events.append(f"before {name}")

        def after(response: Any, name: str = name) -> Any:
            events.append(f"after {name}")
            return response

        def teardown(error: BaseException | None, name: str = name) -> None:
            events.append(f"teardown {name}")

        def preprocess(endpoint: str | None, values: Any, name: str = name) -> None:
            events.append(f"preprocess {name}")

        scaffold.before_request(before)
        scaffold.after_request(after)
        scaffold.teardown_request(teardown)
        scaffold.url_value_preprocessor(preprocess)

    parent.register_blueprint(child)
    app.register_blueprint(parent)


def test_nested_endpoints_prefixes_and_blueprints(app: Erlen, protocol: str) -> None:
    make_nested(app, [])
    client = client_for(app, protocol)
    assert client.get("/parent/").text == "parent.parent_index"
    assert (
        client.get("/parent/child/7").text == "parent.child.child_view 7 ['parent.child', 'parent']"
    )
    with app.test_request_context():
        assert url_for("parent.child.child_view", n=2) == "/parent/child/2"


def test_nested_hooks_run_outermost_first_then_innermost_first(app: Erlen, protocol: str) -> None:
    events: list[str] = []
    make_nested(app, events)
    client_for(app, protocol).get("/parent/child/1")
    assert events == [
        "preprocess app",
        "preprocess parent",
        "preprocess child",
        "before app",
        "before parent",
        "before child",
        "view child",
        "after child",
        "after parent",
        "after app",
        "teardown child",
        "teardown parent",
        "teardown app",
    ]


def test_blueprint_hooks_only_run_for_its_endpoints(app: Erlen, protocol: str) -> None:
    events: list[str] = []
    make_nested(app, events)

    @app.route("/plain")
    def plain() -> str:
        return "plain"

    client = client_for(app, protocol)
    client.get("/plain")
    assert events == ["preprocess app", "before app", "after app", "teardown app"]
    events.clear()
    client.get("/parent/")
    assert "before child" not in events
    assert events[:4] == ["preprocess app", "preprocess parent", "before app", "before parent"]


def test_nested_prefix_given_at_registration(app: Erlen) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)
    child.add_url_rule("/leaf", "leaf", lambda: "leaf")
    parent.register_blueprint(child, url_prefix="/c")
    app.register_blueprint(parent, url_prefix="/p/")
    assert app.test_client().get("/p/c/leaf").text == "leaf"


def test_nested_blueprint_registered_twice_by_parent_name(app: Erlen) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)

    @child.route("/")
    def index() -> str:
        return url_for(".index")

    parent.register_blueprint(child, url_prefix="/child")
    app.register_blueprint(parent, url_prefix="/a")
    app.register_blueprint(parent, url_prefix="/b", name="second")
    client = app.test_client()
    assert client.get("/a/child/").text == "/a/child/"
    assert client.get("/b/child/").text == "/b/child/"
    assert set(app.blueprints) == {"parent", "parent.child", "second", "second.child"}


# app-wide hooks registered by a blueprint


def test_app_hooks_apply_to_every_request(app: Erlen, protocol: str) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    events: list[str] = []

    @bp.before_app_request
    def before() -> None:
        events.append("before")

    @bp.after_app_request
    def after(response: Any) -> Any:
        response.headers["X-Seen"] = "yes"
        return response

    @bp.teardown_app_request
    def teardown(error: BaseException | None) -> None:
        events.append("teardown")

    @bp.app_url_value_preprocessor
    def preprocess(endpoint: str | None, values: Any) -> None:
        events.append(f"preprocess {endpoint}")

    @bp.app_errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        return "bp says missing", 404

    @app.route("/")
    def index() -> str:
        return "index"

    app.register_blueprint(bp)
    client = client_for(app, protocol)
    response = client.get("/")
    assert response.headers["X-Seen"] == "yes"
    assert events == ["preprocess index", "before", "teardown"]
    assert client.get("/nowhere").text == "bp says missing"


def test_app_url_defaults(app: Erlen) -> None:
    bp = Blueprint("bp", __name__)

    @bp.app_url_defaults
    def add_lang(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("lang", "fr")

    @app.route("/<lang>/about")
    def about(lang: str) -> str:
        return lang

    app.register_blueprint(bp)
    with app.test_request_context():
        assert url_for("about") == "/fr/about"


def test_app_hooks_registered_once_even_when_blueprint_registered_twice(app: Erlen) -> None:
    bp = Blueprint("bp", __name__)
    calls: list[str] = []
    bp.before_app_request(lambda: calls.append("before"))
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="bp2")
    app.add_url_rule("/", "index", lambda: "ok")
    app.test_client().get("/")
    assert calls == ["before"]


def test_app_template_helpers_and_context_processor(app: Erlen, protocol: str) -> None:
    bp = Blueprint("bp", __name__)

    @bp.app_template_filter()
    def shout(value: str) -> str:
        return value.upper() + "!"

    @bp.app_template_filter("reverse_it")
    def reverse(value: str) -> str:
        return value[::-1]

    @bp.app_template_test()
    def even(value: int) -> bool:
        return value % 2 == 0

    @bp.app_template_global()
    def answer() -> int:
        return 42

    @bp.app_context_processor
    def site() -> dict[str, str]:
        return {"site": "erlen"}

    bp.add_app_template_filter(lambda v: v * 2, "twice")

    @app.route("/")
    def index() -> str:
        return render_template_string(
            "{{ 'hi' | shout }} {{ 'abc' | reverse_it }} {{ 4 is even }} {{ answer() }}"
            " {{ site }} {{ 'x' | twice }}"
        )

    app.register_blueprint(bp)
    assert client_for(app, protocol).get("/").text == "HI! cba True 42 erlen xx"


def test_blueprint_context_processor_only_for_its_views(app: Erlen) -> None:
    bp = Blueprint("bp", __name__)

    @bp.context_processor
    def section() -> dict[str, str]:
        return {"section": "blog"}

    @bp.route("/in")
    def inside() -> str:
        return render_template_string("[{{ section }}]")

    @app.route("/out")
    def outside() -> str:
        return render_template_string("[{{ section }}]")

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/in").text == "[blog]"
    assert client.get("/out").text == "[]"


# error handlers


def test_error_handler_scoping(app: Erlen, protocol: str) -> None:
    app.config["TESTING"] = False
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.errorhandler(404)
    def bp_not_found(error: Exception) -> tuple[str, int]:
        return "blueprint 404", 404

    @app.errorhandler(404)
    def app_not_found(error: Exception) -> tuple[str, int]:
        return "app 404", 404

    @bp.route("/item/<int:n>")
    def item(n: int) -> str:
        abort(404)

    @app.route("/thing")
    def thing() -> str:
        abort(404)

    app.register_blueprint(bp)
    client = client_for(app, protocol)
    assert client.get("/bp/item/1").text == "blueprint 404"
    # No rule matched: no blueprint is involved, the app's handler answers.
    assert client.get("/bp/unknown").text == "app 404"
    assert client.get("/thing").text == "app 404"


def test_exception_handler_nested_falls_back_outward(app: Erlen, protocol: str) -> None:
    class Boom(Exception):
        pass

    class Bang(Exception):
        pass

    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)

    @parent.errorhandler(Boom)
    def parent_boom(error: Exception) -> str:
        return "parent boom"

    @child.errorhandler(Bang)
    def child_bang(error: Exception) -> str:
        return "child bang"

    @app.errorhandler(Boom)
    def app_boom(error: Exception) -> str:
        return "app boom"

    @child.route("/boom")
    async def boom() -> str:
        raise Boom()

    @child.route("/bang")
    def bang() -> str:
        raise Bang()

    @app.route("/boom")
    def app_view() -> str:
        raise Boom()

    parent.register_blueprint(child, url_prefix="/c")
    app.register_blueprint(parent)
    client = client_for(app, protocol)
    assert client.get("/c/boom").text == "parent boom"
    assert client.get("/c/bang").text == "child bang"
    assert client.get("/boom").text == "app boom"


# URLs


def test_url_for_relative_and_absolute(app: Erlen, protocol: str) -> None:
    bp = Blueprint("blog", __name__, url_prefix="/blog")

    @bp.route("/")
    def index() -> str:
        return " ".join(
            (url_for(".post", slug="x"), url_for("blog.post", slug="y"), url_for("home"))
        )

    @bp.route("/<slug>")
    def post(slug: str) -> str:
        return slug

    @app.route("/")
    def home() -> str:
        # Outside a blueprint, ".name" is an app endpoint.
        return url_for(".home")

    app.register_blueprint(bp)
    client = client_for(app, protocol)
    assert client.get("/blog/").text == "/blog/x /blog/y /"
    assert client.get("/").text == "/"


def test_blueprint_url_defaults_and_value_preprocessor(app: Erlen, protocol: str) -> None:
    """The language-code pattern from Flask's docs: the URL value goes to ``g`` and comes back
    in every ``url_for`` of the blueprint."""
    bp = Blueprint("i18n", __name__, url_prefix="/<lang_code>")

    @bp.url_defaults
    def add_language_code(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("lang_code", g.lang_code)

    @bp.url_value_preprocessor
    def pull_lang_code(endpoint: str | None, values: dict[str, Any] | None) -> None:
        assert values is not None
        g.lang_code = values.pop("lang_code")

    @bp.route("/")
    def index() -> str:
        return f"{g.lang_code} {url_for('.about')}"

    @bp.route("/about")
    def about() -> str:
        return "about"

    @app.route("/other/<lang_code>")
    def other(lang_code: str) -> str:
        return lang_code

    app.register_blueprint(bp)
    client = client_for(app, protocol)
    assert client.get("/de/").text == "de /de/about"
    # The blueprint's preprocessor does not touch the app's own routes.
    assert client.get("/other/it").text == "it"


# static files and templates


@pytest.fixture
def bp_root(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "site.css").write_text("body { color: red }")
    (tmp_path / "templates" / "shop").mkdir(parents=True)
    (tmp_path / "templates" / "shop" / "page.html").write_text("shop page {{ n }}")
    (tmp_path / "templates" / "shared.html").write_text("blueprint version")
    return tmp_path


def test_blueprint_static_folder(app: Erlen, protocol: str, bp_root: Path) -> None:
    bp = Blueprint(
        "shop",
        __name__,
        url_prefix="/shop",
        static_folder="assets",
        static_url_path="/files",
        root_path=str(bp_root),
    )
    app.register_blueprint(bp)
    client = client_for(app, protocol)
    response = client.get("/shop/files/site.css")
    assert response.status_code == 200
    assert response.text == "body { color: red }"
    assert response.mimetype == "text/css"
    assert client.get("/shop/files/missing.css").status_code == 404
    assert client.get("/shop/files/../../etc/passwd").status_code == 404
    with app.test_request_context():
        assert url_for("shop.static", filename="site.css") == "/shop/files/site.css"


def test_blueprint_static_url_path_defaults_to_folder_name(app: Erlen, bp_root: Path) -> None:
    bp = Blueprint("shop", __name__, static_folder="assets", root_path=str(bp_root))
    app.register_blueprint(bp, url_prefix="/shop")
    assert app.test_client().get("/shop/assets/site.css").text == "body { color: red }"


def test_blueprint_without_static_folder_has_no_static_route(app: Erlen) -> None:
    app.register_blueprint(Blueprint("plain", __name__))
    assert "plain.static" not in {rule.endpoint for rule in app.url_map.iter_rules()}


def test_blueprint_template_folder(app: Erlen, protocol: str, bp_root: Path) -> None:
    bp = Blueprint("shop", __name__, template_folder="templates", root_path=str(bp_root))

    @bp.route("/page")
    def page() -> str:
        return render_template("shop/page.html", n=3)

    app.register_blueprint(bp)
    assert client_for(app, protocol).get("/page").text == "shop page 3"


def test_blueprint_open_resource(bp_root: Path) -> None:
    bp = Blueprint("shop", __name__, root_path=str(bp_root))
    with bp.open_resource("assets/site.css", "r") as f:
        assert f.read() == "body { color: red }"
    with pytest.raises(ValueError):
        bp.open_resource("assets/site.css", "w")


# commands


@pytest.mark.parametrize(
    ("options", "args"),
    [
        ({}, ["shop", "restock"]),
        ({"cli_group": "store"}, ["store", "restock"]),
        ({"cli_group": None}, ["restock"]),
    ],
)
def test_blueprint_commands(app: Erlen, options: dict[str, Any], args: list[str]) -> None:
    bp = Blueprint("shop", __name__)

    @bp.cli.command("restock")
    def restock() -> None:
        from erlen import current_app

        print(f"restocked {current_app.name}")

    app.register_blueprint(bp, **options)
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert result.output == f"restocked {app.name}\n"
