"""blog.py, comments: adding one as any logged-in user, deleting one's own, and the errors."""

from __future__ import annotations

import typing as t

import pytest
from erlen import Erlen
from erlen.tools.testing import ErlenClient

from blog_helpers import query
from conftest import AuthActions

Snapshots = t.Callable[[], t.Any]

HUGE_ID = "9" * 30

# Comment 1 on post 1 is bob's, comment 2 is ann's (see conftest.seed_database).


def test_the_comment_form_is_shown_to_logged_in_users(
    client: ErlenClient, auth: AuthActions
) -> None:
    auth.login("bob")
    page = client.get("/1").text
    assert 'action="/1/comment" method="post"' in page
    assert '<textarea name="body" id="comment"' in page


def test_add_a_comment_to_someone_elses_post(
    client: ErlenClient, auth: AuthActions, app: Erlen
) -> None:
    auth.login("bob")
    response = client.post("/1/comment", data={"body": "  Another thought.\r\nSecond line. "})
    assert response.status_code == 302
    assert response.headers["Location"] == "/1#comment-3"
    (comment,) = query(app, "SELECT * FROM comment WHERE id = 3")
    assert (comment["post_id"], comment["author_id"]) == (1, 2)
    assert comment["body"] == "Another thought.\nSecond line."
    page = client.get("/1").text
    assert "Your comment is added." in page
    assert 'id="comment-3"' in page
    assert "Comments (3)" in page


def test_the_longest_comment_is_accepted(client: ErlenClient, auth: AuthActions) -> None:
    auth.login()
    assert client.post("/1/comment", data={"body": "c" * 2000}).status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": ""}, "Write a comment."),
        ({"body": "\r\n  "}, "Write a comment."),
        ({}, "Write a comment."),
        ({"body": "c" * 2001}, "this one has 2,001"),
    ],
)
def test_add_comment_rejects_invalid_input(
    client: ErlenClient,
    auth: AuthActions,
    db_state: Snapshots,
    data: dict[str, str],
    message: str,
) -> None:
    auth.login("bob")
    before = db_state()
    response = client.post("/1/comment", data=data)
    assert response.status_code == 400
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert "<h1>First post</h1>" in response.text  # the post page, shown again
    assert db_state() == before


def test_a_rejected_comment_keeps_its_text(client: ErlenClient, auth: AuthActions) -> None:
    auth.login("bob")
    response = client.post("/1/comment", data={"body": "x" * 2001})
    assert ">" + "x" * 2001 + "</textarea>" in response.text


def test_get_on_the_comment_url_goes_to_the_form(client: ErlenClient, auth: AuthActions) -> None:
    auth.login("bob")
    response = client.get("/1/comment")
    assert response.status_code == 302
    assert response.headers["Location"] == "/1#comment-form"


def test_logged_out_visitors_are_asked_to_log_in_and_come_back(client: ErlenClient) -> None:
    page = client.get("/1").text
    assert 'href="/auth/login?next=/1%23comment-form"' in page
    response = client.post(
        "/auth/login",
        data={"username": "bob", "password": "bob-password-2", "next": "/1#comment-form"},
    )
    assert response.headers["Location"] == "/1#comment-form"


def test_delete_buttons_only_on_ones_own_comments(client: ErlenClient, auth: AuthActions) -> None:
    auth.login("bob")
    page = client.get("/1").text
    assert 'action="/comment/1/delete"' in page
    assert 'action="/comment/2/delete"' not in page
    assert 'data-confirm="Delete this comment?"' in page


def test_delete_a_comment_asks_first(
    client: ErlenClient, auth: AuthActions, db_state: Snapshots
) -> None:
    auth.login("bob")
    before = db_state()
    response = client.get("/comment/1/delete")
    assert response.status_code == 200
    assert "Delete this comment?" in response.text
    assert "Nice one, Ann." in response.text
    assert db_state() == before


def test_delete_own_comment(client: ErlenClient, auth: AuthActions, app: Erlen) -> None:
    auth.login("bob")
    response = client.post("/comment/1/delete")
    assert response.status_code == 302
    assert response.headers["Location"] == "/1#comments"
    assert [row["id"] for row in query(app, "SELECT id FROM comment")] == [2]
    assert "Your comment is deleted." in client.get("/1").text


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_posts_author_cannot_delete_other_peoples_comments(
    client: ErlenClient, auth: AuthActions, db_state: Snapshots, method: str
) -> None:
    auth.login("ann")  # wrote post 1; comment 1 is bob's
    before = db_state()
    response = client.open("/comment/1/delete", method=method)
    assert response.status_code == 403
    assert "Only the author of a comment may delete it." in response.text
    assert db_state() == before


@pytest.mark.parametrize("comment_id", ["3", "0", HUGE_ID])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_deleting_a_missing_comment_is_404(
    client: ErlenClient, auth: AuthActions, db_state: Snapshots, comment_id: str, method: str
) -> None:
    auth.login()
    before = db_state()
    response = client.open(f"/comment/{comment_id}/delete", method=method)
    assert response.status_code == 404
    assert "There is no comment number" in response.text
    assert db_state() == before
