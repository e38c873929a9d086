"""How the app turns Python values into JSON and back.

``app.json`` is a ``JSONProvider``; ``jsonify`` and a view returning a ``dict`` or ``list`` use
it, as do ``request.get_json`` and the ``|tojson`` template filter. The default one is the
standard library's ``json`` with a ``default`` hook for the types Flask users return (dates,
``Decimal``, ``UUID``, dataclasses, anything with ``__html__``).

It owns the providers only; it must never read the current context (``erlen.json`` does that) nor
import a layer above the core.
"""

from __future__ import annotations

import dataclasses
import decimal
import json
import json.encoder
import typing as t
import uuid
import weakref
from datetime import date

from erlen.http import http_date

if t.TYPE_CHECKING:
    from erlen.core.app import App
    from erlen.http.wrappers import Response


class JSONProvider:
    """The interface; subclass it to use another JSON library (set ``app.json_provider_class``)."""

    def __init__(self, app: App) -> None:
        # A proxy, not a reference: the app holds its provider, and a cycle would keep a
        # dropped app alive until the garbage collector runs.
        self._app: App = t.cast("App", weakref.proxy(app))

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        raise NotImplementedError

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        raise NotImplementedError

    def dump(self, obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
        """Serialize ``obj`` into the text file ``fp``."""
        fp.write(self.dumps(obj, **kwargs))

    def load(self, fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
        """Deserialize the contents of the file ``fp``."""
        return self.loads(fp.read(), **kwargs)

    def _prepare_response_obj(self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> t.Any:
        if args and kwargs:
            raise TypeError(
                "jsonify() takes args or kwargs, not both: pass one value, a list or a dict."
            )
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
        return http_date(o)
    if isinstance(o, (decimal.Decimal, uuid.UUID)):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_encode_ascii = getattr(json.encoder, "c_encode_basestring_ascii", None) or (
    json.encoder.py_encode_basestring_ascii
)
_encode_unicode = getattr(json.encoder, "c_encode_basestring", None) or (
    json.encoder.py_encode_basestring
)


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
    _c_encoder = False

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        return json.loads(s, **kwargs)

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        return self._response_for(self._prepare_response_obj(args, kwargs))

    def _response_for(self, obj: t.Any) -> Response:
        """The JSON response for one value (what a view returning a dict or list gets)."""
        body = f"{self._encode(obj)}\n".encode()
        return self._app.response_class._text(body, 200, self.mimetype)

    def _encode(self, obj: t.Any) -> str:
        """Encode with an encoder kept per combination of settings: building one costs more
        than encoding a small response.

        The compact encoder is the C one without circular-reference tracking (which needs a
        fresh dict per call): a value that contains itself then fails with ``RecursionError``
        instead of ``ValueError``; either way it is a bug in the view and gives a 500.
        """
        compact = self.compact
        indent = compact is False or (compact is None and bool(self._app.config["DEBUG"]))
        key = (self.sort_keys, self.ensure_ascii, indent, self.default)
        cached = self.__dict__.get("_encoder")
        if cached is None or cached[0] != key:
            cached = self.__dict__["_encoder"] = (key, self._make_encoder(indent))
        encode = cached[1]
        text: str = "".join(encode(obj, 0)) if self._c_encoder else encode(obj)
        return text

    def _make_encoder(self, indent: bool) -> t.Callable[..., t.Any]:
        encoder = json.JSONEncoder(
            default=self.default,
            ensure_ascii=self.ensure_ascii,
            sort_keys=self.sort_keys,
            indent=2 if indent else None,
            separators=None if indent else (",", ":"),
            check_circular=indent,
        )
        make = _c_make_encoder
        self._c_encoder = make is not None and not indent
        if make is None or indent:
            return encoder.encode
        basestring = _encode_ascii if self.ensure_ascii else _encode_unicode
        c_encoder: t.Callable[..., t.Any] = make(
            None, self.default, basestring, None, ":", ",", self.sort_keys, False, True
        )
        return c_encoder
