"""create_app: configuration sources, the session key, and the database made on first run."""

from __future__ import annotations

import os
import stat

import pytest
from erlen import Erlen
from erlen.tools.testing import ErlenClient

from blog_helpers import BlogClient, query
from erlen_blog import DEV_SECRET_KEY, configure_secret_key, create_app, instance_secret_key


def test_test_config_makes_a_testing_app(app: Erlen) -> None:
    assert app.testing
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY


def test_without_test_config_reads_the_environment(
    tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    database = os.path.join(tmp_path, "env.sqlite")
    monkeypatch.setenv("ERLEN_DATABASE", database)
    monkeypatch.setenv("ERLEN_SECRET_KEY", "x9" * 16 + "abcdefghij")
    app = create_app()
    assert not app.testing
    assert app.config["DATABASE"] == database
    assert app.config["SECRET_KEY"] == "x9" * 16 + "abcdefghij"
    assert app.config["CONTENT_SECURITY_POLICY"].startswith("default-src 'self'")


def test_a_key_of_digits_stays_a_string(
    tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERLEN_DATABASE", os.path.join(tmp_path, "env.sqlite"))
    monkeypatch.setenv("ERLEN_SECRET_KEY", "1234567890" * 4)
    assert create_app().config["SECRET_KEY"] == "1234567890" * 4


def test_debug_without_a_key_uses_the_dev_key(tmp_path: os.PathLike[str]) -> None:
    app = Erlen("erlen_blog", instance_path=str(tmp_path))
    app.debug = True
    configure_secret_key(app)
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY
    assert not os.path.exists(os.path.join(tmp_path, "secret_key"))


def test_production_without_a_key_writes_one_to_the_instance_folder(
    tmp_path: os.PathLike[str],
) -> None:
    instance = os.path.join(tmp_path, "instance")
    app = Erlen("erlen_blog", instance_path=instance)
    configure_secret_key(app)
    key = app.config["SECRET_KEY"]
    assert key != DEV_SECRET_KEY and len(key) == 64
    path = os.path.join(instance, "secret_key")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(instance) == ["secret_key"]  # no temporary file left behind

    again = Erlen("erlen_blog", instance_path=instance)
    configure_secret_key(again)
    assert again.config["SECRET_KEY"] == key


def test_a_configured_key_wins_over_the_file(tmp_path: os.PathLike[str]) -> None:
    app = Erlen("erlen_blog", instance_path=str(tmp_path))
    app.config["SECRET_KEY"] = "configured-key-with-enough-entropy-123"
    configure_secret_key(app)
    assert app.config["SECRET_KEY"] == "configured-key-with-enough-entropy-123"
    assert os.listdir(tmp_path) == []


def test_an_empty_key_file_is_an_error_that_says_what_to_do(tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "secret_key")
    open(path, "w").close()
    with pytest.raises(RuntimeError, match="Delete it"):
        instance_secret_key(path)


def test_the_generated_key_signs_sessions_outside_debug(tmp_path: os.PathLike[str]) -> None:
    """erlen refuses weak keys outside debug and testing; the generated one passes."""
    key = instance_secret_key(os.path.join(tmp_path, "secret_key"))
    app = create_app(
        {"DATABASE": os.path.join(tmp_path, "prod.sqlite"), "SECRET_KEY": key, "CSRF_TOKENS": False}
    )
    assert not app.testing and not app.debug
    client = BlogClient(app)
    response = client.post("/auth/register", data={"username": "carol", "password": "x" * 12})
    assert response.status_code == 302
    assert '<li class="who">carol</li>' in client.get("/").text


def test_the_database_is_created_on_first_run(tmp_path: os.PathLike[str]) -> None:
    database = os.path.join(tmp_path, "sub", "fresh.sqlite")
    app = create_app({"TESTING": True, "DATABASE": database})
    assert os.path.exists(database)
    tables = {row["name"] for row in query(app, "SELECT name FROM sqlite_master")}
    assert {"user", "post", "comment"} <= tables


def test_an_existing_database_is_kept(app: Erlen) -> None:
    again = create_app(dict(app.config, TESTING=True))
    assert [row["username"] for row in query(again, "SELECT username FROM user")] == [
        "ann",
        "bob",
    ]


def test_unknown_url_is_a_404_page_in_the_layout(client: ErlenClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "404 Not Found" in response.text
    assert 'href="/static/style.css"' in response.text


def test_wrong_method_is_a_405_page_that_keeps_allow(client: ErlenClient) -> None:
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "405 Method Not Allowed" in response.text


def test_static_stylesheet(client: ErlenClient) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert b".body" in response.data
