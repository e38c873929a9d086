"""``app.logger``: a standard ``logging`` logger named after the app, set up as Flask's is.

If neither the logger nor any of its parents has a handler for its level, ``default_handler`` is
added; in debug mode the level is DEBUG. The handler writes to ``wsgi_errors_stream``: the WSGI
server's error stream (``environ["wsgi.errors"]``) during a WSGI request, ``sys.stderr`` otherwise
(looked up on each write, so a replaced ``sys.stderr`` is honoured). Configure ``logging`` before
creating the app to take over completely. This module never writes anything on its own.
"""

from __future__ import annotations

import logging
import sys
import typing as t

from erlen.core.globals import _cv_context

if t.TYPE_CHECKING:
    from erlen.core.app import App

__all__ = ["create_logger", "default_handler", "has_level_handler", "wsgi_errors_stream"]


class _ErrorsStream:
    """A stream that writes where the current request's server collects errors."""

    def _get_current_object(self) -> t.TextIO:
        ctx = _cv_context.get(None)
        # A request from a WSGI server offers the server's error stream (``wsgi.errors``) as
        # ``errors_stream`` (erlen.adapters.wsgi); the core never reads the environ itself.
        stream = getattr(getattr(ctx, "request", None), "errors_stream", None)
        if stream is not None:
            return t.cast(t.TextIO, stream)
        return sys.stderr

    def write(self, text: str) -> int:
        return self._get_current_object().write(text)

    def flush(self) -> None:
        self._get_current_object().flush()

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self._get_current_object(), name)

    def __repr__(self) -> str:
        return f"<wsgi_errors_stream: {self._get_current_object()!r}>"


#: Writes to ``environ["wsgi.errors"]`` in a WSGI request, else to ``sys.stderr``.
wsgi_errors_stream = _ErrorsStream()

default_handler = logging.StreamHandler(wsgi_errors_stream)
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether a handler in the logger's chain will emit a record at the logger's level."""
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


def create_logger(app: App) -> logging.Logger:
    """The app's logger (``logging.getLogger(app.name)``), given ``default_handler`` when no
    handler would show its records, and the DEBUG level in debug mode when it has none."""
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger
