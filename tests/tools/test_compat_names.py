"""Flask's and Werkzeug's names for erlen's typing aliases, debug helpers, URL and security
helpers, as a Flask extension imports them (``flask.typing``, ``werkzeug.urls``, ...)."""

from __future__ import annotations

import importlib
import logging
import sys
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest

from erlen import Blueprint, Erlen, render_template, request
from erlen.http.routing import RequestRedirect
from erlen.http.urls import iri_to_uri, uri_to_iri
from erlen.tools import compat
from erlen.tools.debughelpers import (
    DebugFilesKeyError,
    FormDataRoutingRedirect,
    UnexpectedUnicodeError,
    attach_enctype_error_multidict,
    explain_template_loading_attempts,
)


@pytest.fixture
def as_flask(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Another test may have imported the real Werkzeug (to check password hashes against it):
    # hide it for this test, as a fresh process would not have it, and put it back after.
    for name in list(sys.modules):
        if name.split(".")[0] in ("flask", "werkzeug"):
            monkeypatch.delitem(sys.modules, name)
    was_installed = compat.installed()
    compat.install()
    yield
    if not was_installed:
        compat.uninstall()


@pytest.mark.parametrize(
    ("module", "names"),
    [
        (
            "flask.typing",
            [
                "ResponseReturnValue",
                "ResponseValue",
                "HeadersValue",
                "RouteCallable",
                "ErrorHandlerCallable",
                "AfterRequestCallable",
                "TeardownCallable",
                "AppOrBlueprintKey",
            ],
        ),
        ("flask.debughelpers", ["DebugFilesKeyError", "attach_enctype_error_multidict"]),
        ("werkzeug.urls", ["iri_to_uri", "uri_to_iri"]),
        (
            "werkzeug.security",
            ["generate_password_hash", "check_password_hash", "gen_salt", "safe_join"],
        ),
        ("werkzeug.utils", ["cached_property", "secure_filename", "import_string", "send_file"]),
        ("werkzeug.local", ["LocalProxy", "Local", "LocalStack", "LocalManager"]),
        ("werkzeug.wsgi", ["get_host", "get_current_url", "ClosingIterator", "LimitedStream"]),
        ("werkzeug.middleware.proxy_fix", ["ProxyFix"]),
    ],
)
def test_flask_and_werkzeug_names_resolve(as_flask: None, module: str, names: list[str]) -> None:
    imported = importlib.import_module(module)
    for name in names:
        assert getattr(imported, name) is not None, f"{module}.{name}"


def test_typing_aliases_describe_view_returns() -> None:
    from erlen.core.typing import ResponseReturnValue

    def view() -> ResponseReturnValue:
        return "body", 201, {"X-A": "b"}

    assert "tuple" in str(ResponseReturnValue)
    assert view() == ("body", 201, {"X-A": "b"})


def test_security_names_have_werkzeug_signatures() -> None:
    from erlen.security.passwords import (
        check_password_hash,
        gen_salt,
        generate_password_hash,
        safe_join,
    )

    hashed = generate_password_hash("secret", method="pbkdf2:sha256:1000", salt_length=8)
    assert hashed.startswith("pbkdf2:sha256:1000$") and check_password_hash(hashed, "secret")
    assert len(gen_salt(12)) == 12
    assert safe_join("/srv/static", "css", "site.css") == "/srv/static/css/site.css"
    assert safe_join("/srv/static", "../etc/passwd") is None


def test_urls_round_trip() -> None:
    uri = "http://xn--n3h.net/p%C3%A5th?q=%C3%A5%26x#fr%C3%A5g"
    assert uri_to_iri(uri) == "http://☃.net/påth?q=å%26x#fråg"
    assert iri_to_uri("http://☃.net/påth?q=å%26x#fråg") == uri
    # Escapes that carry meaning, and bytes that are not UTF-8, stay encoded.
    assert uri_to_iri("/a%2Fb%20c%FF") == "/a%2Fb%20c%FF"
    assert iri_to_uri("http://üser:p@ss@bücher.de:8080/a b") == (
        "http://%C3%BCser:p%40ss@xn--bcher-kva.de:8080/a%20b"
    )
    assert uri_to_iri("http://xn--invalid-.com/") == "http://xn--invalid-.com/"


def test_debug_files_key_error_explains_the_missing_enctype() -> None:
    app = Erlen(__name__)
    app.debug = True

    @app.route("/upload", methods=["POST"])
    def upload() -> str:
        attach_enctype_error_multidict(request)
        return request.files["photo"].filename or ""

    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(DebugFilesKeyError) as info:
        app.test_client().post("/upload", data={"photo": "cat.jpg"})
    message = str(info.value)
    assert "multipart/form-data" in message and "This was submitted: 'cat.jpg'" in message
    assert isinstance(info.value, KeyError)
    assert issubclass(UnexpectedUnicodeError, UnicodeError)


def test_form_data_routing_redirect_message() -> None:
    app = Erlen(__name__)
    with app.test_request_context("/form", method="POST"):
        request.routing_exception = RequestRedirect("http://localhost/form/")
        error = FormDataRoutingRedirect(request)
    assert "trailing slash" in str(error) and "307 or 308" in str(error)


def test_explain_template_loading_attempts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "templates").mkdir()
    app = Erlen(__name__, root_path=str(tmp_path))
    shop = Blueprint("shop", __name__, template_folder=str(tmp_path / "none"))
    app.register_blueprint(shop)
    assert app.jinja_loader is not None and shop.jinja_loader is not None
    attempts: list[t.Any] = [(app.jinja_loader, app, None), (shop.jinja_loader, shop, None)]
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        with app.test_request_context("/"):
            explain_template_loading_attempts(app, "page.html", attempts)
    text = caplog.text
    assert "Locating template 'page.html'" in text
    assert "1: trying loader of application" in text
    assert "2: trying loader of blueprint 'shop'" in text
    assert "Error: the template could not be found." in text
    assert "render_template" not in text and render_template is not None
