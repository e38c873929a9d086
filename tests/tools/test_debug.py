"""The debug error page: what an unhandled exception shows in debug mode, and what it must not
(a console, scripts, credentials, unescaped values); and the bare 500 outside debug mode."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from erlen import Erlen, abort, request

SCRIPT = "<script>alert('owned')</script>"


@pytest.fixture(params=["wsgi", "asgi"])
def protocol(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.param


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.debug = True

    @app.route("/boom")
    def boom() -> str:
        payload = SCRIPT
        long_text = "y" * 5000
        number = 41 + 1
        raise ValueError(f"bad value {payload} with {number} and {len(long_text)}")

    @app.route("/chained")
    def chained() -> str:
        try:
            {}["missing-key"]
        except KeyError as error:
            raise RuntimeError("lookup failed") from error
        return "unreachable"

    @app.route("/bad-repr")
    def bad_repr() -> str:
        class Unprintable:
            def __repr__(self) -> str:
                raise RuntimeError("no repr")

        thing = Unprintable()
        raise LookupError(f"with {type(thing).__name__}")

    @app.route("/missing")
    def missing() -> str:
        abort(404)

    @app.route("/secret")
    def secret() -> str:
        raise ZeroDivisionError(f"secret-detail-1234 in {__file__}")

    return app


def get(app: Erlen, protocol: str, path: str, **kwargs: Any) -> Any:
    return app.test_client(asgi=protocol == "asgi").get(path, **kwargs)


def test_debug_page_shows_the_exception_and_its_frames(app: Erlen, protocol: str) -> None:
    response = get(app, protocol, "/boom")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    page = response.text
    assert "ValueError" in page
    assert "bad value" in page and "with 42 and 5000" in page
    # The view's frame: file, line, function and the source line that raised.
    assert __file__ in page
    assert 'in <code class="function">app.&lt;locals&gt;.boom</code>' in page
    assert "raise ValueError(f&#34;bad value {payload}" in page
    source = Path(__file__).read_text(encoding="utf-8").splitlines()
    line = next(
        number
        for number, text in enumerate(source, start=1)
        if 'raise ValueError(f"bad value' in text
    )
    assert f"line {line}," in page
    # Its local variables, repr()'d.
    assert "<th>number</th><td><code>42</code></td>" in page


def test_everything_on_the_page_is_escaped(app: Erlen, protocol: str) -> None:
    page = get(app, protocol, "/boom", headers={"X-Note": SCRIPT}).text
    assert "<script" not in page.lower()
    # The message, the local variable and the request header all appear, escaped.
    escaped = "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;"
    assert page.count(escaped) >= 2
    assert "<th>payload</th><td><code>&#34;&lt;script&gt;" in page or (
        "<th>payload</th><td><code>&#39;&lt;script&gt;" in page
    )
    assert f"<td>{escaped}</td>" in page


def test_page_has_no_console_and_nothing_to_execute(app: Erlen, protocol: str) -> None:
    response = get(app, protocol, "/boom")
    page = response.text.lower()
    for forbidden in ("<script", "javascript:", "<form", "<input", "<textarea", "<iframe"):
        assert forbidden not in page
    assert not re.search(r"\son[a-z]+\s*=", page), "no inline event handlers"
    assert "console" not in page.replace("there is no console", "")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert response.headers["Cache-Control"] == "no-store"


def test_long_locals_are_truncated(app: Erlen, protocol: str) -> None:
    page = get(app, protocol, "/boom").text
    match = re.search(r"<th>long_text</th><td><code>(.*?)</code>", page)
    assert match is not None
    shown = html.unescape(match.group(1))
    assert len(shown) <= 200
    assert shown.startswith("'" + "y" * 90)
    assert "y" * 300 not in page


def test_request_is_shown_with_credentials_masked(app: Erlen, protocol: str) -> None:
    response = get(
        app,
        protocol,
        "/boom?page=3",
        headers={
            "Authorization": "Bearer top-secret-token",
            "Cookie": "session=cookie-secret-value",
            "X-Trace": "trace-123",
        },
    )
    page = response.text
    assert "<th>Method</th><td>GET</td>" in page
    assert "http://localhost/boom?page=3" in page
    assert "trace-123" in page
    assert "top-secret-token" not in page
    assert "cookie-secret-value" not in page
    assert page.count("(hidden)") == 2


def test_chained_exceptions_are_all_shown(app: Erlen, protocol: str) -> None:
    page = get(app, protocol, "/chained").text
    assert "KeyError" in page and "missing-key" in page
    assert "RuntimeError" in page and "lookup failed" in page
    assert "direct cause" in page
    assert page.index("KeyError") < page.index("direct cause") < page.rindex("RuntimeError")


def test_a_failing_repr_does_not_break_the_page(app: Erlen, protocol: str) -> None:
    response = get(app, protocol, "/bad-repr")
    assert response.status_code == 500
    assert "LookupError" in response.text
    assert "<th>thing</th><td><code>&lt;Unprintable instance at" in response.text


def test_http_errors_are_not_debug_pages(app: Erlen, protocol: str) -> None:
    response = get(app, protocol, "/missing")
    assert response.status_code == 404
    assert "Traceback" not in response.text


def test_debug_page_replaces_the_500_handler_as_flask_debugger_does(
    app: Erlen, protocol: str
) -> None:
    app.register_error_handler(500, lambda error: ("custom 500 page", 500))
    page = get(app, protocol, "/boom").text
    assert "Traceback" in page
    assert "custom 500 page" not in page


def test_exception_is_still_logged(app: Erlen, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        app.test_client().get("/boom")
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert errors and errors[0].exc_info is not None
    assert errors[0].exc_info[0] is ValueError


def test_testing_mode_propagates_instead(app: Erlen) -> None:
    app.testing = True
    with pytest.raises(ValueError, match="bad value"):
        app.test_client().get("/boom")


def test_propagate_exceptions_false_uses_the_500_handler_even_in_debug(app: Erlen) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.register_error_handler(500, lambda error: ("custom 500 page", 500))
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.text == "custom 500 page"


@pytest.mark.parametrize("path", ["/boom", "/secret", "/chained"])
def test_without_debug_a_500_shows_nothing(app: Erlen, protocol: str, path: str) -> None:
    app.debug = False
    response = get(app, protocol, path)
    assert response.status_code == 500
    assert "Internal Server Error" in response.text
    for leak in (
        "Traceback",
        "ValueError",
        "ZeroDivisionError",
        "secret-detail-1234",
        "bad value",
        "lookup failed",
        "test_debug.py",
        __file__,
    ):
        assert leak not in response.text
    assert "Content-Security-Policy" not in response.headers


def test_debug_page_inside_a_request_with_a_body(app: Erlen) -> None:
    @app.post("/form")
    def form() -> str:
        raise TypeError(f"got {request.form['name']}")

    response = app.test_client().post("/form", data={"name": "<b>bold</b>"})
    assert response.status_code == 500
    assert "<th>Method</th><td>POST</td>" in response.text
    assert "got &lt;b&gt;bold&lt;/b&gt;" in response.text
