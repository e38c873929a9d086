"""An app served by uvicorn in the end-to-end tests: plain HTTP, a streamed body, a WebSocket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

from erlen import Erlen, request, stream_with_context, websocket

app = Erlen(__name__)
started: list[str] = []


@app.before_serving
async def remember_start() -> None:
    started.append("yes")


@app.get("/")
def index() -> str:
    return f"Hello, {request.args.get('name', 'World')}! started={','.join(started)}"


@app.post("/echo")
async def echo() -> dict[str, object]:
    return {"json": request.get_json(), "length": request.content_length}


@app.get("/events")
def events() -> tuple[Iterator[str], dict[str, str]]:
    @stream_with_context
    def generate() -> Iterator[str]:
        for number in range(3):
            yield f"data: {number} for {request.args.get('who', '?')}\n\n"
            time.sleep(0.3)

    return generate(), {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}


@app.get("/ticks")
async def ticks() -> AsyncIterator[str]:
    async def generate() -> AsyncIterator[str]:
        for number in range(3):
            yield f"tick {number}\n"
            await asyncio.sleep(0.3)

    return generate()


@app.websocket("/ws/<name>")
async def chat(name: str) -> None:
    async for message in websocket:
        if message == "bye":
            await websocket.close(1000)
            return
        await websocket.send_json({"to": name, "echo": message})


def create_app() -> Erlen:
    """A factory, as served by ``uvicorn 'tests.apps.served:create_app' --factory --interface
    asgi3``: the app object answers ASGI calls itself."""
    factory_app = Erlen("served_factory")

    @factory_app.get("/")
    def index() -> str:
        return "from a factory"

    return factory_app
