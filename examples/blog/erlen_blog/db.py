"""The database: SQLite through the standard library, one connection per app context.

``get_db()`` opens the connection the first time a request (or a command) needs it and keeps
it on ``g``; ``close_db`` closes it when the app context ends. The tables are described in
``schema.sql``. The app creates them by itself when its database file does not exist yet, and
``erlen --app erlen_blog init-db`` does the same by hand (``--drop`` empties the database).
"""

from __future__ import annotations

import os
import sqlite3
from importlib import resources

import click
from erlen import Erlen, current_app, g
from erlen.tools.cli import with_appcontext

#: SQLite integers are 64-bit. A larger id in a URL names no row, and passing it to sqlite3
#: would raise OverflowError instead of finding nothing.
MAX_ROW_ID = 2**63 - 1


def connect(path: str) -> sqlite3.Connection:
    """A connection that returns rows addressable by column name and enforces foreign keys."""
    # check_same_thread=False: under ASGI, erlen may run one request's hooks, view and
    # teardown in different threads of its pool. The connection still serves one request,
    # one step after another, and is never shared between requests.
    db = sqlite3.connect(path, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA foreign_keys = ON")
    return db


def get_db() -> sqlite3.Connection:
    """The current app context's connection, opened on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    db: sqlite3.Connection = g.db
    return db


def close_db(error: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db(drop: bool = False) -> None:
    """Create the tables that are missing; with ``drop``, delete everything first."""
    db = get_db()
    if drop:
        # Children first, so no foreign key is left pointing at a dropped table.
        db.executescript(
            "DROP TABLE IF EXISTS comment; DROP TABLE IF EXISTS post; DROP TABLE IF EXISTS user;"
        )
    # The app has no open_resource() yet (only blueprints do), so read the packaged file.
    schema = resources.files(__package__).joinpath("schema.sql").read_text(encoding="utf-8")
    db.executescript(schema)
    # Write-ahead logging: readers do not wait for a writer. The mode is kept in the file.
    db.execute("PRAGMA journal_mode = WAL")


@click.command("init-db")
@click.option("--drop", is_flag=True, help="Delete every user, post and comment first.")
@with_appcontext
def init_db_command(drop: bool) -> None:
    """Create the blog's database tables."""
    if drop:
        click.confirm("This deletes every user, post and comment. Continue?", abort=True)
    init_db(drop=drop)
    click.echo(f"Initialized the database in {current_app.config['DATABASE']}.")


def init_app(app: Erlen) -> None:
    """Register the teardown and the command, and create the database if it is missing."""
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
    path = app.config["DATABASE"]
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with app.app_context():
            init_db()
        app.logger.info("Created the database in %s", path)
