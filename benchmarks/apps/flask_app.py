"""Flask 3, in the style of its tutorial: decorators, ``request``, ``session``, Jinja2 templates.

The same code as the erlen app's WSGI side, which is the point: erlen runs Flask code.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request, session

from benchmarks.apps import (
    HELLO,
    PAGE,
    ROUTE_COUNT,
    ROWS,
    SECRET_KEY,
    TEMPLATE_FOLDER,
    TITLE,
    WSGIApp,
    greeting,
    route_response,
)


def _new_app() -> Flask:
    return Flask(__name__, template_folder=str(TEMPLATE_FOLDER))


def main_app(sessions: bool = False) -> Flask:
    """Every scenario but ``routes-1000``; the session needs a secret key."""
    app = _new_app()
    if sessions:
        app.config["SECRET_KEY"] = SECRET_KEY

    @app.get("/")
    def hello() -> str:
        return HELLO

    @app.get("/users/<int:id>/posts/<slug>")
    def user_post(id: int, slug: str) -> dict[str, Any]:
        return {"id": id, "slug": slug}

    @app.post("/echo")
    def echo() -> Any:
        return request.get_json()

    @app.get("/page")
    def page() -> str:
        return render_template(PAGE, title=TITLE, rows=ROWS)

    @app.post("/session")
    def form_session() -> str:
        name = request.form["name"]
        visits = session.get("visits", 0) + 1
        session["visits"] = visits
        session["name"] = name
        return greeting(name, visits)

    return app


def many_routes(count: int) -> Flask:
    app = _new_app()
    for index in range(count):
        app.add_url_rule(f"/api/r{index}/<int:id>", f"r{index}", _route_view(index))
    return app


def _route_view(index: int) -> Any:
    def view(id: int) -> str:
        return route_response(index, id)

    return view


def wsgi(scenario: str) -> WSGIApp:
    if scenario == "routes-1000":
        return many_routes(ROUTE_COUNT)
    return main_app(sessions=scenario == "form-session")
