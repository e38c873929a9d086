"""JSON helpers that follow the current app's settings: ``dumps``, ``loads``, ``jsonify``.

Outside an app context they fall back to the standard library with the default provider's
options, so they can be used in scripts too. This package is at the core's rank: it reads the
current context through ``erlen.core.globals.context_var`` and must never import a layer above the
core (security, backends, adapters, tools) nor read an environ or a scope.
"""

from __future__ import annotations

import json as _json
import typing as t

from erlen.core.globals import context_var
from erlen.json.provider import DefaultJSONProvider, JSONProvider, _default

if t.TYPE_CHECKING:
    from erlen.http.wrappers import Response


def dumps(obj: t.Any, **kwargs: t.Any) -> str:
    """Serialize ``obj`` with the current app's JSON provider."""
    ctx = context_var.get(None)
    if ctx is not None:
        return ctx.app.json.dumps(obj, **kwargs)
    kwargs.setdefault("default", _default)
    return _json.dumps(obj, **kwargs)


def loads(s: str | bytes, **kwargs: t.Any) -> t.Any:
    """Deserialize with the current app's JSON provider."""
    ctx = context_var.get(None)
    if ctx is not None:
        return ctx.app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def dump(obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
    """Serialize ``obj`` into the text file ``fp`` with the current app's JSON provider."""
    ctx = context_var.get(None)
    if ctx is not None:
        ctx.app.json.dump(obj, fp, **kwargs)
    else:
        fp.write(dumps(obj, **kwargs))


def load(fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
    """Deserialize the contents of the file ``fp`` with the current app's JSON provider."""
    ctx = context_var.get(None)
    if ctx is not None:
        return ctx.app.json.load(fp, **kwargs)
    return loads(fp.read(), **kwargs)


def jsonify(*args: t.Any, **kwargs: t.Any) -> Response:
    """A JSON ``Response`` for one value, several values (a list) or keyword arguments (a dict).

    Needs an app context, because the current app's provider and response class decide.
    """
    ctx = context_var.get(None)
    if ctx is None:
        raise RuntimeError(
            "jsonify() needs an application context (a request, or `with app.app_context():`),"
            " because the app's JSON settings decide the output."
        )
    return ctx.app.json.response(*args, **kwargs)


__all__ = ["DefaultJSONProvider", "JSONProvider", "dump", "dumps", "jsonify", "load", "loads"]
