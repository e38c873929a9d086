"""Starlette, as its documentation writes it: async endpoints and a list of ``Route``.

Sessions in Starlette are a middleware that runs on every request, so only the
``form-session`` app adds ``SessionMiddleware``; the others carry none, as an app without
sessions would.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

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

templates = Jinja2Templates(directory=TEMPLATE_FOLDER)


async def hello(request: Request) -> Response:
    return PlainTextResponse(HELLO)


async def user_post(request: Request) -> Response:
    return JSONResponse({"id": request.path_params["id"], "slug": request.path_params["slug"]})


async def echo(request: Request) -> Response:
    return JSONResponse(await request.json())


async def page(request: Request) -> Response:
    return templates.TemplateResponse(request, PAGE, {"title": TITLE, "rows": ROWS})


async def form_session(request: Request) -> Response:
    form = await request.form()
    name = str(form["name"])
    visits = request.session.get("visits", 0) + 1
    request.session["visits"] = visits
    request.session["name"] = name
    return PlainTextResponse(greeting(name, visits))


def main_app(sessions: bool = False) -> Starlette:
    """Every scenario but ``routes-1000``."""
    routes = [
        Route("/", hello),
        Route("/users/{id:int}/posts/{slug}", user_post),
        Route("/echo", echo, methods=["POST"]),
        Route("/page", page),
        Route("/session", form_session, methods=["POST"]),
    ]
    middleware = [Middleware(SessionMiddleware, secret_key=SECRET_KEY)] if sessions else []
    return Starlette(routes=routes, middleware=middleware)


def many_routes(count: int) -> Starlette:
    return Starlette(routes=[Route(f"/api/r{i}/{{id:int}}", _endpoint(i)) for i in range(count)])


def _endpoint(index: int) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(route_response(index, request.path_params["id"]))

    return endpoint


def asgi(scenario: str) -> ASGIApp:
    if scenario == "routes-1000":
        app = many_routes(ROUTE_COUNT)
    else:
        app = main_app(sessions=scenario == "form-session")
    return cast(ASGIApp, app)
