"""Tests for the ``static`` endpoint: the route ``Erlen.__init__`` adds for the static folder,
``url_for('static', ...)``, ``send_static_file`` and ``get_send_file_max_age``, over WSGI and
ASGI, as a Flask user relies on them."""

from __future__ import annotations

import importlib
import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from erlen import Erlen, render_template_string, url_for
from erlen.http.routing import BuildError, Rule
from erlen.tools.testing import ErlenClient


def static_rules(app: Erlen) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint == "static"]


@pytest.fixture(params=["wsgi", "asgi"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "static" / "css").mkdir(parents=True)
    (tmp_path / "static" / "app.css").write_text("body { color: red }")
    (tmp_path / "static" / "css" / "site.css").write_text("h1 {}")
    (tmp_path / "static" / "app.js").write_text("let a = 1;")
    (tmp_path / "secret.py").write_text("SECRET_KEY = 'hunter2'")
    return tmp_path


@pytest.fixture
def app(root: Path) -> Erlen:
    app = Erlen(__name__, root_path=str(root))

    @app.route("/")
    def index() -> str:
        return url_for("static", filename="app.css")

    return app


@pytest.fixture
def client(app: Erlen, protocol: str) -> ErlenClient:
    return app.test_client(asgi=protocol == "asgi")


def test_static_files_are_served(client: ErlenClient) -> None:
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert response.data == b"body { color: red }"
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "ETag" in response.headers
    assert client.get("/static/css/site.css").data == b"h1 {}"
    assert client.get("/static/app.js").headers["Content-Type"].startswith("text/javascript")


def test_other_routes_are_unaffected(client: ErlenClient) -> None:
    assert client.get("/").text == "/static/app.css"
    assert client.get("/nothing").status_code == 404
    assert client.post("/static/app.css").status_code == 405


def test_static_rule_and_url_for(app: Erlen) -> None:
    rules = static_rules(app)
    assert [rule.rule for rule in rules] == ["/static/<path:filename>"]
    assert app.static_folder == os.path.join(app.root_path, "static")
    with app.test_request_context():
        assert url_for("static", filename="app.css") == "/static/app.css"
        assert url_for("static", filename="css/site.css") == "/static/css/site.css"
        assert url_for("static", filename="a b.css", v=3) == "/static/a%20b.css?v=3"
        assert url_for("static", filename="app.css", _external=True) == (
            "http://localhost/static/app.css"
        )


def test_url_for_static_in_a_template(app: Erlen) -> None:
    with app.test_request_context():
        html = render_template_string("<link href=\"{{ url_for('static', filename='app.css') }}\">")
    assert html == '<link href="/static/app.css">'


def test_static_folder_defaults_to_static_beside_the_app_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, protocol: str
) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "hello.txt").write_text("hello from static")
    (tmp_path / "static_app_module.py").write_text(
        "from erlen import Erlen\napp = Erlen(__name__)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("static_app_module")
    try:
        client = module.app.test_client(asgi=protocol == "asgi")
        assert client.get("/static/hello.txt").data == b"hello from static"
    finally:
        sys.modules.pop("static_app_module", None)


def test_custom_static_url_path_and_folder(root: Path, protocol: str) -> None:
    (root / "public").mkdir()
    (root / "public" / "logo.svg").write_text("<svg/>")
    app = Erlen(__name__, root_path=str(root), static_folder="public", static_url_path="/assets")
    client = app.test_client(asgi=protocol == "asgi")
    response = client.get("/assets/logo.svg")
    assert response.data == b"<svg/>"
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert client.get("/static/app.css").status_code == 404
    assert client.get("/public/logo.svg").status_code == 404
    with app.test_request_context():
        assert url_for("static", filename="logo.svg") == "/assets/logo.svg"


def test_url_path_follows_the_folder_name(root: Path, protocol: str) -> None:
    (root / "public").mkdir()
    (root / "public" / "robots.txt").write_text("User-agent: *")
    app = Erlen(__name__, root_path=str(root), static_folder=str(root / "public"))
    client = app.test_client(asgi=protocol == "asgi")
    assert client.get("/public/robots.txt").data == b"User-agent: *"


def test_empty_static_url_path_serves_from_the_root(root: Path, protocol: str) -> None:
    app = Erlen(__name__, root_path=str(root), static_url_path="")

    @app.route("/")
    def index() -> str:
        return "index"

    client = app.test_client(asgi=protocol == "asgi")
    assert client.get("/app.css").data == b"body { color: red }"
    assert client.get("/").text == "index"
    assert client.get("/secret.py").status_code == 404


def test_no_static_folder_means_no_static_route(root: Path, protocol: str) -> None:
    app = Erlen(__name__, root_path=str(root), static_folder=None)
    assert static_rules(app) == []
    assert app.test_client(asgi=protocol == "asgi").get("/static/app.css").status_code == 404
    with app.test_request_context(), pytest.raises(BuildError):
        url_for("static", filename="app.css")
    with app.test_request_context(), pytest.raises(RuntimeError, match="static_folder"):
        app.send_static_file("app.css")


def test_static_route_is_added_even_if_the_folder_is_missing(tmp_path: Path) -> None:
    app = Erlen(__name__, root_path=str(tmp_path))
    assert [rule.rule for rule in static_rules(app)] == ["/static/<path:filename>"]
    assert app.test_client().get("/static/app.css").status_code == 404


def test_static_host_goes_with_host_matching(root: Path) -> None:
    app = Erlen(__name__, root_path=str(root), host_matching=True, static_host="cdn.example")
    (rule,) = static_rules(app)
    assert rule.host == "cdn.example"
    with pytest.raises(AssertionError, match="static_host"):
        Erlen(__name__, root_path=str(root), host_matching=True)
    with pytest.raises(AssertionError, match="static_host"):
        Erlen(__name__, root_path=str(root), static_host="cdn.example")


@pytest.mark.parametrize(
    ("value", "cache_control"),
    [
        (None, "no-cache"),
        (600, "public, max-age=600"),
        (timedelta(days=1), "public, max-age=86400"),
        (0, "no-cache, max-age=0"),
    ],
)
def test_send_file_max_age_default(
    app: Erlen, client: ErlenClient, value: object, cache_control: str
) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = value
    assert client.get("/static/app.css").headers["Cache-Control"] == cache_control
    with app.app_context():
        expected = None if value is None else (86400 if isinstance(value, timedelta) else value)
        assert app.get_send_file_max_age("app.css") == expected


def test_get_send_file_max_age_can_be_overridden(root: Path, protocol: str) -> None:
    class App(Erlen):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            if filename is not None and filename.endswith(".js"):
                return 31536000
            return super().get_send_file_max_age(filename)

    app = App(__name__, root_path=str(root))
    client = app.test_client(asgi=protocol == "asgi")
    assert client.get("/static/app.js").headers["Cache-Control"] == "public, max-age=31536000"
    assert client.get("/static/app.css").headers["Cache-Control"] == "no-cache"


def test_conditional_and_range_requests(client: ErlenClient) -> None:
    first = client.get("/static/app.css")
    response = client.get("/static/app.css", headers={"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 304
    assert response.data == b""
    response = client.get("/static/app.css", headers={"Range": "bytes=0-3"})
    assert response.status_code == 206
    assert response.data == b"body"
    response = client.get("/static/app.css", headers={"Range": "bytes=1000-"})
    assert response.status_code == 416
    response = client.head("/static/app.css")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == "19"
    assert response.data == b""


@pytest.mark.parametrize(
    "url",
    [
        "/static/../secret.py",
        "/static/%2e%2e/secret.py",
        "/static/%2E%2E/secret.py",
        "/static/css/%2e%2e/%2e%2e/secret.py",
        "/static/..%2fsecret.py",
        "/static/..%5csecret.py",
        "/static/%5c..%5csecret.py",
        "/static/app.css%00.txt",
        "/static/%00",
        "/static/C:%5csecret.py",
        "/static/C:/secret.py",
        "/static/%2fetc%2fpasswd",
        "/static//etc/passwd",
        "/static/.",
        "/static/css",
        "/static/css/",
        "/static/missing.css",
    ],
)
def test_static_traversal_and_missing_files_are_404(client: ErlenClient, url: str) -> None:
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 404
    assert b"hunter2" not in response.data


def test_symlink_out_of_static_is_404(app: Erlen, client: ErlenClient, root: Path) -> None:
    (root / "static" / "leak.py").symlink_to(root / "secret.py")
    response = client.get("/static/leak.py")
    assert response.status_code == 404
    assert b"hunter2" not in response.data


def test_a_route_of_the_app_wins_over_the_static_rule(app: Erlen, protocol: str) -> None:
    @app.route("/static/version")
    def version() -> str:
        return "v1"

    client = app.test_client(asgi=protocol == "asgi")
    assert client.get("/static/version").text == "v1"
    assert client.get("/static/app.css").status_code == 200
