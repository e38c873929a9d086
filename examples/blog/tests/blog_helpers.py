"""Helpers the blog's tests import: the seeded users, database snapshots, CSRF tokens, and
``BlogClient``, which sends forms with the form guard's fields as a person's browser does.

A module of its own (not conftest) so that ``from blog_helpers import ...`` is unambiguous
when these tests run in one session with erlen's own, which have a conftest too.
"""

from __future__ import annotations

import re
import sqlite3
import typing as t

from erlen import Erlen
from erlen.security import solve_form_guard
from erlen.security.forms import TICKET_FIELD
from erlen.tools.testing import ErlenClient, TestResponse

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


class BlogClient(ErlenClient):
    """A test client whose form posts pass the form guard, as a person's browser's do.

    A POST whose ``data`` is a dict without a ticket gets the guard's fields of a freshly
    rendered form, with the proof its script would compute (``solve_form_guard``). The form is
    fetched by a second client with cookies of its own, so fetching it changes nothing in this
    client's session (its flashed messages, its CSRF secret). ``guard=False`` sends the form
    as a script that never ran the page would: without them.
    """

    _pages: ErlenClient | None = None

    def open(self, *args: t.Any, guard: bool = True, **kwargs: t.Any) -> TestResponse:
        data = kwargs.get("data")
        if (
            guard
            and str(kwargs.get("method", "GET")).upper() == "POST"
            and (data is None or isinstance(data, dict))
            and TICKET_FIELD not in (data or {})
        ):
            kwargs["data"] = {**(data or {}), **self.guard_fields()}
        return super().open(*args, **kwargs)

    def guard_fields(self) -> dict[str, str]:
        """The guard's fields of a new form (none when the app's guard is off)."""
        if self._pages is None:
            self._pages = ErlenClient(self.application, asgi=self.asgi)
        page = self._pages.get("/auth/login").text
        return solve_form_guard(page) if TICKET_FIELD in page else {}
