"""What the blog relies on erlen for: escaping, the Content-Security-Policy and its nonce,
security headers, and refusing forged form posts (cross-origin, and CSRF tokens)."""

from __future__ import annotations

import re
import typing as t

import pytest
from erlen import Erlen
from erlen.tools.testing import ErlenClient

import erlen_blog
from blog_helpers import PASSWORDS, form_token, query
from conftest import AuthActions

Snapshots = t.Callable[[], t.Any]

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "javascript:alert(1)",
    '"><svg onload=alert(1)>',
    "{{ 7 * 7 }}",
]
PAYLOAD = " ".join(PAYLOADS)


def pages_of_every_kind(client: ErlenClient, auth: AuthActions) -> list[str]:
    """One page of each template, for checks that apply to all of them."""
    pages = [client.get(path).text for path in ("/", "/1", "/auth/login", "/auth/register")]
    pages.append(client.get("/404").text)
    auth.login()
    pages += [client.get(path).text for path in ("/", "/1", "/create", "/1/update", "/1/delete")]
    pages.append(client.get("/comment/2/delete").text)
    pages.append(client.post("/create", data={"title": "", "body": ""}).text)
    return pages


# escaping


def test_user_content_comes_back_escaped(
    client: ErlenClient, auth: AuthActions, app: Erlen
) -> None:
    auth.login()
    assert client.post("/create", data={"title": PAYLOAD[:200], "body": PAYLOAD}).status_code == 302
    assert client.post("/2/comment", data={"body": PAYLOAD}).status_code == 302
    stored = query(app, "SELECT body FROM post WHERE id = 2")[0]["body"]
    assert stored == PAYLOAD  # stored as typed: escaping happens on output
    pages = {path: client.get(path).text for path in ("/", "/2", "/2/update", "/2/delete")}
    pages["/comment/3/delete"] = client.get("/comment/3/delete").text
    for path, page in pages.items():
        assert "<script>alert" not in page, path
        assert "<img src=x" not in page, path
        assert "<svg" not in page, path
        assert 'href="javascript:' not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages["/2"]
    assert "{{ 7 * 7 }}" in pages["/2"]  # template syntax in content is shown, not run
    assert "&lt;a href=&#34;javascript:alert(1)&#34;&gt;click&lt;/a&gt;" in pages["/2"]
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in pages["/2"]


def test_rejected_input_is_escaped_when_shown_again(client: ErlenClient, auth: AuthActions) -> None:
    response = client.post("/auth/register", data={"username": PAYLOAD, "password": "x"})
    assert response.status_code == 400
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    response = client.post(
        "/auth/login", data={"username": "ann", "password": "no", "next": '"><script>x()</script>'}
    )
    assert "<script>x()" not in response.text
    auth.login()
    response = client.post("/create", data={"title": "", "body": PAYLOAD})
    assert "<img src=x" not in response.text
    response = client.post("/1/comment", data={"body": PAYLOAD + "c" * 2001})
    assert "<img src=x" not in response.text


# Content-Security-Policy


def test_every_page_has_the_strict_policy_with_a_fresh_nonce(client: ErlenClient) -> None:
    policies = [client.get("/").headers["Content-Security-Policy"] for _ in range(2)]
    expected = erlen_blog.CONTENT_SECURITY_POLICY.split("{nonce}")
    for policy in policies:
        assert policy.startswith(expected[0]) and policy.endswith(expected[1])
    assert policies[0] != policies[1]


def test_the_inline_script_carries_the_responses_nonce(client: ErlenClient) -> None:
    response = client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert nonce is not None
    scripts = re.findall(r"<script([^>]*)>", response.text)
    assert scripts == [f' nonce="{nonce.group(1)}"']


def test_no_inline_styles_or_event_handlers_anywhere(
    client: ErlenClient, auth: AuthActions
) -> None:
    for page in pages_of_every_kind(client, auth):
        assert not re.search(r"<style|\sstyle=", page)
        assert not re.search(r"\son[a-z]+\s*=", page)
        assert "javascript:" not in page
        for attributes in re.findall(r"<script([^>]*)>", page):
            assert "nonce=" in attributes


def test_error_pages_have_the_policy_and_layout(client: ErlenClient) -> None:
    response = client.get("/999")
    assert response.status_code == 404
    assert "'nonce-" in response.headers["Content-Security-Policy"]
    assert 'href="/static/style.css"' in response.text


# headers and cookies


def test_default_security_headers(client: ErlenClient) -> None:
    headers = client.get("/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_session_cookie_is_http_only_and_lax(client: ErlenClient, auth: AuthActions) -> None:
    auth.login()
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_password_hashes_never_reach_a_page(
    client: ErlenClient, auth: AuthActions, app: Erlen
) -> None:
    hashes = [row["password"] for row in query(app, "SELECT password FROM user")]
    for page in pages_of_every_kind(client, auth):
        assert not any(h in page for h in hashes)
        assert PASSWORDS["ann"] not in page


# forged requests


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}],
)
def test_cross_origin_posts_are_refused(
    client: ErlenClient, auth: AuthActions, db_state: Snapshots, headers: dict[str, str]
) -> None:
    auth.login()
    before = db_state()
    for path, data in [
        ("/create", {"title": "Forged", "body": "Forged"}),
        ("/1/update", {"title": "Forged", "body": "Forged"}),
        ("/1/delete", {}),
        ("/1/comment", {"body": "Forged"}),
        ("/comment/2/delete", {}),
    ]:
        response = client.post(path, data=data, headers=headers)
        assert response.status_code == 403, path
    assert db_state() == before


@pytest.fixture
def csrf_config(config: dict[str, t.Any]) -> dict[str, t.Any]:
    config["CSRF_TOKENS"] = True
    return config


def test_every_form_carries_a_csrf_token(client: ErlenClient, auth: AuthActions) -> None:
    for page in pages_of_every_kind(client, auth):
        forms = page.count("<form")
        assert page.count('name="csrf_token"') == forms


@pytest.mark.usefixtures("csrf_config")
def test_with_csrf_tokens_a_post_without_one_is_refused(
    client: ErlenClient, db_state: Snapshots
) -> None:
    before = db_state()
    response = client.post("/auth/register", data={"username": "carol", "password": "s3cret-pw"})
    assert response.status_code == 403
    assert "security token" in response.text
    assert 'href="/static/style.css"' in response.text  # in the layout
    assert db_state() == before


@pytest.mark.usefixtures("csrf_config")
def test_with_csrf_tokens_the_forms_work(client: ErlenClient, app: Erlen) -> None:
    token = form_token(client.get("/auth/login").text)
    response = client.post(
        "/auth/login",
        data={"username": "ann", "password": PASSWORDS["ann"], "csrf_token": token},
    )
    assert response.status_code == 302
    token = form_token(client.get("/create").text)
    response = client.post(
        "/create", data={"title": "With token", "body": "Works.", "csrf_token": token}
    )
    assert response.status_code == 302
    token = form_token(client.get("/2").text)
    response = client.post("/2/comment", data={"body": "Nice.", "csrf_token": token})
    assert response.status_code == 302
    assert query(app, "SELECT count(*) FROM comment WHERE post_id = 2")[0][0] == 1


@pytest.mark.usefixtures("csrf_config")
def test_with_csrf_tokens_a_wrong_one_is_refused(
    client: ErlenClient, auth: AuthActions, db_state: Snapshots
) -> None:
    client.get("/auth/login")  # gives the session its secret
    before = db_state()
    response = client.post("/1/delete", data={"csrf_token": "A" * 86})
    assert response.status_code == 403
    assert db_state() == before
