"""A page on another origin that posts a form to the blog while its victim is logged in.

The attacker's pages auto-submit a form to the blog's "new post" and "register" URLs. The
victim is logged in, in the same browser. Two attackers:

- ``http://127.0.0.1:<other port>``: another origin on the same *site* (ports do not count for
  sites), so the ``SameSite=Lax`` session cookie goes along with the forged request and only
  erlen's cross-origin check (``Sec-Fetch-Site: same-site``) stands in the way;
- ``http://localhost:<other port>``: another site, so the browser does not even send the
  ``Lax`` cookie on a cross-site POST, and the check refuses the request anyway.

Either way the blog answers 403 with its explanation, and nothing is created.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from .pages import expect_logged_in, heading, log_in
from .servers import FORGED_ACCOUNT, FORGED_POST, SEEDED_USERS, AttackerSite, Blog
from .visitors import Visitor

if t.TYPE_CHECKING:
    from playwright.sync_api import Page, Response

REFUSAL = "This request came from another website, so it was refused to protect you"


def open_trap(page: Page, url: str, target: str) -> Response:
    """Open the attacker's ``url`` and return the blog's answer to the form it posts."""
    with page.expect_response(lambda r: r.url == target and r.request.method == "POST") as answer:
        page.goto(url)
    page.wait_for_load_state()
    return answer.value


@pytest.mark.parametrize(
    ("host", "fetch_site", "cookie_sent"),
    [("127.0.0.1", "same-site", True), ("localhost", "cross-site", False)],
    ids=["same-site", "cross-site"],
)
def test_a_form_another_origin_posts_is_refused_and_creates_nothing(
    visitor: Callable[[str], Visitor],
    blog: Blog,
    attacker: AttackerSite,
    host: str,
    fetch_site: str,
    cookie_sent: bool,
) -> None:
    dave = visitor("dave")
    page = dave.page
    assert log_in(page, "dave", SEEDED_USERS["dave"]) == 302
    expect_logged_in(page, "dave")
    posts, users = blog.count("post"), blog.count("user")

    for trap, target in [("create.html", "/create"), ("register.html", "/auth/register")]:
        answer = open_trap(page, f"{attacker.origin(host)}/{trap}", blog.url + target)
        assert answer.status == 403, trap
        sent = answer.request.all_headers()
        assert sent["origin"] == attacker.origin(host)
        assert sent["sec-fetch-site"] == fetch_site
        assert ("session=" in sent.get("cookie", "")) is cookie_sent, sent.get("cookie")
        # What the victim sees: the blog's own page, saying why.
        assert page.url == blog.url + target
        expect(heading(page)).to_have_text("403 Forbidden")
        expect(page.locator(".error-description")).to_contain_text(REFUSAL)

    assert (blog.count("post"), blog.count("user")) == (posts, users)
    assert blog.query("SELECT * FROM user WHERE username = ?", FORGED_ACCOUNT["username"]) == []
    page.goto("/")
    expect_logged_in(page, "dave")  # the session survived; nothing was done with it
    expect(page.get_by_text(FORGED_POST["title"])).to_have_count(0)
