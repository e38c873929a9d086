"""Rate limits: registration and login per address, writing per user. Each test here switches
``RATE_LIMITS_ENABLED`` on; the other tests run with it off."""

from __future__ import annotations

import typing as t

import pytest
from erlen import Erlen
from erlen.testing import ErlenClient

from blog_helpers import query
from conftest import AuthActions

Snapshots = t.Callable[[], t.Any]


@pytest.fixture
def config(config: dict[str, t.Any]) -> dict[str, t.Any]:
    config["RATE_LIMITS_ENABLED"] = True
    return config


def test_registration_allows_5_per_hour_per_address(client: ErlenClient, app: Erlen) -> None:
    for n in range(5):
        response = client.post("/auth/register", data={"username": f"u{n}", "password": "short"})
        assert response.status_code == 400  # rejected forms count too
    before = query(app, "SELECT * FROM user")
    response = client.post("/auth/register", data={"username": "carol", "password": "s3cret-pw"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "429 Too Many Requests" in response.text
    assert "the limit is 5 per hour" in response.text
    assert query(app, "SELECT * FROM user") == before
    # Opening the form is not counted; another address has its own allowance.
    assert client.get("/auth/register").status_code == 200
    response = client.post(
        "/auth/register",
        data={"username": "carol", "password": "s3cret-pw"},
        environ_base={"REMOTE_ADDR": "192.0.2.9"},
    )
    assert response.status_code == 302


def test_login_allows_10_per_minute_per_address(client: ErlenClient, auth: AuthActions) -> None:
    for _ in range(10):
        assert auth.login("ann", "wrong-password").status_code == 400
    response = auth.login()  # the right password, but over the limit
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert client.get("/auth/login").status_code == 200
    assert '<li class="who">' not in client.get("/").text


def test_posts_and_comments_share_30_per_hour_per_user(
    client: ErlenClient, auth: AuthActions, app: Erlen, db_state: Snapshots
) -> None:
    auth.login()
    for n in range(20):
        assert client.post("/create", data={"title": f"P{n}", "body": "b"}).status_code == 302
    for _ in range(10):
        assert client.post("/1/comment", data={"body": "c"}).status_code == 302
    before = db_state()
    assert client.post("/create", data={"title": "one more", "body": "b"}).status_code == 429
    assert client.post("/1/comment", data={"body": "one more"}).status_code == 429
    assert db_state() == before
    # Reading and opening the form are free; editing is not limited.
    assert client.get("/create").status_code == 200
    assert client.post("/1/update", data={"title": "t", "body": "b"}).status_code == 302

    # The limit is per user, not per address: bob, on the same address, may still write.
    auth.logout()
    auth.login("bob")
    assert client.post("/1/comment", data={"body": "bob's"}).status_code == 302
