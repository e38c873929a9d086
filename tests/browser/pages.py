"""What the tests do on the blog's pages, in the words a person would use: log in, submit."""

from __future__ import annotations

import typing as t

from playwright.sync_api import expect

if t.TYPE_CHECKING:
    from playwright.sync_api import Locator, Page


def submit(page: Page, button: str, within: Locator | None = None) -> int:
    """Click the form button named ``button`` (in ``within``, if given) and return the status
    of the POST it sent (a redirect's 302, not the page it leads to); the next page has loaded
    when this returns.

    A guarded form may be sent a moment after the click (its script holds it until the proof
    of work is ready), so this waits for the navigation the submission makes, not for the
    current page's load state."""
    scope = within if within is not None else page
    with (
        page.expect_navigation(),
        page.expect_response(lambda response: response.request.method == "POST") as answer,
    ):
        scope.get_by_role("button", name=button, exact=True).click()
    return answer.value.status


def log_in(page: Page, username: str, password: str) -> int:
    """Log in through the login page; the status of the form's POST."""
    page.goto("/auth/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    return submit(page, "Log in")


def flash(page: Page) -> Locator:
    """The message the previous action left for this page."""
    return page.locator("p.flash")


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def expect_logged_in(page: Page, username: str) -> None:
    expect(page.locator("nav.site .who")).to_have_text(username)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def expect_logged_out(page: Page) -> None:
    expect(page.locator("nav.site .who")).to_have_count(0)
    expect(page.locator("nav.site").get_by_role("link", name="Log in")).to_be_visible()
