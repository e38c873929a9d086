"""An app served by uvicorn in ``tests/security/test_slow_bodies.py``: a sync view that reads a
form, and a page that must keep answering while slow clients hold their connections open.

``BODY_TIMEOUT`` comes from the environment so the test can shorten it; ``ASGI_THREADS`` is
small, so that bodies read in worker threads would starve the pool at once.
"""

from __future__ import annotations

import os

from erlen import Erlen, request

app = Erlen(__name__)
app.config.update(
    BODY_TIMEOUT=float(os.environ.get("SLOW_BODIES_TIMEOUT", "30")),
    ASGI_THREADS=4,
)


@app.get("/")
def index() -> str:
    return "still here"


@app.post("/form")
def form() -> str:
    return f"got {len(request.form.get('text', ''))} characters"
