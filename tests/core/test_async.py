"""Async views and hooks under WSGI and ASGI, and context that follows the work into tasks,
threads and streamed bodies."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

import pytest

from erlen import (
    Erlen,
    copy_current_request_context,
    g,
    request,
    session,
    stream_with_context,
)
from erlen.core.views import MethodView


@pytest.fixture(params=["wsgi", "asgi"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.config["SECRET_KEY"] = "test secret key that is long enough"
    return app


def client_for(app: Erlen, protocol: str):  # type: ignore[no-untyped-def]
    return app.test_client(asgi=protocol == "asgi")


def test_async_view_hooks_and_error_handler(app: Erlen, protocol: str) -> None:
    order: list[str] = []

    @app.before_request
    async def before() -> None:
        await asyncio.sleep(0)
        g.user = request.args.get("user", "anon")
        order.append("before")

    @app.after_request
    async def after(response):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0)
        response.headers["X-After"] = "async"
        order.append("after")
        return response

    @app.teardown_request
    async def teardown(error: BaseException | None) -> None:
        await asyncio.sleep(0)
        order.append("teardown")

    @app.errorhandler(LookupError)
    async def lookup_failed(error: LookupError) -> tuple[str, int]:
        await asyncio.sleep(0)
        return f"missing: {error}", 404

    @app.get("/")
    async def index() -> str:
        await asyncio.sleep(0)
        return f"hello {g.user}"

    @app.get("/missing")
    async def missing() -> str:
        raise LookupError("thing")

    client = client_for(app, protocol)
    response = client.get("/?user=ann")
    assert response.status_code == 200
    assert response.text == "hello ann"
    assert response.headers["X-After"] == "async"
    assert order == ["before", "after", "teardown"]
    response = client.get("/missing")
    assert response.status_code == 404
    assert response.text == "missing: thing"


def test_sync_and_async_hooks_mix(app: Erlen, protocol: str) -> None:
    @app.before_request
    def sync_before() -> None:
        g.sync_thread = threading.get_ident()

    @app.get("/")
    async def index() -> dict[str, bool]:
        return {"same_thread": g.sync_thread == threading.get_ident()}

    response = client_for(app, protocol).get("/")
    assert response.status_code == 200
    # Under ASGI the sync hook ran in the thread pool and the async view on the loop; under
    # WSGI both ran in the request's thread. Either way g carried the value across.
    assert response.json == {"same_thread": protocol == "wsgi"}


def test_before_request_short_circuit_async(app: Erlen, protocol: str) -> None:
    @app.before_request
    async def stop() -> str:
        return "stopped early"

    @app.get("/")
    async def index() -> str:
        raise AssertionError("the view must not run")

    assert client_for(app, protocol).get("/").text == "stopped early"


def test_wsgi_reuses_one_event_loop_per_thread(app: Erlen) -> None:
    loops: list[int] = []

    @app.get("/")
    async def index() -> str:
        loops.append(id(asyncio.get_running_loop()))
        return "ok"

    client = app.test_client()
    for _ in range(3):
        assert client.get("/").text == "ok"
    assert len(set(loops)) == 1

    def other_thread() -> None:
        assert app.test_client().get("/").text == "ok"

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert len(set(loops)) == 2


def test_tasks_created_in_a_view_see_the_request(app: Erlen, protocol: str) -> None:
    @app.get("/")
    async def index() -> dict[str, object]:
        g.marker = "from view"

        async def child(number: int) -> str:
            await asyncio.sleep(0)
            return f"{request.args['q']}-{g.marker}-{number}"

        task = asyncio.create_task(child(0))
        async with asyncio.TaskGroup() as group:
            grouped = [group.create_task(child(n)) for n in (1, 2)]
        return {"task": await task, "group": [t.result() for t in grouped]}

    response = client_for(app, protocol).get("/?q=x")
    assert response.json == {
        "task": "x-from view-0",
        "group": ["x-from view-1", "x-from view-2"],
    }


def test_copy_current_request_context_for_coroutines(app: Erlen, protocol: str) -> None:
    results: list[str] = []

    @app.get("/")
    async def index() -> str:
        @copy_current_request_context
        async def later() -> None:
            results.append(request.path)

        thread = threading.Thread(target=asyncio.run, args=(later(),))
        thread.start()
        thread.join()
        return "ok"

    assert client_for(app, protocol).get("/").text == "ok"
    assert results == ["/"]


def test_two_concurrent_requests_on_one_loop_stay_apart(app: Erlen) -> None:
    """Two requests interleave on one event loop; each sees only its own request, g and
    session, even across awaits."""
    both_inside = asyncio.Event()
    arrived: list[str] = []

    @app.get("/who/<name>")
    async def who(name: str) -> dict[str, object]:
        g.name = name
        session["name"] = name
        arrived.append(name)
        if len(arrived) == 2:
            both_inside.set()
        await both_inside.wait()
        await asyncio.sleep(0)
        return {"arg": request.view_args, "g": g.name, "session": session["name"]}

    async def call(path: str) -> dict[str, object]:
        sent: list[dict[str, object]] = []
        received = False

        async def receive() -> dict[str, object]:
            nonlocal received
            if not received:
                received = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, object]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": b"",
            "headers": [],
            "scheme": "http",
            "server": ("localhost", 80),
            "client": ("127.0.0.1", 1),
        }
        await app.asgi(scope, receive, send)
        import json

        return json.loads(sent[1]["body"])  # type: ignore[arg-type]

    async def main() -> list[dict[str, object]]:
        return await asyncio.gather(call("/who/ann"), call("/who/bob"))

    ann, bob = asyncio.run(main())
    assert ann == {"arg": {"name": "ann"}, "g": "ann", "session": "ann"}
    assert bob == {"arg": {"name": "bob"}, "g": "bob", "session": "bob"}


def test_sync_view_under_asgi_runs_in_the_pool_with_context(app: Erlen) -> None:
    @app.get("/")
    def index() -> dict[str, object]:
        return {
            "thread": threading.current_thread().name,
            "path": request.path,
            "arg": request.args["a"],
        }

    data = app.test_client(asgi=True).get("/?a=1").json
    assert data["thread"].startswith("erlen-sync")
    assert data["path"] == "/"
    assert data["arg"] == "1"


def test_asgi_thread_pool_size_is_configurable(app: Erlen) -> None:
    app.config["ASGI_THREADS"] = 1
    seen: set[str] = set()

    @app.get("/")
    def index() -> str:
        seen.add(threading.current_thread().name)
        return "ok"

    client = app.test_client(asgi=True)
    for _ in range(5):
        client.get("/")
    assert len(seen) == 1


def test_sync_and_async_generators_stream(app: Erlen, protocol: str) -> None:
    @app.get("/sync")
    def sync_stream() -> Iterator[str]:
        @stream_with_context
        def generate() -> Iterator[str]:
            yield "a="
            yield request.args["a"]

        return generate()

    @app.get("/async")
    async def async_stream() -> AsyncIterator[bytes]:
        async def generate() -> AsyncIterator[bytes]:
            for part in (b"x", b"y", b"z"):
                await asyncio.sleep(0)
                yield part

        return generate()

    client = client_for(app, protocol)
    assert client.get("/sync?a=1").text == "a=1"
    assert client.get("/async").text == "xyz"


def test_async_class_based_view(app: Erlen, protocol: str) -> None:
    class Item(MethodView):
        async def get(self, item_id: int) -> str:
            await asyncio.sleep(0)
            return f"item {item_id}"

        async def delete(self, item_id: int) -> tuple[str, int]:
            return "", 204

    app.add_url_rule("/items/<int:item_id>", view_func=Item.as_view("item"))
    client = client_for(app, protocol)
    assert client.get("/items/3").text == "item 3"
    assert client.delete("/items/3").status_code == 204
    assert client.post("/items/3").status_code == 405
