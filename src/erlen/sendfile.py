"""``send_file`` and ``send_from_directory`` import path, kept as ``erlen.sendfile``.

The code lives in :mod:`erlen.core.sendfile`; it only re-exports the public names.
"""

from erlen.core.sendfile import (
    CHUNK_SIZE,
    FileBody,
    content_disposition,
    make_conditional,
    safe_join,
    send_file,
    send_from_directory,
)

__all__ = [
    "CHUNK_SIZE",
    "FileBody",
    "content_disposition",
    "make_conditional",
    "safe_join",
    "send_file",
    "send_from_directory",
]
