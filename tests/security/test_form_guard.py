"""The form guard (``erlen.security.forms``): bots sent at a guarded sign-up form, refused.

Each bot is sent as it would be in the wild: it fetches the form, fills it and posts it with a
browser's headers, from a new address each time. The naive bot fills every input it finds and
posts at once without running the page's script; the careful bot leaves the honeypot empty; a
person without JavaScript waits before sending (the module's clock is moved, nothing sleeps); a
person's browser sends the proof its script computes (``solve_form_guard``). The same bots are
sent at the example blog. Every test runs under WSGI and ASGI.
"""

from __future__ import annotations

import html.parser
import logging
import re
import typing as t

import pytest

from erlen import Erlen, render_template_string, request
from erlen.security import csrf_token, guard_form, limit, solve_form_guard
from erlen.security import forms as forms_module
from erlen.security.forms import PROOF_FIELD, TICKET_FIELD, proof_is_valid, solve
from erlen.tools.testing import ErlenClient

KEY = "form-guard-tests-0123456789abcdefghijklmnop"

BROWSER_HEADERS = {
    "User-Agent": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Chrome/131.0.0.0 Safari/537.36"
    ),
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-US,en;q=0.9",
    "Sec-Fetch-Site": "same-origin",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Dest": "document",
}

FORM = """<form method="post">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  {{ form_guard(**guard) }}
  <label>Name <input name="username"></label>
  <label>Password <input type="password" name="password"></label>
  <button>Sign up</button>
</form>"""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    metafunc.parametrize("erlen_protocol", ["wsgi", "asgi"], indirect=True)


class Signups:
    """An app with guarded sign-up forms, and the accounts they made."""

    def __init__(self, **config: t.Any) -> None:
        self.accounts: list[str] = []
        app = self.app = Erlen(__name__)
        app.config.update(SECRET_KEY=KEY, CSRF_TOKENS=True, FORM_GUARD_DIFFICULTY=8, **config)
        self.add("/signup", guard_form())
        self.add("/strict", guard_form(difficulty=12, noscript_limit=False))
        self.add("/limited", lambda f: limit("3/hour", methods=["POST"])(guard_form()(f)))

        @app.route("/async", methods=["GET", "POST"])
        @guard_form()
        async def async_signup() -> t.Any:
            return self.view()

    def add(self, path: str, decorator: t.Callable[[t.Any], t.Any]) -> None:
        def signup() -> t.Any:
            return self.view()

        signup.__name__ = path.strip("/")
        self.app.route(path, methods=["GET", "POST"])(decorator(signup))

    def view(self) -> t.Any:
        if request.method == "POST":
            self.accounts.append(request.form["username"])
            return "account made", 201
        arguments = {"difficulty": int(request.args["difficulty"])} if request.args else {}
        return render_template_string(FORM, guard=arguments, csrf_token=csrf_token)


@pytest.fixture
def signups() -> Signups:
    return Signups()


class _Inputs(html.parser.HTMLParser):
    """Every input of a page, as a bot reads them: (name, type, value)."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("input", "textarea") and values.get("name"):
            kind = values.get("type") or ("textarea" if tag == "textarea" else "text")
            self.inputs.append((values["name"] or "", kind, values.get("value") or ""))


def fill_every_field(page: str, n: int) -> dict[str, str]:
    """What a naive bot posts: hidden fields as they are, a plausible value in every other."""
    parser = _Inputs()
    parser.feed(page)
    plausible = {"password": f"Passw0rd!{n}", "email": f"bot{n}@example.com"}
    return {
        name: value if kind == "hidden" else plausible.get(kind, f"user{n}")
        for name, kind, value in parser.inputs
    }


def from_address(n: int) -> dict[str, t.Any]:
    """A new address for each request, as a botnet has: the peer and a forwarded header."""
    address = f"198.51.{n // 250}.{n % 250 + 1}"
    return {
        "environ_base": {"REMOTE_ADDR": address},
        "headers": {**BROWSER_HEADERS, "X-Forwarded-For": address},
    }


def fetch(app: Erlen, path: str, n: int = 0) -> tuple[ErlenClient, str]:
    client = app.test_client()
    return client, client.get(path, **from_address(n)).text


def honeypot_name(page: str) -> str:
    match = re.search(
        r'<div hidden aria-hidden="true"><label>[^<]*<input type="text" name="([^"]+)"', page
    )
    assert match is not None, page
    return match[1]


def person_fields(page: str, **typed: str) -> dict[str, str]:
    """What a person's browser posts: the hidden fields, what they typed, the honeypot empty."""
    fields = {name: value for name, kind, value in _parse(page) if kind == "hidden"}
    return {**fields, honeypot_name(page): "", **typed}


def _parse(page: str) -> list[tuple[str, str, str]]:
    parser = _Inputs()
    parser.feed(page)
    return parser.inputs


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> t.Callable[[float], None]:
    """``later(seconds)``: move the guard's clock forward, as if the visitor had waited."""
    offset = [0.0]
    real = forms_module.clock

    def clock() -> float:
        return real() + offset[0]

    monkeypatch.setattr(forms_module, "clock", clock)

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


# the markup


def test_the_guard_renders_hidden_honeypot_ticket_proof_field_and_nonced_script(
    signups: Signups,
) -> None:
    signups.app.config["CONTENT_SECURITY_POLICY"] = "script-src 'nonce-{nonce}'"
    response = signups.app.test_client().get("/signup")
    page = response.text
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert nonce is not None
    assert f'<script nonce="{nonce[1]}">' in page
    assert '<div hidden aria-hidden="true">' in page
    assert 'name="website" value="" tabindex="-1" autocomplete="off"' in page
    assert f'name="{TICKET_FIELD}" value="' in page
    assert f'name="{PROOF_FIELD}" value="" data-challenge="' in page
    assert 'data-difficulty="8"' in page
    assert "crypto.subtle.digest" in page and "requestSubmit" in page
    assert not re.search(r"\sstyle=|\son[a-z]+\s*=", page)


def test_each_rendering_has_a_new_ticket_and_challenge(signups: Signups) -> None:
    client = signups.app.test_client()
    first, second = (solve_form_guard(client.get("/signup").text) for _ in range(2))
    assert first[TICKET_FIELD] != second[TICKET_FIELD]


def test_form_guard_needs_a_secret_key() -> None:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ form_guard() }}")

    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        app.test_client().get("/")


# the bots


def test_the_naive_bot_creates_no_account(signups: Signups) -> None:
    for n in range(20):
        client, page = fetch(signups.app, "/signup", n)
        data = fill_every_field(page, n)
        assert data["website"] == f"user{n}"  # it filled the honeypot too
        response = client.post("/signup", data=data, **from_address(n))
        assert response.status_code == 400
        assert "sent too quickly or could not be checked" in response.text
    assert signups.accounts == []


def test_the_naive_bot_is_refused_even_when_it_waits(
    signups: Signups, later: t.Callable[[float], None]
) -> None:
    client, page = fetch(signups.app, "/signup")
    later(60)
    assert client.post("/signup", data=fill_every_field(page, 1)).status_code == 400
    assert signups.accounts == []


def test_a_bot_that_skips_the_honeypot_but_posts_at_once_is_refused(signups: Signups) -> None:
    for n in range(5):
        client, page = fetch(signups.app, "/signup", n)
        data = person_fields(page, username=f"user{n}", password="Passw0rd!")
        response = client.post("/signup", data=data, **from_address(n))
        assert response.status_code == 400
    assert signups.accounts == []


def test_a_bot_that_fills_the_proof_field_with_garbage_is_refused(signups: Signups) -> None:
    for n, proof in enumerate(["1", "12345", "x" * 40, "-1", "0x10"]):
        client, page = fetch(signups.app, "/signup", n)
        data = person_fields(page, username="eve", password="pw")
        data[PROOF_FIELD] = proof
        if proof_is_valid(_challenge(page), 8, proof):
            continue  # a lucky guess is a valid proof
        assert client.post("/signup", data=data, **from_address(n)).status_code == 400
    assert signups.accounts == []


def _challenge(page: str) -> str:
    match = re.search(r'data-challenge="([0-9a-f]+)"', page)
    assert match is not None
    return match[1]


def test_a_persons_browser_passes_with_the_proof(signups: Signups) -> None:
    client, page = fetch(signups.app, "/signup")
    data = person_fields(page, username="ann", password="s3cret-pw", **solve_form_guard(page))
    response = client.post("/signup", data=data)
    assert response.status_code == 201
    assert signups.accounts == ["ann"]


def test_an_async_view_is_guarded_too(signups: Signups) -> None:
    client, page = fetch(signups.app, "/async")
    assert client.post("/async", data=fill_every_field(page, 1)).status_code == 400
    data = person_fields(page, username="ann", password="pw", **solve_form_guard(page))
    assert client.post("/async", data=data).status_code == 201
    assert client.post("/async", data=data).status_code == 400  # replayed
    assert signups.accounts == ["ann"]


def test_get_and_head_are_not_checked(signups: Signups) -> None:
    client = signups.app.test_client()
    assert client.get("/signup").status_code == 200
    assert client.head("/signup").status_code == 200


# people without JavaScript


def test_a_person_without_javascript_who_waits_gets_through(
    signups: Signups, later: t.Callable[[float], None]
) -> None:
    client, page = fetch(signups.app, "/signup")
    data = person_fields(page, username="ann", password="s3cret-pw")
    later(3.5)
    assert client.post("/signup", data=data).status_code == 400  # before 4 seconds
    later(1)
    # The ticket of a form refused for its timing is not spent: sending it again works.
    assert client.post("/signup", data=data).status_code == 201
    assert client.post("/signup", data=data).status_code == 400  # but only once
    assert signups.accounts == ["ann"]


def test_without_javascript_the_site_wide_budget_bounds_a_botnet(
    later: t.Callable[[float], None],
) -> None:
    signups = Signups(FORM_GUARD_NOSCRIPT_LIMIT="20/hour")
    pages = [fetch(signups.app, "/signup", n) for n in range(25)]
    later(5)
    statuses = []
    for n, (client, page) in enumerate(pages):
        data = person_fields(page, username=f"user{n}", password="pw")
        response = client.post("/signup", data=data, **from_address(n))
        statuses.append(response.status_code)
    assert statuses == [201] * 20 + [429] * 5
    assert len(signups.accounts) == 20
    refused = client.post("/signup", data=data, **from_address(99))
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "without JavaScript" in refused.text
    # A browser that runs the script is not held by that budget.
    client, page = fetch(signups.app, "/signup", 200)
    data = person_fields(page, username="ann", password="pw", **solve_form_guard(page))
    assert client.post("/signup", data=data, **from_address(200)).status_code == 201


def test_without_javascript_one_address_gets_5_an_hour(
    signups: Signups, later: t.Callable[[float], None]
) -> None:
    client = signups.app.test_client()
    pages = [client.get("/signup").text for _ in range(6)]
    later(5)
    statuses = [
        client.post("/signup", data=person_fields(page, username="ann", password="pw")).status_code
        for page in pages
    ]
    assert statuses == [201] * 5 + [429]


def test_a_form_may_require_javascript(signups: Signups, later: t.Callable[[float], None]) -> None:
    client, page = fetch(signups.app, "/strict?difficulty=12")
    later(600)
    data = person_fields(page, username="ann", password="pw")
    assert client.post("/strict", data=data).status_code == 400
    data.update(solve_form_guard(page))
    assert client.post("/strict", data=data).status_code == 201


def test_the_apps_per_address_limit_applies_as_well(signups: Signups) -> None:
    client = signups.app.test_client()
    pages = [client.get("/limited").text for _ in range(4)]
    statuses = []
    for page in pages:
        data = person_fields(page, username="ann", password="pw", **solve_form_guard(page))
        statuses.append(client.post("/limited", data=data).status_code)
    assert statuses == [201, 201, 201, 429]


# tickets


def test_a_forged_ticket_is_refused(signups: Signups) -> None:
    client, page = fetch(signups.app, "/signup")
    data = person_fields(page, username="eve", password="pw", **solve_form_guard(page))
    ticket = data[TICKET_FIELD]
    forgeries = [
        ticket[:-2] + ("AA" if not ticket.endswith("AA") else "BB"),
        ticket.split(".")[0] + ".",
        "",
        "x" * 5000,
    ]
    other = Erlen(__name__)
    other.config["SECRET_KEY"] = "another-key-0123456789abcdefghijklmn"
    with other.test_request_context():
        forgeries.append(forms_module.issue_ticket(other, 8)[0])
    for forged in forgeries:
        response = client.post("/signup", data={**data, TICKET_FIELD: forged})
        assert response.status_code == 400, forged
    del data[TICKET_FIELD]
    assert client.post("/signup", data=data).status_code == 400
    assert signups.accounts == []


def test_an_expired_ticket_is_refused(signups: Signups, later: t.Callable[[float], None]) -> None:
    client, page = fetch(signups.app, "/signup")
    data = person_fields(page, username="ann", password="pw", **solve_form_guard(page))
    later(4 * 3600 + 1)
    assert client.post("/signup", data=data).status_code == 400
    assert signups.accounts == []


def test_a_ticket_from_the_future_is_refused(
    signups: Signups, later: t.Callable[[float], None]
) -> None:
    later(3600)
    client, page = fetch(signups.app, "/signup")
    later(-3600)
    data = person_fields(page, username="ann", password="pw", **solve_form_guard(page))
    assert client.post("/signup", data=data).status_code == 400


def test_a_replayed_ticket_is_refused(signups: Signups) -> None:
    client, page = fetch(signups.app, "/signup")
    data = person_fields(page, username="ann", password="pw", **solve_form_guard(page))
    assert client.post("/signup", data=data).status_code == 201
    for n in range(3):
        response = client.post("/signup", data=data, **from_address(n + 1))
        assert response.status_code == 400
    assert signups.accounts == ["ann"]


def test_a_proof_for_another_challenge_is_refused(signups: Signups) -> None:
    client, page = fetch(signups.app, "/signup")
    other_page = fetch(signups.app, "/signup")[1]
    data = person_fields(page, username="eve", password="pw")
    # The proof of another form, unless it happens to fit this challenge as well.
    proof = solve_form_guard(other_page)[PROOF_FIELD]
    if proof_is_valid(_challenge(page), 8, proof):
        pytest.skip("the other form's proof happens to fit this challenge")
    data[PROOF_FIELD] = proof
    assert client.post("/signup", data=data).status_code == 400
    assert signups.accounts == []


def test_a_proof_short_of_the_difficulty_is_refused(signups: Signups) -> None:
    client, page = fetch(signups.app, "/signup")
    challenge = _challenge(page)
    weak = next(
        str(n)
        for n in range(100_000)
        if proof_is_valid(challenge, 2, str(n)) and not proof_is_valid(challenge, 8, str(n))
    )
    data = person_fields(page, username="eve", password="pw")
    data[PROOF_FIELD] = weak
    assert client.post("/signup", data=data).status_code == 400
    assert signups.accounts == []


def test_a_ticket_easier_than_the_view_requires_is_refused(signups: Signups) -> None:
    client, page = fetch(signups.app, "/strict?difficulty=4")  # the view requires 12
    data = person_fields(page, username="eve", password="pw", **solve_form_guard(page))
    assert client.post("/strict", data=data).status_code == 400
    client, page = fetch(signups.app, "/strict?difficulty=12")
    data = person_fields(page, username="ann", password="pw", **solve_form_guard(page))
    assert client.post("/strict", data=data).status_code == 201
    assert signups.accounts == ["ann"]


def test_a_refusal_is_logged_on_one_line_with_its_reason(
    signups: Signups, caplog: pytest.LogCaptureFixture
) -> None:
    client, page = fetch(signups.app, "/signup")
    with caplog.at_level(logging.WARNING):
        client.post("/signup%0Aforged%20line", data=fill_every_field(page, 1))
        client.post("/signup", data=fill_every_field(page, 1))
    messages = [r.getMessage() for r in caplog.records if "Form guard refused" in r.message]
    assert messages == [
        "Form guard refused POST '/signup' from 127.0.0.1: the honeypot field 'website' has a"
        " value."
    ]
    assert all("\n" not in m for m in messages)


# configuration and the helper


def test_form_guard_false_turns_it_off() -> None:
    signups = Signups(FORM_GUARD=False)
    client, page = fetch(signups.app, "/signup")
    assert TICKET_FIELD not in page and "<script" not in page
    data = fill_every_field(page, 1)
    assert client.post("/signup", data=data).status_code == 201
    assert signups.accounts == ["user1"]


def test_the_honeypot_name_is_configurable() -> None:
    signups = Signups(FORM_GUARD_HONEYPOT="homepage")
    client, page = fetch(signups.app, "/signup")
    assert honeypot_name(page) == "homepage"
    data = person_fields(page, username="ann", password="pw", **solve_form_guard(page))
    assert client.post("/signup", data={**data, "homepage": "http://spam"}).status_code == 400
    assert client.post("/signup", data=data).status_code == 201


def test_solve_form_guard_explains_a_page_without_a_guard() -> None:
    with pytest.raises(ValueError, match="form_guard"):
        solve_form_guard("<form method=post><input name=a></form>")


def test_solve_finds_the_proof_the_check_accepts() -> None:
    for bits in (0, 1, 8, 12):
        nonce = solve("00ff" * 8, bits)
        assert proof_is_valid("00ff" * 8, bits, nonce)


def test_invalid_settings_are_refused_when_decorating() -> None:
    with pytest.raises(ValueError, match="0 to 32"):
        guard_form(difficulty=40)
    with pytest.raises(ValueError, match="Invalid rate limit"):
        guard_form(noscript_limit="lots")


# the example blog


@pytest.fixture
def blog(tmp_path: t.Any) -> Erlen:
    """The example blog as it ships: CSRF tokens, rate limits and the form guard on."""
    erlen_blog = pytest.importorskip(
        "erlen_blog", reason="examples/blog is not installed: pip install -e examples/blog"
    )
    app: Erlen = erlen_blog.create_app({"TESTING": True, "DATABASE": str(tmp_path / "blog.sqlite")})
    return app


def count(app: Erlen, table: str) -> int:
    from erlen_blog.db import get_db

    with app.app_context():
        number: int = get_db().execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        return number


def test_the_naive_bot_makes_no_account_on_the_blog(blog: Erlen) -> None:
    for n in range(20):
        client, page = fetch(blog, "/auth/register", n)
        data = fill_every_field(page, n)
        response = client.post("/auth/register", data=data, **from_address(n))
        assert response.status_code == 400
    assert count(blog, "user") == 0


def test_the_naive_bot_makes_no_post_or_comment_on_the_blog(blog: Erlen) -> None:
    person = blog.test_client()
    page = person.get("/auth/register").text
    data = person_fields(page, username="ann", password="s3cret-pw", **solve_form_guard(page))
    assert person.post("/auth/register", data=data).status_code == 302
    page = person.get("/create").text
    data = person_fields(page, title="Hello", body="Text.", **solve_form_guard(page))
    assert person.post("/create", data=data).status_code == 302
    # A bot holding ann's session (a stolen cookie, or an account it made by hand).
    for n in range(5):
        page = person.get("/create").text
        response = person.post("/create", data=fill_every_field(page, n))
        assert response.status_code == 400
        page = person.get("/1").text
        response = person.post("/1/comment", data=fill_every_field(page, n))
        assert response.status_code == 400
    assert (count(blog, "post"), count(blog, "comment")) == (1, 0)


def test_a_person_without_javascript_can_sign_up_on_the_blog(
    blog: Erlen, later: t.Callable[[float], None]
) -> None:
    client, page = fetch(blog, "/auth/register")
    data = person_fields(page, username="ann", password="s3cret-pw")
    later(10)
    response = client.post("/auth/register", data=data)
    assert response.status_code == 302
    assert count(blog, "user") == 1
