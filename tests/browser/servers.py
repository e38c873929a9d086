"""The servers the browser tests talk to: the example blog under ``erlen run``, and a second
origin that plays the attacker's website.

The blog runs as a person would run it, in its own process (``erlen --app ... run``) on a free
loopback port, with every default it ships with: CSRF tokens, the Content-Security-Policy,
cross-origin protection and rate limits. Only two settings are passed in, through the factory's
argument so that neither an ``instance/config.py`` nor ``ERLEN_*`` variables on the developer's
machine can change the run: a database in a fresh folder, and a random session key.

The attacker's site is a plain ``http.server`` in a thread: it serves static pages whose forms
post to the blog by themselves as soon as they load.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import typing as t
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Accounts written into the database before the blog starts, for the tests that need someone
#: logged in but are not about registering (registration allows 5 a hour per address). The
#: cheap hash parameters keep logging in fast; accounts made through the page get the default.
SEEDED_USERS = {"carol": "carol-password-3", "dave": "dave-password-4"}
SEED_HASH_METHOD = "pbkdf2:sha256:1000"

START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Blog:
    """The running blog: where it answers, and its database for checks the page cannot show."""

    url: str
    database: Path
    log: Path

    def query(self, sql: str, *args: t.Any) -> list[tuple[t.Any, ...]]:
        with contextlib.closing(sqlite3.connect(self.database)) as db:
            return db.execute(sql, args).fetchall()

    def count(self, table: str) -> int:
        rows = self.query(f"SELECT COUNT(*) FROM {table}")
        number: int = rows[0][0]
        return number


def seed_database(database: Path, secret_key: str) -> None:
    """Create the blog's tables the way the blog does, and add ``SEEDED_USERS``."""
    from erlen_blog import create_app

    from erlen.security import generate_password_hash

    create_app({"DATABASE": str(database), "SECRET_KEY": secret_key})  # creates the tables
    with contextlib.closing(sqlite3.connect(database)) as db:
        for name, password in SEEDED_USERS.items():
            db.execute(
                "INSERT INTO user (username, password) VALUES (?, ?)",
                (name, generate_password_hash(password, method=SEED_HASH_METHOD)),
            )
        db.commit()


@contextlib.contextmanager
def running_blog(folder: Path) -> Iterator[Blog]:
    """Start the blog with a database in ``folder``; stop its whole process group on exit."""
    database = folder / "blog.sqlite"
    secret_key = secrets.token_hex(32)
    seed_database(database, secret_key)
    config = {"DATABASE": str(database), "SECRET_KEY": secret_key}
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "erlen",
        "--app",
        f"erlen_blog:create_app({config!r})",
        "run",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    # No ERLEN_DEBUG or ERLEN_APP from the developer's shell; the folder as working directory
    # so that no .env file of the checkout is loaded.
    env = {name: value for name, value in os.environ.items() if not name.startswith("ERLEN_")}
    env["PYTHONUNBUFFERED"] = "1"
    log = folder / "server.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command,
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so all of it can be stopped
        )
    blog = Blog(url=f"http://127.0.0.1:{port}", database=database, log=log)
    try:
        wait_until_serving(blog, process)
        yield blog
    finally:
        stop(process)


def wait_until_serving(blog: Blog, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"erlen run exited with {process.returncode}:\n{blog.log.read_text()}"
            )
        try:
            with urllib.request.urlopen(blog.url + "/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(
        f"the blog did not answer on {blog.url} within {START_TIMEOUT:.0f} s:\n"
        + blog.log.read_text()
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group, then SIGKILL if it is still there."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)


# The attacker's site.

FORGED_POST = {"title": "Forged post", "body": "Written by another website."}
FORGED_ACCOUNT = {"username": "forged-user", "password": "forged-password"}

#: Each page posts its form to the blog the moment it loads, as a trap page would.
ATTACK_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>You have won a prize</title></head>
<body>
  <h1>Loading your prize…</h1>
  <form id="trap" method="post" action="{action}">{fields}</form>
  <script>document.getElementById("trap").submit();</script>
</body>
</html>
"""


def attack_page(action: str, fields: dict[str, str]) -> str:
    inputs = "".join(
        f'<input type="hidden" name="{name}" value="{value}">' for name, value in fields.items()
    )
    return ATTACK_PAGE.format(action=action, fields=inputs)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: t.Any) -> None:
        pass


@dataclass
class AttackerSite:
    """The attacker's pages on a port of their own; ``origin(host)`` to reach them."""

    port: int

    def origin(self, host: str) -> str:
        return f"http://{host}:{self.port}"


@contextlib.contextmanager
def attacker_site(folder: Path, blog_url: str) -> Iterator[AttackerSite]:
    """Serve ``create.html`` and ``register.html``, which post to the blog, from ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "create.html").write_text(attack_page(f"{blog_url}/create", FORGED_POST))
    (folder / "register.html").write_text(attack_page(f"{blog_url}/auth/register", FORGED_ACCOUNT))

    def handler(*args: t.Any) -> QuietHandler:
        return QuietHandler(*args, directory=str(folder))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="attacker-site", daemon=True)
    thread.start()
    try:
        yield AttackerSite(port=server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=STOP_TIMEOUT)
