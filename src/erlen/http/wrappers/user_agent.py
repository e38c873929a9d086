"""`UserAgent`: the request's `User-Agent` header (`request.user_agent`); `werkzeug.user_agent`
maps to the request module, which re-exports it. Parses nothing, as Werkzeug 2.1+ does.
"""

from __future__ import annotations


class UserAgent:
    """The ``User-Agent`` header; ``str(request.user_agent)`` is the raw string.

    As Werkzeug's, it parses nothing: ``platform``, ``browser``, ``version`` and ``language``
    are None. A subclass set as ``Request.user_agent_class`` can fill them from ``string``.
    """

    __slots__ = ("string",)

    platform: str | None = None
    browser: str | None = None
    version: str | None = None
    language: str | None = None

    def __init__(self, string: str) -> None:
        self.string = string

    def to_header(self) -> str:
        return self.string

    def __str__(self) -> str:
        return self.string

    def __bool__(self) -> bool:
        return bool(self.string)

    def __repr__(self) -> str:
        return f"<UserAgent {self.string!r}>"
