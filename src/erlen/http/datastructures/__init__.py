"""Werkzeug's HTTP datastructures, implemented by erlen: `werkzeug.datastructures` maps here.

The package owns the containers requests and responses are made of, one concept a module:
multi-valued and read-only dicts (`structures`), header lists (`headers`), uploads
(`file_storage`), and the parsed forms of structured headers (`accept`, `auth`,
`cache_control`, `csp`, `etags`, `range`, `header_set`, `callback_dict`). Pure containers: no
module here reads an environ, a scope or a socket. Safety rule kept in `headers`: no header name
or value with CR, LF or NUL can ever enter a `Headers`. Werkzeug's `EnvironHeaders` (headers
read from a WSGI environ) belongs to the WSGI adapter: `erlen.datastructures` and
`werkzeug.datastructures` (under the compat switch) offer it from there.
"""

from __future__ import annotations

import warnings
from typing import Any

from erlen.http.datastructures.accept import Accept, CharsetAccept, LanguageAccept, MIMEAccept
from erlen.http.datastructures.auth import Authorization, WWWAuthenticate
from erlen.http.datastructures.cache_control import (
    CacheControl,
    RequestCacheControl,
    ResponseCacheControl,
    cache_control_property,
)
from erlen.http.datastructures.callback_dict import CallbackDict
from erlen.http.datastructures.csp import ContentSecurityPolicy, csp_property
from erlen.http.datastructures.etags import ETags
from erlen.http.datastructures.file_storage import FileMultiDict, FileStorage
from erlen.http.datastructures.header_set import HeaderSet
from erlen.http.datastructures.headers import Headers, ReadOnlyHeaders
from erlen.http.datastructures.range import ContentRange, IfRange, Range
from erlen.http.datastructures.structures import (
    CombinedMultiDict,
    ImmutableDict,
    ImmutableList,
    ImmutableMultiDict,
    ImmutableTypeConversionDict,
    MultiDict,
    TypeConversionDict,
    iter_multi_items,
)

__all__ = [
    "Accept",
    "Authorization",
    "CacheControl",
    "CallbackDict",
    "CharsetAccept",
    "CombinedMultiDict",
    "ContentRange",
    "ContentSecurityPolicy",
    "ETags",
    "FileMultiDict",
    "FileStorage",
    "HeaderSet",
    "Headers",
    "IfRange",
    "ImmutableDict",
    "ImmutableList",
    "ImmutableMultiDict",
    "ImmutableTypeConversionDict",
    "LanguageAccept",
    "MIMEAccept",
    "MultiDict",
    "Range",
    "ReadOnlyHeaders",
    "RequestCacheControl",
    "ResponseCacheControl",
    "TypeConversionDict",
    "WWWAuthenticate",
    "cache_control_property",
    "csp_property",
    "iter_multi_items",
]

# Werkzeug 3.1 deprecates its ordered multi dicts in favour of the plain ones (erlen's keep the
# order of keys and of each key's values, which is what code relies on).
_DEPRECATED = {
    "OrderedMultiDict": MultiDict,
    "ImmutableOrderedMultiDict": ImmutableMultiDict,
}


def __getattr__(name: str) -> Any:
    replacement = _DEPRECATED.get(name)
    if replacement is not None:
        warnings.warn(
            f"{name!r} is deprecated (as in Werkzeug 3.1): use {replacement.__name__!r}.",
            DeprecationWarning,
            stacklevel=2,
        )
        return replacement
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
