"""Decoding a request body as JSON: strict UTF-8, with the app's JSON provider.

Split from the request module, which calls `loads` from `Request.get_json`. A body that is not
UTF-8, or a string holding half a surrogate pair, is a `ValueError` (so a 400), never text
that fails later in a view.
"""

from __future__ import annotations

import json as _json
import re
import typing as t

from erlen.core.globals import _cv_context


def loads(data: bytes) -> t.Any:
    """JSON is UTF-8 (RFC 8259): decode it strictly here (a bad byte is a ValueError, so a
    400; a byte-order mark is allowed), which also spares the JSON module its guess at the
    encoding. A string escaping half a surrogate pair (``"\\ud800"``) is refused too: it is
    not text, and the first view that encoded it (into a response, a database) would fail
    with a 500."""
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    text = data.decode("utf-8")
    ctx = _cv_context.get(None)
    value = ctx.app.json.loads(text) if ctx is not None else _json.loads(text)
    if "\\u" in text and _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise ValueError("a string contains an unpaired surrogate escape")
    return value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(value: t.Any) -> bool:
    """Whether a parsed JSON value holds a string that is not valid Unicode text (walked
    without recursion: the value may be nested as deeply as the parser allowed)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
