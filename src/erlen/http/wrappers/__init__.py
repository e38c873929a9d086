"""Request and Response, under the names Flask users import them by."""

from erlen.http.wrappers.request import Request, UserAgent
from erlen.http.wrappers.response import Response

__all__ = ["Request", "Response", "UserAgent"]
