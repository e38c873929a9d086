"""blog.py, posts: the list, a post's page, create, update and delete, with every error path."""

from __future__ import annotations

import typing as t

import pytest
from erlen import Erlen
from erlen.tools.testing import ErlenClient

from blog_helpers import SEED_POST, query
from conftest import AuthActions

Snapshots = t.Callable[[], t.Any]

HUGE_ID = "9" * 30  # more than SQLite's 64-bit integers can hold

BAD_POSTS = [
    ({"title": "", "body": "text"}, "Write a title."),
    ({"title": "   ", "body": "text"}, "Write a title."),
    ({"title": "A title", "body": ""}, "Write a post."),
    ({"title": "A title", "body": " \r\n\t "}, "Write a post."),
    ({"title": "t" * 201, "body": "text"}, "this one has 201"),
    ({"title": "A title", "body": "b" * 20_001}, "this one has 20,001"),
    ({}, "Write a title."),
]


# the list and the post page


def test_index_lists_posts_with_author_and_comment_count(client: ErlenClient) -> None:
    page = client.get("/").text
    assert "First post" in page
    assert "by ann on" in page
    assert '<time datetime="2024-01-01T09:00:00Z">2024-01-01</time>' in page
    assert "2 comments</a>" in page
    assert "Hello from Ann." in page


def test_index_shows_edit_only_to_the_author(client: ErlenClient, auth: AuthActions) -> None:
    assert 'href="/1/update"' not in client.get("/").text
    auth.login("bob")
    assert 'href="/1/update"' not in client.get("/").text
    auth.logout()
    auth.login("ann")
    page = client.get("/").text
    assert 'href="/1/update"' in page
    assert 'href="/create"' in page


def test_index_newest_first_and_singular_count(
    client: ErlenClient, auth: AuthActions, app: Erlen
) -> None:
    auth.login("bob")
    client.post("/create", data={"title": "Second post", "body": "From Bob."})
    client.post("/2/comment", data={"body": "One comment."})
    page = client.get("/").text
    assert page.index("Second post") < page.index("First post")
    assert "1 comment</a>" in page


def test_index_without_posts(client: ErlenClient, app: Erlen, auth: AuthActions) -> None:
    auth.login()
    client.post("/1/delete")
    assert "No posts yet." in client.get("/").text


def test_post_page_shows_the_post_and_its_comments(client: ErlenClient) -> None:
    response = client.get("/1")
    assert response.status_code == 200
    page = response.text
    assert "<h1>First post</h1>" in page
    assert page.index("Nice one, Ann.") < page.index("Thanks, Bob.")
    assert "Comments (2)" in page
    assert "Log in</a>\n        to comment." in page
    assert 'id="comment-form"' in page and "<textarea" not in page


@pytest.mark.parametrize("path", ["/2", "/0", f"/{HUGE_ID}"])
def test_post_page_of_a_missing_post_is_404(client: ErlenClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "There is no post number" in response.text


# create


def test_create_page(client: ErlenClient, auth: AuthActions) -> None:
    auth.login()
    response = client.get("/create")
    assert response.status_code == 200
    assert 'name="title"' in response.text and 'name="body"' in response.text


def test_create(client: ErlenClient, auth: AuthActions, app: Erlen) -> None:
    auth.login("bob")
    response = client.post(
        "/create", data={"title": "  Hello  ", "body": "Line one\r\nLine two\r\n"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/2"
    (post,) = query(app, "SELECT * FROM post WHERE id = 2")
    assert (post["title"], post["body"], post["author_id"]) == ("Hello", "Line one\nLine two", 2)
    page = client.get("/2").text
    assert "Your post is published." in page
    assert '<div class="body">Line one\nLine two</div>' in page


def test_create_accepts_the_longest_title_and_body(client: ErlenClient, auth: AuthActions) -> None:
    auth.login()
    response = client.post("/create", data={"title": "t" * 200, "body": "b" * 20_000})
    assert response.status_code == 302


@pytest.mark.parametrize(("data", "message"), BAD_POSTS)
def test_create_rejects_invalid_input(
    client: ErlenClient,
    auth: AuthActions,
    db_state: Snapshots,
    data: dict[str, str],
    message: str,
) -> None:
    auth.login()
    before = db_state()
    response = client.post("/create", data=data)
    assert response.status_code == 400
    assert message in response.text
    assert db_state() == before


def test_create_keeps_what_was_typed(client: ErlenClient, auth: AuthActions) -> None:
    auth.login()
    response = client.post("/create", data={"title": "My title", "body": "b" * 20_001})
    assert 'value="My title"' in response.text
    assert ">" + "b" * 20_001 + "</textarea>" in response.text


# update


def test_update_page_is_filled_in(client: ErlenClient, auth: AuthActions) -> None:
    auth.login()
    response = client.get("/1/update")
    assert response.status_code == 200
    assert 'value="First post"' in response.text
    assert ">Hello from Ann.</textarea>" in response.text


def test_update(client: ErlenClient, auth: AuthActions, app: Erlen) -> None:
    auth.login()
    response = client.post("/1/update", data={"title": "Updated", "body": "New text."})
    assert response.status_code == 302
    assert response.headers["Location"] == "/1"
    (post,) = query(app, "SELECT title, body FROM post WHERE id = 1")
    assert tuple(post) == ("Updated", "New text.")
    assert "Your changes are saved." in client.get("/1").text
    assert len(query(app, "SELECT * FROM comment WHERE post_id = 1")) == 2


@pytest.mark.parametrize(("data", "message"), BAD_POSTS)
def test_update_rejects_invalid_input(
    client: ErlenClient,
    auth: AuthActions,
    db_state: Snapshots,
    data: dict[str, str],
    message: str,
) -> None:
    auth.login()
    before = db_state()
    response = client.post("/1/update", data=data)
    assert response.status_code == 400
    assert message in response.text
    assert db_state() == before


def test_update_keeps_what_was_typed_not_what_is_stored(
    client: ErlenClient, auth: AuthActions
) -> None:
    auth.login()
    response = client.post("/1/update", data={"title": "", "body": "Draft text"})
    assert 'value=""' in response.text
    assert ">Draft text</textarea>" in response.text
    assert "Hello from Ann." not in response.text


# delete


def test_delete_asks_first(client: ErlenClient, auth: AuthActions, db_state: Snapshots) -> None:
    auth.login()
    before = db_state()
    response = client.get("/1/delete")
    assert response.status_code == 200
    assert "Delete this post?" in response.text
    assert 'href="/1"' in response.text
    assert db_state() == before


def test_delete_removes_the_post_and_its_comments(
    client: ErlenClient, auth: AuthActions, app: Erlen
) -> None:
    auth.login()
    response = client.post("/1/delete")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert query(app, "SELECT * FROM post") == []
    assert query(app, "SELECT * FROM comment") == []
    assert "Your post is deleted." in client.get("/").text


def test_the_update_page_offers_delete_with_a_confirmation(
    client: ErlenClient, auth: AuthActions
) -> None:
    auth.login()
    page = client.get("/1/update").text
    assert 'action="/1/delete" method="post"' in page
    assert 'data-confirm="Delete this post and its comments?"' in page


# someone else's post, or none


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/1/update"), ("POST", "/1/update"), ("GET", "/1/delete"), ("POST", "/1/delete")],
)
def test_only_the_author_may_change_a_post(
    client: ErlenClient, auth: AuthActions, db_state: Snapshots, method: str, path: str
) -> None:
    auth.login("bob")
    before = db_state()
    response = client.open(path, method=method, data={"title": "Mine", "body": "Now."})
    assert response.status_code == 403
    assert "Only the author of a post may change or delete it." in response.text
    assert db_state() == before


@pytest.mark.parametrize("post_id", ["2", "0", HUGE_ID])
@pytest.mark.parametrize("action", ["update", "delete", "comment"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_changing_a_missing_post_is_404(
    client: ErlenClient,
    auth: AuthActions,
    db_state: Snapshots,
    post_id: str,
    action: str,
    method: str,
) -> None:
    auth.login()
    before = db_state()
    response = client.open(f"/{post_id}/{action}", method=method, data={"title": "t", "body": "b"})
    assert response.status_code == 404
    assert "There is no post number" in response.text
    assert db_state() == before


def test_a_non_numeric_id_is_404(client: ErlenClient, auth: AuthActions) -> None:
    auth.login()
    for path in ("/abc", "/-1/update", "/1.5/delete", f"/{SEED_POST}x"):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ({"title": "t", "body": "x" * 600_000}, None, 413),  # over MAX_FORM_MEMORY_SIZE
        (b"title=%FF%FE&body=%C3%28", "application/x-www-form-urlencoded", 400),  # not UTF-8
        (b'{"title": "t", "body": "b"}', "application/json", 400),  # not a form
    ],
)
def test_malformed_or_oversized_forms_are_refused_without_a_500(
    client: ErlenClient,
    auth: AuthActions,
    db_state: Snapshots,
    body: t.Any,
    content_type: str | None,
    status: int,
) -> None:
    auth.login()
    before = db_state()
    kwargs = {"content_type": content_type} if content_type else {}
    response = client.post("/create", data=body, **kwargs)
    assert response.status_code == status
    assert 'href="/static/style.css"' in response.text
    assert db_state() == before
