"""Tests for erlen.core.sessions: the signed cookie session, as a client sees it."""

from __future__ import annotations

import copy
import time
import typing as t
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import TimestampSigner
from markupsafe import Markup

from erlen import Erlen, request, session

SECRET = "current secret key"


def make_app(**config: t.Any) -> Erlen:
    app = Erlen(__name__)
    app.config.update(TESTING=True, SECRET_KEY=SECRET)
    app.config.update(config)

    @app.route("/set")
    def set_() -> str:
        for key, value in request.args.items():
            session[key] = value
        return "set"

    @app.route("/get")
    def get() -> dict[str, t.Any]:
        return {key: session[key] for key in session}

    @app.route("/read/<key>")
    def read(key: str) -> str:
        return str(session.get(key))

    @app.route("/untouched")
    def untouched() -> str:
        return "untouched"

    @app.route("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.route("/permanent")
    def permanent() -> str:
        session.permanent = True
        session["user"] = "perm"
        return ""

    return app


@pytest.fixture
def app() -> Erlen:
    return make_app()


def set_cookie_header(response: t.Any) -> str | None:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert len(headers) <= 1
    return headers[0] if headers else None


def attributes(header: str) -> dict[str, str]:
    result = {}
    for part in header.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        result[name.lower()] = value
    return result


def signed_cookie(app: Erlen, data: dict[str, t.Any], age: int = 0) -> str:
    """A session cookie value for ``data`` as the app would sign it ``age`` seconds ago."""

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age

    # A copy: the app keeps its serializer between requests.
    serializer = copy.copy(app.session_interface.get_signing_serializer(app))  # type: ignore[attr-defined]
    serializer.signer = PastSigner
    return t.cast(str, serializer.dumps(data))


# reading and writing


def test_session_persists_across_requests(app: Erlen) -> None:
    client = app.test_client()
    assert client.get("/get").get_json() == {}
    client.get("/set?user=ann&role=admin")
    assert client.get("/get").get_json() == {"user": "ann", "role": "admin"}
    client.get("/set?role=editor")
    assert client.get("/get").get_json() == {"user": "ann", "role": "editor"}


def test_sessions_are_per_client(app: Erlen) -> None:
    first = app.test_client()
    first.get("/set?user=ann")
    assert app.test_client().get("/get").get_json() == {}


def test_cookie_is_set_only_when_the_session_changed(app: Erlen) -> None:
    client = app.test_client()
    response = client.get("/set?user=ann")
    assert set_cookie_header(response) is not None
    response = client.get("/read/user")
    assert response.text == "ann"
    assert set_cookie_header(response) is None
    assert set_cookie_header(client.get("/untouched")) is None


def test_reading_an_empty_session_sets_no_cookie(app: Erlen) -> None:
    response = app.test_client().get("/read/user")
    assert response.text == "None"
    assert response.headers.getlist("Set-Cookie") == []


def test_vary_cookie_when_the_session_was_accessed(app: Erlen) -> None:
    client = app.test_client()
    assert client.get("/set?a=1").headers.get("Vary") == "Cookie"
    assert client.get("/read/a").headers.get("Vary") == "Cookie"
    assert "Vary" not in client.get("/untouched").headers


def test_vary_cookie_is_added_to_an_existing_vary(app: Erlen) -> None:
    @app.route("/vary")
    def vary() -> tuple[str, dict[str, str]]:
        session.get("a")
        return "", {"Vary": "Accept-Encoding"}

    assert app.test_client().get("/vary").headers["Vary"] == "Accept-Encoding, Cookie"


def test_session_mutation_of_nested_value_needs_modified(app: Erlen) -> None:
    @app.route("/nested")
    def nested() -> str:
        if "items" not in session:
            session["items"] = []
        else:
            session["items"].append(len(session["items"]))
            session.modified = True
        return str(session["items"])

    client = app.test_client()
    client.get("/nested")
    client.get("/nested")
    assert client.get("/nested").text == "[0, 1]"


# signing and expiry


def test_tampered_cookie_gives_an_empty_session(app: Erlen) -> None:
    client = app.test_client()
    client.get("/set?user=ann")
    value = client.get_cookie("session")
    assert value is not None
    value = value.value if hasattr(value, "value") else value
    payload, _, rest = value.rpartition(".")
    tampered = payload + "." + ("A" if rest[0] != "A" else "B") + rest[1:]
    client.set_cookie("session", tampered)
    response = client.get("/get")
    assert response.status_code == 200
    assert response.get_json() == {}


@pytest.mark.parametrize("value", ["garbage", "a.b.c", ".eJw.invalid.sig", ""])
def test_garbage_cookie_gives_an_empty_session(app: Erlen, value: str) -> None:
    client = app.test_client()
    client.set_cookie("session", value)
    response = client.get("/get")
    assert response.status_code == 200
    assert response.get_json() == {}


def test_cookie_signed_with_another_key_is_ignored(app: Erlen) -> None:
    other = make_app(SECRET_KEY="someone else's key")
    client = app.test_client()
    client.set_cookie("session", signed_cookie(other, {"user": "mallory"}))
    assert client.get("/get").get_json() == {}


def test_expired_cookie_gives_an_empty_session() -> None:
    app = make_app(PERMANENT_SESSION_LIFETIME=timedelta(seconds=60))
    client = app.test_client()
    client.set_cookie("session", signed_cookie(app, {"user": "ann", "_permanent": True}, 30))
    assert client.get("/get").get_json() == {"user": "ann", "_permanent": True}
    client.set_cookie("session", signed_cookie(app, {"user": "ann", "_permanent": True}, 3600))
    response = client.get("/get")
    assert response.status_code == 200
    assert response.get_json() == {}


def test_permanent_session_cookie_has_an_expiry(app: Erlen) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=1)
    response = app.test_client().get("/permanent")
    header = set_cookie_header(response)
    assert header is not None
    expires = attributes(header)["expires"]
    when = datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    expected = datetime.now(UTC) + timedelta(hours=1)
    assert abs((when - expected).total_seconds()) < 60


def test_non_permanent_session_cookie_has_no_expiry(app: Erlen) -> None:
    header = set_cookie_header(app.test_client().get("/set?a=1"))
    assert header is not None
    assert "expires" not in attributes(header)
    assert "max-age" not in attributes(header)


def test_permanent_session_is_refreshed_on_each_request(app: Erlen) -> None:
    client = app.test_client()
    client.get("/permanent")
    assert set_cookie_header(client.get("/read/user")) is not None
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    assert set_cookie_header(client.get("/read/user")) is None


def test_secret_key_fallbacks_accept_old_cookies_and_sign_with_the_new_key() -> None:
    old_app = make_app(SECRET_KEY="old key")
    old_value = signed_cookie(old_app, {"user": "ann"})

    app = make_app(SECRET_KEY="new key", SECRET_KEY_FALLBACKS=["older key", "old key"])
    client = app.test_client()
    client.set_cookie("session", old_value)
    assert client.get("/get").get_json() == {"user": "ann"}

    client.get("/set?role=admin")
    new_value = client.get_cookie("session")
    new_value = getattr(new_value, "value", new_value)

    only_new = make_app(SECRET_KEY="new key")
    only_new_client = only_new.test_client()
    only_new_client.set_cookie("session", t.cast(str, new_value))
    assert only_new_client.get("/get").get_json() == {"user": "ann", "role": "admin"}

    only_old = make_app(SECRET_KEY="old key")
    only_old_client = only_old.test_client()
    only_old_client.set_cookie("session", t.cast(str, new_value))
    assert only_old_client.get("/get").get_json() == {}


def test_without_fallbacks_an_old_cookie_is_ignored() -> None:
    old_value = signed_cookie(make_app(SECRET_KEY="old key"), {"user": "ann"})
    client = make_app(SECRET_KEY="new key").test_client()
    client.set_cookie("session", old_value)
    assert client.get("/get").get_json() == {}


def test_without_secret_key_reading_is_empty() -> None:
    app = make_app(SECRET_KEY=None)
    client = app.test_client()
    client.set_cookie("session", signed_cookie(make_app(), {"user": "ann"}))
    response = client.get("/read/user")
    assert response.status_code == 200
    assert response.text == "None"
    assert response.headers.getlist("Set-Cookie") == []


def test_without_secret_key_writing_raises() -> None:
    app = make_app(SECRET_KEY=None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        app.test_client().get("/set?user=ann")
    with app.test_request_context():
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            session["user"] = "ann"


def test_without_secret_key_writing_is_500_when_not_testing() -> None:
    app = make_app(SECRET_KEY=None, TESTING=False)
    assert app.test_client().get("/set?user=ann").status_code == 500


# cookie attributes


def test_default_cookie_attributes(app: Erlen) -> None:
    header = set_cookie_header(app.test_client().get("/set?a=1"))
    assert header is not None
    attrs = attributes(header)
    assert "httponly" in attrs
    assert attrs["samesite"] == "Lax"
    assert attrs["path"] == "/"
    assert "secure" not in attrs
    assert "domain" not in attrs


def test_secure_on_https(app: Erlen) -> None:
    response = app.test_client().get("/set?a=1", base_url="https://localhost")
    header = set_cookie_header(response)
    assert header is not None
    assert "secure" in attributes(header)


def test_session_cookie_config_overrides() -> None:
    app = make_app(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.com",
        SESSION_COOKIE_PATH="/app",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Strict",
    )
    response = app.test_client().get("/set?a=1")
    headers = response.headers.getlist("Set-Cookie")
    assert len(headers) == 1
    assert headers[0].startswith("sid=")
    attrs = attributes(headers[0])
    assert attrs["domain"] == "example.com"
    assert attrs["path"] == "/app"
    assert "httponly" not in attrs
    assert "secure" in attrs
    assert attrs["samesite"] == "Strict"


def test_session_cookie_samesite_none_and_secure_false_on_https() -> None:
    app = make_app(SESSION_COOKIE_SAMESITE=None, SESSION_COOKIE_SECURE=False)
    response = app.test_client().get("/set?a=1", base_url="https://localhost")
    header = set_cookie_header(response)
    assert header is not None
    attrs = attributes(header)
    assert "samesite" not in attrs
    assert "secure" not in attrs


def test_session_cookie_path_defaults_to_application_root() -> None:
    app = make_app(APPLICATION_ROOT="/prefix")
    header = set_cookie_header(app.test_client().get("/set?a=1"))
    assert header is not None
    assert attributes(header)["path"] == "/prefix"


def test_custom_cookie_name_is_read_back() -> None:
    app = make_app(SESSION_COOKIE_NAME="sid")
    client = app.test_client()
    client.get("/set?a=1")
    assert client.get("/get").get_json() == {"a": "1"}


# values


def test_tagged_values_round_trip(app: Erlen) -> None:
    values = {
        "tuple": (1, "two", (3,)),
        "bytes": b"\x00\xff binary",
        "datetime": datetime(2024, 2, 29, 12, 30, 45, tzinfo=UTC),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "markup": Markup("<b>bold</b>"),
        "dict": {" t": "looks like a tag", "nested": [1, {"a": None}]},
        "text": "é ✓",
    }

    @app.route("/store")
    def store() -> str:
        session.update(values)
        return ""

    @app.route("/check")
    def check() -> str:
        for key, value in values.items():
            assert session[key] == value, key
            assert type(session[key]) is type(value), key
        return "same"

    client = app.test_client()
    client.get("/store")
    assert client.get("/check").text == "same"


def test_session_clear_deletes_the_cookie(app: Erlen) -> None:
    client = app.test_client()
    client.get("/set?user=ann")
    assert client.get_cookie("session") is not None
    response = client.get("/clear")
    header = set_cookie_header(response)
    assert header is not None
    assert header.startswith("session=;")
    attrs = attributes(header)
    assert attrs["max-age"] == "0"
    assert attrs["expires"] == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert response.headers["Vary"] == "Cookie"
    assert client.get_cookie("session") is None
    assert client.get("/get").get_json() == {}


def test_session_new_flag(app: Erlen) -> None:
    @app.route("/new")
    def new() -> str:
        return str(session.new)

    client = app.test_client()
    assert client.get("/new").text == "True"
    client.get("/set?a=1")
    assert client.get("/new").text == "False"


def test_cookies_signed_with_itsdangerous_own_key_derivation_still_verify() -> None:
    """erlen derives the signing key once; the signatures must be the bytes itsdangerous makes
    when it derives the key itself, so cookies from before (or from other code) stay valid."""
    import hashlib
    import secrets

    from itsdangerous import URLSafeTimedSerializer

    from erlen.core.sessions import session_json_serializer

    app = make_app(SECRET_KEY=secrets.token_hex())
    plain = URLSafeTimedSerializer(
        app.config["SECRET_KEY"],
        salt="cookie-session",
        serializer=session_json_serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
    )
    client = app.test_client()
    client.set_cookie("session", plain.dumps({"user": "ann"}))
    assert client.get("/get").get_json() == {"user": "ann"}


@pytest.mark.parametrize("where", ["class", "instance"])
def test_session_type_never_replaces_an_interface_the_app_chose(where: str) -> None:
    from erlen.core.sessions import SecureCookieSessionInterface

    class OwnInterface(SecureCookieSessionInterface):
        pass

    own = OwnInterface()

    class OwnApp(Erlen):
        pass

    if where == "class":
        OwnApp.session_interface = own
    app = OwnApp(__name__)
    if where == "instance":
        app.session_interface = own
    app.config.update(
        TESTING=True,
        SECRET_KEY=SECRET,
        SESSION_TYPE="redis",
        SESSION_REDIS_URL="redis://127.0.0.1:1/0",
    )

    @app.route("/")
    def index() -> str:
        session["seen"] = True
        return "ok"

    response = app.test_client().get("/")
    assert response.status_code == 200
    assert app.session_interface is own
