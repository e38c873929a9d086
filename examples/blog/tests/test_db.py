"""db.py: one connection per app context, foreign keys, and the init-db command."""

from __future__ import annotations

import os
import sqlite3

import pytest
from erlen import Erlen
from erlen.tools.cli import cli

from blog_helpers import SEED_POST, query
from erlen_blog.db import get_db


def test_one_connection_per_app_context_closed_at_the_end(app: Erlen) -> None:
    with app.app_context():
        db = get_db()
        assert get_db() is db
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        db.execute("SELECT 1")


def test_foreign_keys_are_enforced(app: Erlen) -> None:
    with app.app_context():
        db = get_db()
        with pytest.raises(sqlite3.IntegrityError):
            db.execute("INSERT INTO post (title, body, author_id) VALUES ('t', 'b', 999)")


def test_deleting_a_post_deletes_its_comments(app: Erlen) -> None:
    with app.app_context():
        db = get_db()
        db.execute("DELETE FROM post WHERE id = ?", (SEED_POST,))
        db.commit()
    assert query(app, "SELECT * FROM comment") == []


def test_init_db_command_keeps_existing_data(app: Erlen) -> None:
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Initialized the database" in result.output
    assert len(query(app, "SELECT * FROM user")) == 2


def test_init_db_drop_empties_the_database_after_confirmation(app: Erlen) -> None:
    result = app.test_cli_runner().invoke(args=["init-db", "--drop"], input="y\n")
    assert result.exit_code == 0, result.output
    assert query(app, "SELECT * FROM user") == []
    assert query(app, "SELECT * FROM post") == []


def test_init_db_drop_can_be_cancelled(app: Erlen) -> None:
    result = app.test_cli_runner().invoke(args=["init-db", "--drop"], input="n\n")
    assert result.exit_code == 1
    assert "Aborted" in result.output
    assert len(query(app, "SELECT * FROM user")) == 2


def test_erlen_command_line_loads_the_package_and_creates_the_database(
    app: Erlen, tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`erlen --app erlen_blog init-db`, with the app found by name as on a shell."""
    database = os.path.join(tmp_path, "cli", "blog.sqlite")
    monkeypatch.setenv("ERLEN_DATABASE", database)
    monkeypatch.setenv("ERLEN_SECRET_KEY", "cli-test-key-0123456789abcdefghij")
    result = app.test_cli_runner().invoke(cli, ["--app", "erlen_blog", "init-db"], obj=None)
    assert result.exit_code == 0, result.output
    assert f"Initialized the database in {database}." in result.output
    with sqlite3.connect(database) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert {"user", "post", "comment"} <= tables
