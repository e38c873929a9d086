"""Request and Response, under the names Flask users import them by.

The modules: `request` (with `json_body` and `user_agent`), `response`, `header_fields` (the
header descriptors both share), `conditional` (304/412/206 answers) and `file_body` (a body read
from a file). None reads an environ, a scope or the request context (see `erlen.http.slots`).
"""

from erlen.http.wrappers.request import Request, UserAgent
from erlen.http.wrappers.response import Response

__all__ = ["Request", "Response", "UserAgent"]
