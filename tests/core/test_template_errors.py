"""A missing template says where erlen looked: ``TemplateNotFound`` names the folders searched.

The error's text (what the debug page, the log and a traceback show) lists the app's template
folder and each blueprint's as absolute paths, in search order, says which blueprints have none,
suggests an existing template with a close name, and points at ``EXPLAIN_TEMPLATE_LOADING``.
Every test runs under WSGI and ASGI (``BOTH_PROTOCOLS``).
"""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import pytest
from jinja2 import TemplateNotFound, TemplatesNotFound

from erlen import Blueprint, Erlen, render_template, render_template_string

KEY = "template-error-tests-0123456789abcdefgh"


def write(path: Path, text: str = "page") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def app(tmp_path: Path) -> Erlen:
    """An app with templates, a blueprint with a folder, one whose folder is missing, and one
    with none."""
    write(tmp_path / "templates" / "index.html")
    write(tmp_path / "templates" / "blog" / "post.html")
    write(tmp_path / "auth" / "templates" / "auth" / "login.html")
    app = Erlen("shop", root_path=str(tmp_path))
    app.config.update(SECRET_KEY=KEY)
    auth = Blueprint(
        "auth", "shop.auth", root_path=str(tmp_path / "auth"), template_folder="templates"
    )
    admin = Blueprint(
        "admin", "shop.admin", root_path=str(tmp_path / "admin"), template_folder="tpl"
    )
    api = Blueprint("api", "shop.api", root_path=str(tmp_path / "api"))
    for blueprint in (auth, admin, api):
        app.register_blueprint(blueprint)

    @app.route("/typo")
    def typo() -> str:
        return render_template("indx.html")

    return app


def missing(app: Erlen, *names: str) -> TemplateNotFound:
    with app.app_context(), pytest.raises(TemplateNotFound) as caught:
        render_template(names[0] if len(names) == 1 else list(names))
    return caught.value


def test_the_error_names_the_folders_searched_in_order(app: Erlen, tmp_path: Path) -> None:
    error = missing(app, "indx.html")
    assert error.name == "indx.html"
    assert str(error) == (
        "'indx.html' was not found. Template folders searched, in this order:\n"
        f"  - {tmp_path / 'templates'}, of the application 'shop'\n"
        f"  - {tmp_path / 'auth' / 'templates'}, of the blueprint 'auth' (shop.auth)\n"
        f"  - {tmp_path / 'admin' / 'tpl'}, of the blueprint 'admin' (shop.admin)"
        " (this folder does not exist)\n"
        "Blueprints without a template_folder, not searched: 'api'.\n"
        "Did you mean 'index.html'?\n"
        "Set EXPLAIN_TEMPLATE_LOADING = True to log every lookup, loader by loader."
    )


def test_relative_folders_are_shown_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = Erlen("shop", root_path="site", template_folder="pages")
    assert f"  - {tmp_path / 'site' / 'pages'}, of the application 'shop'" in str(
        missing(app, "x.html")
    )


def test_a_template_in_another_folder_is_suggested(app: Erlen) -> None:
    assert "Did you mean 'blog/post.html'?" in str(missing(app, "post.html"))
    assert "Did you mean 'auth/login.html'?" in str(missing(app, "login.html"))


def test_no_suggestion_without_a_close_name(app: Erlen) -> None:
    assert "Did you mean" not in str(missing(app, "checkout-summary.txt"))


def test_with_explain_template_loading_on_it_points_at_the_log(
    app: Erlen, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with caplog.at_level(logging.INFO):
        error = missing(app, "indx.html")
    assert "Each loader's answer is in the log (EXPLAIN_TEMPLATE_LOADING is on)." in str(error)
    assert "Locating template 'indx.html'" in caplog.text


def test_a_list_of_names_explains_them_all(app: Erlen, tmp_path: Path) -> None:
    error = missing(app, "indx.html", "home.html")
    assert isinstance(error, TemplatesNotFound)
    assert error.templates == ["indx.html", "home.html"]
    text = str(error)
    assert text.startswith("None of 'indx.html', 'home.html' was found.")
    assert str(tmp_path / "templates") in text
    assert "Did you mean 'index.html'?" in text


def test_an_include_of_a_missing_template_is_explained(app: Erlen) -> None:
    with app.app_context(), pytest.raises(TemplateNotFound) as caught:
        render_template_string('{% include "headr.html" %}')
    assert "'headr.html' was not found. Template folders searched" in str(caught.value)


def test_an_optional_include_still_renders_nothing(app: Erlen) -> None:
    with app.app_context():
        rendered = render_template_string('a{% include "headr.html" ignore missing %}b')
    assert rendered == "ab"


def test_an_app_without_template_folders_says_so(tmp_path: Path) -> None:
    app = Erlen("bare", root_path=str(tmp_path), template_folder=None)
    assert "(none: neither the app nor any blueprint has a template_folder)" in str(
        missing(app, "index.html")
    )


def test_the_error_survives_pickling_with_its_text(app: Erlen) -> None:
    error = missing(app, "indx.html")
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, TemplateNotFound)
    assert copy.name == "indx.html"
    assert str(copy) == str(error)


def test_the_debug_page_shows_the_folders(app: Erlen, tmp_path: Path) -> None:
    app.debug = True
    response = app.test_client().get("/typo")
    assert response.status_code == 500
    assert "was not found. Template folders searched" in response.text
    assert str(tmp_path / "templates") in response.text
    assert "Did you mean &#39;index.html&#39;?" in response.text
    assert "EXPLAIN_TEMPLATE_LOADING" in response.text


def test_outside_debug_the_log_explains_and_the_page_does_not(
    app: Erlen, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/typo")
    assert response.status_code == 500
    assert str(tmp_path) not in response.text
    assert f"{tmp_path / 'templates'}, of the application 'shop'" in caplog.text
