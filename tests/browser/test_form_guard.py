"""The form guard as people meet it: with JavaScript the page's script proves its work unseen
(the journey tests register, log in, post and comment through guarded forms), and without
JavaScript a person can still sign up, by taking the few seconds a person takes anyway.

Registration allows 5 POSTs an hour per address (see ``test_journey.py``); this sends one.
"""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from .conftest import require_chromium
from .pages import expect_logged_in, flash, heading, submit
from .servers import Blog
from .visitors import VIEWPORT

#: A little more than the blog's FORM_GUARD_MIN_SECONDS (4): the blog runs in its own process,
#: so the time really passes.
FILL_SECONDS = 4.5


def test_a_person_without_javascript_can_sign_up_after_taking_their_time(
    browser: Browser, blog: Blog
) -> None:
    require_chromium()
    context = browser.new_context(base_url=blog.url, viewport=VIEWPORT, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/auth/register")
        expect(heading(page)).to_have_text("Register")
        # The honeypot is not shown, so a person cannot fill it by mistake.
        expect(page.locator('input[name="website"]')).to_be_hidden()
        page.get_by_label("User name").fill("nojs")
        page.get_by_label("Password").fill("nojs-password-5")
        page.wait_for_timeout(FILL_SECONDS * 1000)
        assert submit(page, "Register") == 302
        expect(flash(page)).to_have_text("Welcome, nojs! Your account is ready.")
        expect_logged_in(page, "nojs")
        assert blog.query("SELECT username FROM user WHERE username = 'nojs'") == [("nojs",)]
    finally:
        context.close()
