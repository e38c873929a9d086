"""Tests for flashed messages (``flash`` and ``get_flashed_messages`` in erlen.core.helpers)."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest

from erlen import (
    Erlen,
    Markup,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    render_template_string,
    request,
    url_for,
)
from erlen.core.signals import message_flashed

APP_DIR = Path(__file__).parents[1] / "apps" / "templates_app"


def make_app(**config: t.Any) -> Erlen:
    app = Erlen(__name__, root_path=str(APP_DIR))
    app.config.update(TESTING=True, SECRET_KEY="flash test key")
    app.config.update(config)

    @app.route("/post", methods=["POST"])
    def post() -> t.Any:
        flash("Saved.")
        flash("Name is required.", "error")
        flash("Check your email.", "info")
        return redirect(url_for("show"))

    @app.route("/show")
    def show() -> str:
        return render_template("index.html", name="you")

    @app.route("/messages")
    def messages() -> dict[str, t.Any]:
        categories = request.args.getlist("category")
        return {
            "plain": get_flashed_messages(),
            "with": get_flashed_messages(with_categories=True),
            "filtered": get_flashed_messages(category_filter=categories),
            "filtered_with": get_flashed_messages(True, categories),
        }

    return app


@pytest.fixture
def app() -> Erlen:
    return make_app()


def test_messages_survive_a_redirect_and_show_once(app: Erlen) -> None:
    client = app.test_client()
    response = client.post("/post", follow_redirects=True)
    assert response.request.path == "/show"
    assert '<div class="flash message">Saved.</div>' in response.text
    assert '<div class="flash error">Name is required.</div>' in response.text
    assert '<div class="flash info">Check your email.</div>' in response.text
    assert "Hello you!" in response.text

    again = client.get("/show")
    assert "flash" not in again.text
    assert "Hello you!" in again.text


def test_messages_live_in_the_signed_session_cookie(app: Erlen) -> None:
    client = app.test_client()
    response = client.post("/post")
    assert response.status_code == 302
    assert "session=" in response.headers["Set-Cookie"]

    other_client = app.test_client()
    assert other_client.get("/messages").get_json()["plain"] == []


def test_categories_and_filter(app: Erlen) -> None:
    client = app.test_client()
    client.post("/post")
    data = client.get("/messages?category=error&category=info").get_json()
    assert data["plain"] == ["Saved.", "Name is required.", "Check your email."]
    assert data["with"] == [
        ["message", "Saved."],
        ["error", "Name is required."],
        ["info", "Check your email."],
    ]
    assert data["filtered"] == ["Name is required.", "Check your email."]
    assert data["filtered_with"] == [["error", "Name is required."], ["info", "Check your email."]]
    assert client.get("/messages").get_json()["plain"] == []


def test_repeated_calls_in_one_request_return_the_same_messages(app: Erlen) -> None:
    with app.test_request_context():
        flash("one")
        flash("two", "warning")
        assert get_flashed_messages() == ["one", "two"]
        assert get_flashed_messages() == ["one", "two"]
        assert get_flashed_messages(with_categories=True) == [
            ("message", "one"),
            ("warning", "two"),
        ]
        assert get_flashed_messages(category_filter=["warning"]) == ["two"]


def test_reading_removes_messages_from_the_session(app: Erlen) -> None:
    with app.test_request_context() as ctx:
        flash("bye")
        assert ctx.session["_flashes"] == [("message", "bye")]
        get_flashed_messages()
        assert "_flashes" not in ctx.session


def test_no_messages_means_no_cookie(app: Erlen) -> None:
    response = app.test_client().get("/show")
    assert "Set-Cookie" not in response.headers
    assert "flash" not in response.text


def test_flashed_html_is_escaped_unless_it_is_markup(app: Erlen) -> None:
    @app.route("/flash-html")
    def flash_html() -> t.Any:
        flash(request.args["text"])
        flash(Markup("<b>{}</b>").format(request.args["text"]), "info")
        return redirect("/show")

    client = app.test_client()
    response = client.get("/flash-html?text=<img src=x onerror=alert(1)>", follow_redirects=True)
    assert "<img" not in response.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in response.text
    assert '<div class="flash info"><b>&lt;img src=x onerror=alert(1)&gt;</b></div>' in (
        response.text
    )


def test_get_flashed_messages_in_a_template_string(app: Erlen) -> None:
    with app.test_request_context():
        flash("hi", "info")
        rv = render_template_string(
            "{% for c, m in get_flashed_messages(with_categories=true) %}{{ c }}={{ m }}"
            "{% endfor %}"
        )
    assert rv == "info=hi"


def test_message_flashed_signal(app: Erlen) -> None:
    received: list[tuple[Erlen, str, str]] = []

    def record(sender: Erlen, message: str, category: str) -> None:
        received.append((sender, message, category))

    with message_flashed.connected_to(record, app):
        app.test_client().post("/post")
    assert received == [
        (app, "Saved.", "message"),
        (app, "Name is required.", "error"),
        (app, "Check your email.", "info"),
    ]


def test_flash_without_secret_key_explains_itself() -> None:
    app = make_app(SECRET_KEY=None)
    with app.test_request_context(), pytest.raises(RuntimeError, match="SECRET_KEY"):
        flash("lost")
    with app.test_request_context():
        assert get_flashed_messages() == []


def test_flash_needs_a_request() -> None:
    app = make_app()
    with pytest.raises(RuntimeError, match="flash"):
        flash("nowhere")
    with app.app_context(), pytest.raises(RuntimeError, match="get_flashed_messages"):
        get_flashed_messages()
