"""Rate limits: registration and login per address, writing per user. Each test here switches
``RATE_LIMITS_ENABLED`` on; the other tests run with it off."""

from __future__ import annotations

import typing as t

import pytest
from erlen import Erlen
from erlen.security import MemoryStorage
from erlen.tools.testing import ErlenClient

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


def test_registration_allows_10_per_day_per_address(client: ErlenClient, app: Erlen) -> None:
    storage = app.extensions["erlen.ratelimit"] = MemoryStorage(clock=lambda: now)
    now = 0.0
    made = 0
    for hour in range(6):
        now = hour * 3600.0
        for n in range(5):
            data = {"username": f"h{hour}n{n}", "password": "s3cret-pw"}
            if client.post("/auth/register", data=data).status_code == 302:
                made += 1
            client.post("/auth/logout")
    # 5 an hour would allow 30 in these six hours; the day allows 10 at once, then one more
    # every 2.4 hours (at 2.4 h and 4.8 h).
    assert made == 12
    assert len(storage) > 0
    assert len(query(app, "SELECT * FROM user")) == 2 + made


def test_posts_and_comments_share_20_per_hour_per_user(
    client: ErlenClient, auth: AuthActions, app: Erlen, db_state: Snapshots
) -> None:
    auth.login()
    for n in range(15):
        assert client.post("/create", data={"title": f"P{n}", "body": "b"}).status_code == 302
    for _ in range(5):
        assert client.post("/1/comment", data={"body": "c"}).status_code == 302
    before = db_state()
    assert client.post("/create", data={"title": "one more", "body": "b"}).status_code == 429
    assert client.post("/1/comment", data={"body": "one more"}).status_code == 429
    assert db_state() == before
    # Reading and opening the form are free; editing is not limited.
    assert client.get("/create").status_code == 200
    assert client.post("/1/update", data={"title": "t", "body": "b"}).status_code == 302

    # The limit is per user: bob, on the same address, may still write.
    auth.logout()
    auth.login("bob")
    assert client.post("/1/comment", data={"body": "bob's"}).status_code == 302


def test_accounts_on_one_address_share_40_posts_per_hour(
    client: ErlenClient, auth: AuthActions, app: Erlen
) -> None:
    """Making accounts does not multiply what one address may write."""
    written = 0
    for n in range(3):
        data = {"username": f"writer{n}", "password": "s3cret-pw"}
        assert client.post("/auth/register", data=data).status_code == 302
        for _ in range(20):
            if client.post("/1/comment", data={"body": "spam"}).status_code == 302:
                written += 1
        client.post("/auth/logout")
    assert written == 40
    assert query(app, "SELECT count(*) FROM comment")[0][0] == 2 + 40
    # Another address has its own allowance.
    auth.login("bob")
    response = client.post(
        "/1/comment", data={"body": "hello"}, environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert response.status_code == 302
