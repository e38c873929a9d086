"""Quart, Flask's API on asyncio: the Flask code with ``async def`` views and awaited bodies."""

from __future__ import annotations

from typing import Any, cast

from quart import Quart, render_template, request, session

from benchmarks.apps import (
    HELLO,
    PAGE,
    ROUTE_COUNT,
    ROWS,
    SECRET_KEY,
    TEMPLATE_FOLDER,
    TITLE,
    ASGIApp,
    greeting,
    route_response,
)


def _new_app() -> Quart:
    return Quart(__name__, template_folder=str(TEMPLATE_FOLDER))


def main_app(sessions: bool = False) -> Quart:
    """Every scenario but ``routes-1000``; the session needs a secret key."""
    app = _new_app()
    if sessions:
        app.config["SECRET_KEY"] = SECRET_KEY

    @app.get("/")
    async def hello() -> str:
        return HELLO

    @app.get("/users/<int:id>/posts/<slug>")
    async def user_post(id: int, slug: str) -> dict[str, Any]:
        return {"id": id, "slug": slug}

    @app.post("/echo")
    async def echo() -> Any:
        return await request.get_json()

    @app.get("/page")
    async def page() -> str:
        return await render_template(PAGE, title=TITLE, rows=ROWS)

    @app.post("/session")
    async def form_session() -> str:
        name = (await request.form)["name"]
        visits = session.get("visits", 0) + 1
        session["visits"] = visits
        session["name"] = name
        return greeting(name, visits)

    return app


def many_routes(count: int) -> Quart:
    app = _new_app()
    for index in range(count):
        app.add_url_rule(f"/api/r{index}/<int:id>", f"r{index}", _route_view(index))
    return app


def _route_view(index: int) -> Any:
    async def view(id: int) -> str:
        return route_response(index, id)

    return view


def asgi(scenario: str) -> ASGIApp:
    if scenario == "routes-1000":
        app = many_routes(ROUTE_COUNT)
    else:
        app = main_app(sessions=scenario == "form-session")
    return cast(ASGIApp, app)
