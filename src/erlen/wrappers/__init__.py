"""Request and Response, under the names Flask users import them by."""

from .request import Request, UserAgent
from .response import Response

__all__ = ["Request", "Response", "UserAgent"]
