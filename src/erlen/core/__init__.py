"""The framework core: the app, blueprints, contexts and globals, dispatch, errors, sessions,
templates, signals, config and helpers (see README.md in this folder for its rule).

Nothing here reads a WSGI environ or an ASGI scope, or imports the security layer, the adapters
or the tools: ``erlen.app.Erlen`` joins those to the core's ``App``.
"""

#: erlen's version; ``erlen.__version__`` is this.
__version__ = "0.1.0"

# Fills the HTTP layer's app slots (erlen.http.slots): the JSON provider, MAX_COOKIE_SIZE.
from erlen.core import wrappers as wrappers
