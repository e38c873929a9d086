"""HEAD must not reach the writing branch of a view (issue 14, finding 1).

Views written ``if request.method == "GET": show() else: write()`` (the blog's and the
tutorial's old shape) were driven by HEAD: HEAD is a safe method, so it skipped the
cross-origin and CSRF checks and ``@limit(methods=["POST"])``. erlen now runs a HEAD as the GET
it stands for (unless the rule lists HEAD itself), so such a view shows instead of writing; a
form sent in a GET or HEAD body is still readable, as in Flask, but only the GET branch runs.
Every test runs under WSGI and ASGI.
"""

from __future__ import annotations

import pytest

from erlen import Erlen, request
from erlen.core.views import MethodView
from erlen.security import limit

KEY = "k" * 32


@pytest.fixture
def writes() -> list[str]:
    return []


@pytest.fixture
def app(writes: list[str]) -> Erlen:
    app = Erlen(__name__)
    app.config.update(SECRET_KEY=KEY, CSRF_TOKENS=True)

    @app.route("/posts/<int:number>/delete", methods=["GET", "POST"])
    def delete(number: int) -> str:
        if request.method == "GET":
            return "Really delete?"
        writes.append(f"deleted {number}")
        return "deleted"

    @app.route("/register", methods=["GET", "POST"])
    @limit("2 per hour", methods=["POST"])
    def register() -> str:
        if request.method == "GET":
            return "sign-up form"
        writes.append(f"account {request.form.get('name')}")
        return "welcome"

    @app.route("/search", methods=["GET", "HEAD"])
    def search() -> str:
        return f"method {request.method}"

    return app


SAME_SITE = {"Sec-Fetch-Site": "same-site"}


def test_head_on_a_get_or_write_view_runs_the_get_branch(app: Erlen, writes: list[str]) -> None:
    client = app.test_client()
    response = client.head("/posts/1/delete", headers=SAME_SITE, data={"confirm": "yes"})
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] == str(len("Really delete?"))
    assert writes == []


def test_head_cannot_pass_a_post_only_limit(app: Erlen, writes: list[str]) -> None:
    client = app.test_client()
    for _ in range(7):
        assert client.head("/register", data={"name": "bot"}).status_code == 200
    assert writes == []


def test_a_rule_that_lists_head_sees_head(app: Erlen) -> None:
    client = app.test_client()
    assert client.get("/search").text == "method GET"
    head = client.head("/search")
    assert head.status_code == 200 and head.data == b""
    with app.test_request_context("/search", method="HEAD"):
        assert app.full_dispatch_request().get_data() == b"method HEAD"


def test_a_method_view_with_its_own_head_gets_head() -> None:
    app = Erlen(__name__)
    calls: list[str] = []

    class Item(MethodView):
        def get(self) -> str:
            calls.append("get")
            return "item"

        def head(self) -> str:
            calls.append("head")
            return ""

    class Plain(MethodView):
        def get(self) -> str:
            calls.append("plain get")
            return "plain"

    app.add_url_rule("/item", view_func=Item.as_view("item"))
    app.add_url_rule("/plain", view_func=Plain.as_view("plain"))
    client = app.test_client()
    client.head("/item")
    client.head("/plain")
    assert calls == ["head", "plain get"]


def test_a_get_limit_counts_head(writes: list[str]) -> None:
    app = Erlen(__name__)

    @app.route("/feed", methods=["GET", "HEAD"])
    @limit("2 per minute", methods=["GET"])
    def feed() -> str:
        return "feed"

    client = app.test_client()
    assert [client.head("/feed").status_code for _ in range(3)] == [200, 200, 429]


def test_post_still_writes_with_its_checks(app: Erlen, writes: list[str]) -> None:
    client = app.test_client()
    refused = client.post("/posts/1/delete", headers=SAME_SITE)
    assert refused.status_code == 403  # cross-site: refused before the view
    assert writes == []
