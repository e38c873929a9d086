"""Flask's ``flask.testing`` import path, kept as ``erlen.testing``.

The code lives in :mod:`erlen.tools.testing`; it only re-exports the public names.
"""

from erlen.tools.testing import (
    Client,
    ClientRedirectError,
    Cookie,
    EnvironBuilder,
    ErlenClient,
    ErlenCliRunner,
    FlaskClient,
    FlaskCliRunner,
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
    "ErlenCliRunner",
    "ErlenClient",
    "FlaskCliRunner",
    "FlaskClient",
    "TestResponse",
    "create_environ",
    "encode_multipart",
    "run_wsgi_app",
    "stream_encode_multipart",
]
