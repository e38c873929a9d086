"""A person's path through the blog, and the ways it goes wrong, as the browser shows them.

Ann and Bob register, Ann writes, Bob comments, Ann edits and deletes, and each sees only what
is theirs to change. The error paths: an empty form (which the browser itself holds back, and
which the server answers the same way when a browser sends it anyway), a wrong password, a
taken name, a title of spaces, and someone else's post. The screenshots of the README are
taken here, at 1200x800.

Registration allows 5 POSTs an hour per address and every one counts, the rejected ones too;
these tests send 4 (ann, bob, an empty form, a taken name).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from .pages import expect_logged_in, expect_logged_out, flash, heading, log_in, submit
from .servers import SEEDED_USERS, Blog
from .visitors import Visitor

PASSWORDS = {"ann": "ann-password-1", "bob": "bob-password-2"}


def register(visitor: Visitor, username: str, screenshots: Path | None = None) -> None:
    page = visitor.page
    page.goto("/")
    page.locator("nav.site").get_by_role("link", name="Register").click()
    expect(heading(page)).to_have_text("Register")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORDS[username])
    if screenshots is not None:
        visitor.screenshot(screenshots, "register")
    assert submit(page, "Register") == 302
    expect(flash(page)).to_have_text(f"Welcome, {username}! Your account is ready.")
    expect_logged_in(page, username)


def write_post(page: Page, blog: Blog, title: str, body: str) -> int:
    """Publish a post from the list's "New post" link; its id."""
    page.goto("/")
    page.get_by_role("link", name="New post").click()
    expect(heading(page)).to_have_text("New post")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Text").fill(body)
    assert submit(page, "Publish") == 302
    match = re.fullmatch(re.escape(blog.url) + r"/(\d+)", page.url)
    assert match, page.url
    expect(flash(page)).to_have_text("Your post is published.")
    expect(heading(page)).to_have_text(title)
    expect(page.locator("main > div.body")).to_have_text(body)
    return int(match.group(1))


def comment(page: Page, text: str) -> None:
    page.get_by_label("Add a comment").fill(text)
    assert submit(page, "Comment") == 302
    assert re.search(r"#comment-\d+$", page.url), page.url
    expect(flash(page)).to_have_text("Your comment is added.")


def test_two_people_write_comment_edit_and_delete(
    visitor: Callable[[str], Visitor], blog: Blog, screenshots: Path
) -> None:
    ann, bob, guest = visitor("ann"), visitor("bob"), visitor("guest")

    register(ann, "ann", screenshots)
    hello = write_post(
        ann.page,
        blog,
        "Hello from Ann",
        "This is my first post on the erlen blog.\n\nIt was written in a real browser.",
    )
    second = write_post(ann.page, blog, "A second thought", "On reflection, this can go.")

    register(bob, "bob")
    write_post(bob.page, blog, "Bob says hi", "Bob was here too.")
    bob.page.goto("/")
    bob.page.get_by_role("link", name="Hello from Ann").click()
    expect(heading(bob.page)).to_have_text("Hello from Ann")
    expect(bob.page.get_by_role("link", name="Edit")).to_have_count(0)  # not his post
    comment(bob.page, "Welcome, Ann! Nice first post.")
    expect(bob.page.locator("article.comment")).to_contain_text("bob,")

    # Someone else's post: no link leads there, and the address typed by hand is refused.
    for path in (f"/{hello}/update", f"/{hello}/delete"):
        response = bob.page.goto(path)
        assert response is not None and response.status == 403, path
        expect(heading(bob.page)).to_have_text("403 Forbidden")
        expect(bob.page.locator(".error-description")).to_have_text(
            "Only the author of a post may change or delete it."
        )
    bob.screenshot(screenshots, "forbidden")

    ann.page.goto(f"/{hello}")
    expect(ann.page.locator("article.comment")).to_contain_text("Welcome, Ann! Nice first post.")
    comment(ann.page, "Thank you, Bob!")
    expect(ann.page.get_by_role("heading", name="Comments (2)")).to_be_visible()
    ann.page.goto(f"/{hello}")
    ann.screenshot(screenshots, "post")

    guest.page.goto("/")
    expect_logged_out(guest.page)
    expect(guest.page.get_by_role("link", name="New post")).to_have_count(0)
    expect(guest.page.locator("article.post h2")).to_have_text(
        ["Bob says hi", "A second thought", "Hello from Ann"]
    )
    expect(guest.page.get_by_role("link", name="2 comments")).to_be_visible()
    guest.screenshot(screenshots, "home")

    ann.page.goto("/")
    expect(ann.page.get_by_role("link", name="New post")).to_be_visible()
    expect(ann.page.get_by_role("link", name="Edit")).to_have_count(2)  # her two, not Bob's
    ann.screenshot(screenshots, "posts")

    # Edit, then a title of spaces: the browser lets it through, the server refuses it.
    ann.page.goto(f"/{hello}")
    ann.page.get_by_role("link", name="Edit").click()
    expect(heading(ann.page)).to_have_text("Edit “Hello from Ann”")
    ann.page.get_by_label("Title").fill("Hello from Ann, edited")
    assert submit(ann.page, "Save") == 302
    expect(flash(ann.page)).to_have_text("Your changes are saved.")
    expect(heading(ann.page)).to_have_text("Hello from Ann, edited")

    ann.page.get_by_role("link", name="Edit").click()
    ann.page.get_by_label("Title").fill("   ")
    ann.page.get_by_label("Text").fill("A new text that must not be lost.")
    assert submit(ann.page, "Save") == 400
    assert ann.page.url == f"{blog.url}/{hello}/update"
    expect(ann.page.locator("#title-error")).to_have_text("Write a title.")
    expect(ann.page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    expect(ann.page.get_by_label("Text")).to_have_value("A new text that must not be lost.")
    ann.screenshot(screenshots, "edit-error")
    ann.page.goto(f"/{hello}")
    expect(heading(ann.page)).to_have_text("Hello from Ann, edited")  # nothing was saved

    # Deleting asks first; "Cancel" keeps the post.
    ann.page.goto(f"/{second}/update")
    with ann.expect_confirm("Delete this post and its comments?", accept=False):
        ann.page.get_by_role("button", name="Delete this post").click()
    assert ann.page.url == f"{blog.url}/{second}/update"
    assert blog.query("SELECT title FROM post WHERE id = ?", second) == [("A second thought",)]
    with ann.expect_confirm("Delete this post and its comments?", accept=True):
        assert submit(ann.page, "Delete this post") == 302
    assert ann.page.url == f"{blog.url}/"
    expect(flash(ann.page)).to_have_text("Your post is deleted.")
    expect(ann.page.get_by_role("link", name="A second thought")).to_have_count(0)
    response = ann.page.goto(f"/{second}")
    assert response is not None and response.status == 404
    expect(ann.page.locator(".error-description")).to_have_text(
        f"There is no post number {second}."
    )

    # A comment of her own can go too, Bob's stays.
    ann.page.goto(f"/{hello}")
    own = ann.page.locator("article.comment", has_text="Thank you, Bob!")
    bobs = ann.page.locator("article.comment", has_text="Welcome, Ann!")
    expect(bobs.get_by_role("button", name="Delete")).to_have_count(0)
    with ann.expect_confirm("Delete this comment?", accept=True):
        assert submit(ann.page, "Delete", within=own) == 302
    expect(flash(ann.page)).to_have_text("Your comment is deleted.")
    expect(ann.page.get_by_role("heading", name="Comments (1)")).to_be_visible()
    expect(bobs).to_be_visible()
    expect(ann.page.get_by_role("button", name="Delete")).to_have_count(0)

    ann.page.get_by_role("button", name="Log out").click()
    expect(flash(ann.page)).to_have_text("You are logged out.")
    expect_logged_out(ann.page)


def test_an_empty_login_form_and_a_wrong_password(
    visitor: Callable[[str], Visitor], blog: Blog, screenshots: Path
) -> None:
    carol = visitor("carol")
    page = carol.page
    page.goto("/auth/login")

    # The browser holds back an empty form and says why, next to the field.
    sent: list[str] = []
    # Form submissions only: the browser may fetch the site's icon at any moment.
    page.on(
        "request",
        lambda request: request.method == "POST" and sent.append(f"POST {request.url}"),
    )
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_label("User name").evaluate("field => field.validity.valueMissing")
    assert page.get_by_label("User name").evaluate("field => field.validationMessage")
    assert sent == [] and page.url == f"{blog.url}/auth/login"

    # A browser that sends it anyway gets the same answer from the server.
    page.locator("form.stacked").evaluate("form => { form.noValidate = true; }")
    assert submit(page, "Log in") == 400
    expect(page.locator("#username-error")).to_have_text("Enter your user name.")
    expect(page.locator("#password-error")).to_have_text("Enter your password.")

    assert log_in(page, "carol", "not-her-password") == 400
    expect(page.get_by_role("alert")).to_have_text("Incorrect user name or password.")
    expect(page.get_by_label("User name")).to_have_value("carol")  # kept
    expect(page.get_by_label("Password")).to_have_value("")  # never sent back
    expect_logged_out(page)
    carol.screenshot(screenshots, "login-error")

    assert log_in(page, "carol", SEEDED_USERS["carol"]) == 302
    expect(flash(page)).to_have_text("Welcome back, carol!")
    expect_logged_in(page, "carol")


def test_an_empty_registration_and_a_taken_name(visitor: Callable[[str], Visitor]) -> None:
    page = visitor("newcomer").page
    page.goto("/auth/register")
    page.locator("form.stacked").evaluate("form => { form.noValidate = true; }")
    assert submit(page, "Register") == 400
    expect(page.locator("#username-error")).to_have_text("Choose a user name.")
    expect(page.locator("#password-error")).to_have_text("Choose a password.")

    # Names ignore case: "Carol" is carol's.
    page.get_by_label("User name").fill("Carol")
    page.get_by_label("Password").fill("another-password")
    assert submit(page, "Register") == 409
    expect(page.locator("#username-error")).to_have_text(
        "The user name Carol is taken. Choose another."
    )
    expect_logged_out(page)


def test_writing_asks_to_log_in_and_comes_back(
    visitor: Callable[[str], Visitor], blog: Blog
) -> None:
    page = visitor("dave").page
    page.goto("/create")
    assert page.url == f"{blog.url}/auth/login?next=/create"
    expect(flash(page)).to_have_text("Log in to continue.")
    page.get_by_label("User name").fill("dave")
    page.get_by_label("Password").fill(SEEDED_USERS["dave"])
    assert submit(page, "Log in") == 302
    assert page.url == f"{blog.url}/create"
    expect(heading(page)).to_have_text("New post")


def test_the_site_icon_loads(visitor: Callable[[str], Visitor]) -> None:
    """The browser asks for the page's icon on a first visit: it is there (no 404 in the
    console), and served as an image."""
    page = visitor("dora").page
    with page.expect_response(lambda response: "favicon" in response.url) as answer:
        page.goto("/")
    assert answer.value.status == 200
    assert answer.value.headers["content-type"].startswith("image/svg+xml")
