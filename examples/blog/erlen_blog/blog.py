"""Posts and comments: the list of posts, a post's page, and writing, editing and deleting.

Anyone may read. Writing needs an account (``login_required``); editing and deleting a post or
a comment is for its author only (403 for anybody else, 404 when it does not exist). A form
that fails validation is shown again with the reasons and what was typed, with status 400,
and changes nothing in the database.

The post and comment forms carry ``{{ form_guard() }}`` and their views ``@guard_form()``: a
submission that a person's browser would not send (a script posting at once, filling the hidden
honeypot, or without the proof of work the page computes) is refused before the view runs.
"""

from __future__ import annotations

import sqlite3
import typing as t

from erlen import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from erlen.security import guard_form, limit

from .auth import login_required
from .db import MAX_ROW_ID, get_db

bp = Blueprint("blog", __name__)

TITLE_MAX = 200
BODY_MAX = 20_000
COMMENT_MAX = 2_000


def _writer() -> str:
    return f"user:{g.user['id']}"


#: Posts and comments share one allowance per user, and another per address that holds
#: across every account made there; reading and opening forms are free. A person writing a
#: lot stays well inside both; a script that makes accounts to multiply its allowance does not.
write_limit = limit("20/hour; 100/day", key=_writer, methods=["POST"], scope="blog.write")
address_write_limit = limit("40/hour; 200/day", methods=["POST"], scope="blog.write.address")


def clean(text: str) -> str:
    """Form text as stored: browsers send line breaks as CRLF, and edges are trimmed."""
    return text.replace("\r\n", "\n").strip()


def length_error(text: str, what: str, maximum: int) -> str | None:
    if not text:
        return f"Write a {what}."
    if len(text) > maximum:
        return f"A {what} has at most {maximum:,} characters; this one has {len(text):,}."
    return None


def post_errors(title: str, body: str) -> dict[str, str]:
    errors = {}
    if error := length_error(title, "title", TITLE_MAX):
        errors["title"] = error
    if error := length_error(body, "post", BODY_MAX):
        errors["body"] = error
    return errors


def get_post(post_id: int, check_author: bool = True) -> sqlite3.Row:
    """The post with its author's name; 404 if there is none, 403 if ``check_author`` and
    the logged-in user did not write it."""
    post: sqlite3.Row | None = None
    if post_id <= MAX_ROW_ID:
        post = (
            get_db()
            .execute(
                "SELECT p.id, p.title, p.body, p.created, p.author_id, u.username"
                " FROM post p JOIN user u ON u.id = p.author_id WHERE p.id = ?",
                (post_id,),
            )
            .fetchone()
        )
    if post is None:
        abort(404, f"There is no post number {post_id}.")
    if check_author and post["author_id"] != g.user["id"]:
        abort(403, "Only the author of a post may change or delete it.")
    return post


def get_comment(comment_id: int) -> sqlite3.Row:
    """A comment of the logged-in user's; 404 if there is none, 403 if it is someone else's."""
    comment: sqlite3.Row | None = None
    if comment_id <= MAX_ROW_ID:
        comment = (
            get_db()
            .execute(
                "SELECT c.id, c.post_id, c.body, c.author_id, u.username"
                " FROM comment c JOIN user u ON u.id = c.author_id WHERE c.id = ?",
                (comment_id,),
            )
            .fetchone()
        )
    if comment is None:
        abort(404, f"There is no comment number {comment_id}.")
    if comment["author_id"] != g.user["id"]:
        abort(403, "Only the author of a comment may delete it.")
    return comment


@bp.route("/")
def index() -> str:
    """Every post, newest first, with its author and number of comments."""
    posts = (
        get_db()
        .execute(
            "SELECT p.id, p.title, p.body, p.created, p.author_id, u.username,"
            " (SELECT COUNT(*) FROM comment c WHERE c.post_id = p.id) AS comment_count"
            " FROM post p JOIN user u ON u.id = p.author_id"
            " ORDER BY p.id DESC"
        )
        .fetchall()
    )
    return render_template("blog/index.html", posts=posts)


@bp.route("/<int:post_id>")
def post(post_id: int) -> t.Any:
    """A post and its comments, oldest first, with a comment form for logged-in users."""
    return render_post_page(get_post(post_id, check_author=False))


def render_post_page(
    post: sqlite3.Row,
    comment_text: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The post page; after a rejected comment, with its text and the reason."""
    comments = (
        get_db()
        .execute(
            "SELECT c.id, c.body, c.created, c.author_id, u.username"
            " FROM comment c JOIN user u ON u.id = c.author_id"
            " WHERE c.post_id = ? ORDER BY c.id",
            (post["id"],),
        )
        .fetchall()
    )
    page = render_template(
        "blog/post.html",
        post=post,
        comments=comments,
        comment_text=comment_text,
        errors=errors or {},
    )
    return page, status


@bp.route("/create", methods=("GET", "POST"))
@login_required
@write_limit
@address_write_limit
@guard_form()
def create() -> t.Any:
    form = {"title": "", "body": ""}
    if request.method != "POST":
        return render_template("blog/create.html", form=form, errors={})

    form = {"title": request.form.get("title", ""), "body": request.form.get("body", "")}
    title, body = clean(form["title"]), clean(form["body"])
    errors = post_errors(title, body)
    if errors:
        return render_template("blog/create.html", form=form, errors=errors), 400

    db = get_db()
    cursor = db.execute(
        "INSERT INTO post (title, body, author_id) VALUES (?, ?, ?)",
        (title, body, g.user["id"]),
    )
    db.commit()
    flash("Your post is published.", "success")
    return redirect(url_for("blog.post", post_id=cursor.lastrowid))


@bp.route("/<int:post_id>/update", methods=("GET", "POST"))
@login_required
@guard_form()
def update(post_id: int) -> t.Any:
    post = get_post(post_id)
    form = {"title": post["title"], "body": post["body"]}
    if request.method != "POST":
        return render_template("blog/update.html", post=post, form=form, errors={})

    form = {"title": request.form.get("title", ""), "body": request.form.get("body", "")}
    title, body = clean(form["title"]), clean(form["body"])
    errors = post_errors(title, body)
    if errors:
        return render_template("blog/update.html", post=post, form=form, errors=errors), 400

    db = get_db()
    db.execute("UPDATE post SET title = ?, body = ? WHERE id = ?", (title, body, post_id))
    db.commit()
    flash("Your changes are saved.", "success")
    return redirect(url_for("blog.post", post_id=post_id))


@bp.route("/<int:post_id>/delete", methods=("GET", "POST"))
@login_required
def delete(post_id: int) -> t.Any:
    """GET asks for confirmation; POST deletes the post and its comments."""
    post = get_post(post_id)
    if request.method != "POST":
        return render_template(
            "blog/confirm_delete.html",
            what="post",
            text=post["title"],
            cancel=url_for("blog.post", post_id=post_id),
        )
    db = get_db()
    db.execute("DELETE FROM post WHERE id = ?", (post_id,))  # comments follow: ON DELETE CASCADE
    db.commit()
    flash("Your post is deleted.", "info")
    return redirect(url_for("blog.index"))


@bp.route("/<int:post_id>/comment", methods=("GET", "POST"))
@login_required
@write_limit
@address_write_limit
@guard_form()
def comment(post_id: int) -> t.Any:
    """Add a comment. A GET (after logging in to comment) goes to the post's comment form."""
    post = get_post(post_id, check_author=False)
    if request.method != "POST":
        return redirect(url_for("blog.post", post_id=post_id, _anchor="comment-form"))

    submitted = request.form.get("body", "")
    body = clean(submitted)
    error = length_error(body, "comment", COMMENT_MAX)
    if error:
        return render_post_page(post, comment_text=submitted, errors={"comment": error}, status=400)

    db = get_db()
    cursor = db.execute(
        "INSERT INTO comment (post_id, author_id, body) VALUES (?, ?, ?)",
        (post_id, g.user["id"], body),
    )
    db.commit()
    flash("Your comment is added.", "success")
    return redirect(url_for("blog.post", post_id=post_id, _anchor=f"comment-{cursor.lastrowid}"))


@bp.route("/comment/<int:comment_id>/delete", methods=("GET", "POST"))
@login_required
def delete_comment(comment_id: int) -> t.Any:
    """GET asks for confirmation; POST deletes the comment."""
    comment = get_comment(comment_id)
    back = url_for("blog.post", post_id=comment["post_id"], _anchor="comments")
    if request.method != "POST":
        return render_template(
            "blog/confirm_delete.html", what="comment", text=comment["body"], cancel=back
        )
    db = get_db()
    db.execute("DELETE FROM comment WHERE id = ?", (comment_id,))
    db.commit()
    flash("Your comment is deleted.", "info")
    return redirect(back)
