"""The smallest erlen app. (`make run` serves the example blog in examples/blog.)

Serve it with `erlen --app examples/hello.py run`, any WSGI server (`gunicorn hello:app`) or
ASGI server (`uvicorn hello:app.asgi`), or `python examples/hello.py` for the standard
library's wsgiref server.
"""

from erlen import Erlen, request

app = Erlen(__name__)


@app.get("/")
def index() -> str:
    name = request.args.get("name", "World")
    return f"Hello, {name}!"


@app.get("/users/<int:user_id>")
def user(user_id: int) -> dict[str, int]:
    return {"id": user_id}


if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    with make_server("127.0.0.1", 5000, app) as server:
        print("Serving on http://127.0.0.1:5000 (wsgiref: for trying things out only)")
        server.serve_forever()
