"""Bottle 0.13, as its tutorial writes it: an app object, decorators, the global ``request``.

Bottle has no sessions; its signed cookies (``secret=``) are what its documentation offers
instead, so the session is a JSON string in a signed cookie. Its ``jinja2_template`` does not
escape by default; ``autoescape`` is switched on, since an unescaped page is not the same work.
"""

from __future__ import annotations

import json
from typing import Any

from bottle import Bottle, jinja2_template, request, response

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

#: What the table says under a cell where Bottle stands in for a feature it lacks.
NOTES = {
    "form-session": "Bottle has no sessions: the session is JSON in its signed cookie"
    " (`secret=`), which Bottle pickles.",
}

# Bottle caches a compiled template per (lookup list, name): one list, kept, keeps the cache.
_LOOKUP = [str(TEMPLATE_FOLDER)]
_JINJA_SETTINGS = {"autoescape": True}


def main_app() -> Bottle:
    """Every scenario but ``routes-1000``."""
    app = Bottle()

    @app.get("/")
    def hello() -> str:
        return HELLO

    @app.get("/users/<id:int>/posts/<slug>")
    def user_post(id: int, slug: str) -> dict[str, Any]:
        return {"id": id, "slug": slug}

    @app.post("/echo")
    def echo() -> Any:
        return request.json

    @app.get("/page")
    def page() -> str:
        page: str = jinja2_template(
            PAGE,
            template_lookup=_LOOKUP,
            template_settings=_JINJA_SETTINGS,
            title=TITLE,
            rows=ROWS,
        )
        return page

    @app.post("/session")
    def form_session() -> str:
        name = request.forms.get("name")
        raw = request.get_cookie("session", secret=SECRET_KEY)
        data = json.loads(raw) if raw else {}
        data["visits"] = data.get("visits", 0) + 1
        data["name"] = name
        response.set_cookie(
            "session", json.dumps(data), secret=SECRET_KEY, path="/", httponly=True, samesite="lax"
        )
        return greeting(name, data["visits"])

    return app


def many_routes(count: int) -> Bottle:
    app = Bottle()
    for index in range(count):
        app.route(f"/api/r{index}/<id:int>", callback=_route_view(index))
    return app


def _route_view(index: int) -> Any:
    def view(id: int) -> str:
        return route_response(index, id)

    return view


def wsgi(scenario: str) -> WSGIApp:
    app: WSGIApp = many_routes(ROUTE_COUNT) if scenario == "routes-1000" else main_app()
    return app
