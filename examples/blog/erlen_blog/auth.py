"""Accounts: register, log in, log out; ``g.user`` for every request; ``login_required``.

Only the user's id is kept in the session. Before each request the user's row is read again,
so a deleted account is logged out at once. Password hashes never leave this module: ``g.user``
holds the id and the user name. The sign-up and login forms are guarded against bots
(``form_guard``, as in ``blog.py``).
"""

from __future__ import annotations

import functools
import re
import sqlite3
import typing as t

from erlen import Blueprint, flash, g, redirect, render_template, request, session, url_for
from erlen.security import (
    check_password_hash,
    generate_password_hash,
    guard_form,
    is_safe_url,
    limit,
)

from .db import get_db

bp = Blueprint("auth", __name__, url_prefix="/auth")

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9._-]{3,40}")
USERNAME_MAX = 40
PASSWORD_MIN = 8
PASSWORD_MAX = 200

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


@bp.before_app_request
def load_logged_in_user() -> None:
    """Set ``g.user`` to the logged-in user's row (``id``, ``username``), or ``None``."""
    g.user = None
    user_id = session.get("user_id")
    if user_id is None:
        return
    g.user = get_db().execute("SELECT id, username FROM user WHERE id = ?", (user_id,)).fetchone()
    if g.user is None:
        session.clear()  # the account is gone


def login_required(view: F) -> F:
    """Send visitors who are not logged in to the login page, which brings them back here."""

    @functools.wraps(view)
    def wrapped_view(*args: t.Any, **kwargs: t.Any) -> t.Any:
        if g.user is None:
            here = request.path
            if request.query_string:
                here += "?" + request.query_string.decode("latin-1")
            flash("Log in to continue.", "info")
            return redirect(url_for("auth.login", next=here))
        return view(*args, **kwargs)

    return t.cast(F, wrapped_view)


def account_errors(username: str, password: str) -> dict[str, str]:
    """What is wrong with a new account's name and password, by field."""
    errors = {}
    if not username:
        errors["username"] = "Choose a user name."
    elif not USERNAME_PATTERN.fullmatch(username):
        errors["username"] = (
            "A user name has 3 to 40 characters: letters, digits, dots, dashes and underscores."
        )
    if not password:
        errors["password"] = "Choose a password."
    elif not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        errors["password"] = (
            f"A password has {PASSWORD_MIN} to {PASSWORD_MAX} characters;"
            f" this one has {len(password)}."
        )
    return errors


@bp.route("/register", methods=("GET", "POST"))
# Per address: enough for a household signing up, not for a farm of accounts. Refused and
# invalid forms count too, so a script cannot probe for free.
@limit("5/hour; 10/day", methods=["POST"])
@guard_form()
def register() -> t.Any:
    """Create an account and log in with it."""
    # Passwords are never written back into a page; everything else the user typed is.
    form = {"username": ""}
    if request.method != "POST":
        return render_template("auth/register.html", form=form, errors={})

    form["username"] = username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    errors = account_errors(username, password)
    if errors:
        return render_template("auth/register.html", form=form, errors=errors), 400

    db = get_db()
    try:
        cursor = db.execute(
            "INSERT INTO user (username, password) VALUES (?, ?)",
            (username, generate_password_hash(password)),
        )
        db.commit()
    except sqlite3.IntegrityError:
        # The name is UNIQUE (ignoring case): someone has it, perhaps since a moment ago.
        errors["username"] = f"The user name {username} is taken. Choose another."
        return render_template("auth/register.html", form=form, errors=errors), 409

    session.clear()
    session["user_id"] = cursor.lastrowid
    flash(f"Welcome, {username}! Your account is ready.", "success")
    return redirect(url_for("blog.index"))


@functools.cache
def _unused_hash() -> str:
    return generate_password_hash("no account has this password")


@bp.route("/login", methods=("GET", "POST"))
@limit("10/minute", methods=["POST"])
@guard_form()
def login() -> t.Any:
    """Log in, then go to ``next`` if it is a URL of this site, else to the posts."""
    next_url = request.form.get("next") or request.args.get("next") or ""
    form = {"username": "", "next": next_url}
    if request.method != "POST":
        return render_template("auth/login.html", form=form, errors={})

    form["username"] = username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    errors = {}
    if not username:
        errors["username"] = "Enter your user name."
    if not password:
        errors["password"] = "Enter your password."
    if errors:
        return render_template("auth/login.html", form=form, errors=errors), 400

    user = None
    if len(username) <= USERNAME_MAX and len(password) <= PASSWORD_MAX:
        user = (
            get_db()
            .execute("SELECT id, username, password FROM user WHERE username = ?", (username,))
            .fetchone()
        )
    if user is None:
        # Hash anyway, so the answer takes as long as for a real user with a wrong password
        # and does not tell which user names exist.
        check_password_hash(_unused_hash(), password[:PASSWORD_MAX])
    if user is None or not check_password_hash(user["password"], password):
        errors["form"] = "Incorrect user name or password."
        return render_template("auth/login.html", form=form, errors=errors), 400

    session.clear()  # a new session on login: nothing from before is carried over
    session["user_id"] = user["id"]
    flash(f"Welcome back, {user['username']}!", "success")
    if is_safe_url(next_url):
        return redirect(next_url)
    return redirect(url_for("blog.index"))


@bp.post("/logout")
def logout() -> t.Any:
    """Log out (a POST: a link or an image elsewhere cannot log anybody out)."""
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("blog.index"))
