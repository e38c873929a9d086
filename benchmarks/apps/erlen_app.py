"""erlen, written as a Flask user writes it.

The WSGI app has plain ``def`` views, as Flask code has. The ASGI app (``app.asgi``) has
``async def`` views, as its async peers do: a sync view under ASGI runs in a worker thread, a
cost worth its own measurement, not this comparison's. The security defaults stay as they
ship (cross-origin protection, security headers): what a user gets is what is timed.
"""

from __future__ import annotations

from typing import Any

from benchmarks.apps import (
    HELLO,
    PAGE,
    ROUTE_COUNT,
    ROWS,
    SECRET_KEY,
    TEMPLATE_FOLDER,
    TITLE,
    ASGIApp,
    WSGIApp,
    greeting,
    route_response,
)
from erlen import Erlen, render_template, request, session


def _new_app() -> Erlen:
    return Erlen(__name__, template_folder=str(TEMPLATE_FOLDER))


def sync_app(sessions: bool = False) -> Erlen:
    """Every scenario but ``routes-1000``, with ``def`` views."""
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


def async_app(sessions: bool = False) -> Erlen:
    """Every scenario but ``routes-1000``, with ``async def`` views."""
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
        return request.get_json()

    @app.get("/page")
    async def page() -> str:
        return render_template(PAGE, title=TITLE, rows=ROWS)

    @app.post("/session")
    async def form_session() -> str:
        name = request.form["name"]
        visits = session.get("visits", 0) + 1
        session["visits"] = visits
        session["name"] = name
        return greeting(name, visits)

    return app


def many_routes(count: int, asynchronous: bool = False) -> Erlen:
    """An app of ``count`` rules ``/api/r{i}/<int:id>``; also used for the routing rows."""
    app = _new_app()
    for index in range(count):
        app.add_url_rule(f"/api/r{index}/<int:id>", f"r{index}", _route_view(index, asynchronous))
    return app


def _route_view(index: int, asynchronous: bool) -> Any:
    if asynchronous:

        async def async_view(id: int) -> str:
            return route_response(index, id)

        return async_view

    def view(id: int) -> str:
        return route_response(index, id)

    return view


def _build(scenario: str, asynchronous: bool) -> Erlen:
    if scenario == "routes-1000":
        return many_routes(ROUTE_COUNT, asynchronous)
    sessions = scenario == "form-session"
    return async_app(sessions) if asynchronous else sync_app(sessions)


def wsgi(scenario: str) -> WSGIApp:
    return _build(scenario, asynchronous=False)


def asgi(scenario: str) -> ASGIApp:
    asgi_app: ASGIApp = _build(scenario, asynchronous=True).asgi
    return asgi_app
