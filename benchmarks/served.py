"""The apps the end-to-end run puts behind a real server, as factories gunicorn and uvicorn call.

Each is the app the in-process run times for every scenario but ``routes-1000``, built once for
the life of the worker, and with the session secret set, as an app that keeps sessions has it:
Flask then opens the session on every request and Starlette runs its session middleware on
every request, while Falcon, which has no sessions, serves every scenario but ``form-session``.
gunicorn imports ``benchmarks.served:erlen_wsgi()``, uvicorn ``--factory
benchmarks.served:erlen_asgi``; both run from the repository root. Each factory imports only
its own framework, so that a worker's resident memory holds no other. Nothing here is timed.
"""

from __future__ import annotations

from typing import cast

from benchmarks.apps import ASGIApp, WSGIApp


def erlen_wsgi() -> WSGIApp:
    from benchmarks.apps import erlen_app

    return erlen_app.sync_app(sessions=True)


def flask_wsgi() -> WSGIApp:
    from benchmarks.apps import flask_app

    return flask_app.main_app(sessions=True)


def falcon_wsgi() -> WSGIApp:
    from benchmarks.apps import falcon_app

    app: WSGIApp = falcon_app.main_app()
    return app


def erlen_asgi() -> ASGIApp:
    from benchmarks.apps import erlen_app

    app: ASGIApp = erlen_app.async_app(sessions=True).asgi
    return app


def starlette_asgi() -> ASGIApp:
    from benchmarks.apps import starlette_app

    return cast(ASGIApp, starlette_app.main_app(sessions=True))
