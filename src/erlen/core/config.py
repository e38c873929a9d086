"""``app.config``: a dict of settings with Flask's loaders.

Keys are upper-case names (``SECRET_KEY``, ``MAX_CONTENT_LENGTH``); the loaders take only
upper-case names from objects, files and mappings, so helpers and imports in a settings module do
not leak in. The app reads what it needs from here when it starts serving; this module never
touches a request.
"""

from __future__ import annotations

import copy
import errno
import json
import os
import types
import typing as t
from datetime import timedelta

__all__ = [
    "DEFAULT_CONFIG",
    "Config",
    "ConfigAttribute",
    "import_string",
]

T = t.TypeVar("T")


class ConfigAttribute(t.Generic[T]):
    """An app attribute that reads and writes one config key (``app.debug`` -> ``DEBUG``)."""

    def __init__(self, name: str, get_converter: t.Callable[[t.Any], T] | None = None) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    @t.overload
    def __get__(self, obj: None, owner: None) -> ConfigAttribute[T]: ...

    @t.overload
    def __get__(self, obj: t.Any, owner: t.Any) -> T: ...

    def __get__(self, obj: t.Any, owner: t.Any = None) -> T | ConfigAttribute[T]:
        if obj is None:
            return self
        value = obj.config[self.__name__]
        if self.get_converter is not None:
            value = self.get_converter(value)
        return t.cast(T, value)

    def __set__(self, obj: t.Any, value: t.Any) -> None:
        obj.config[self.__name__] = value


def _make_timedelta(value: timedelta | int | float) -> timedelta:
    """``PERMANENT_SESSION_LIFETIME`` may be a timedelta or a number of seconds, as in Flask."""
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


class Config(dict[str, t.Any]):
    """The app's settings. ``root_path`` is where relative file names are looked up."""

    def __init__(
        self, root_path: str | os.PathLike[str], defaults: dict[str, t.Any] | None = None
    ) -> None:
        # Defaults are copied deeply: a dict default (SECURITY_HEADERS) changed on one app
        # must not change it for every other app.
        super().__init__(copy.deepcopy(defaults) if defaults else {})
        self.root_path = os.fspath(root_path)

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python file named by an environment variable."""
        filename = os.environ.get(variable_name)
        if not filename:
            if silent:
                return False
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set, so no configuration"
                " file can be loaded from it. Set it to the path of a configuration file."
            )
        return self.from_pyfile(filename, silent=silent)

    def from_prefixed_env(
        self, prefix: str | None = None, *, loads: t.Callable[[str], t.Any] = json.loads
    ) -> bool:
        """Load ``PREFIX_NAME`` environment variables as ``NAME``; values are parsed as JSON
        when they can be (``ERLEN_DEBUG=true`` gives ``True``), and ``__`` nests into dicts
        (``ERLEN_DB__HOST`` sets ``config["DB"]["HOST"]``).

        Without a ``prefix``, both ``FLASK_`` and ``ERLEN_`` variables are read, ``ERLEN_``
        winning, so an app moved from Flask keeps the environment it was deployed with."""
        if prefix is None:
            self.from_prefixed_env("FLASK", loads=loads)
            prefix = "ERLEN"
        prefix = f"{prefix}_"
        for key in sorted(os.environ):
            if not key.startswith(prefix):
                continue
            raw = os.environ[key]
            value: t.Any
            try:
                value = loads(raw)
            except Exception:
                value = raw
            key = key.removeprefix(prefix)
            if "__" not in key:
                self[key] = value
                continue
            current: dict[str, t.Any] = self
            *parts, tail = key.split("__")
            for part in parts:
                current = current.setdefault(part, {})
            current[tail] = value
        return True

    def from_pyfile(self, filename: str | os.PathLike[str], silent: bool = False) -> bool:
        """Run a Python file and take its upper-case names."""
        filename = os.path.join(self.root_path, filename)
        module = types.ModuleType("config")
        module.__file__ = filename
        try:
            with open(filename, mode="rb") as config_file:
                exec(compile(config_file.read(), filename, "exec"), module.__dict__)
        except OSError as error:
            if silent and error.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
                return False
            error.strerror = f"Unable to load configuration file ({error.strerror})"
            raise
        self.from_object(module)
        return True

    def from_object(self, obj: object | str) -> None:
        """Take the upper-case attributes of an object, class or module (or its import path)."""
        if isinstance(obj, str):
            obj = import_string(obj)
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: t.Callable[[t.IO[t.Any]], t.Mapping[str, t.Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a file with ``load`` (``json.load``, ``tomllib.load`` with ``text=False``)."""
        filename = os.path.join(self.root_path, filename)
        try:
            with open(filename, "r" if text else "rb") as f:
                obj = load(f)
        except OSError as error:
            if silent and error.errno in (errno.ENOENT, errno.EISDIR):
                return False
            error.strerror = f"Unable to load configuration file ({error.strerror})"
            raise
        return self.from_mapping(obj)

    def from_mapping(self, mapping: t.Mapping[str, t.Any] | None = None, **kwargs: t.Any) -> bool:
        """Take the upper-case keys of a mapping and keyword arguments."""
        mappings: dict[str, t.Any] = {}
        if mapping is not None:
            mappings.update(mapping)
        mappings.update(kwargs)
        for key, value in mappings.items():
            if key.isupper():
                self[key] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, t.Any]:
        """The settings whose names start with ``namespace`` (``"MAIL_"``), as a dict."""
        result = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            name = key[len(namespace) :] if trim_namespace else key
            result[name.lower() if lowercase else name] = value
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


def import_string(import_name: str) -> t.Any:
    """Import ``"package.module:attr"`` or ``"package.module.attr"``."""
    import importlib

    module_name, sep, attr = import_name.replace(":", ".").rpartition(".")
    if not sep:
        return importlib.import_module(import_name)
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return importlib.import_module(import_name)
    try:
        return getattr(module, attr)
    except AttributeError:
        return importlib.import_module(import_name)


DEFAULT_CONFIG: dict[str, t.Any] = {
    "DEBUG": None,
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
    "SESSION_COOKIE_SECURE": None,
    "SESSION_COOKIE_PARTITIONED": False,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_REFRESH_EACH_REQUEST": True,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
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
    # erlen: how many threads run sync views under ASGI (None: Python's default for the pool).
    "ASGI_THREADS": None,
    # erlen: under ASGI, how long a client may take to send a request body (408 past it).
    "BODY_TIMEOUT": 30,
    "BODY_MIN_RATE": 500,
    # erlen security defaults (docs/security.md): on unless switched off here.
    "CROSS_ORIGIN_PROTECTION": True,
    "TRUSTED_ORIGINS": (),
    "CSRF_TOKENS": False,
    "SECURITY_HEADERS": {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    },
    "HSTS_SECONDS": None,
    "HSTS_INCLUDE_SUBDOMAINS": True,
    "HSTS_PRELOAD": False,
    "CONTENT_SECURITY_POLICY": None,
    "TRUSTED_PROXIES": None,
    "SESSION_COOKIE_HOST_PREFIX": False,
    "RATE_LIMITS_ENABLED": True,
    "RATE_LIMIT_STORAGE": None,
    # erlen: the form-spam guard ({{ form_guard() }} and @guard_form, docs/security.md).
    "FORM_GUARD": True,
    "FORM_GUARD_DIFFICULTY": 16,
    "FORM_GUARD_MIN_SECONDS": 4,
    "FORM_GUARD_MAX_AGE": 4 * 3600,
    "FORM_GUARD_NOSCRIPT_LIMIT": "20/hour",
    "FORM_GUARD_NOSCRIPT_LIMIT_PER_ADDRESS": "5/hour",
    "FORM_GUARD_HONEYPOT": "website",
    # erlen: where sessions live ("cookie", the default, or "redis": docs/deployment.md).
    "SESSION_TYPE": "cookie",
    "SESSION_REDIS": None,
    "SESSION_REDIS_URL": None,
    "SESSION_REDIS_TIMEOUT": 1.0,
    "SESSION_KEY_PREFIX": "session:",
}
