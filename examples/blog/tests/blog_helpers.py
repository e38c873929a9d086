"""Helpers the blog's tests import: the seeded users, database snapshots, CSRF tokens.

A module of its own (not conftest) so that ``from blog_helpers import ...`` is unambiguous
when these tests run in one session with erlen's own, which have a conftest too.
"""

from __future__ import annotations

import re
import sqlite3
import typing as t

from erlen import Erlen
from erlen.testing import ErlenClient

from erlen_blog.db import get_db

PASSWORDS = {"ann": "ann-password-1", "bob": "bob-password-2"}
ANN, BOB = 1, 2
SEED_POST = 1

Snapshot = dict[str, list[tuple[t.Any, ...]]]


def snapshot(app: Erlen) -> Snapshot:
    """Every row of every table, to check that a rejected request changed nothing."""
    with app.app_context():
        db = get_db()
        return {
            table: [tuple(row) for row in db.execute(f"SELECT * FROM {table} ORDER BY id")]
            for table in ("user", "post", "comment")
        }


def query(app: Erlen, sql: str, *args: t.Any) -> list[sqlite3.Row]:
    with app.app_context():
        return get_db().execute(sql, args).fetchall()


def form_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no csrf_token field"
    return match.group(1)


# erlen's test client has no session_transaction() yet, so tests read and write the signed
# session cookie through the app's own session serializer.


def read_session(app: Erlen, client: ErlenClient) -> dict[str, t.Any]:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return {}
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer is not None
    data: dict[str, t.Any] = serializer.loads(cookie.value)
    return data


def write_session(app: Erlen, client: ErlenClient, data: dict[str, t.Any]) -> None:
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer is not None
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], serializer.dumps(data))
