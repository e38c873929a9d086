"""What a person notices on every page: the site's icon, and forms whose buttons have room."""

from __future__ import annotations

import re

from erlen.tools.testing import ErlenClient

from blog_helpers import SEED_POST


def test_every_page_names_an_icon_that_is_served(client: ErlenClient) -> None:
    for path in ("/", "/auth/login", "/auth/register", f"/{SEED_POST}"):
        page = client.get(path).text
        match = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
        assert match, path
    icon = client.get(match.group(1))
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    assert icon.data.startswith(b"<svg")


def test_the_edit_form_keeps_cancel_beside_save(client: ErlenClient, auth: object) -> None:
    auth.login()  # type: ignore[attr-defined]
    page = client.get(f"/{SEED_POST}/update").text
    actions = re.search(r'<div class="actions">(.*?)</div>', page, re.S)
    assert actions is not None
    assert "Save</button>" in actions.group(1) and ">Cancel</a>" in actions.group(1)
