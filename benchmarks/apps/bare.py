"""The floor: hand-written WSGI and ASGI callables, one per scenario, doing only its work.

No framework: each callable answers the one request of its scenario with the standard library
(and Jinja2 for the page), so its time is what the harness itself costs plus the least work the
scenario needs. A framework's distance from this column is what the framework adds. The
"routing" here is only what a scenario needs (a split path, one dict for ``routes-1000``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs

import jinja2

from benchmarks.apps import (
    HELLO,
    PAGE,
    ROUTE_COUNT,
    ROWS,
    SECRET_KEY,
    TEMPLATE_FOLDER,
    TITLE,
    ASGIApp,
    Environ,
    Message,
    Receive,
    Scope,
    Send,
    StartResponse,
    WSGIApp,
    greeting,
    route_response,
)

_TEXT = "text/plain; charset=utf-8"
_HTML = "text/html; charset=utf-8"
_JSON = "application/json"
_NOT_FOUND = b"Not Found"

# What a scenario answers, whatever the protocol: status, content type, body, extra headers.
_Answer = tuple[int, str, bytes, list[tuple[str, str]]]
_Handler = Callable[[str, bytes, str], _Answer]


def _params(path: str, body: bytes, cookie: str) -> _Answer:
    parts = path.split("/")
    if len(parts) != 5 or parts[1] != "users" or parts[3] != "posts":
        return 404, _TEXT, _NOT_FOUND, []
    raw_id = parts[2]
    if not (raw_id.isascii() and raw_id.isdigit()):
        return 404, _TEXT, _NOT_FOUND, []
    return 200, _JSON, json.dumps({"id": int(raw_id), "slug": parts[4]}).encode(), []


def _echo(path: str, body: bytes, cookie: str) -> _Answer:
    try:
        data = json.loads(body)
    except ValueError:
        return 400, _TEXT, b"Bad JSON", []
    return 200, _JSON, json.dumps(data).encode(), []


def _make_page() -> _Handler:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_FOLDER), autoescape=True
    )
    template = environment.get_template(PAGE)

    def page(path: str, body: bytes, cookie: str) -> _Answer:
        return 200, _HTML, template.render(title=TITLE, rows=ROWS).encode(), []

    return page


def _sign(data: bytes) -> str:
    mac = hmac.new(SECRET_KEY.encode(), data, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode()


def _load_session(cookie: str) -> dict[str, object]:
    for pair in cookie.split(";"):
        name, _, value = pair.strip().partition("=")
        if name != "session":
            continue
        payload, _, signature = value.partition(".")
        if hmac.compare_digest(_sign(payload.encode()), signature):
            loaded = json.loads(base64.urlsafe_b64decode(payload))
            if isinstance(loaded, dict):
                return loaded
    return {}


def _form_session(path: str, body: bytes, cookie: str) -> _Answer:
    form = parse_qs(body.decode())
    name = form["name"][0]
    session = _load_session(cookie)
    visits = int(str(session.get("visits", 0))) + 1
    data = json.dumps({"name": name, "visits": visits}).encode()
    payload = base64.urlsafe_b64encode(data).decode()
    set_cookie = f"session={payload}.{_sign(payload.encode())}; HttpOnly; Path=/; SameSite=Lax"
    return 200, _TEXT, greeting(name, visits).encode(), [("Set-Cookie", set_cookie)]


def _not_found(path: str, body: bytes, cookie: str) -> _Answer:
    return 404, _TEXT, _NOT_FOUND, []


def _make_routes() -> _Handler:
    indexes = {f"r{i}": i for i in range(ROUTE_COUNT)}

    def route(path: str, body: bytes, cookie: str) -> _Answer:
        parts = path.split("/")
        index = indexes.get(parts[2]) if len(parts) == 4 and parts[1] == "api" else None
        raw_id = parts[-1]
        if index is None or not (raw_id.isascii() and raw_id.isdigit()):
            return 404, _TEXT, _NOT_FOUND, []
        return 200, _TEXT, route_response(index, int(raw_id)).encode(), []

    return route


def _handler(scenario: str) -> _Handler:
    makers: dict[str, Callable[[], _Handler]] = {
        "params": lambda: _params,
        "json": lambda: _echo,
        "template": _make_page,
        "form-session": lambda: _form_session,
        "not-found": lambda: _not_found,
        "routes-1000": _make_routes,
    }
    return makers[scenario]()


# -- WSGI ------------------------------------------------------------------------------------

_HELLO_BYTES = HELLO.encode()
_HELLO_HEADERS = [("Content-Type", _TEXT), ("Content-Length", str(len(_HELLO_BYTES)))]
_STATUS_LINES = {200: "200 OK", 400: "400 Bad Request", 404: "404 Not Found"}


def hello_wsgi(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", _HELLO_HEADERS)
    return [_HELLO_BYTES]


def wsgi(scenario: str) -> WSGIApp:
    if scenario == "hello":
        return hello_wsgi
    handler = _handler(scenario)

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH")
        body = environ["wsgi.input"].read(int(length)) if length else b""
        status, content_type, payload, extra = handler(
            environ["PATH_INFO"], body, environ.get("HTTP_COOKIE", "")
        )
        headers = [("Content-Type", content_type), ("Content-Length", str(len(payload)))]
        start_response(_STATUS_LINES[status], headers + extra)
        return [payload]

    return app


# -- ASGI ------------------------------------------------------------------------------------

_HELLO_START: Message = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(name.lower().encode(), value.encode()) for name, value in _HELLO_HEADERS],
}


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def hello_asgi(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        return await _lifespan(receive, send)
    await send(_HELLO_START)
    await send({"type": "http.response.body", "body": _HELLO_BYTES})


async def _read_body(receive: Receive) -> bytes:
    message = await receive()
    body: bytes = message.get("body", b"")
    while message.get("more_body", False):
        message = await receive()
        body += message.get("body", b"")
    return body


def asgi(scenario: str) -> ASGIApp:
    if scenario == "hello":
        return hello_asgi
    handler = _handler(scenario)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send)
        body = await _read_body(receive) if scope["method"] == "POST" else b""
        cookie = ""
        for name, value in scope["headers"]:
            if name == b"cookie":
                cookie = value.decode("latin-1")
        status, content_type, payload, extra = handler(scope["path"], body, cookie)
        headers = [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(payload)).encode()),
            *((name.lower().encode(), value.encode()) for name, value in extra),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    return app
