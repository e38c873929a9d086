"""Werkzeug's ``werkzeug.formparser`` import path, kept as ``erlen.formparser``.

The code lives in :mod:`erlen.http.formparser`; it only re-exports the public names.
"""

from erlen.http.formparser import (
    MAX_PART_HEADER_SIZE,
    BadRequest,
    FileStorage,
    Headers,
    HTTPException,
    MultiDict,
    RequestEntityTooLarge,
    RequestURITooLarge,
    SupportsRead,
    parse_form_data,
    parse_options_header,
    parse_query_string,
)

__all__ = [
    "MAX_PART_HEADER_SIZE",
    "BadRequest",
    "FileStorage",
    "HTTPException",
    "Headers",
    "MultiDict",
    "RequestEntityTooLarge",
    "RequestURITooLarge",
    "SupportsRead",
    "parse_form_data",
    "parse_options_header",
    "parse_query_string",
]
