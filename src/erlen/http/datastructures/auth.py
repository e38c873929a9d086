"""`Authorization` and `WWWAuthenticate`: the parsed `Authorization` request header and the
`WWW-Authenticate` response header.

`request.authorization` is an `Authorization` (None without the header); setting
`response.www_authenticate` writes the challenge. A scheme carries either a `token` (`Bearer`,
and `Basic`'s credentials, decoded into `username`/`password`) or `parameters` (`Digest`).
Parsing a client's header never raises: a malformed one gives None.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from erlen.http.datastructures.callback_dict import CallbackDict
from erlen.http.quoting import dump_header, parse_dict_header, quote_header_value


def _split_scheme(value: str) -> tuple[str, str]:
    scheme, _, rest = value.partition(" ")
    return scheme.lower(), rest.strip(" \t")


def _has_parameters(rest: str) -> bool:
    # A token (base64 or token68) may end in "=" padding; an "=" before the end means pairs.
    return "=" in rest.rstrip("=")


class Authorization:
    """The credentials of an `Authorization` header: `type` (lower-cased scheme), and either
    `parameters` or `token`. `auth.username`, `auth["username"]` and `auth.get("username")` all
    read `parameters`."""

    def __init__(
        self,
        auth_type: str,
        data: dict[str, str | None] | None = None,
        token: str | None = None,
    ) -> None:
        self.type = auth_type
        self.parameters: dict[str, str | None] = {} if data is None else data
        self.token = token

    def __getattr__(self, name: str) -> str | None:
        if name.startswith("__"):
            raise AttributeError(name)
        parameters: dict[str, str | None] = self.__dict__.get("parameters", {})
        return parameters.get(name)

    def __getitem__(self, name: str) -> str | None:
        return self.parameters.get(name)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.parameters.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self.parameters

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Authorization):
            return NotImplemented
        return (self.type, self.token, self.parameters) == (
            other.type,
            other.token,
            other.parameters,
        )

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_header(cls, value: str | None) -> Authorization | None:
        """Parse an `Authorization` header; None when it is empty, or `Basic` credentials that
        are not base64 of UTF-8 text."""
        if not value:
            return None
        scheme, rest = _split_scheme(value)
        if scheme == "basic":
            try:
                decoded = base64.b64decode(rest, validate=True).decode()
            except ValueError:  # bad base64, non-ASCII text, bytes that are not UTF-8
                return None
            username, _, password = decoded.partition(":")
            return cls(scheme, {"username": username, "password": password})
        if _has_parameters(rest):
            return cls(scheme, parse_dict_header(rest))
        return cls(scheme, None, rest)

    def to_header(self) -> str:
        if self.type == "basic":
            credentials = f"{self.username}:{self.password}".encode()
            return f"Basic {base64.b64encode(credentials).decode('ascii')}"
        if self.token is not None:
            return f"{self.type.title()} {self.token}"
        return f"{self.type.title()} {dump_header(self.parameters)}"

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()}>"


_WWW_AUTH_SLOTS = frozenset({"_type", "_parameters", "_token", "_on_update"})
# Digest challenge parameters that RFC 7616 always writes as quoted strings.
_DIGEST_QUOTED = frozenset({"realm", "domain", "nonce", "opaque", "qop"})


class WWWAuthenticate:
    """A `WWW-Authenticate` challenge: `type`, and `parameters` (`realm`, ...) or `token`.
    `auth.realm = "x"`, `auth["realm"] = "x"` and edits of `parameters` all update the
    response header it came from."""

    _type: str
    _parameters: CallbackDict[str, str | None]
    _token: str | None
    _on_update: Callable[[WWWAuthenticate], None] | None

    def __init__(
        self,
        auth_type: str,
        values: dict[str, str | None] | None = None,
        token: str | None = None,
    ) -> None:
        object.__setattr__(self, "_type", auth_type.lower())
        object.__setattr__(self, "_parameters", CallbackDict(values, self._parameters_changed))
        object.__setattr__(self, "_token", token)
        object.__setattr__(self, "_on_update", None)

    def _parameters_changed(self, _: Any) -> None:
        self._changed()

    def _changed(self) -> None:
        if self._on_update is not None:
            self._on_update(self)

    @property
    def type(self) -> str:
        return self._type

    @type.setter
    def type(self, value: str) -> None:
        object.__setattr__(self, "_type", value)
        self._changed()

    @property
    def parameters(self) -> dict[str, str | None]:
        return self._parameters

    @parameters.setter
    def parameters(self, value: dict[str, str | None]) -> None:
        object.__setattr__(self, "_parameters", CallbackDict(value, self._parameters_changed))
        self._changed()

    @property
    def token(self) -> str | None:
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        object.__setattr__(self, "_token", value)
        self._changed()

    def __getitem__(self, key: str) -> str | None:
        return self._parameters.get(key)

    def __setitem__(self, key: str, value: str | None) -> None:
        if value is None:
            self._parameters.pop(key, None)
        else:
            self._parameters[key] = value

    def __delitem__(self, key: str) -> None:
        self._parameters.pop(key, None)

    def __getattr__(self, name: str) -> str | None:
        if name.startswith("__") or name in _WWW_AUTH_SLOTS:
            raise AttributeError(name)
        return self[name]

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _WWW_AUTH_SLOTS or isinstance(getattr(type(self), name, None), property):
            object.__setattr__(self, name, value)
        else:
            self[name] = value

    def __delattr__(self, name: str) -> None:
        del self[name]

    def __contains__(self, key: str) -> bool:
        return key in self._parameters

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WWWAuthenticate):
            return NotImplemented
        return (self.type, self.token, self.parameters) == (
            other.type,
            other.token,
            other.parameters,
        )

    __hash__ = None  # type: ignore[assignment]

    def get(self, key: str, default: str | None = None) -> str | None:
        return self._parameters.get(key, default)

    @classmethod
    def from_header(cls, value: str | None) -> WWWAuthenticate | None:
        """Parse a `WWW-Authenticate` header value; None when it is empty."""
        if not value:
            return None
        scheme, rest = _split_scheme(value)
        if _has_parameters(rest):
            return cls(scheme, parse_dict_header(rest))
        # A bare scheme ("Basic") has neither parameters nor a token.
        return cls(scheme, None, rest or None)

    def to_header(self) -> str:
        if self.token is not None:
            return f"{self.type.title()} {self.token}"
        if not self.parameters:
            return self.type.title()
        if self.type == "digest":
            items = [
                f"{key}={quote_header_value(value, allow_token=key not in _DIGEST_QUOTED)}"
                for key, value in self.parameters.items()
            ]
            return f"Digest {', '.join(items)}"
        return f"{self.type.title()} {dump_header(self.parameters)}"

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()}>"
