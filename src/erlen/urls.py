"""Werkzeug's ``werkzeug.urls`` import path, kept as ``erlen.urls``.

The code lives in :mod:`erlen.http.urls`; it only re-exports the public names.
"""

from erlen.http.urls import (
    iri_to_uri,
    uri_to_iri,
)

__all__ = [
    "iri_to_uri",
    "uri_to_iri",
]
