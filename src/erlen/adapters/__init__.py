"""The server adapters: WSGI (``wsgi.py``) and ASGI (``asgi.py``, WebSockets in ``websocket.py``),
and the proxy rewriting of an environ or a scope (see README.md in this folder for its rule).

This is the only code that reads an environ or a scope or calls ``receive``/``send``; it drives
requests through the public methods of ``app.dispatcher`` (``erlen.core.dispatch``).
"""

# Fills the HTTP layer's WSGI slots (erlen.http.slots): Request(environ), Response as a WSGI app.
from erlen.adapters import environ as environ
