"""The erlen tutorial's blog: an application factory, a SQLite database and two blueprints.

``create_app()`` builds a new app each time it is called, so each test can make its own with
its own configuration and database. Settings come from the defaults below, then
``instance/config.py``, then ``ERLEN_*`` environment variables (``ERLEN_SECRET_KEY``,
``ERLEN_DATABASE``); a test passes a mapping instead of the last two.

The session key: a configured ``SECRET_KEY`` wins. Without one, debug and testing use the
well-known ``DEV_SECRET_KEY`` (erlen accepts weak keys only there), and anything else uses
``instance/secret_key``, a random key written on first start. That file is what lets
``make run`` work on a fresh clone; keep it private, and set ``ERLEN_SECRET_KEY`` on servers.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import typing as t

from erlen import Erlen, render_template
from erlen.http.exceptions import HTTPException

#: Scripts only from this site or inline with the request's nonce, styles only from
#: ``static/``, no plugins, no framing, forms only to this site.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self';"
    " img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self';"
    " frame-ancestors 'none'"
)

#: The key used in debug and testing when none is configured. It is public, so it must
#: never sign a production session; erlen refuses it outside debug and testing anyway.
DEV_SECRET_KEY = "dev"


def create_app(test_config: t.Mapping[str, t.Any] | None = None) -> Erlen:
    """Build the blog. ``test_config`` replaces the instance config and the environment."""
    app = Erlen(__name__, instance_relative_config=True)
    app.config.from_mapping(
        DATABASE=os.path.join(app.instance_path, "erlen_blog.sqlite"),
        CONTENT_SECURITY_POLICY=CONTENT_SECURITY_POLICY,
        # Every form carries csrf_token(): a second line of defence behind erlen's
        # cross-origin check, for browsers that send neither Origin nor Sec-Fetch-Site.
        CSRF_TOKENS=True,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)
    configure_secret_key(app)

    from . import auth, blog, db

    db.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(blog.bp)
    app.register_error_handler(HTTPException, render_error)
    return app


def configure_secret_key(app: Erlen) -> None:
    """Make sure ``SECRET_KEY`` is set, as the module docstring describes."""
    key = app.config.get("SECRET_KEY")
    if key:
        if not isinstance(key, str | bytes):
            # ERLEN_SECRET_KEY=1234... is read as JSON, which makes it a number.
            app.config["SECRET_KEY"] = str(key)
        return
    if app.debug or app.testing:
        app.config["SECRET_KEY"] = DEV_SECRET_KEY
        return
    app.config["SECRET_KEY"] = instance_secret_key(os.path.join(app.instance_path, "secret_key"))


def instance_secret_key(path: str) -> str:
    """The key stored in ``path``, written there first (readable by its owner only) if the
    file does not exist yet.

    The new key is written to a temporary file and linked into place, so two processes
    starting at once agree on one key and neither ever reads a half-written file.
    """
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    temporary = os.path.join(folder, f".secret_key.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(32) + "\n")
        with contextlib.suppress(FileExistsError):  # another process was first: use its key
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return _read_key(path)


def _read_key(path: str) -> str:
    with open(path, encoding="ascii") as file:
        key = file.read().strip()
    if not key:
        raise RuntimeError(f"{path} is empty. Delete it to have a new key made at start-up.")
    return key


def render_error(error: HTTPException) -> tuple[str, int, list[tuple[str, str]]]:
    """Every HTTP error (404, 403, 429, ...) as a page in the site's layout, with the
    status and the headers (``Allow``, ``Retry-After``) of the error itself."""
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return render_template("error.html", error=error), error.code or 500, headers
