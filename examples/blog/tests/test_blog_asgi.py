"""The same app served over ASGI (``app.asgi``): a walk through the main pages and errors.

Under ASGI erlen runs sync views and hooks in a thread pool, so this also checks that the
SQLite connection kept on ``g`` works across those threads.
"""

from __future__ import annotations

import typing as t

import pytest
from erlen import Erlen
from erlen.tools.testing import ErlenClient

from blog_helpers import query

Snapshots = t.Callable[[], t.Any]


def test_reading(asgi_client: ErlenClient) -> None:
    response = asgi_client.get("/")
    assert response.status_code == 200
    assert "First post" in response.text and "2 comments" in response.text
    assert "'nonce-" in response.headers["Content-Security-Policy"]
    assert asgi_client.get("/1").status_code == 200
    assert asgi_client.get("/static/style.css").status_code == 200
    assert asgi_client.get("/auth/login").status_code == 200


def test_register_write_comment_and_delete(asgi_client: ErlenClient, app: Erlen) -> None:
    response = asgi_client.post(
        "/auth/register", data={"username": "carol", "password": "s3cret-pw"}
    )
    assert response.status_code == 302
    response = asgi_client.post("/create", data={"title": "Over ASGI", "body": "Hello."})
    assert response.headers["Location"] == "/2"
    assert asgi_client.post("/2/comment", data={"body": "First!"}).status_code == 302
    page = asgi_client.get("/2").text
    assert "Over ASGI" in page and "First!" in page
    assert asgi_client.post("/2/update", data={"title": "Edited", "body": "x"}).status_code == 302
    assert asgi_client.post("/2/delete").status_code == 302
    assert [row["title"] for row in query(app, "SELECT title FROM post")] == ["First post"]
    assert asgi_client.post("/auth/logout").status_code == 302


def test_login_with_next(asgi_client: ErlenClient) -> None:
    response = asgi_client.get("/create")
    assert response.headers["Location"].startswith("/auth/login?next=")
    response = asgi_client.post(
        "/auth/login",
        data={"username": "ann", "password": "ann-password-1", "next": "/create"},
    )
    assert response.headers["Location"] == "/create"
    assert asgi_client.get("/create").status_code == 200


@pytest.mark.parametrize(
    ("user", "method", "path", "data", "status"),
    [
        (None, "GET", "/2", {}, 404),
        ("bob", "POST", "/1/update", {"title": "t", "body": "b"}, 403),
        ("bob", "POST", "/comment/2/delete", {}, 403),
        ("ann", "POST", "/1/update", {"title": "", "body": "b"}, 400),
        ("ann", "POST", "/1/comment", {"body": ""}, 400),
        (None, "POST", "/auth/register", {"username": "ann", "password": "s3cret-pw"}, 409),
        (None, "POST", "/auth/login", {"username": "ann", "password": "wrong"}, 400),
        (None, "GET", "/auth/logout", {}, 405),
    ],
)
def test_errors(
    asgi_client: ErlenClient,
    db_state: Snapshots,
    user: str | None,
    method: str,
    path: str,
    data: dict[str, str],
    status: int,
) -> None:
    if user is not None:
        password = {"ann": "ann-password-1", "bob": "bob-password-2"}[user]
        asgi_client.post("/auth/login", data={"username": user, "password": password})
    before = db_state()
    response = asgi_client.open(path, method=method, data=data)
    assert response.status_code == status
    assert 'href="/static/style.css"' in response.text
    assert db_state() == before
