"""Fixtures for the blog's tests: an app on a fresh database per test, a client, ``auth``.

Each test gets a new SQLite file in its ``tmp_path`` holding two users, one post and two
comments (``seed_database``). The seeded hashes use cheap PBKDF2 parameters so that logging
in costs nothing; accounts made through /auth/register get the real default.
Rate limits and CSRF tokens are off here, and switched on by the tests about them. The form
guard stays on: ``client`` is a ``BlogClient``, which sends each form with the guard's fields
solved, at a low difficulty so the proofs cost nothing (``test_form_guard.py`` sends bots).
"""

from __future__ import annotations

import typing as t

import pytest
from erlen import Erlen
from erlen.security import generate_password_hash
from erlen.tools.testing import ErlenClient, TestResponse

from blog_helpers import ANN, BOB, PASSWORDS, SEED_POST, BlogClient, Snapshot, snapshot
from erlen_blog import create_app
from erlen_blog.db import get_db


def seed_database(app: Erlen) -> None:
    with app.app_context():
        db = get_db()
        for name in ("ann", "bob"):
            db.execute(
                "INSERT INTO user (username, password) VALUES (?, ?)",
                (name, generate_password_hash(PASSWORDS[name], method="pbkdf2:sha256:1000")),
            )
        db.execute(
            "INSERT INTO post (title, body, author_id, created)"
            " VALUES ('First post', 'Hello from Ann.', ?, '2024-01-01 09:00:00')",
            (ANN,),
        )
        db.execute(
            "INSERT INTO comment (post_id, author_id, body) VALUES (?, ?, 'Nice one, Ann.')",
            (SEED_POST, BOB),
        )
        db.execute(
            "INSERT INTO comment (post_id, author_id, body) VALUES (?, ?, 'Thanks, Bob.')",
            (SEED_POST, ANN),
        )
        db.commit()


@pytest.fixture
def config(tmp_path: t.Any) -> dict[str, t.Any]:
    """The test configuration; a test may change it before asking for ``app``."""
    return {
        "TESTING": True,
        "DATABASE": str(tmp_path / "blog.sqlite"),
        "RATE_LIMITS_ENABLED": False,
        "CSRF_TOKENS": False,
        "FORM_GUARD_DIFFICULTY": 4,
    }


@pytest.fixture
def app(config: dict[str, t.Any]) -> Erlen:
    app = create_app(config)
    app.test_client_class = BlogClient
    seed_database(app)
    return app


@pytest.fixture
def client(app: Erlen) -> ErlenClient:
    return app.test_client()


@pytest.fixture
def asgi_client(app: Erlen) -> ErlenClient:
    return app.test_client(asgi=True)


class AuthActions:
    """Log a test client in and out, as a user of the seeded database or a new one."""

    def __init__(self, client: ErlenClient) -> None:
        self.client = client

    def login(self, username: str = "ann", password: str | None = None) -> TestResponse:
        if password is None:
            password = PASSWORDS[username]
        return self.client.post("/auth/login", data={"username": username, "password": password})

    def logout(self) -> TestResponse:
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client: ErlenClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def db_state(app: Erlen) -> t.Callable[[], Snapshot]:
    return lambda: snapshot(app)
