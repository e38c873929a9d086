"""Werkzeug's ``werkzeug.test`` import path, kept as ``erlen.testing_wsgi``.

The code lives in :mod:`erlen.tools.testing_wsgi`; it only re-exports the public names.
"""

from erlen.tools.testing_wsgi import (
    Client,
    ClientRedirectError,
    Cookie,
    EnvironBuilder,
    TestResponse,
    create_environ,
    encode_multipart,
    run_wsgi_app,
    stream_encode_multipart,
)

__all__ = [
    "Client",
    "ClientRedirectError",
    "Cookie",
    "EnvironBuilder",
    "TestResponse",
    "create_environ",
    "encode_multipart",
    "run_wsgi_app",
    "stream_encode_multipart",
]
