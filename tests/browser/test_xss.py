"""Markup in a post and a comment is shown as text in the browser, on every page that shows it.

Carol writes a post and a comment through the forms, with script tags, an ``<img onerror>``, a
``javascript:`` link, SVG with ``onload`` and a quote that tries to leave an attribute. Each
payload would set ``window.__xss`` and open a dialog if it ran. On every page: no dialog, no
``window.__xss``, no element the payload describes, the page's one nonce'd script only, no
Content-Security-Policy violation (escaping, not the policy, is what stopped them) and the
payload readable as the text Carol typed.

The last test checks that the watch would have seen it: markup put into the page behind the
template's back is stopped by the Content-Security-Policy, and the browser reports that.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from playwright.sync_api import Page, expect

from .pages import expect_logged_in, flash, heading, log_in, submit
from .servers import SEEDED_USERS, Blog
from .visitors import Visitor

TITLE = (
    '<script>window.__xss = "title"; alert("title")</script>'
    "<img src=x onerror=\"window.__xss = 'title'; alert('title')\">"
    "<svg onload=\"window.__xss = 'title'\">"
)
PAYLOADS = [
    '<script>window.__xss = "script"; alert("script")</script>',
    "<img src=x onerror=\"window.__xss = 'img'; alert('img')\">",
    "<a href=\"javascript:window.__xss = 'link'; alert('link')\">a javascript: link</a>",
    "<svg onload=\"window.__xss = 'svg'; alert('svg')\"><script>alert('svg')</script></svg>",
    "\"'><img src=x onerror=\"window.__xss = 'attribute'; alert('attribute')\">",
]
BODY = "\n".join(PAYLOADS)

#: Elements and attributes the payloads would have made; the blog's pages have none of them.
INJECTED = (
    "main img, main svg, main iframe, main object, main embed,"
    " [onerror], [onload], [onclick], a[href^='javascript:' i]"
)
INSPECT = """(injected) => ({
  xss: typeof window.__xss,
  injected: document.querySelectorAll(injected).length,
  scripts: [...document.scripts].map((s) => ({nonce: s.nonce !== "", src: s.src})),
  guards: document.querySelectorAll('input[name="erlen_proof"]').length,
})"""


def assert_shown_as_text(visitor: Visitor, what: str) -> None:
    """The page ran nothing Carol typed; ``what`` names the page in failure messages."""
    found = visitor.page.evaluate(INSPECT, INJECTED)
    assert found["xss"] == "undefined", what
    assert found["injected"] == 0, what
    # base.html's own, and the form guard's of each guarded form: all the site's, by nonce.
    expected = [{"nonce": True, "src": ""}] * (1 + found["guards"])
    assert found["scripts"] == expected, what
    assert visitor.dialogs == [], what
    assert visitor.csp_violations == [], what


def open_page(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, path


def test_markup_in_a_post_and_a_comment_is_shown_as_text(
    visitor: Callable[[str], Visitor], blog: Blog
) -> None:
    carol = visitor("carol")
    page = carol.page
    assert log_in(page, "carol", SEEDED_USERS["carol"]) == 302
    expect_logged_in(page, "carol")

    page.goto("/create")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Text").fill(BODY)
    assert submit(page, "Publish") == 302
    match = re.fullmatch(re.escape(blog.url) + r"/(\d+)", page.url)
    assert match, page.url
    post = int(match.group(1))
    page.get_by_label("Add a comment").fill(BODY)
    assert submit(page, "Comment") == 302
    expect(flash(page)).to_have_text("Your comment is added.")
    comment = int(page.url.rpartition("#comment-")[2])

    open_page(page, f"/{post}")
    assert_shown_as_text(carol, "the post")
    expect(heading(page)).to_have_text(TITLE)
    assert page.title() == f"{TITLE} · erlen blog"
    expect(page.locator("main > div.body")).to_have_text(BODY)
    expect(page.locator("article.comment div.body")).to_have_text(BODY)
    # What looks like a link is text: clicking it goes nowhere and runs nothing.
    page.get_by_text("a javascript: link").first.click()
    assert page.url == f"{blog.url}/{post}"
    assert_shown_as_text(carol, "the post, after a click")

    open_page(page, "/")
    assert_shown_as_text(carol, "the list of posts")
    expect(page.locator("article.post h2").first).to_have_text(TITLE)
    expect(page.locator("article.post p.body").first).to_contain_text(PAYLOADS[0])

    open_page(page, f"/{post}/update")
    assert_shown_as_text(carol, "the edit form")
    expect(heading(page)).to_have_text(f"Edit “{TITLE}”")
    expect(page.get_by_label("Title")).to_have_value(TITLE)  # the attribute held it whole
    expect(page.get_by_label("Text")).to_have_value(BODY)

    confirmations = [
        (f"/{post}/delete", "the post", TITLE),
        (f"/comment/{comment}/delete", "the comment", PAYLOADS[0]),
    ]
    for path, what, shown in confirmations:
        open_page(page, path)
        assert_shown_as_text(carol, f"deleting {what}")
        expect(page.locator("blockquote.body")).to_contain_text(shown)


def test_the_browser_reports_what_the_policy_blocks(
    visitor: Callable[[str], Visitor], blog: Blog
) -> None:
    guest = visitor("guest")
    page = guest.page
    open_page(page, "/auth/login")
    assert_shown_as_text(guest, "the login page")

    # As if a template had printed a payload unescaped: the policy refuses the inline handler.
    page.evaluate("""() => document.querySelector("main").insertAdjacentHTML(
        "beforeend", `<img src="data:," onerror="window.__xss = 'injected'">`)""")
    # Chromium says it twice, in the console and as an event to the page; wait for both.
    sources = ("console error:", "securitypolicyviolation: script-src")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if all(any(v.startswith(s) for v in guest.csp_violations) for s in sources):
            break
        page.wait_for_timeout(50)
    else:
        raise AssertionError(f"the browser did not report the violation: {guest.csp_violations}")
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    guest.csp_violations.clear()  # expected here; anywhere else the fixture fails the test
