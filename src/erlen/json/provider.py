"""How the app turns Python values into JSON and back.

``app.json`` is a ``JSONProvider``; ``jsonify`` and a view returning a ``dict`` or ``list`` use
it, as do ``request.get_json`` and the ``|tojson`` template filter. The default one is the
standard library's ``json`` with a ``default`` hook for the types Flask users return (dates,
``Decimal``, ``UUID``, dataclasses, anything with ``__html__``).
"""

from __future__ import annotations

import dataclasses
import decimal
import json
import typing as t
import uuid
from datetime import date

if t.TYPE_CHECKING:
    from ..app import Erlen
    from ..wrappers import Response


class JSONProvider:
    """The interface; subclass it to use another JSON library (set ``app.json_provider_class``)."""

    def __init__(self, app: Erlen) -> None:
        self._app = app

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        raise NotImplementedError

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        raise NotImplementedError

    def _prepare_response_obj(self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> t.Any:
        if args and kwargs:
            raise TypeError("jsonify() takes either positional or keyword arguments, not both.")
        if not args and not kwargs:
            return None
        if len(args) == 1:
            return args[0]
        return args or kwargs

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """A ``Response`` whose body is the JSON of the arguments (one value, a list, or a dict)."""
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(f"{self.dumps(obj)}\n", mimetype="application/json")


def _default(o: t.Any) -> t.Any:
    if isinstance(o, date):
        from ..http import http_date

        return http_date(o)
    if isinstance(o, (decimal.Decimal, uuid.UUID)):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


class DefaultJSONProvider(JSONProvider):
    """The standard library's ``json`` with Flask's defaults.

    ``sort_keys`` and ``ensure_ascii`` are on, as in Flask; ``compact`` is None, meaning
    indented output in debug mode and compact output otherwise.
    """

    default: t.Callable[[t.Any], t.Any] = staticmethod(_default)
    ensure_ascii = True
    sort_keys = True
    compact: bool | None = None
    mimetype = "application/json"

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        return json.loads(s, **kwargs)

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        body = f"{self._response_encoder().encode(obj)}\n".encode()
        return self._app.response_class._text(body, 200, self.mimetype)

    def _response_encoder(self) -> json.JSONEncoder:
        """One encoder per combination of settings, reused: building a ``JSONEncoder`` costs
        more than encoding a small response."""
        indent = (self.compact is None and self._app.debug) or self.compact is False
        key = (self.sort_keys, self.ensure_ascii, indent, self.default)
        cached = self.__dict__.get("_encoder")
        if cached is not None and cached[0] == key:
            return t.cast(json.JSONEncoder, cached[1])
        encoder = json.JSONEncoder(
            default=self.default,
            ensure_ascii=self.ensure_ascii,
            sort_keys=self.sort_keys,
            indent=2 if indent else None,
            separators=None if indent else (",", ":"),
        )
        self.__dict__["_encoder"] = (key, encoder)
        return encoder
