"""Tests for erlen.templating: rendering, escaping, the template context, loaders, reloading."""

from __future__ import annotations

import json
import logging
import os
import typing as t
from decimal import Decimal
from pathlib import Path

import pytest
from jinja2 import Template, TemplateNotFound

from erlen import (
    Erlen,
    Markup,
    escape,
    g,
    render_template,
    render_template_string,
    request,
    session,
    stream_template,
    stream_template_string,
)
from erlen.core.signals import before_render_template, template_rendered
from erlen.json.provider import DefaultJSONProvider

APP_DIR = Path(__file__).parents[1] / "apps" / "templates_app"
XSS = "<script>alert('x')</script>"


def make_app(root: str | os.PathLike[str] = APP_DIR, **options: t.Any) -> Erlen:
    app = Erlen(__name__, root_path=str(root), **options)
    app.config.update(TESTING=True, SECRET_KEY="test key")
    return app


@pytest.fixture
def app() -> Erlen:
    return make_app()


def render(app: Erlen, source: str, **context: t.Any) -> str:
    with app.test_request_context():
        return render_template_string(source, **context)


def write(path: Path, text: str, mtime: float | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


# finding and rendering templates


def test_render_template_from_the_app_templates_folder(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        return render_template("index.html", name="World")

    response = app.test_client().get("/")
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    assert "<title>Index - test app</title>" in response.text
    assert "<p>Hello World!</p>" in response.text


def test_template_folder_can_be_renamed_or_switched_off(tmp_path: Path) -> None:
    write(tmp_path / "views" / "page.html", "from views")
    app = make_app(tmp_path, template_folder="views")
    with app.app_context():
        assert render_template("page.html") == "from views"
    app = make_app(tmp_path, template_folder=None)
    with app.app_context(), pytest.raises(TemplateNotFound):
        render_template("page.html")


def test_a_list_of_names_renders_the_first_that_exists(app: Erlen) -> None:
    with app.test_request_context():
        rv = render_template(["missing.html", "page.txt", "index.html"], name="A")
    assert rv == "Dear A,"


def test_a_missing_template_raises_template_not_found(app: Erlen) -> None:
    with app.app_context(), pytest.raises(TemplateNotFound, match=r"nothing\.html"):
        render_template("nothing.html")


def test_render_a_template_object(app: Erlen) -> None:
    with app.app_context():
        template = app.jinja_env.from_string("{{ a }}+{{ b }}")
        assert isinstance(template, Template)
        assert render_template(template, a=1, b=2) == "1+2"


def test_rendering_needs_an_app_context(app: Erlen) -> None:
    for render_function in (render_template, stream_template):
        with pytest.raises(RuntimeError, match="app_context"):
            render_function("index.html")
    with pytest.raises(RuntimeError, match="render_template_string"):
        render_template_string("x")
    with pytest.raises(RuntimeError, match="stream_template_string"):
        stream_template_string("x")


def test_render_in_an_app_context_without_a_request(app: Erlen) -> None:
    with app.app_context():
        g.value = 7
        rv = render_template_string(
            "{{ g.value }} {{ config.TESTING }} {% if request %}request{% endif %}"
        )
    assert rv == "7 True "


# escaping


def test_html_templates_escape_variables(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        return render_template("index.html", name=request.args["name"])

    response = app.test_client().get("/", query_string={"name": XSS})
    assert XSS not in response.text
    assert "Hello &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;!" in response.text


def test_template_strings_escape_variables(app: Erlen) -> None:
    rv = render(app, '<a title="{{ v }}">{{ v }}</a>', v='" onmouseover="alert(1)')
    assert rv == ('<a title="&#34; onmouseover=&#34;alert(1)">&#34; onmouseover=&#34;alert(1)</a>')


@pytest.mark.parametrize(
    ("filename", "escaped"),
    [
        ("page.html", True),
        ("page.htm", True),
        ("page.xml", True),
        ("page.xhtml", True),
        ("image.svg", True),
        ("mail.txt", False),
        ("script.js", False),
    ],
)
def test_autoescaping_depends_on_the_file_extension(
    tmp_path: Path, filename: str, escaped: bool
) -> None:
    write(tmp_path / "templates" / filename, "{{ value }}")
    app = make_app(tmp_path)
    with app.app_context():
        rv = render_template(filename, value="<b>&")
    assert rv == ("&lt;b&gt;&amp;" if escaped else "<b>&")


def test_text_template_is_not_escaped(app: Erlen) -> None:
    with app.app_context():
        assert render_template("page.txt", name="<Ann & Bob>") == "Dear <Ann & Bob>,"


def test_autoescape_block_can_switch_escaping_off_explicitly(app: Erlen) -> None:
    rv = render(app, "{% autoescape false %}{{ v }}{% endautoescape %}|{{ v }}", v="<i>")
    assert rv == "<i>|&lt;i&gt;"


def test_markup_passes_through_unescaped(app: Erlen) -> None:
    safe = Markup("<em>{}</em>").format(XSS)
    rv = render(app, "{{ safe }}|{{ plain }}", safe=safe, plain="<em>")
    assert rv == "<em>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</em>|&lt;em&gt;"
    assert escape("<em>") == Markup("&lt;em&gt;")


def test_objects_with_html_method_are_trusted(app: Erlen) -> None:
    class Widget:
        def __html__(self) -> str:
            return "<widget>"

    assert render(app, "{{ w }}", w=Widget()) == "<widget>"


def test_no_filter_marks_user_input_safe_besides_jinjas_explicit_safe(app: Erlen) -> None:
    assert {"safe", "forceescape", "escape", "e"} <= set(app.jinja_env.filters)
    unsafe_candidates = {"markup", "html", "raw", "unescape", "mark_safe"}
    assert not unsafe_candidates & set(app.jinja_env.filters)


# tojson


def test_tojson_is_safe_inside_script(app: Erlen) -> None:
    data = {"text": "</script><script>alert('x')</script>", "amp": "a & b"}
    rv = render(app, "<script>const data = {{ data|tojson }};</script>", data=data)
    assert rv.count("</script>") == 1
    assert "<script>alert" not in rv
    inner = rv.removeprefix("<script>const data = ").removesuffix(";</script>")
    assert "\\u003c/script\\u003e" in inner
    assert "\\u0027" in inner and "\\u0026" in inner
    assert json.loads(inner) == data


def test_tojson_is_safe_in_a_single_quoted_attribute(app: Erlen) -> None:
    rv = render(app, "<div data-x='{{ v|tojson }}'></div>", v="it's <b>")
    assert rv == "<div data-x='\"it\\u0027s \\u003cb\\u003e\"'></div>"


def test_tojson_returns_markup_and_is_not_escaped_twice(app: Erlen) -> None:
    rv = render(app, "{{ v|tojson }}", v={"a": '"'})
    assert rv == '{"a": "\\""}'


def test_tojson_uses_the_app_json_provider(app: Erlen) -> None:
    rv = render(app, "{{ v|tojson }}", v={"price": Decimal("1.50")})
    assert rv == '{"price": "1.50"}'

    class UpperProvider(DefaultJSONProvider):
        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            return super().dumps(obj, **kwargs).upper()

    other = make_app()
    other.json = UpperProvider(other)
    assert render(other, "{{ v|tojson }}", v={"a": "b"}) == '{"A": "B"}'


# filters, tests and globals


def test_template_filter_with_and_without_parentheses(app: Erlen) -> None:
    @app.template_filter
    def reverse(s: str) -> str:
        return s[::-1]

    @app.template_filter()
    def double(s: str) -> str:
        return s * 2

    @app.template_filter("shout")
    def make_loud(s: str) -> str:
        return s.upper()

    def strip_dots(s: str) -> str:
        return s.replace(".", "")

    app.add_template_filter(strip_dots)
    app.add_template_filter(strip_dots, "nodots")

    assert reverse("ab") == "ba"  # the decorator returns the function itself
    source = "{{ 'abc'|reverse }} {{ 'ab'|double }} {{ 'hi'|shout }} {{ 'a.b'|strip_dots }}"
    assert render(app, source + " {{ 'c.d'|nodots }}") == "cba abab HI ab cd"


def test_filter_output_is_still_escaped(app: Erlen) -> None:
    @app.template_filter
    def wrap(s: str) -> str:
        return f"<b>{s}</b>"

    @app.template_filter
    def wrap_safe(s: str) -> Markup:
        return Markup("<b>{}</b>").format(s)

    assert render(app, "{{ v|wrap }}", v="x") == "&lt;b&gt;x&lt;/b&gt;"
    assert render(app, "{{ v|wrap_safe }}", v="<x>") == "<b>&lt;x&gt;</b>"


def test_template_test_with_and_without_parentheses(app: Erlen) -> None:
    @app.template_test
    def even(n: int) -> bool:
        return n % 2 == 0

    @app.template_test("big")
    def is_big(n: int) -> bool:
        return n > 100

    @app.template_test()
    def small(n: int) -> bool:
        return n < 10

    app.add_template_test(lambda n: n == 42, "answer")
    source = "{{ 4 is even }} {{ 3 is even }} {{ 500 is big }} {{ 5 is small }} {{ 42 is answer }}"
    assert render(app, source) == "True False True True True"


def test_template_global_with_and_without_parentheses(app: Erlen) -> None:
    @app.template_global
    def add(a: int, b: int) -> int:
        return a + b

    @app.template_global("greet")
    def make_greeting(name: str) -> str:
        return f"hi {name}"

    @app.template_global()
    def pi() -> float:
        return 3.14

    app.add_template_global(max, "biggest")
    source = "{{ add(1, 2) }} {{ greet('x') }} {{ pi() }} {{ biggest(1, 9) }}"
    assert render(app, source) == "3 hi x 3.14 9"


def test_registering_a_filter_after_the_first_request_fails(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    app.test_client().get("/")
    with pytest.raises(AssertionError, match="first request"):

        @app.template_filter
        def late(s: str) -> str:
            return s


# the template context


def test_templates_see_request_session_g_config_and_url_for(app: Erlen) -> None:
    @app.route("/context")
    def context_view() -> str:
        session["user"] = "ann"
        g.value = "from g"
        return render_template("context.html")

    response = app.test_client().get("/context")
    assert response.text.splitlines() == [
        "path=/context",
        "user=ann",
        "g=from g",
        "testing=True",
        "url=/context?q=1",
    ]


def test_imported_macros_can_use_the_context_locals(tmp_path: Path) -> None:
    write(
        tmp_path / "templates" / "macros.html", "{% macro here() %}{{ request.path }}{% endmacro %}"
    )
    app = make_app(tmp_path)

    @app.route("/deep/page")
    def page() -> str:
        return render_template_string('{% import "macros.html" as m %}{{ m.here() }}')

    assert app.test_client().get("/deep/page").text == "/deep/page"


def test_context_processors_add_variables(app: Erlen) -> None:
    @app.context_processor
    def site() -> dict[str, t.Any]:
        return {"site": "Erlen blog", "user": request.args.get("user", "anon")}

    @app.context_processor
    def helpers() -> dict[str, t.Any]:
        return {"format_price": lambda cents: f"${cents / 100:.2f}"}

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ site }} {{ user }} {{ format_price(250) }}")

    client = app.test_client()
    assert client.get("/?user=bob").text == "Erlen blog bob $2.50"
    assert client.get("/").text == "Erlen blog anon $2.50"


def test_render_arguments_win_over_context_processors(app: Erlen) -> None:
    @app.context_processor
    def defaults() -> dict[str, t.Any]:
        return {"title": "default", "request": "hijacked"}

    with app.test_request_context("/here"):
        assert render_template_string("{{ title }}", title="given") == "given"
        assert render_template_string("{{ title }}") == "default"


def test_update_template_context(app: Erlen) -> None:
    @app.context_processor
    def extra() -> dict[str, t.Any]:
        return {"extra": 1, "mine": "processor"}

    with app.test_request_context("/x"):
        context: dict[str, t.Any] = {"mine": "caller"}
        app.update_template_context(context)
        assert context["extra"] == 1
        assert context["mine"] == "caller"
        assert context["request"].path == "/x"
        assert context["g"] is g._get_current_object()  # type: ignore[attr-defined]


def test_a_template_that_does_not_use_the_session_does_not_open_it(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        return render_template("index.html", name="x")

    response = app.test_client().get("/")
    assert "Vary" not in response.headers
    assert "Set-Cookie" not in response.headers


# streaming


def test_stream_template_renders_piece_by_piece_with_the_request(app: Erlen) -> None:
    @app.route("/list")
    def listing() -> t.Iterator[str]:
        return stream_template("stream.html", items=["a", "b"])

    response = app.test_client().get("/list?who=ann")
    assert response.status_code == 200
    assert response.text == "<li>a for ann at /list</li>\n<li>b for ann at /list</li>\n"


def test_stream_template_is_lazy(app: Erlen) -> None:
    seen: list[str] = []

    def item(name: str) -> str:
        seen.append(name)
        return name

    with app.test_request_context("/?who=x"):
        stream = stream_template_string("{{ item('a') }}|{{ item('b') }}", item=item)
        assert seen == []
        assert "".join(stream) == "a|b"
    assert seen == ["a", "b"]


def test_stream_template_string_escapes(app: Erlen) -> None:
    @app.route("/")
    def index() -> t.Iterator[str]:
        return stream_template_string("{{ request.args.q }}")

    assert app.test_client().get("/", query_string={"q": XSS}).text == escape(XSS)


def test_stream_template_under_asgi(app: Erlen) -> None:
    @app.route("/list")
    def listing() -> t.Iterator[str]:
        return stream_template("stream.html", items=[1, 2, 3])

    with app.test_client(asgi=True) as client:
        response = client.get("/list?who=asgi")
    assert response.text.count("for asgi") == 3


def test_stream_outside_a_request_works_in_an_app_context(app: Erlen) -> None:
    with app.app_context():
        assert "".join(stream_template_string("{{ 1 + 1 }}")) == "2"


# reloading


def test_templates_are_cached_without_debug(tmp_path: Path) -> None:
    template = tmp_path / "templates" / "page.html"
    write(template, "first", mtime=1_000_000)
    app = make_app(tmp_path)
    assert app.jinja_env.auto_reload is False
    with app.app_context():
        assert render_template("page.html") == "first"
        write(template, "second", mtime=2_000_000)
        assert render_template("page.html") == "first"


def test_templates_reload_in_debug(tmp_path: Path) -> None:
    template = tmp_path / "templates" / "page.html"
    write(template, "first", mtime=1_000_000)
    app = make_app(tmp_path)
    app.debug = True
    with app.app_context():
        assert render_template("page.html") == "first"
        write(template, "second", mtime=2_000_000)
        assert render_template("page.html") == "second"


def test_debug_switched_on_after_the_environment_exists_reloads(tmp_path: Path) -> None:
    template = tmp_path / "templates" / "page.html"
    write(template, "first", mtime=1_000_000)
    app = make_app(tmp_path)
    with app.app_context():
        assert render_template("page.html") == "first"
        app.config["DEBUG"] = True
        write(template, "second", mtime=2_000_000)
        assert render_template("page.html") == "second"


def test_templates_auto_reload_setting(tmp_path: Path) -> None:
    template = tmp_path / "templates" / "page.html"
    write(template, "first", mtime=1_000_000)
    app = make_app(tmp_path)
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    assert app.templates_auto_reload is True
    assert app.jinja_env.auto_reload is True
    with app.app_context():
        assert render_template("page.html") == "first"
        write(template, "second", mtime=2_000_000)
        assert render_template("page.html") == "second"

    app.debug = True
    app.templates_auto_reload = False
    assert app.config["TEMPLATES_AUTO_RELOAD"] is False
    assert app.jinja_env.auto_reload is False
    app.jinja_env.auto_reload = True
    assert app.jinja_env.auto_reload is True


# the environment


def test_jinja_options_and_environment_class(app: Erlen) -> None:
    from erlen.core.templating import Environment

    class MyEnvironment(Environment):
        pass

    class MyApp(Erlen):
        jinja_environment = MyEnvironment
        jinja_options = {"trim_blocks": True, "auto_reload": True}

    custom = MyApp(__name__, root_path=str(APP_DIR))
    assert isinstance(custom.jinja_env, MyEnvironment)
    assert custom.jinja_env is custom.jinja_env
    assert custom.jinja_env.auto_reload is True
    with custom.app_context():
        assert render_template_string("{% if true %}\nx{% endif %}") == "x"
    with app.app_context():
        assert render_template_string("{% if true %}\nx{% endif %}") == "\nx"


def test_explain_template_loading_logs_where_templates_are_found(
    app: Erlen, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with caplog.at_level(logging.INFO, logger=app.logger.name), app.app_context():
        render_template("page.txt", name="x")
        with pytest.raises(TemplateNotFound):
            render_template("absent.html")
    text = caplog.text
    assert "Locating template 'page.txt'" in text
    assert "page.txt" in text and "found at" in text
    assert "Locating template 'absent.html'" in text and "not found" in text


def test_list_templates(app: Erlen) -> None:
    names = app.jinja_env.list_templates()
    assert {"index.html", "layout.html", "page.txt", "stream.html"} <= set(names)


# signals


def test_template_rendered_and_before_render_template_signals(app: Erlen) -> None:
    events: list[tuple[str, t.Any, str | None, dict[str, t.Any]]] = []

    def before(sender: Erlen, template: Template, context: dict[str, t.Any]) -> None:
        context["added_by_signal"] = "yes"
        events.append(("before", sender, template.name, dict(context)))

    def after(sender: Erlen, template: Template, context: dict[str, t.Any]) -> None:
        events.append(("after", sender, template.name, dict(context)))

    @app.route("/")
    def index() -> str:
        return render_template("page.txt", name="sig") + render_template_string(
            "{{ added_by_signal }}"
        )

    with (
        before_render_template.connected_to(before, app),
        template_rendered.connected_to(after, app),
    ):
        response = app.test_client().get("/")
    assert response.text == "Dear sig,yes"
    assert [(kind, name) for kind, _, name, _ in events] == [
        ("before", "page.txt"),
        ("after", "page.txt"),
        ("before", None),
        ("after", None),
    ]
    assert all(sender is app for _, sender, _, _ in events)
    assert events[0][3]["name"] == "sig"
    assert events[0][3]["request"].path == "/"


def test_template_rendered_is_sent_when_a_stream_ends(app: Erlen) -> None:
    rendered: list[str | None] = []

    def record(sender: Erlen, template: Template, context: dict[str, t.Any]) -> None:
        rendered.append(template.name)

    @app.route("/")
    def index() -> t.Iterator[str]:
        return stream_template("stream.html", items=[1])

    with template_rendered.connected_to(record, app):
        response = app.test_client().get("/?who=x")
    assert response.text == "<li>1 for x at /</li>\n"
    assert rendered == ["stream.html"]


def test_signals_for_another_app_are_not_received(app: Erlen) -> None:
    other = make_app()
    rendered: list[Erlen] = []
    with template_rendered.connected_to(lambda sender, **kw: rendered.append(sender), other):
        render(app, "x")
        render(other, "y")
    assert rendered == [other]


# blueprints


def test_blueprint_template_folders_are_searched_after_the_app(tmp_path: Path) -> None:
    from erlen.core.blueprints import Blueprint

    write(tmp_path / "templates" / "shared.html", "app's shared")
    write(tmp_path / "admin" / "templates" / "shared.html", "admin's shared")
    write(tmp_path / "admin" / "templates" / "admin" / "panel.html", "admin panel {{ who }}")
    write(tmp_path / "shop" / "templates" / "admin" / "panel.html", "shop's panel")
    write(tmp_path / "shop" / "templates" / "cart.html", "cart")
    app = make_app(tmp_path)
    admin = Blueprint(
        "admin", __name__, root_path=str(tmp_path / "admin"), template_folder="templates"
    )
    shop = Blueprint(
        "shop", __name__, root_path=str(tmp_path / "shop"), template_folder="templates"
    )
    plain = Blueprint("plain", __name__, root_path=str(tmp_path))

    @admin.route("/panel")
    def panel() -> str:
        return render_template("admin/panel.html", who="ann") + "|" + render_template("cart.html")

    app.register_blueprint(admin)
    app.register_blueprint(shop)
    app.register_blueprint(plain)
    assert plain.jinja_loader is None
    assert app.test_client().get("/panel").text == "admin panel ann|cart"
    with app.app_context():
        assert render_template("shared.html") == "app's shared"
    assert {"admin/panel.html", "cart.html", "shared.html"} <= set(app.jinja_env.list_templates())


def test_blueprint_context_processors_apply_to_its_requests_only(tmp_path: Path) -> None:
    from erlen.core.blueprints import Blueprint

    app = make_app(tmp_path)
    outer = Blueprint("outer", __name__)
    inner = Blueprint("inner", __name__)

    @app.context_processor
    def app_values() -> dict[str, t.Any]:
        return {"who": "app", "app_only": "a"}

    @outer.context_processor
    def outer_values() -> dict[str, t.Any]:
        return {"who": "outer"}

    @inner.context_processor
    def inner_values() -> dict[str, t.Any]:
        return {"who": "inner"}

    @outer.app_context_processor
    def everywhere() -> dict[str, t.Any]:
        return {"everywhere": "e"}

    source = "{{ who }} {{ app_only }} {{ everywhere }}"

    @inner.route("/inner")
    def in_inner() -> str:
        return render_template_string(source)

    @outer.route("/outer")
    def in_outer() -> str:
        return render_template_string(source)

    @app.route("/")
    def in_app() -> str:
        return render_template_string(source)

    outer.register_blueprint(inner, url_prefix="/x")
    app.register_blueprint(outer)
    client = app.test_client()
    assert client.get("/x/inner").text == "inner a e"
    assert client.get("/outer").text == "outer a e"
    assert client.get("/").text == "app a e"


def test_blueprint_app_template_filters_reach_every_template(tmp_path: Path) -> None:
    from erlen.core.blueprints import Blueprint

    app = make_app(tmp_path)
    bp = Blueprint("bp", __name__)

    @bp.app_template_filter
    def twice(s: str) -> str:
        return s * 2

    @bp.app_template_test("short")
    def is_short(s: str) -> bool:
        return len(s) < 3

    @bp.app_template_global()
    def answer() -> int:
        return 42

    app.register_blueprint(bp)
    assert render(app, "{{ 'ab'|twice }} {{ 'ab' is short }} {{ answer() }}") == "abab True 42"
