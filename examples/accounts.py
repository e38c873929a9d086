"""Sign in, sign out and a rate-limited search: the app docs/deployment.md deploys.

Configured from the environment only, so the same file runs as one process with cookie sessions
and in-memory limits, or as many processes on many machines sharing one Redis:

    ERLEN_SECRET_KEY=...                    required: the same on every process
    ERLEN_SESSION_TYPE=redis                sessions (and rate limits) in Redis ...
    ERLEN_SESSION_REDIS_URL=redis://...     ... at this address
    ERLEN_SESSION_REDIS_TIMEOUT=1           longest wait for Redis, in seconds (default 1)
    ERLEN_TRUSTED_PROXIES=1                 behind one reverse proxy (nginx)

The multi-process tests (tests/backends/test_multiprocess.py) serve this file with the commands
the guide shows.
"""

from __future__ import annotations

from erlen import Erlen, request, session
from erlen.backends.ratelimit_redis import RedisStorage
from erlen.backends.redis_sessions import RedisSessionInterface, init_app
from erlen.security.ratelimit import limit

app = Erlen(__name__)
app.config.from_prefixed_env()
init_app(app)
if isinstance(app.session_interface, RedisSessionInterface):
    # Count limits in the same Redis, so that they hold across every process together.
    app.config["RATE_LIMIT_STORAGE"] = RedisStorage(app.session_interface.redis)


@app.get("/me")
def me() -> dict[str, object]:
    return {"user": session.get("user")}


@app.post("/login")
def login() -> dict[str, object]:
    name = request.form.get("name", "").strip()
    if not name:
        return {"error": "A name is required."}
    # A new session id at login: an id planted or seen before cannot reach the signed-in session.
    session.regenerate()
    session["user"] = name
    session.permanent = True
    return {"user": name}


@app.post("/logout")
def logout() -> dict[str, object]:
    session.clear()
    return {"user": None}


@app.get("/search")
@limit("5/minute")
async def search() -> dict[str, object]:
    return {"query": request.args.get("q", ""), "results": []}


@app.get("/health")
def health() -> str:
    """Liveness: the process answers. Touches nothing else, so a Redis outage does not make the
    load balancer restart healthy processes."""
    return "ok"


@app.get("/ready")
def ready() -> tuple[str, int]:
    """Readiness: the process can serve, Redis included."""
    interface = app.session_interface
    if isinstance(interface, RedisSessionInterface):
        try:
            interface.redis.ping()
        except Exception:
            return "Redis is unavailable", 503
    return "ready", 200
