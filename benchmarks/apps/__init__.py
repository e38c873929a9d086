"""The apps under test: one module per framework, each written the way that framework's own
documentation teaches.

A module offers ``wsgi(scenario)`` and/or ``asgi(scenario)``: each returns a fresh app that
serves the named scenario's request (``benchmarks/scenarios.py`` holds the requests and the
expected answers). When a framework lacks what a scenario needs, the function raises
``Unavailable`` with the reason, and the table shows "n/a" with it. The constants below are the
content every app serves, so that every framework does the same work.

Only the ``form-session`` apps are configured for sessions (a secret key, Starlette's
middleware): with a secret key Flask and Quart open the session on every request, and
Starlette's middleware runs on every request, so an app that does not use sessions carries
neither.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterable
from pathlib import Path
from typing import Any

HELLO = "Hello, World!"

#: The rules of the ``routes-1000`` apps are ``/api/r{i}/<int:id>`` for i in range(ROUTE_COUNT).
ROUTE_COUNT = 1000

#: Signs the session cookies of the ``form-session`` scenario.
SECRET_KEY = "benchmark-only-secret-key-0123456789abcdef"

TEMPLATE_FOLDER = Path(__file__).with_name("templates")
PAGE = "page.html"
TITLE = "Orders & <returns>"
#: Every row holds markup that a correct page must escape.
ROWS = [{"id": i, "name": f'<script>alert({i})</script> & "row {i}"'} for i in range(1, 21)]

Environ = dict[str, Any]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]
Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Coroutine[Any, Any, None]]


class Unavailable(Exception):
    """The framework cannot serve this scenario; the message says why, in a few words."""


def route_response(index: int, item_id: int) -> str:
    """The body every ``routes-1000`` view returns."""
    return f"route {index}: {item_id}"


def greeting(name: str, visits: int) -> str:
    """The body every ``form-session`` view returns."""
    return f"Hello {name}, visit {visits}"
