"""Flask's ``flask.debughelpers``: errors and log messages that explain a mistake in debug mode.

They say what went wrong in the developer's terms: a file field read from a form sent without
``enctype="multipart/form-data"``, a routing redirect that would make the browser drop a form, a
template that no loader found (where it was looked for, and what is there with a close name).
Nothing here runs unless the app is in debug mode, ``EXPLAIN_TEMPLATE_LOADING`` is on, or a
missing template's error is shown; nothing here changes a response.
"""

from __future__ import annotations

import typing as t

from erlen.core.errors import FormDataRoutingRedirect
from erlen.core.template_explain import (
    explain_template_loading_attempts,
    explain_template_not_found,
)

if t.TYPE_CHECKING:
    from erlen.http.wrappers import Request

__all__ = [
    "DebugFilesKeyError",
    "FormDataRoutingRedirect",
    "UnexpectedUnicodeError",
    "attach_enctype_error_multidict",
    "explain_template_loading_attempts",
    "explain_template_not_found",
]


class UnexpectedUnicodeError(AssertionError, UnicodeError):
    """Text or bytes turned up where the other was expected; the message says where."""


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files[key]`` found no file because the form was not sent as
    ``multipart/form-data``, so the browser sent only the file's name."""

    def __init__(self, request: Request, key: str) -> None:
        message = (
            f"You tried to access the file {key!r} in the request.files dictionary but it does"
            f" not exist. The mimetype for the request is {request.mimetype!r} instead of"
            " 'multipart/form-data' which means that no file contents were transmitted. Add"
            ' enctype="multipart/form-data" to the <form> tag to send the files.'
        )
        names = request.form.getlist(key)
        if names:
            listed = ", ".join(repr(name) for name in names)
            message += (
                "\n\nThe browser sent the names of the files in the form data instead."
                f" This was submitted: {listed}"
            )
        super().__init__(key)
        self.msg = message

    def __str__(self) -> str:
        return self.msg


def attach_enctype_error_multidict(request: Request) -> None:
    """Make ``request.files[key]`` raise ``DebugFilesKeyError`` (instead of a plain 400) when
    ``key`` is a field of ``request.form``: the sign of a form sent without the multipart
    enctype. For debug mode only."""
    files = request.files
    base = type(files)

    class DebugFiles(base):  # type: ignore[valid-type,misc]
        __slots__ = ()  # the same layout as the class it replaces, or __class__ cannot change

        def __getitem__(self, key: str) -> t.Any:
            try:
                return super().__getitem__(key)
            except KeyError as error:
                if key not in request.form:
                    raise
                raise DebugFilesKeyError(request, key).with_traceback(error.__traceback__) from None

    # Reported under its own name: the subclass is an implementation detail.
    DebugFiles.__name__ = base.__name__
    DebugFiles.__qualname__ = base.__qualname__
    DebugFiles.__module__ = base.__module__
    files.__class__ = DebugFiles
