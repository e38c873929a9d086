"""Flask and Werkzeug import names, answered by erlen's own modules.

A Flask extension imports ``flask`` and ``werkzeug``. After :func:`install` (or
``import erlen.as_flask``), every such import in the process resolves to the erlen module that
plays the same part, so the objects an extension gets are erlen's own: ``flask.Flask is
erlen.Erlen`` and ``isinstance`` holds both ways. Nothing of a real Flask or Werkzeug install is
imported, even when one is installed beside erlen (extensions depend on them).

This module owns the table of names (:data:`MODULES`) and the import hook that serves it. It never
changes what an erlen module does: where a Flask name needs behaviour, that behaviour lives in the
erlen module the table points to. A Flask or Werkzeug name erlen does not provide fails at once
with an error that names it, instead of an ``AttributeError`` deep inside an extension.
"""

from __future__ import annotations

import dis
import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import typing as t

__all__ = ["MODULES", "NotProvided", "install", "installed", "uninstall"]

#: Each Flask or Werkzeug module name, and the erlen module that answers for it.
MODULES: dict[str, str] = {
    "flask": "erlen",
    "flask.app": "erlen.app",
    "flask.blueprints": "erlen.core.blueprints",
    "flask.cli": "erlen.tools.cli",
    "flask.config": "erlen.core.config",
    "flask.ctx": "erlen.core.ctx",
    "flask.debughelpers": "erlen.tools.debughelpers",
    "flask.globals": "erlen.core.globals",
    "flask.helpers": "erlen.core.helpers",
    "flask.json": "erlen.json",
    "flask.json.provider": "erlen.json.provider",
    "flask.json.tag": "erlen.json.tag",
    "flask.logging": "erlen.core.logging",
    "flask.sansio.app": "erlen.core.app",
    "flask.sansio.blueprints": "erlen.core.blueprints",
    "flask.sansio.scaffold": "erlen.core.scaffold",
    "flask.sessions": "erlen.core.sessions",
    "flask.signals": "erlen.core.signals",
    "flask.templating": "erlen.core.templating",
    "flask.testing": "erlen.tools.testing",
    "flask.typing": "erlen.core.typing",
    "flask.views": "erlen.core.views",
    "flask.wrappers": "erlen.http.wrappers",
    "werkzeug.datastructures": "erlen.http.datastructures",
    "werkzeug.datastructures.accept": "erlen.http.datastructures.accept",
    "werkzeug.datastructures.auth": "erlen.http.datastructures.auth",
    "werkzeug.datastructures.cache_control": "erlen.http.datastructures.cache_control",
    "werkzeug.datastructures.csp": "erlen.http.datastructures.csp",
    "werkzeug.datastructures.etag": "erlen.http.datastructures.etags",
    "werkzeug.datastructures.file_storage": "erlen.http.datastructures.file_storage",
    "werkzeug.datastructures.headers": "erlen.http.datastructures.headers",
    "werkzeug.datastructures.range": "erlen.http.datastructures.range",
    "werkzeug.datastructures.structures": "erlen.http.datastructures.structures",
    "werkzeug.exceptions": "erlen.http.exceptions",
    "werkzeug.formparser": "erlen.http.formparser",
    "werkzeug.http": "erlen.http",
    "werkzeug.local": "erlen.core.local",
    "werkzeug.middleware": "erlen.middleware",
    "werkzeug.middleware.dispatcher": "erlen.middleware.dispatcher",
    "werkzeug.middleware.proxy_fix": "erlen.middleware.proxy_fix",
    "werkzeug.routing": "erlen.http.routing",
    "werkzeug.routing.converters": "erlen.http.routing.converters",
    "werkzeug.routing.exceptions": "erlen.http.routing.exceptions",
    "werkzeug.routing.map": "erlen.http.routing.map",
    "werkzeug.routing.rules": "erlen.http.routing.rules",
    "werkzeug.sansio.http": "erlen.http",
    "werkzeug.sansio.request": "erlen.http.wrappers.request",
    "werkzeug.sansio.response": "erlen.http.wrappers.response",
    "werkzeug.security": "erlen.security.passwords",
    "werkzeug.serving": "erlen.tools.serving",
    "werkzeug.test": "erlen.tools.testing_wsgi",
    "werkzeug.urls": "erlen.http.urls",
    "werkzeug.user_agent": "erlen.http.wrappers.user_agent",
    "werkzeug.utils": "erlen.core.utils",
    "werkzeug.wrappers": "erlen.http.wrappers",
    "werkzeug.wrappers.request": "erlen.http.wrappers.request",
    "werkzeug.wrappers.response": "erlen.http.wrappers.response",
    "werkzeug.wsgi": "erlen.adapters.wsgi_helpers",
}

#: Flask and Werkzeug packages with no erlen module of their own: each is a namespace made on
#: import, its attributes read lazily from the erlen objects named here (``"module:attribute"``).
PACKAGES: dict[str, dict[str, str]] = {
    "flask.sansio": {},
    "werkzeug": {
        "Client": "erlen.tools.testing_wsgi:Client",
        "Request": "erlen.http.wrappers:Request",
        "Response": "erlen.http.wrappers:Response",
        "run_simple": "erlen.tools.serving:run_simple",
    },
    "werkzeug.sansio": {},
}

#: Names of a Werkzeug or Flask module that erlen keeps in a higher layer than the module
#: answering for it (``"module:attribute"``), read when first asked for: the HTTP layer never
#: reads an environ, so ``werkzeug.datastructures.EnvironHeaders`` is the WSGI adapter's.
EXTRA_NAMES: dict[str, dict[str, str]] = {
    "werkzeug.datastructures": {"EnvironHeaders": "erlen.adapters.wsgi:EnvironHeaders"},
}

#: Why a module is missing on purpose, where erlen leaves one out by design.
_LEFT_OUT: dict[str, str] = {
    "werkzeug.middleware.shared_data": (
        "serve static files with the app's static_folder (send_from_directory) or the web "
        "server in front of the app"
    ),
    "werkzeug.middleware.profiler": "profile with cProfile or py-spy around the server instead",
    "werkzeug.middleware.lint": "erlen's test client checks every request with wsgiref.validate",
    "werkzeug.debug": (
        "erlen has no interactive debugger: a console that runs code from the browser is a "
        "remote shell for anyone who reaches it. `erlen run --debug` shows a traceback page."
    ),
}

_ROOTS = ("flask", "werkzeug")
_IMPORT_FROM = dis.opmap["IMPORT_FROM"]
_DOCS = "docs/extensions.md lists what erlen provides under Flask's and Werkzeug's names."


class NotProvided(ModuleNotFoundError):
    """A Flask or Werkzeug module that erlen does not provide."""


def _is_ours(fullname: str) -> bool:
    return fullname.split(".", 1)[0] in _ROOTS


def _flask_names(module_name: str) -> list[str]:
    return [name for name, target in MODULES.items() if target == module_name]


def _missing_attribute(module: types.ModuleType) -> t.Callable[[str], t.Any]:
    """A module ``__getattr__`` that names the Flask or Werkzeug attribute erlen lacks.

    ``from flask.x import name`` turns an ``AttributeError`` into a generic "cannot import name";
    so inside an import statement the error is raised as ``ImportError``, which keeps the message.
    """
    previous = module.__dict__.get("__getattr__")

    def __getattr__(name: str) -> t.Any:
        if previous is not None:
            try:
                return previous(name)
            except AttributeError:
                pass
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        aliases = _flask_names(module.__name__) or [module.__name__]
        for alias in aliases:
            where = EXTRA_NAMES.get(alias, {}).get(name)
            if where is not None:
                module_name, _, attribute = where.partition(":")
                return getattr(importlib.import_module(module_name), attribute)
        wanted = " / ".join(f"{alias}.{name}" for alias in aliases)
        message = (
            f"erlen does not provide {wanted} (served by erlen's module {module.__name__!r}). "
            + _DOCS
        )
        caller = sys._getframe(1)
        if caller.f_code.co_code[caller.f_lasti] == _IMPORT_FROM:
            raise ImportError(message, name=module.__name__)
        raise AttributeError(message)

    __getattr__.__erlen_compat__ = True  # type: ignore[attr-defined]
    return __getattr__


class _AliasLoader(importlib.abc.Loader):
    """Hands out an erlen module under a Flask or Werkzeug name."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.own_spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = importlib.import_module(self.target)
        self.own_spec = module.__spec__
        getter = module.__dict__.get("__getattr__")
        if getter is None or not getattr(getter, "__erlen_compat__", False):
            module.__getattr__ = _missing_attribute(module)  # type: ignore[method-assign]
        if not hasattr(module, "__path__") and any(
            name.startswith(spec.name + ".") for name in MODULES
        ):
            # A Flask or Werkzeug package that erlen answers with a plain module: an empty
            # search path lets its mapped children be imported through it.
            module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # The import system gave the module the Flask name's spec; the module's own relative
        # imports need its own back.
        module.__spec__ = self.own_spec


class _PackageLoader(importlib.abc.Loader):
    """Makes a Flask or Werkzeug package that only groups names erlen keeps elsewhere."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        names = self.names

        def lookup(name: str) -> t.Any:
            where = names.get(name)
            if where is None:
                raise AttributeError(name)
            module_name, _, attribute = where.partition(":")
            value = getattr(importlib.import_module(module_name), attribute)
            setattr(module, name, value)
            return value

        module.__getattr__ = lookup  # type: ignore[method-assign]
        module.__getattr__ = _missing_attribute(module)  # type: ignore[method-assign]
        module.__all__ = sorted(names)  # type: ignore[attr-defined]


class _Finder(importlib.abc.MetaPathFinder):
    """Claims every ``flask`` and ``werkzeug`` import, so that a real install is never used."""

    def find_spec(
        self,
        fullname: str,
        path: t.Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if not _is_ours(fullname):
            return None
        if fullname in PACKAGES:
            return importlib.machinery.ModuleSpec(
                fullname, _PackageLoader(PACKAGES[fullname]), is_package=True
            )
        erlen_name = MODULES.get(fullname)
        if erlen_name is None:
            reason = _LEFT_OUT.get(fullname) or next(
                (why for name, why in _LEFT_OUT.items() if fullname.startswith(name + ".")),
                None,
            )
            message = f"erlen does not provide the module {fullname!r}"
            message += f": {reason}" if reason else f". {_DOCS}"
            raise NotProvided(message, name=fullname)
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(erlen_name))


_finder = _Finder()


def install() -> None:
    """Make ``import flask`` and ``import werkzeug...`` resolve to erlen for this process.

    Call it before anything imports Flask or an extension (``import erlen.as_flask`` as the
    first import of the app module does both). Calling it again does nothing. A real ``flask`` or
    ``werkzeug`` already imported is an error: objects from two frameworks would mix.
    """
    if _finder in sys.meta_path:
        return
    imported = sorted(
        name
        for name, module in sys.modules.items()
        if _is_ours(name)
        and module is not None
        and not getattr(module, "__name__", "").startswith("erlen")
    )
    if imported:
        raise RuntimeError(
            "erlen.compat.install() was called after the real "
            f"{', '.join(imported[:3])} {'was' if len(imported) == 1 else 'were'} imported. Put "
            "`import erlen.as_flask` first in the module that creates the app, before any Flask "
            "extension is imported, or pass `-p erlen.as_flask` to pytest."
        )
    sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    """Undo :func:`install`: drop the hook and the Flask and Werkzeug names it made (tests)."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in [name for name in sys.modules if _is_ours(name)]:
        del sys.modules[name]


def installed() -> bool:
    """Whether ``flask`` and ``werkzeug`` resolve to erlen in this process."""
    return _finder in sys.meta_path
