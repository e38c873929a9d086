"""``app.logger``: a standard ``logging`` logger named after the app, set up as Flask's is.

If neither the logger nor any of its parents has a handler for its level, a handler writing to
``sys.stderr`` is added; in debug mode the level is DEBUG. Configure ``logging`` before creating
the app to take over completely. This module never writes anything on its own.
"""

from __future__ import annotations

import logging
import sys
import typing as t

if t.TYPE_CHECKING:
    from .app import Erlen

default_handler = logging.StreamHandler(sys.stderr)
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


def create_logger(app: Erlen) -> logging.Logger:
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger
