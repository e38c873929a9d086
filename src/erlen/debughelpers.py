"""Flask's ``flask.debughelpers`` import path, kept as ``erlen.debughelpers``.

The code lives in :mod:`erlen.tools.debughelpers`; it only re-exports the public names.
"""

from erlen.tools.debughelpers import (
    DebugFilesKeyError,
    FormDataRoutingRedirect,
    UnexpectedUnicodeError,
    attach_enctype_error_multidict,
    explain_template_loading_attempts,
    explain_template_not_found,
)

__all__ = [
    "DebugFilesKeyError",
    "FormDataRoutingRedirect",
    "UnexpectedUnicodeError",
    "attach_enctype_error_multidict",
    "explain_template_loading_attempts",
    "explain_template_not_found",
]
