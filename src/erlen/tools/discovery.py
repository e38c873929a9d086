"""How the ``erlen`` command finds the app: ``module``, ``module:name``, ``module:factory(args)``.

Owns importing the module the user named (a dotted name or a file path, made importable by putting
its folder on ``sys.path``) and finding the app in it, and the messages for each way that fails:
no such module, an ImportError inside the module (shown with its traceback), no such name, a
factory that cannot be called as written. ``cli.py`` decides when to look; this module only looks.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import re
import sys
import traceback
import types
import typing as t

import click

from erlen.core.app import App

if t.TYPE_CHECKING:
    from erlen.app import Erlen


class NoAppException(click.UsageError):
    """The app could not be found or loaded; the message says what was tried."""


def _erlen_class() -> type[Erlen]:
    # The core class is what apps are checked against: the tools sit below ``erlen.app``, which
    # imports them. An app the tools load is an ``Erlen`` (or a subclass) in practice.
    return t.cast("type[Erlen]", App)


def _call_factory(factory: t.Callable[..., t.Any], label: str, args: t.Any, kwargs: t.Any) -> t.Any:
    """Call an app factory; a call its signature cannot take is the user's mistake, said plainly
    (a TypeError raised inside the factory is not, and propagates)."""
    try:
        inspect.signature(factory).bind(*args, **kwargs)
    except TypeError as error:
        raise NoAppException(
            f"The factory {label} could not be called with "
            + (f"the arguments given ({error})." if args or kwargs else f"no arguments ({error}).")
            + " Pass them in the app string, for example 'module:create_app(\"dev\")'."
        ) from None
    except ValueError:
        pass  # no signature to check (a builtin); just call it
    return factory(*args, **kwargs)


def find_best_app(module: types.ModuleType) -> Erlen:
    """The app in ``module`` when no name was given: ``app`` or ``application``, else the only
    ``Erlen`` instance, else what ``create_app()`` or ``make_app()`` returns."""
    erlen_class = _erlen_class()
    for name in ("app", "application"):
        candidate = getattr(module, name, None)
        if isinstance(candidate, erlen_class):
            return candidate
    instances = [value for value in vars(module).values() if isinstance(value, erlen_class)]
    if len(instances) == 1:
        return instances[0]
    if instances:
        raise NoAppException(
            f"Module {module.__name__!r} holds several Erlen applications. Say which one with"
            f" '{module.__name__}:name'."
        )
    for name in ("create_app", "make_app"):
        factory = getattr(module, name, None)
        if inspect.isfunction(factory):
            app = _call_factory(factory, f"'{module.__name__}:{name}'", (), {})
            if isinstance(app, erlen_class):
                return app
    raise NoAppException(
        f"Module {module.__name__!r} has no Erlen application ('app' or 'application') and no"
        f" factory ('create_app' or 'make_app'). Name one with '{module.__name__}:name'."
    )


def _parse_app_name(text: str) -> tuple[str, tuple[t.Any, ...], dict[str, t.Any], bool]:
    """``name`` or ``name(literal, key=literal)``: the name, arguments and whether it is a call."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        node = None
    if isinstance(node, ast.Name):
        return node.id, (), {}, False
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        try:
            args = tuple(ast.literal_eval(arg) for arg in node.args)
            kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
        except ValueError:
            raise NoAppException(
                f"The arguments in {text!r} must be Python literals (strings, numbers, ...)."
            ) from None
        return node.func.id, args, kwargs, True
    raise NoAppException(f"{text!r} is neither a name nor a call such as 'create_app()'.")


def find_app_by_string(module: types.ModuleType, app_name: str) -> Erlen:
    """The app that ``module:app_name`` names: an attribute, or a factory called as written."""
    name, args, kwargs, is_call = _parse_app_name(app_name)
    label = f"'{module.__name__}:{app_name}'"
    try:
        target = getattr(module, name)
    except AttributeError:
        raise NoAppException(
            f"Module {module.__name__!r} was imported, but it has no attribute {name!r}."
        ) from None
    if inspect.isfunction(target):
        app = _call_factory(target, label, args, kwargs)
    elif is_call:
        raise NoAppException(f"{label} calls {name!r}, which is not a function.")
    else:
        app = target
    if isinstance(app, _erlen_class()):
        return app
    raise NoAppException(f"{label} is not an Erlen application (it is {type(app).__name__!r}).")


def prepare_import(target: str | os.PathLike[str]) -> str:
    """The module name for ``target`` (a dotted name, or a path to a ``.py`` file or a package
    folder), with the folder it imports from put first on ``sys.path``."""
    target = os.fspath(target)
    looks_like_path = target.endswith(".py") or os.sep in target or "/" in target
    if not looks_like_path:
        folder = os.getcwd()
        if sys.path[0] != folder:
            sys.path.insert(0, folder)
        return target
    path = os.path.realpath(target)
    if path.endswith(".py"):
        path = path[:-3]
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)
    folder, name = os.path.split(path)
    parts = [name]
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        folder, package = os.path.split(folder)
        parts.insert(0, package)
    if sys.path[0] != folder:
        sys.path.insert(0, folder)
    return ".".join(parts)


def _import_module(module_name: str, raise_if_not_found: bool) -> types.ModuleType | None:
    try:
        return importlib.import_module(module_name)
    except ImportError as error:
        missing = getattr(error, "name", None)
        if (
            isinstance(error, ModuleNotFoundError)
            and missing
            and (module_name == missing or module_name.startswith(missing + "."))
        ):
            if not raise_if_not_found:
                return None
            raise NoAppException(
                f"Could not import {module_name!r}: no such module (from the folder"
                f" {os.getcwd()!r})."
            ) from None
        raise NoAppException(
            f"While importing {module_name!r}, an ImportError was raised:\n\n"
            f"{traceback.format_exc()}"
        ) from None


@t.overload
def locate_app(module_name: str, app_name: str | None) -> Erlen: ...


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool
) -> Erlen | None: ...


def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = True
) -> Erlen | None:
    """Import ``module_name`` and find the app in it (see ``find_best_app``)."""
    module = _import_module(module_name, raise_if_not_found)
    if module is None:
        return None
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)


def split_app_spec(spec: str) -> tuple[str, str | None]:
    """``module:name`` into its parts; a colon followed by a slash is a Windows drive letter."""
    parts = re.split(r":(?![\\/])", spec, maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else None
