"""Security refusals that explain themselves: to the developer in debug mode, to the log always.

Each check (cross-origin, trusted hosts, CSRF tokens, body limits, rate limits) refuses a
request the way a real client would be refused, and the test reads what a person sees: the
page (the short end-user message outside debug mode; the setting or decorator that changes it
in debug mode) and the one warning line the app logs in every mode. Following a hint must let
the request through. Every test runs under WSGI and ASGI (``BOTH_PROTOCOLS``).
"""

from __future__ import annotations

import logging
import typing as t

import pytest

from erlen import Erlen, abort, request
from erlen.http.exceptions import Forbidden, HTTPException, RequestEntityTooLarge
from erlen.security import RateLimiter, cross_origin_exempt, limit
from erlen.tools.testing import TestResponse

KEY = "refusal-tests-0123456789abcdefghijklmn"
SITE = "http://app.example"
FRONT_END = "http://localhost:3000"


def make_app(debug: bool, **config: t.Any) -> Erlen:
    app = Erlen(__name__)
    app.config.update(SECRET_KEY=KEY, **config)
    app.debug = debug

    @app.route("/write", methods=["GET", "POST"])
    def write() -> str:
        return f"written {len(request.form)}"

    @cross_origin_exempt
    @app.post("/hook")
    def hook() -> str:
        return f"hooked {len(request.get_data())}"

    @app.route("/limited")
    @limit("1/minute")
    def limited() -> str:
        return "ok"

    return app


def warnings(caplog: pytest.LogCaptureFixture, app: Erlen) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == app.name and r.levelno == logging.WARNING
    ]


def send(app: Erlen, method: str = "POST", path: str = "/write", **kw: t.Any) -> TestResponse:
    kw.setdefault("base_url", f"{SITE}/")
    return app.test_client().open(path, method=method, **kw)


def cross_site_post(app: Erlen, **kw: t.Any) -> TestResponse:
    headers = {"Origin": FRONT_END, "Sec-Fetch-Site": "same-site"}
    return send(app, headers=headers, **kw)


# the mechanism


def test_an_error_has_no_hint_or_refusal_by_default() -> None:
    error = Forbidden()
    assert error.hint is None
    assert error.refusal is None
    assert error.get_hint() is None
    error.hint = "set X"
    assert error.get_hint() == "set X"


def test_a_refusal_outside_debug_keeps_the_end_user_page(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(debug=False)
    response = cross_site_post(app)
    assert response.status_code == 403
    assert "came from another website" in response.text
    for secret in ("TRUSTED_ORIGINS", "cross_origin_exempt", "localhost:3000", "hint"):
        assert secret not in response.text


def test_a_refusal_in_debug_mode_shows_its_hint(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(debug=True)
    response = cross_site_post(app)
    assert response.status_code == 403
    assert "came from another website" in response.text
    assert "Debug mode hint" in response.text
    assert "TRUSTED_ORIGINS" in response.text
    assert "@cross_origin_exempt" in response.text
    # Quoted values are escaped like everything else on the page.
    assert "&#39;http://localhost:3000&#39;" in response.text


@pytest.mark.parametrize("debug", [False, True])
def test_every_refusal_is_logged_once_naming_the_check_and_request(
    debug: bool, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(debug=debug)
    with caplog.at_level(logging.WARNING):
        cross_site_post(app)
    assert warnings(caplog, app) == [
        "erlen refused POST /write from 127.0.0.1: cross-origin request (The browser sent"
        " Origin 'http://localhost:3000' and Sec-Fetch-Site 'same-site'. Add"
        " 'http://localhost:3000' to TRUSTED_ORIGINS, or mark the view 'write'"
        " @cross_origin_exempt if it must accept requests from other sites.)"
    ]


def test_a_log_line_cannot_be_split_by_the_request(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(debug=False)
    with caplog.at_level(logging.WARNING):
        cross_site_post(app, path="/write%0A[fake] admin logged in")
    (line,) = warnings(caplog, app)
    assert "\n" not in line
    assert "/write\\n[fake] admin logged in" in line


def test_a_user_error_handler_still_shapes_a_refusal_which_is_still_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(debug=True)

    @app.errorhandler(403)
    def forbidden(error: HTTPException) -> tuple[str, int]:
        return "our own page", 403

    with caplog.at_level(logging.WARNING):
        response = cross_site_post(app)
    assert response.text == "our own page"
    assert len(warnings(caplog, app)) == 1


def test_errors_that_are_not_refusals_are_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(debug=False)

    @app.route("/gone")
    def gone() -> str:
        abort(403)

    with caplog.at_level(logging.WARNING):
        assert send(app, "GET", "/missing").status_code == 404
        assert send(app, "GET", "/gone").status_code == 403
    assert warnings(caplog, app) == []


# cross-origin requests


def test_following_the_cross_origin_hint_lets_the_request_through(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(debug=False, TRUSTED_ORIGINS=[FRONT_END])
    with caplog.at_level(logging.WARNING):
        response = cross_site_post(app)
        exempt = send(app, path="/hook", headers={"Origin": "https://evil.example"})
    assert response.text == "written 0"
    assert exempt.text == "hooked 0"
    assert warnings(caplog, app) == []


def test_an_old_browser_is_told_which_site_the_app_thinks_it_is(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(debug=True)
    with caplog.at_level(logging.WARNING):
        response = send(app, headers={"Origin": FRONT_END})
    assert response.status_code == 403
    (line,) = warnings(caplog, app)
    assert "Origin 'http://localhost:3000', and this site is 'http://app.example'" in line
    assert "TRUSTED_PROXIES" not in line


def test_https_ending_at_an_untrusted_proxy_is_pointed_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(debug=False)
    with caplog.at_level(logging.WARNING):
        send(app, headers={"Origin": "https://app.example"})
    (line,) = warnings(caplog, app)
    assert "this site is 'http://app.example'" in line
    assert "set TRUSTED_PROXIES" in line


def test_an_opaque_origin_is_never_suggested_for_trust(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(debug=True)
    with caplog.at_level(logging.WARNING):
        response = send(app, headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"})
    (line,) = warnings(caplog, app)
    assert "TRUSTED_ORIGINS cannot match" in line
    assert "Add 'null'" not in line
    assert "@cross_origin_exempt" in response.text


def test_a_cross_site_request_without_origin_names_only_the_exemption(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(debug=False)
    with caplog.at_level(logging.WARNING):
        send(app, headers={"Sec-Fetch-Site": "cross-site"})
    (line,) = warnings(caplog, app)
    assert "no Origin header and Sec-Fetch-Site 'cross-site'" in line
    assert "mark the view 'write' @cross_origin_exempt" in line


# trusted hosts


@pytest.mark.parametrize("debug", [False, True])
def test_an_untrusted_host_names_the_host_and_the_setting(
    debug: bool, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(debug=debug, TRUSTED_HOSTS=["app.example"])
    with caplog.at_level(logging.WARNING):
        response = send(app, "GET", base_url="http://evil.example/")
    assert response.status_code == 400
    assert "does not serve the host name" in response.text
    (line,) = warnings(caplog, app)
    assert line.startswith("erlen refused GET /write from 127.0.0.1: untrusted host (")
    assert "host 'evil.example', which TRUSTED_HOSTS ['app.example'] does not list" in line
    assert ("TRUSTED_HOSTS" in response.text) is debug
    assert ("evil.example" in response.text) is debug


def test_a_host_that_is_no_host_name_is_explained(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(debug=True, TRUSTED_HOSTS=["app.example"])
    with caplog.at_level(logging.WARNING):
        response = send(app, "GET", headers={"Host": "evil.example/.app.example"})
    assert response.status_code == 400
    (line,) = warnings(caplog, app)
    assert "is not a host name with an optional port" in line


def test_following_the_host_hint_lets_the_request_through() -> None:
    app = make_app(debug=True, TRUSTED_HOSTS=["app.example", "evil.example"])
    assert send(app, "GET", base_url="http://evil.example/").text == "written 0"


# CSRF tokens


def csrf_app(debug: bool) -> Erlen:
    app = make_app(debug=debug, CSRF_TOKENS=True)

    @app.route("/token")
    def token() -> str:
        from erlen.security import csrf_token

        return csrf_token()

    return app


SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


@pytest.mark.parametrize("debug", [False, True])
def test_a_missing_csrf_token_says_where_the_token_goes(
    debug: bool, caplog: pytest.LogCaptureFixture
) -> None:
    app = csrf_app(debug)
    with caplog.at_level(logging.WARNING):
        response = send(app, headers=SAME_ORIGIN, data={"text": "hi"})
    assert response.status_code == 403
    assert "security token is missing or wrong" in response.text
    (line,) = warnings(caplog, app)
    assert line.startswith("erlen refused POST /write from 127.0.0.1: CSRF token (")
    assert "The request carries no token." in line
    assert "CSRF_TOKENS is on" in line
    assert "name=csrf_token" in line
    assert "X-CSRF-Token header" in line
    assert ("CSRF_TOKENS" in response.text) is debug
    assert ("X-CSRF-Token" in response.text) is debug


def test_a_json_request_without_the_header_is_told_only_the_header_counts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = csrf_app(debug=False)
    with caplog.at_level(logging.WARNING):
        send(app, headers=SAME_ORIGIN, json={"csrf_token": "in the body"})
    (line,) = warnings(caplog, app)
    assert "only the header is read when the body is not a form" in line


def test_a_token_without_a_session_is_explained(caplog: pytest.LogCaptureFixture) -> None:
    app = csrf_app(debug=True)
    token = app.test_client().get("/token").text
    with caplog.at_level(logging.WARNING):
        # A new client: the token came with no session cookie.
        response = send(app, headers={**SAME_ORIGIN, "X-CSRF-Token": token})
    assert response.status_code == 403
    assert "The session holds no CSRF secret" in warnings(caplog, app)[0]
    assert "The session holds no CSRF secret" in response.text


def test_a_token_of_another_session_is_explained(caplog: pytest.LogCaptureFixture) -> None:
    app = csrf_app(debug=False)
    other_token = app.test_client().get("/token").text
    client = app.test_client()
    client.get("/token")
    with caplog.at_level(logging.WARNING):
        response = client.post("/write", headers={**SAME_ORIGIN, "X-CSRF-Token": other_token})
    assert response.status_code == 403
    assert "The token sent belongs to another session" in warnings(caplog, app)[0]


def test_a_token_that_is_not_a_token_is_explained(caplog: pytest.LogCaptureFixture) -> None:
    app = csrf_app(debug=False)
    client = app.test_client()
    client.get("/token")
    with caplog.at_level(logging.WARNING):
        client.post("/write", headers={**SAME_ORIGIN, "X-CSRF-Token": "forged"})
    assert "The token sent is not one csrf_token() made" in warnings(caplog, app)[0]


def test_following_the_csrf_hint_lets_the_request_through() -> None:
    app = csrf_app(debug=True)
    client = app.test_client()
    token = client.get("/token").text
    response = client.post("/write", headers=SAME_ORIGIN, data={"csrf_token": token})
    assert response.text == "written 1"


# body limits


@pytest.mark.parametrize("debug", [False, True])
def test_a_body_over_max_content_length_names_the_setting_and_the_size(
    debug: bool, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(debug=debug, MAX_CONTENT_LENGTH=10)
    with caplog.at_level(logging.WARNING):
        response = send(app, path="/hook", data=b"x" * 100)
    assert response.status_code == 413
    (line,) = warnings(caplog, app)
    assert line == (
        "erlen refused POST /hook from 127.0.0.1: request body too large (The body declares"
        " 100 bytes and MAX_CONTENT_LENGTH is 10: raise MAX_CONTENT_LENGTH in the config"
        " (None lifts the limit), or set request.max_content_length in the one view that"
        " takes large bodies.)"
    )
    assert ("MAX_CONTENT_LENGTH is 10" in response.text) is debug


@pytest.mark.parametrize(
    ("config", "data", "message"),
    [
        ({"MAX_FORM_MEMORY_SIZE": 10}, {"text": "x" * 50}, "larger than the limit of 10 bytes"),
        ({"MAX_FORM_PARTS": 2}, {"a": "1", "b": "2", "c": "3"}, "more than 2 fields"),
    ],
)
def test_a_form_over_its_limits_lists_the_limits_it_was_held_to(
    config: dict[str, int],
    data: dict[str, str],
    message: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(debug=True, **config)
    with caplog.at_level(logging.WARNING):
        response = send(app, headers=SAME_ORIGIN, data=data)
    assert response.status_code == 413
    assert message in response.text
    (line,) = warnings(caplog, app)
    assert "request body too large (The request has Content-Length" in line
    limits = {"MAX_CONTENT_LENGTH": 16 * 1024 * 1024, "MAX_FORM_MEMORY_SIZE": 500_000}
    limits.update({"MAX_FORM_PARTS": 1_000}, **config)
    for name, value in limits.items():
        assert f"{name} ({value} " in line
    assert "MAX_FORM_PARTS" in response.text


def test_a_hint_given_to_a_413_wins_over_the_worked_out_one() -> None:
    error = RequestEntityTooLarge()
    error.hint = "Upload files through /upload instead."
    assert error.get_hint() == "Upload files through /upload instead."


# rate limits


@pytest.mark.parametrize("debug", [False, True])
def test_a_rate_limit_names_the_limit_the_decorator_and_the_switch(
    debug: bool, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(debug=debug)
    client = app.test_client()
    assert client.get("/limited").status_code == 200
    with caplog.at_level(logging.WARNING):
        response = client.get("/limited")
    assert response.status_code == 429
    assert "the limit is 1 per minute" in response.text
    (line,) = warnings(caplog, app)
    assert line.startswith("erlen refused GET /limited from 127.0.0.1: rate limit (")
    assert "over 1 per minute on the view 'limited', set by its @limit decorator" in line
    assert "RATE_LIMITS_ENABLED = False" in line
    assert ("RATE_LIMITS_ENABLED" in response.text) is debug


def test_a_default_limit_says_it_comes_from_the_limiter(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(debug=False)
    RateLimiter(app, default_limits="1/minute")
    client = app.test_client()
    client.get("/write")
    with caplog.at_level(logging.WARNING):
        assert client.get("/write").status_code == 429
    (line,) = warnings(caplog, app)
    assert "set by its RateLimiter's default_limits" in line


def test_following_the_rate_limit_hint_lets_the_request_through(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(debug=False, RATE_LIMITS_ENABLED=False)
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        assert [client.get("/limited").status_code for _ in range(3)] == [200, 200, 200]
    assert warnings(caplog, app) == []
