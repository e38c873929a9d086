"""Tests for erlen.core.config and the app attributes backed by it: Flask's default settings, the
loaders (mapping, object, Python file, JSON/TOML file, environment), ``get_namespace``, and
``app.debug``/``app.testing``/``app.secret_key``."""

from __future__ import annotations

import json
import os
import sys
import tomllib
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import erlen
from erlen import Config, Erlen


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Erlen:
    monkeypatch.delenv("ERLEN_DEBUG", raising=False)
    return Erlen(__name__)


@pytest.fixture
def client(app: Erlen) -> Any:
    return app.test_client()


# Flask 3.1's defaults, except where erlen deliberately differs (see the tests below).
FLASK_DEFAULTS: dict[str, Any] = {
    "DEBUG": False,
    "TESTING": False,
    "PROPAGATE_EXCEPTIONS": None,
    "SECRET_KEY": None,
    "SECRET_KEY_FALLBACKS": None,
    "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
    "USE_X_SENDFILE": False,
    "TRUSTED_HOSTS": None,
    "SERVER_NAME": None,
    "APPLICATION_ROOT": "/",
    "SESSION_COOKIE_NAME": "session",
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_PARTITIONED": False,
    "SESSION_REFRESH_EACH_REQUEST": True,
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "MAX_FORM_PARTS": 1_000,
    "SEND_FILE_MAX_AGE_DEFAULT": None,
    "TRAP_BAD_REQUEST_ERRORS": None,
    "TRAP_HTTP_EXCEPTIONS": False,
    "EXPLAIN_TEMPLATE_LOADING": False,
    "PREFERRED_URL_SCHEME": "http",
    "TEMPLATES_AUTO_RELOAD": None,
    "MAX_COOKIE_SIZE": 4093,
    "PROVIDE_AUTOMATIC_OPTIONS": True,
}
#: Keys whose default erlen hardens on purpose (secure defaults); only their presence is Flask's.
HARDENED_KEYS = {"SESSION_COOKIE_SECURE", "SESSION_COOKIE_SAMESITE", "MAX_CONTENT_LENGTH"}


def test_default_config_has_flask_keys_and_values(app: Erlen) -> None:
    for key, value in FLASK_DEFAULTS.items():
        assert key in app.config, key
        assert app.config[key] == value, key
        assert type(app.config[key]) is type(value), key
    for key in HARDENED_KEYS:
        assert key in app.config, key


def test_max_content_length_defaults_to_16_mib(app: Erlen) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024


def test_default_config_is_per_app(app: Erlen) -> None:
    other = Erlen(__name__)
    app.config["SERVER_NAME"] = "example.com"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=1)
    assert other.config["SERVER_NAME"] is None
    assert other.config["PERMANENT_SESSION_LIFETIME"] == timedelta(days=31)


def test_debug_default_follows_erlen_debug_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERLEN_DEBUG", "1")
    assert Erlen(__name__).debug is True
    monkeypatch.setenv("ERLEN_DEBUG", "0")
    assert Erlen(__name__).debug is False


def test_config_is_a_dict(app: Erlen) -> None:
    assert isinstance(app.config, dict)
    assert isinstance(app.config, Config)
    app.config["CUSTOM"] = 1
    assert app.config.get("CUSTOM") == 1
    assert app.config.get("MISSING", "fallback") == "fallback"


# -- app attributes backed by config -------------------------------------------------------


def test_debug_attribute_reads_and_writes_config(app: Erlen) -> None:
    assert app.debug is False
    app.debug = True
    assert app.config["DEBUG"] is True
    app.config["DEBUG"] = False
    assert app.debug is False


def test_testing_attribute_reads_and_writes_config(app: Erlen) -> None:
    assert app.testing is False
    app.testing = True
    assert app.config["TESTING"] is True
    app.config["TESTING"] = False
    assert app.testing is False


def test_secret_key_attribute_reads_and_writes_config(app: Erlen) -> None:
    assert app.secret_key is None
    app.secret_key = "s3cret"
    assert app.config["SECRET_KEY"] == "s3cret"
    app.config["SECRET_KEY"] = b"bytes-key"
    assert app.secret_key == b"bytes-key"


def test_permanent_session_lifetime_attribute(app: Erlen) -> None:
    app.permanent_session_lifetime = timedelta(hours=2)
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=2)


def test_testing_attribute_changes_error_propagation(app: Erlen, client: Any) -> None:
    @app.route("/boom")
    def boom() -> str:
        raise KeyError("boom")

    assert client.get("/boom").status_code == 500
    app.testing = True
    with pytest.raises(KeyError):
        client.get("/boom")


def test_flask_alias() -> None:
    from erlen import Flask

    assert Flask is Erlen
    assert "Flask" in erlen.__all__
    app = Flask(__name__)
    assert isinstance(app, Erlen)
    assert app.config["TESTING"] is False


# -- from_mapping and from_object ----------------------------------------------------------


def test_from_mapping_takes_upper_case_keys(app: Erlen) -> None:
    assert app.config.from_mapping({"SECRET_KEY": "a", "lower": 1}, TESTING=True, other=2)
    assert app.config["SECRET_KEY"] == "a"
    assert app.config["TESTING"] is True
    assert "lower" not in app.config
    assert "other" not in app.config


def test_from_mapping_kwargs_win_over_mapping(app: Erlen) -> None:
    app.config.from_mapping({"VALUE": "mapping"}, VALUE="kwarg")
    assert app.config["VALUE"] == "kwarg"


def test_from_object_with_a_class(app: Erlen) -> None:
    class Base:
        DEBUG = False
        DATABASE = "sqlite://"

    class Production(Base):
        DATABASE = "postgresql://prod"
        lower_name = "ignored"

    app.config.from_object(Production)
    assert app.config["DATABASE"] == "postgresql://prod"
    assert app.config["DEBUG"] is False
    assert "lower_name" not in app.config


def test_from_object_with_an_instance(app: Erlen) -> None:
    class Settings:
        def __init__(self) -> None:
            self.API_KEY = "from-instance"

    app.config.from_object(Settings())
    assert app.config["API_KEY"] == "from-instance"


@pytest.fixture
def settings_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    name = f"erlen_settings_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text(
        "MODULE_LEVEL = 'module'\n"
        "helper = 'not config'\n"
        "class Production:\n"
        "    ENV_NAME = 'production'\n"
        "    SECRET_KEY = 'prod-key'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


def test_from_object_with_an_import_string(app: Erlen, settings_module: str) -> None:
    app.config.from_object(f"{settings_module}.Production")
    assert app.config["ENV_NAME"] == "production"
    assert app.config["SECRET_KEY"] == "prod-key"
    assert "MODULE_LEVEL" not in app.config


def test_from_object_with_a_module_import_string(app: Erlen, settings_module: str) -> None:
    app.config.from_object(settings_module)
    assert app.config["MODULE_LEVEL"] == "module"
    assert "helper" not in app.config


def test_from_object_with_colon_import_string(app: Erlen, settings_module: str) -> None:
    app.config.from_object(f"{settings_module}:Production")
    assert app.config["ENV_NAME"] == "production"


def test_from_object_with_a_missing_import_string(app: Erlen) -> None:
    with pytest.raises(ImportError):
        app.config.from_object("erlen_no_such_module_here.Settings")


# -- from_pyfile, from_file, from_envvar ---------------------------------------------------


@pytest.fixture
def pyfile(tmp_path: Path) -> Path:
    path = tmp_path / "settings.cfg"
    path.write_text(
        "import os\n"
        "SECRET_KEY = 'from-file'\n"
        "ITEMS = [1, 2]\n"
        "lowercase = 'skip'\n"
        "LOADED_FROM = __file__\n"
    )
    return path


def test_from_pyfile_with_an_absolute_path(app: Erlen, pyfile: Path) -> None:
    assert app.config.from_pyfile(str(pyfile)) is True
    assert app.config["SECRET_KEY"] == "from-file"
    assert app.config["ITEMS"] == [1, 2]
    assert app.config["LOADED_FROM"] == str(pyfile)
    assert "lowercase" not in app.config
    assert "os" not in app.config


def test_from_pyfile_is_relative_to_root_path(pyfile: Path) -> None:
    config = Config(pyfile.parent)
    assert config.from_pyfile("settings.cfg")
    assert config["SECRET_KEY"] == "from-file"


def test_from_pyfile_missing_file(app: Erlen, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.cfg")
    assert app.config.from_pyfile(missing, silent=True) is False
    with pytest.raises(OSError, match="Unable to load configuration file") as info:
        app.config.from_pyfile(missing)
    assert isinstance(info.value, FileNotFoundError)


def test_from_pyfile_syntax_error_is_not_silenced(app: Erlen, tmp_path: Path) -> None:
    path = tmp_path / "broken.cfg"
    path.write_text("SECRET_KEY = \n")
    with pytest.raises(SyntaxError):
        app.config.from_pyfile(str(path), silent=True)


def test_from_file_with_json(app: Erlen, tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"SECRET_KEY": "json-key", "PORT": 8000, "lower": True}))
    assert app.config.from_file(str(path), load=json.load) is True
    assert app.config["SECRET_KEY"] == "json-key"
    assert app.config["PORT"] == 8000
    assert "lower" not in app.config


def test_from_file_with_toml_in_binary_mode(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('SECRET_KEY = "toml-key"\n[DB]\nHOST = "db"\n')
    config = Config(tmp_path)
    assert config.from_file("config.toml", load=tomllib.load, text=False) is True
    assert config["SECRET_KEY"] == "toml-key"
    assert config["DB"] == {"HOST": "db"}


def test_from_file_missing(app: Erlen, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.json")
    assert app.config.from_file(missing, load=json.load, silent=True) is False
    with pytest.raises(OSError, match="Unable to load configuration file"):
        app.config.from_file(missing, load=json.load)


def test_from_envvar_loads_the_named_file(
    app: Erlen, pyfile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYAPP_SETTINGS", str(pyfile))
    assert app.config.from_envvar("MYAPP_SETTINGS") is True
    assert app.config["SECRET_KEY"] == "from-file"


def test_from_envvar_unset(app: Erlen, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MYAPP_SETTINGS", raising=False)
    assert app.config.from_envvar("MYAPP_SETTINGS", silent=True) is False
    with pytest.raises(RuntimeError, match="MYAPP_SETTINGS"):
        app.config.from_envvar("MYAPP_SETTINGS")


def test_from_envvar_pointing_to_a_missing_file(
    app: Erlen, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYAPP_SETTINGS", str(tmp_path / "missing.cfg"))
    assert app.config.from_envvar("MYAPP_SETTINGS", silent=True) is False
    with pytest.raises(OSError):
        app.config.from_envvar("MYAPP_SETTINGS")


# -- from_prefixed_env ---------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key in list(os.environ):
        if key.startswith(("ERLEN_", "MYAPP_")):
            monkeypatch.delenv(key)
    return monkeypatch


def test_from_prefixed_env_parses_json_values(app: Erlen, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("ERLEN_SECRET_KEY", "plain-string")
    clean_env.setenv("ERLEN_PORT", "8000")
    clean_env.setenv("ERLEN_RATIO", "0.5")
    clean_env.setenv("ERLEN_ENABLED", "true")
    clean_env.setenv("ERLEN_NOTHING", "null")
    clean_env.setenv("ERLEN_HOSTS", '["a.example", "b.example"]')
    clean_env.setenv("ERLEN_QUOTED", '"42"')
    clean_env.setenv("OTHER_SETTING", "1")
    assert app.config.from_prefixed_env("ERLEN") is True
    assert app.config["SECRET_KEY"] == "plain-string"
    assert app.config["PORT"] == 8000
    assert app.config["RATIO"] == 0.5
    assert app.config["ENABLED"] is True
    assert app.config["NOTHING"] is None
    assert app.config["HOSTS"] == ["a.example", "b.example"]
    assert app.config["QUOTED"] == "42"
    assert "SETTING" not in app.config
    assert "OTHER_SETTING" not in app.config


def test_from_prefixed_env_defaults_to_erlen_prefix(
    app: Erlen, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("ERLEN_DEFAULT_PREFIX", "1")
    app.config.from_prefixed_env()
    assert app.config["DEFAULT_PREFIX"] == 1


def test_from_prefixed_env_nests_with_double_underscore(
    app: Erlen, clean_env: pytest.MonkeyPatch
) -> None:
    app.config["DB"] = {"USER": "kept"}
    clean_env.setenv("ERLEN_DB__HOST", "db.local")
    clean_env.setenv("ERLEN_DB__PORT", "5432")
    clean_env.setenv("ERLEN_CACHE__REDIS__URL", "redis://x")
    app.config.from_prefixed_env("ERLEN")
    assert app.config["DB"] == {"USER": "kept", "HOST": "db.local", "PORT": 5432}
    assert app.config["CACHE"] == {"REDIS": {"URL": "redis://x"}}


def test_from_prefixed_env_custom_prefix_and_loads(
    app: Erlen, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("MYAPP_NAME", "value")
    clean_env.setenv("ERLEN_NAME", "not this one")
    app.config.from_prefixed_env("MYAPP", loads=str.upper)
    assert app.config["NAME"] == "VALUE"


# -- get_namespace -------------------------------------------------------------------------


def test_get_namespace(app: Erlen) -> None:
    app.config.from_mapping(
        IMAGE_STORE_TYPE="fs",
        IMAGE_STORE_PATH="/var/app/images",
        IMAGE_STORE_BASE_URL="http://img.example.com",
        IMAGE_OTHER="x",
        OTHER_IMAGE_STORE_TYPE="no",
    )
    assert app.config.get_namespace("IMAGE_STORE_") == {
        "type": "fs",
        "path": "/var/app/images",
        "base_url": "http://img.example.com",
    }
    assert app.config.get_namespace("IMAGE_STORE_", lowercase=False) == {
        "TYPE": "fs",
        "PATH": "/var/app/images",
        "BASE_URL": "http://img.example.com",
    }
    assert app.config.get_namespace("IMAGE_STORE_", trim_namespace=False) == {
        "image_store_type": "fs",
        "image_store_path": "/var/app/images",
        "image_store_base_url": "http://img.example.com",
    }
