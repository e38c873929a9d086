"""Decoding a request body as JSON: strict UTF-8, then the decoder it is given.

Split from the request module, which calls `loads` from `Request.get_json` with
`erlen.http.slots.json_loads` (the app's JSON provider once the core has filled the slot; the
standard library's outside an app). A body that is not UTF-8, or a string holding half a
surrogate pair, is a `ValueError` (so a 400), never text that fails later in a view. Never
reads the request context: the decoder is passed in.
"""

from __future__ import annotations

import re
import typing as t


def loads(data: bytes, decode: t.Callable[[str], t.Any]) -> t.Any:
    """JSON is UTF-8 (RFC 8259): decode it strictly here (a bad byte is a ValueError, so a
    400; a byte-order mark is allowed), which also spares the JSON module its guess at the
    encoding. A string escaping half a surrogate pair (``"\\ud800"``) is refused too: it is
    not text, and the first view that encoded it (into a response, a database) would fail
    with a 500. ``decode`` parses the text (``json.loads``, or the app's provider)."""
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    text = data.decode("utf-8")
    value = decode(text)
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
