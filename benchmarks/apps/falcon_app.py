"""Falcon 4, WSGI (``falcon.App``) and ASGI (``falcon.asgi.App``), with resource classes.

Falcon has no template engine: its documentation renders Jinja2 in the responder, as done
here. It has no sessions, so ``form-session`` is "n/a" for it.
"""

from __future__ import annotations

from typing import Any, cast

import falcon
import falcon.asgi
import jinja2

from benchmarks.apps import (
    HELLO,
    PAGE,
    ROUTE_COUNT,
    ROWS,
    TEMPLATE_FOLDER,
    TITLE,
    ASGIApp,
    Unavailable,
    WSGIApp,
    route_response,
)

_NO_SESSIONS = "no built-in sessions"

#: What the table says under a cell where Falcon stands in for a feature it lacks.
NOTES = {"template": "Falcon has no templating: Jinja2 is called in the responder."}


def _page_template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_FOLDER), autoescape=jinja2.select_autoescape()
    )
    return environment.get_template(PAGE)


# -- WSGI ------------------------------------------------------------------------------------


class Hello:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = HELLO


class UserPost:
    def on_get(self, req: falcon.Request, resp: falcon.Response, id: int, slug: str) -> None:
        resp.media = {"id": id, "slug": slug}


class Echo:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = req.get_media()


class Page:
    def __init__(self) -> None:
        self._template = _page_template()

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self._template.render(title=TITLE, rows=ROWS)


class Route:
    def __init__(self, index: int) -> None:
        self._index = index

    def on_get(self, req: falcon.Request, resp: falcon.Response, id: int) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = route_response(self._index, id)


def main_app() -> falcon.App[falcon.Request, falcon.Response]:
    """Every scenario but ``routes-1000`` (and ``form-session``, which Falcon cannot serve)."""
    return _wsgi_app(
        [
            ("/", Hello()),
            ("/users/{id:int}/posts/{slug}", UserPost()),
            ("/echo", Echo()),
            ("/page", Page()),
        ]
    )


def _wsgi_app(
    resources: list[tuple[str, Any]],
) -> falcon.App[falcon.Request, falcon.Response]:
    app = falcon.App()
    for uri_template, resource in resources:
        app.add_route(uri_template, resource)
    return app


def wsgi(scenario: str) -> WSGIApp:
    if scenario == "form-session":
        raise Unavailable(_NO_SESSIONS)
    if scenario == "routes-1000":
        app = _wsgi_app([(f"/api/r{i}/{{id:int}}", Route(i)) for i in range(ROUTE_COUNT)])
    else:
        app = main_app()
    return cast(WSGIApp, app)


# -- ASGI ------------------------------------------------------------------------------------


class AsyncHello:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = HELLO


class AsyncUserPost:
    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, id: int, slug: str
    ) -> None:
        resp.media = {"id": id, "slug": slug}


class AsyncEcho:
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = await req.get_media()


class AsyncPage:
    def __init__(self) -> None:
        self._template = _page_template()

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self._template.render(title=TITLE, rows=ROWS)


class AsyncRoute:
    def __init__(self, index: int) -> None:
        self._index = index

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, id: int) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = route_response(self._index, id)


def asgi(scenario: str) -> ASGIApp:
    if scenario == "form-session":
        raise Unavailable(_NO_SESSIONS)
    app = falcon.asgi.App()
    resources: list[tuple[str, Any]]
    if scenario == "routes-1000":
        resources = [(f"/api/r{i}/{{id:int}}", AsyncRoute(i)) for i in range(ROUTE_COUNT)]
    else:
        resources = [
            ("/", AsyncHello()),
            ("/users/{id:int}/posts/{slug}", AsyncUserPost()),
            ("/echo", AsyncEcho()),
            ("/page", AsyncPage()),
        ]
    for uri_template, resource in resources:
        app.add_route(uri_template, resource)
    return cast(ASGIApp, app)
