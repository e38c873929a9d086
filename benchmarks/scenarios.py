"""The scenarios: for each, the request sent and what a correct answer looks like.

This module is the registry: the harness runs the scenarios in the order of ``SCENARIOS``, and
the end-to-end run sends the same requests over a socket. The apps that serve these requests
live in ``benchmarks/apps/``; this module never builds or calls an app.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.apps import HELLO, ROUTE_COUNT, ROWS, TITLE, greeting, route_response

HOST = "localhost:8000"

#: What a browser or an HTTP client sends with every request.
COMMON_HEADERS: tuple[tuple[str, str], ...] = (
    ("Host", HOST),
    ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
    ("Accept", "*/*"),
    ("Accept-Encoding", "gzip, deflate"),
)

#: An order as a shop's API would receive it: about 1 kB once encoded.
PAYLOAD: dict[str, Any] = {
    "order_id": 48213,
    "customer": {"name": "Ada Lovelace", "email": "ada@example.com", "vip": True},
    "currency": "EUR",
    "note": "Leave the parcel with the neighbour if nobody answers.",
    "items": [
        {
            "sku": f"SKU-{i:04d}",
            "title": f"Notebook, squared, {i} pages",
            "quantity": i % 4 + 1,
            "unit_cents": 250 + 35 * i,
        }
        for i in range(9)
    ],
}
PAYLOAD_BODY = json.dumps(PAYLOAD).encode()

FORM_BODY = b"name=alice&email=alice%40example.com&message=Hello+there%21"


@dataclass(frozen=True)
class Request:
    """One HTTP request, protocol-neutral; the drivers turn it into an environ or a scope."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = COMMON_HEADERS
    body: bytes = b""
    query_string: str = ""

    def with_header(self, name: str, value: str) -> Request:
        return Request(
            self.method, self.path, (*self.headers, (name, value)), self.body, self.query_string
        )


@dataclass(frozen=True)
class Reply:
    """What an app answered: the status code, the header list and the whole body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def set_cookies(self) -> list[str]:
        """The ``name=value`` part of every ``Set-Cookie`` header."""
        return [
            value.split(";", 1)[0].strip()
            for key, value in self.headers
            if key.lower() == "set-cookie"
        ]


#: A check returns what is wrong with a reply, or an empty list when it is right.
Check = Callable[[Reply], list[str]]


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    request: Request
    check: Check
    #: The request carries the session cookie that a first, cookie-less request was given.
    session: bool = False


def _expect(
    reply: Reply,
    status: int,
    content_type: str | None = None,
    body: bytes | None = None,
) -> list[str]:
    problems = []
    if reply.status != status:
        problems.append(f"status {reply.status}, expected {status}")
    if content_type is not None:
        actual = reply.header("Content-Type") or ""
        if not actual.startswith(content_type):
            problems.append(f"Content-Type {actual!r}, expected {content_type}")
    if body is not None and reply.body != body:
        problems.append(f"body {reply.body[:120]!r}, expected {body[:120]!r}")
    return problems


def _expect_json(reply: Reply, value: object) -> list[str]:
    problems = _expect(reply, 200, "application/json")
    try:
        decoded = json.loads(reply.body)
    except ValueError:
        return [*problems, f"body is not JSON: {reply.body[:120]!r}"]
    if decoded != value:
        problems.append(f"JSON {decoded!r:.120}, expected {value!r:.120}")
    return problems


def _check_hello(reply: Reply) -> list[str]:
    return _expect(reply, 200, "text/", HELLO.encode())


def _check_params(reply: Reply) -> list[str]:
    return _expect_json(reply, {"id": 42, "slug": "hello-world"})


def _check_json(reply: Reply) -> list[str]:
    return _expect_json(reply, PAYLOAD)


def _check_template(reply: Reply) -> list[str]:
    problems = _expect(reply, 200, "text/html")
    page = reply.body.decode("utf-8", "replace")
    if "Orders &amp; &lt;returns&gt;" not in page:
        problems.append(f"the escaped title {TITLE!r} is missing")
    escaped = sum(f"&lt;script&gt;alert({row['id']})&lt;/script&gt;" in page for row in ROWS)
    if escaped != len(ROWS):
        problems.append(f"{escaped} of {len(ROWS)} rows found escaped")
    if "<script>" in page:
        problems.append("a row is not escaped")
    return problems


def _check_form_session(reply: Reply) -> list[str]:
    problems = _expect(reply, 200, "text/", greeting("alice", 2).encode())
    if not reply.set_cookies():
        problems.append("no Set-Cookie: the session was not saved")
    return problems


def _check_not_found(reply: Reply) -> list[str]:
    return _expect(reply, 404)


def _check_routes(reply: Reply) -> list[str]:
    return _expect(reply, 200, "text/", route_response(ROUTE_COUNT - 1, 42).encode())


def _post(path: str, body: bytes, content_type: str) -> Request:
    headers = (*COMMON_HEADERS, ("Content-Type", content_type))
    return Request("POST", path, (*headers, ("Content-Length", str(len(body)))), body)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("hello", 'GET / -> text "Hello, World!"', Request("GET", "/"), _check_hello),
    Scenario(
        "params",
        'GET /users/<int:id>/posts/<slug> -> JSON {"id": 42, "slug": "hello-world"}',
        Request("GET", "/users/42/posts/hello-world"),
        _check_params,
    ),
    Scenario(
        "json",
        f"POST /echo with a {len(PAYLOAD_BODY)}-byte JSON body -> the same JSON back",
        _post("/echo", PAYLOAD_BODY, "application/json"),
        _check_json,
    ),
    Scenario(
        "template",
        f"GET /page -> a Jinja2 page of {len(ROWS)} rows, each escaped",
        Request("GET", "/page"),
        _check_template,
    ),
    Scenario(
        "form-session",
        "POST /session, a URL-encoded form; read and write a signed-cookie session",
        _post("/session", FORM_BODY, "application/x-www-form-urlencoded")
        .with_header("Origin", f"http://{HOST}")
        .with_header("Sec-Fetch-Site", "same-origin"),
        _check_form_session,
        session=True,
    ),
    Scenario(
        "not-found",
        "GET /no/such/page -> the framework's own 404",
        Request("GET", "/no/such/page"),
        _check_not_found,
    ),
    Scenario(
        "routes-1000",
        f"{ROUTE_COUNT:,} rules /api/r<i>/<int:id>; GET the last one",
        Request("GET", f"/api/r{ROUTE_COUNT - 1}/42"),
        _check_routes,
    ),
)

BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}
