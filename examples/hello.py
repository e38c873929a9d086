"""The smallest erlen app: what `make run` serves until the example blog exists.

Run it with `make run` (uvicorn over `app.asgi` once ASGI lands, for now any WSGI server), or
`python examples/hello.py` for the standard library's wsgiref server.
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
