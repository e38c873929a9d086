"""Cross-origin request protection and CSRF tokens, attacked the way a browser attacks them.

Each attack is sent with the headers a browser puts on it: a page on ``evil.example`` that
auto-submits a form to the app gets ``Sec-Fetch-Site: cross-site`` and ``Origin:
https://evil.example``; an older browser sends only the ``Origin``. Every refusal is checked from
the outside (status, message) and by its effect: the view that would have written is not called.
Every test runs under WSGI and ASGI.
"""

from __future__ import annotations

import functools
import re
import typing as t

import pytest

from erlen import Blueprint, Erlen, render_template_string, request
from erlen.core.views import MethodView
from erlen.security import cross_origin_exempt
from erlen.tools.testing import ErlenClient, TestResponse

KEY = "cross-origin-tests-0123456789abcdefghij"
SITE = "https://app.example"
EVIL = "https://evil.example"
UNSAFE = ["POST", "PUT", "PATCH", "DELETE"]
FORM_PAGE = """<form method=post action="/write">
  <input type=hidden name=csrf_token value="{{ csrf_token() }}">
  <input name=text>
</form>"""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    metafunc.parametrize("erlen_protocol", ["wsgi", "asgi"], indirect=True)


class Site:
    """An app whose ``/write`` view records every call, and a browser (test client) on it."""

    def __init__(self, **config: t.Any) -> None:
        self.app = Erlen(__name__)
        self.app.config.update(SECRET_KEY=KEY, **config)
        self.writes: list[str] = []
        writes = self.writes

        @self.app.route("/write", methods=["GET", *UNSAFE])
        def write() -> str:
            if request.method in ("GET", "HEAD"):
                return "read only"
            writes.append(request.method)
            return "written"

        @self.app.route("/form")
        def form() -> str:
            return render_template_string(FORM_PAGE)

        self.client = self.app.test_client()

    def send(
        self, method: str = "POST", path: str = "/write", base_url: str = f"{SITE}/", **kw: t.Any
    ) -> TestResponse:
        return self.client.open(path, method=method, base_url=base_url, **kw)


def browser(fetch_site: str | None, origin: str | None) -> dict[str, str]:
    """The headers a browser sends with a form submission or ``fetch``."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if fetch_site is not None:
        headers.update({"Sec-Fetch-Site": fetch_site, "Sec-Fetch-Mode": "navigate"})
    if origin is not None:
        headers["Origin"] = origin
    return headers


def assert_refused(site: Site, response: TestResponse) -> None:
    assert response.status_code == 403
    assert "came from another website" in response.text
    assert site.writes == []


# cross-origin protection (on by default)


@pytest.mark.parametrize("method", UNSAFE)
@pytest.mark.parametrize("fetch_site", ["cross-site", "same-site"])
def test_unsafe_request_from_another_site_is_refused(method: str, fetch_site: str) -> None:
    site = Site()
    origin = EVIL if fetch_site == "cross-site" else "https://blog.app.example"
    response = site.send(method, headers=browser(fetch_site, origin), data="text=pwned")
    assert_refused(site, response)


@pytest.mark.parametrize("method", UNSAFE)
@pytest.mark.parametrize("fetch_site", ["same-origin", "none"])
def test_unsafe_request_from_this_site_or_the_user_passes(method: str, fetch_site: str) -> None:
    # "none": the user typed the URL or used a bookmark, no page made the request.
    site = Site()
    origin = SITE if fetch_site == "same-origin" else None
    response = site.send(method, headers=browser(fetch_site, origin), data="text=ok")
    assert response.status_code == 200
    assert site.writes == [method]


@pytest.mark.parametrize("method", UNSAFE)
def test_older_browser_with_a_foreign_origin_is_refused(method: str) -> None:
    site = Site()
    assert_refused(site, site.send(method, headers=browser(None, EVIL)))


@pytest.mark.parametrize(
    ("base_url", "origin"),
    [(f"{SITE}/", SITE), ("https://app.example:8443/", "https://app.example:8443")],
)
def test_older_browser_with_this_origin_passes(base_url: str, origin: str) -> None:
    site = Site()
    response = site.send(base_url=base_url, headers=browser(None, origin))
    assert response.status_code == 200
    assert site.writes == ["POST"]


@pytest.mark.parametrize(
    ("base_url", "origin"),
    [
        (f"{SITE}/", "null"),  # a sandboxed iframe, a data: URL, a file
        (f"{SITE}/", "http://app.example"),  # same host, other scheme
        ("http://app.example/", SITE),
        ("https://app.example:8443/", SITE),  # same host, other port
        ("https://app.example:8443/", "https://app.example:8444"),
        (f"{SITE}/", "https://app.example.evil.example"),
        (f"{SITE}/", "https://evil-app.example"),
        (f"{SITE}/", f"{SITE}.evil.example"),
    ],
)
def test_older_browser_with_a_near_miss_origin_is_refused(base_url: str, origin: str) -> None:
    site = Site()
    assert_refused(site, site.send(base_url=base_url, headers=browser(None, origin)))


def test_sec_fetch_site_wins_over_a_matching_origin() -> None:
    # A browser that marks the request cross-site is believed even if Origin looks right.
    site = Site()
    assert_refused(site, site.send(headers=browser("cross-site", SITE)))


def test_unknown_sec_fetch_site_value_is_refused() -> None:
    site = Site()
    assert_refused(site, site.send(headers=browser("cross-origin", None)))


def test_client_without_browser_headers_passes() -> None:
    # curl, a server, a script: no Origin and no Sec-Fetch-Site, and no victim's cookies.
    site = Site()
    response = site.send(data="text=curl", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert site.writes == ["POST"]


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_safe_methods_from_another_site_pass(method: str) -> None:
    site = Site()
    response = site.send(method, headers=browser("cross-site", EVIL))
    assert response.status_code == 200
    assert site.writes == []


def test_trusted_origin_is_allowed_and_only_it() -> None:
    site = Site(TRUSTED_ORIGINS=["https://Admin.App.example/"])
    admin = "https://admin.app.example"
    for fetch_site in ("same-site", "cross-site", None):
        assert site.send(headers=browser(fetch_site, admin)).status_code == 200
    assert site.writes == ["POST"] * 3
    site.writes.clear()
    assert_refused(site, site.send(headers=browser("cross-site", EVIL)))
    assert_refused(site, site.send(headers=browser("same-site", "https://blog.app.example")))


def test_trusted_origins_as_a_string_is_a_type_error() -> None:
    site = Site(TRUSTED_ORIGINS="https://admin.app.example")
    with pytest.raises(TypeError, match="TRUSTED_ORIGINS"):
        site.send()


def login_required(view: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    """A decorator written with functools.wraps, as apps write them."""

    @functools.wraps(view)
    def wrapped(*args: t.Any, **kwargs: t.Any) -> t.Any:
        return view(*args, **kwargs)

    return wrapped


def test_exempt_view_accepts_cross_site_requests_and_only_it() -> None:
    site = Site()
    calls: list[str] = []

    @site.app.post("/webhook")
    @cross_origin_exempt
    def webhook() -> str:
        calls.append("webhook")
        return "received"

    @site.app.post("/inner")
    @login_required
    @cross_origin_exempt
    def inner() -> str:
        calls.append("inner")
        return "received"

    @site.app.post("/outer")
    @cross_origin_exempt
    @login_required
    def outer() -> str:
        calls.append("outer")
        return "received"

    class Hook(MethodView):
        def post(self) -> str:
            calls.append("class")
            return "received"

    site.app.add_url_rule("/class", view_func=cross_origin_exempt(Hook).as_view("hook"))

    for path in ("/webhook", "/inner", "/outer", "/class"):
        assert site.send(path=path, headers=browser("cross-site", EVIL)).status_code == 200
    assert calls == ["webhook", "inner", "outer", "class"]
    assert_refused(site, site.send(headers=browser("cross-site", EVIL)))


def test_blueprint_views_are_protected() -> None:
    site = Site()
    bp = Blueprint("api", __name__, url_prefix="/api")
    calls: list[str] = []

    @bp.delete("/item")
    def delete_item() -> str:
        calls.append("deleted")
        return "deleted"

    site.app.register_blueprint(bp)
    response = site.send("DELETE", path="/api/item", headers=browser("cross-site", EVIL))
    assert response.status_code == 403
    assert calls == []


def test_protection_can_be_switched_off() -> None:
    site = Site(CROSS_ORIGIN_PROTECTION=False)
    assert site.send(headers=browser("cross-site", EVIL)).status_code == 200
    assert site.writes == ["POST"]


def test_refusal_goes_through_the_403_handler() -> None:
    site = Site()

    @site.app.errorhandler(403)
    def forbidden(error: Exception) -> tuple[str, int]:
        return f"custom refusal: {type(error).__name__}", 403

    response = site.send(headers=browser("cross-site", EVIL))
    assert response.status_code == 403
    assert response.text == "custom refusal: CrossOriginRefused"
    assert site.writes == []


def test_refusal_comes_before_before_request_hooks() -> None:
    site = Site()
    hooks: list[str] = []
    site.app.before_request(lambda: hooks.append("before"))
    assert site.send(headers=browser("cross-site", EVIL)).status_code == 403
    assert hooks == []


def test_async_view_is_protected() -> None:
    site = Site()
    calls: list[str] = []

    @site.app.post("/async")
    async def async_write() -> str:
        calls.append("async")
        return "written"

    assert site.send(path="/async", headers=browser("cross-site", EVIL)).status_code == 403
    assert calls == []


# CSRF tokens (CSRF_TOKENS = True): defence in depth behind the cross-origin check


def token_from(page: TestResponse) -> str:
    match = re.search(r'name=csrf_token value="([^"]+)"', page.text)
    assert match is not None, page.text
    return match[1]


def csrf_site(**config: t.Any) -> Site:
    return Site(CSRF_TOKENS=True, **config)


def test_form_with_its_token_posts() -> None:
    site = csrf_site()
    token = token_from(site.send("GET", path="/form"))
    response = site.send(
        data={"csrf_token": token, "text": "hi"}, headers=browser("same-origin", SITE)
    )
    assert response.status_code == 200
    assert site.writes == ["POST"]


def test_multipart_form_with_its_token_posts() -> None:
    site = csrf_site()
    token = token_from(site.send("GET", path="/form"))
    body = (
        b'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + token.encode()
        + b"\r\n--B--\r\n"
    )
    response = site.send(data=body, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 200
    assert site.writes == ["POST"]


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "not-a-token",
        "A" * 86,  # the right length, all zero bytes
        "=" * 10,
        "%00",
    ],
)
def test_missing_or_wrong_token_is_refused(token: str | None) -> None:
    site = csrf_site()
    token_from(site.send("GET", path="/form"))  # the session now has a secret
    data = {"text": "hi"} if token is None else {"text": "hi", "csrf_token": token}
    response = site.send(data=data, headers=browser("same-origin", SITE))
    assert response.status_code == 403
    assert "security token" in response.text
    assert site.writes == []


def test_token_without_a_session_is_refused() -> None:
    site = csrf_site()
    token = token_from(site.send("GET", path="/form"))
    site.client.delete_cookie("session", domain="app.example")
    response = site.send(data={"csrf_token": token})
    assert response.status_code == 403
    assert site.writes == []


def test_token_from_another_session_is_refused() -> None:
    site = csrf_site()
    attacker: ErlenClient = site.app.test_client()
    stolen = token_from(attacker.get("/form", base_url=f"{SITE}/"))
    token_from(site.send("GET", path="/form"))  # the victim's own session and secret
    response = site.send(data={"csrf_token": stolen}, headers=browser("same-origin", SITE))
    assert response.status_code == 403
    assert site.writes == []


def test_token_is_masked_differently_on_each_render_and_all_are_valid() -> None:
    site = csrf_site()
    tokens = [token_from(site.send("GET", path="/form")) for _ in range(5)]
    assert len(set(tokens)) == 5
    for token in reversed(tokens):
        assert site.send(data={"csrf_token": token}).status_code == 200
    assert site.writes == ["POST"] * 5


def test_token_in_a_header_for_fetch_and_json() -> None:
    site = csrf_site()
    token = token_from(site.send("GET", path="/form"))
    headers = {"X-CSRF-Token": token, "Sec-Fetch-Site": "same-origin", "Origin": SITE}
    for method in UNSAFE:
        assert site.send(method, json={"text": "hi"}, headers=headers).status_code == 200
    assert site.writes == UNSAFE
    site.writes.clear()
    # Without the header a JSON body is refused: a token inside JSON is not looked for.
    response = site.send(json={"csrf_token": token}, headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 403
    assert site.writes == []


def test_token_in_the_query_string_is_not_accepted() -> None:
    # Tokens in URLs leak through logs and Referer headers.
    site = csrf_site()
    token = token_from(site.send("GET", path="/form"))
    response = site.send(path=f"/write?csrf_token={token}", data={"text": "hi"})
    assert response.status_code == 403
    assert site.writes == []


def test_exempt_view_needs_no_token() -> None:
    site = csrf_site()
    calls: list[str] = []

    @site.app.post("/webhook")
    @cross_origin_exempt
    def webhook() -> str:
        calls.append("webhook")
        return "received"

    assert site.send(path="/webhook", json={"event": "paid"}).status_code == 200
    assert calls == ["webhook"]


def test_cross_site_post_with_a_valid_token_is_still_refused() -> None:
    # Both checks apply: a token leaked to another site does not open the door.
    site = csrf_site()
    token = token_from(site.send("GET", path="/form"))
    response = site.send(data={"csrf_token": token}, headers=browser("cross-site", EVIL))
    assert_refused(site, response)


def test_safe_methods_need_no_token() -> None:
    site = csrf_site()
    assert site.send("GET").text == "read only"
    assert site.send("HEAD").status_code == 200
