"""auth.py: register, log in, log out, g.user and login_required, with every error path."""

from __future__ import annotations

import typing as t
from urllib.parse import parse_qs, urlsplit

import pytest
from erlen import Erlen
from erlen.tools.testing import ErlenClient

from blog_helpers import query, read_session, write_session
from conftest import AuthActions

Snapshots = t.Callable[[], t.Any]


def login_next(location: str) -> str:
    """The ``next`` of a redirect to the login page."""
    url = urlsplit(location)
    assert url.path == "/auth/login"
    (value,) = parse_qs(url.query)["next"]
    return value


# register


def test_register_page(client: ErlenClient) -> None:
    response = client.get("/auth/register")
    assert response.status_code == 200
    assert 'name="username"' in response.text and 'name="password"' in response.text


def test_register_creates_the_account_and_logs_in(client: ErlenClient, app: Erlen) -> None:
    response = client.post("/auth/register", data={"username": "carol", "password": "s3cret-pw"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    (user,) = query(app, "SELECT * FROM user WHERE username = 'carol'")
    assert user["password"].startswith("scrypt:")  # a hash, not the password
    page = client.get("/").text
    assert '<li class="who">carol</li>' in page
    assert "Welcome, carol!" in page


def test_register_trims_the_user_name(client: ErlenClient, app: Erlen) -> None:
    client.post("/auth/register", data={"username": "  dave ", "password": "s3cret-pw"})
    assert query(app, "SELECT username FROM user WHERE id = 3")[0][0] == "dave"


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", "s3cret-pw", "Choose a user name."),
        ("   ", "s3cret-pw", "Choose a user name."),
        ("carol", "", "Choose a password."),
        ("ab", "s3cret-pw", "3 to 40 characters"),
        ("a" * 41, "s3cret-pw", "3 to 40 characters"),
        ("carol smith", "s3cret-pw", "letters, digits, dots, dashes and underscores"),
        ("carol<b>", "s3cret-pw", "letters, digits, dots, dashes and underscores"),
        ("cärol", "s3cret-pw", "letters, digits, dots, dashes and underscores"),
        ("carol", "short", "this one has 5"),
        ("carol", "p" * 201, "this one has 201"),
    ],
)
def test_register_rejects_invalid_input(
    client: ErlenClient, db_state: Snapshots, username: str, password: str, message: str
) -> None:
    before = db_state()
    response = client.post("/auth/register", data={"username": username, "password": password})
    assert response.status_code == 400
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert db_state() == before


def test_register_keeps_the_user_name_but_not_the_password(client: ErlenClient) -> None:
    response = client.post("/auth/register", data={"username": "carol", "password": "tiny!pw"})
    assert 'value="carol"' in response.text
    assert "this one has 7" in response.text
    assert "tiny!pw" not in response.text


def test_register_limits_are_inclusive(client: ErlenClient, app: Erlen) -> None:
    for name, password in (("abc", "p" * 8), ("x" * 40, "p" * 200), ("a.b-c_d", "p" * 8)):
        response = client.post("/auth/register", data={"username": name, "password": password})
        assert response.status_code == 302, name
        client.post("/auth/logout")
    assert len(query(app, "SELECT * FROM user")) == 5


@pytest.mark.parametrize("name", ["ann", "ANN", " Ann "])
def test_register_refuses_a_taken_name_with_409(
    client: ErlenClient, db_state: Snapshots, name: str
) -> None:
    before = db_state()
    response = client.post("/auth/register", data={"username": name, "password": "s3cret-pw"})
    assert response.status_code == 409
    assert "is taken" in response.text
    assert f'value="{name.strip()}"' in response.text
    assert db_state() == before


def test_register_without_any_fields(client: ErlenClient, db_state: Snapshots) -> None:
    before = db_state()
    response = client.post("/auth/register")
    assert response.status_code == 400
    assert "Choose a user name." in response.text and "Choose a password." in response.text
    assert db_state() == before


# log in


def test_login_page(client: ErlenClient) -> None:
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert 'name="next" value=""' in response.text


def test_login_and_g_user(client: ErlenClient, auth: AuthActions) -> None:
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").text
    assert '<li class="who">ann</li>' in page
    assert "Welcome back, ann!" in page


def test_login_ignores_case_of_the_user_name(auth: AuthActions) -> None:
    assert auth.login("ANN", "ann-password-1").status_code == 302


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", "ann-password-1", "Enter your user name."),
        ("ann", "", "Enter your password."),
        ("ann", "wrong-password", "Incorrect user name or password."),
        ("nobody", "ann-password-1", "Incorrect user name or password."),
        ("a" * 5000, "x", "Incorrect user name or password."),
        ("ann", "x" * 5000, "Incorrect user name or password."),
    ],
)
def test_login_rejects_bad_credentials(
    client: ErlenClient, auth: AuthActions, username: str, password: str, message: str
) -> None:
    response = auth.login(username, password)
    assert response.status_code == 400
    assert message in response.text
    assert '<li class="who">' not in client.get("/").text


def test_login_keeps_the_user_name_and_next(client: ErlenClient) -> None:
    response = client.post(
        "/auth/login", data={"username": "ann", "password": "nope", "next": "/1/update"}
    )
    assert 'value="ann"' in response.text
    assert 'name="next" value="/1/update"' in response.text


def test_login_follows_a_safe_next(client: ErlenClient) -> None:
    response = client.post(
        "/auth/login",
        data={"username": "ann", "password": "ann-password-1", "next": "/1/update?x=1"},
    )
    assert response.headers["Location"] == "/1/update?x=1"


def test_login_reads_next_from_the_query_string(client: ErlenClient) -> None:
    assert 'name="next" value="/create"' in client.get("/auth/login?next=/create").text
    response = client.post(
        "/auth/login?next=/create", data={"username": "ann", "password": "ann-password-1"}
    )
    assert response.headers["Location"] == "/create"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:evil.example",
        "https://localhost@evil.example/",
    ],
)
def test_login_refuses_an_unsafe_next(client: ErlenClient, target: str) -> None:
    response = client.post(
        "/auth/login", data={"username": "ann", "password": "ann-password-1", "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_starts_a_new_session(client: ErlenClient, auth: AuthActions, app: Erlen) -> None:
    write_session(app, client, {"planted": "by an attacker"})
    auth.login()
    session = read_session(app, client)
    assert "planted" not in session
    assert session["user_id"] == 1


# log out


def test_logout(client: ErlenClient, auth: AuthActions, app: Erlen) -> None:
    auth.login()
    response = auth.logout()
    assert response.status_code == 302
    page = client.get("/").text
    assert "You are logged out." in page
    assert '<li class="who">' not in page
    assert "user_id" not in read_session(app, client)


def test_logout_needs_post(client: ErlenClient, auth: AuthActions) -> None:
    auth.login()
    assert client.get("/auth/logout").status_code == 405
    assert '<li class="who">ann</li>' in client.get("/").text


# g.user and login_required


def test_a_deleted_account_is_logged_out(
    client: ErlenClient, auth: AuthActions, app: Erlen
) -> None:
    auth.login()
    with app.app_context():
        from erlen_blog.db import get_db

        db = get_db()
        db.execute("DELETE FROM user WHERE username = 'ann'")
        db.commit()
    assert '<li class="who">' not in client.get("/").text
    assert "user_id" not in read_session(app, client)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/create"),
        ("POST", "/create"),
        ("GET", "/1/update"),
        ("POST", "/1/update"),
        ("GET", "/1/delete"),
        ("POST", "/1/delete"),
        ("GET", "/1/comment"),
        ("POST", "/1/comment"),
        ("GET", "/comment/1/delete"),
        ("POST", "/comment/1/delete"),
    ],
)
def test_login_required_sends_to_login_with_next(
    client: ErlenClient, db_state: Snapshots, method: str, path: str
) -> None:
    before = db_state()
    response = client.open(path, method=method, data={"title": "t", "body": "b"})
    assert response.status_code == 302
    assert login_next(response.headers["Location"]) == path
    assert db_state() == before


def test_login_required_keeps_the_query_string(client: ErlenClient) -> None:
    response = client.get("/create?draft=1")
    assert login_next(response.headers["Location"]) == "/create?draft=1"


def test_login_then_back_where_the_visitor_was(client: ErlenClient) -> None:
    page = client.get("/create", follow_redirects=True)
    assert "Log in to continue." in page.text
    assert 'name="next" value="/create"' in page.text
    response = client.post(
        "/auth/login?next=%2Fcreate",
        data={"username": "ann", "password": "ann-password-1", "next": "/create"},
        follow_redirects=True,
    )
    assert response.request.path == "/create"
    assert "New post" in response.text
