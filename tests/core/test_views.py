"""Tests for erlen.core.views: ``View`` and ``MethodView`` routed with ``as_view``, sync and async,
under WSGI and ASGI, as a Flask user writes them."""

from __future__ import annotations

import asyncio
import functools
import threading
from typing import Any

import pytest

from erlen import Erlen, request
from erlen.core.blueprints import Blueprint
from erlen.core.concurrency import is_async_callable
from erlen.core.views import MethodView, View


@pytest.fixture(params=["wsgi", "asgi"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.config["TESTING"] = True
    return app


def client_for(app: Erlen, protocol: str) -> Any:
    return app.test_client(asgi=protocol == "asgi")


# View


def test_view_dispatches_with_url_values(app: Erlen, protocol: str) -> None:
    class Hello(View):
        def dispatch_request(self, name: str) -> str:
            return f"Hello, {name}! ({request.method})"

    app.add_url_rule("/hello/<name>", view_func=Hello.as_view("hello"))
    client = client_for(app, protocol)
    assert client.get("/hello/ada").text == "Hello, ada! (GET)"
    assert client.post("/hello/ada").status_code == 405


def test_as_view_names_the_function_and_keeps_the_class() -> None:
    class Page(View):
        """A page."""

        methods = ["GET", "POST"]

        def dispatch_request(self) -> str:
            return ""

    view: Any = Page.as_view("page")
    assert view.__name__ == "page"
    assert view.view_class is Page
    assert view.__doc__ == "A page."
    assert view.methods == ["GET", "POST"]


def test_methods_and_endpoint_from_as_view(app: Erlen, protocol: str) -> None:
    class Echo(View):
        methods = ["GET", "POST"]

        def dispatch_request(self) -> str:
            return request.method

    app.add_url_rule("/echo", view_func=Echo.as_view("echo"))
    client = client_for(app, protocol)
    assert client.post("/echo").text == "POST"
    assert client.put("/echo").status_code == 405
    with app.test_request_context():
        from erlen import url_for

        assert url_for("echo") == "/echo"


def test_class_arguments_reach_the_instance(app: Erlen, protocol: str) -> None:
    class Greeter(View):
        def __init__(self, greeting: str, punctuation: str = ".") -> None:
            self.greeting = greeting
            self.punctuation = punctuation

        def dispatch_request(self) -> str:
            return f"{self.greeting}{self.punctuation}"

    app.add_url_rule("/", view_func=Greeter.as_view("greet", "Hi", punctuation="!"))
    assert client_for(app, protocol).get("/").text == "Hi!"


@pytest.mark.parametrize("every_request", [True, False])
def test_init_every_request(app: Erlen, protocol: str, every_request: bool) -> None:
    instances: list[object] = []

    class Counter(View):
        init_every_request = every_request

        def __init__(self) -> None:
            instances.append(self)

        def dispatch_request(self) -> str:
            return str(len(instances))

    view = Counter.as_view("count")
    app.add_url_rule("/", view_func=view)
    client = client_for(app, protocol)
    client.get("/")
    client.get("/")
    assert len(instances) == (2 if every_request else 1)


def test_decorators_wrap_the_view_in_order(app: Erlen, protocol: str) -> None:
    def tag(label: str) -> Any:
        def decorator(f: Any) -> Any:
            @functools.wraps(f)
            def wrapper(**kwargs: Any) -> str:
                return f"{label}({f(**kwargs)})"

            return wrapper

        return decorator

    class Wrapped(View):
        decorators = [tag("inner"), tag("outer")]

        def dispatch_request(self) -> str:
            return "view"

    view: Any = Wrapped.as_view("wrapped")
    assert view.view_class is Wrapped
    app.add_url_rule("/", view_func=view)
    assert client_for(app, protocol).get("/").text == "outer(inner(view))"


def test_decorator_can_refuse_the_request(app: Erlen, protocol: str) -> None:
    def login_required(f: Any) -> Any:
        @functools.wraps(f)
        def wrapper(**kwargs: Any) -> Any:
            if request.headers.get("Authorization") is None:
                return "login first", 401
            return f(**kwargs)

        return wrapper

    class Secret(View):
        decorators = [login_required]

        async def dispatch_request(self) -> str:
            await asyncio.sleep(0)
            return "secret"

    app.add_url_rule("/", view_func=Secret.as_view("secret"))
    client = client_for(app, protocol)
    assert client.get("/").status_code == 401
    assert client.get("/", headers={"Authorization": "x"}).text == "secret"


def test_async_dispatch_request(app: Erlen, protocol: str) -> None:
    class Slow(View):
        async def dispatch_request(self, n: int) -> str:
            await asyncio.sleep(0)
            return f"slow {n}"

    view = Slow.as_view("slow")
    assert is_async_callable(view)
    app.add_url_rule("/<int:n>", view_func=view)
    assert client_for(app, protocol).get("/5").text == "slow 5"


def test_provide_automatic_options(app: Erlen, protocol: str) -> None:
    class NoOptions(View):
        provide_automatic_options = False

        def dispatch_request(self) -> str:
            return request.method

    class WithOptions(View):
        def dispatch_request(self) -> str:
            return request.method

    app.add_url_rule("/no", view_func=NoOptions.as_view("no"))
    app.add_url_rule("/yes", view_func=WithOptions.as_view("yes"))
    client = client_for(app, protocol)
    assert client.options("/no").status_code == 405
    response = client.options("/yes")
    assert response.status_code == 200
    assert "GET" in response.headers["Allow"]


def test_view_not_implemented_is_a_server_error(app: Erlen) -> None:
    app.config["TESTING"] = False
    app.add_url_rule("/", view_func=View.as_view("bare"))
    assert app.test_client().get("/").status_code == 500


# MethodView


class ItemAPI(MethodView):
    def __init__(self, store: dict[int, str]) -> None:
        self.store = store

    def get(self, item_id: int) -> str:
        return self.store.get(item_id, "none")

    def post(self, item_id: int) -> tuple[str, int]:
        self.store[item_id] = request.get_data(as_text=True)
        return "created", 201

    def delete(self, item_id: int) -> tuple[str, int]:
        self.store.pop(item_id, None)
        return "", 204


def test_method_view_methods_from_handlers() -> None:
    assert ItemAPI.methods == {"GET", "POST", "DELETE"}
    view: Any = ItemAPI.as_view("item", {})
    assert view.methods == {"GET", "POST", "DELETE"}


def test_method_view_dispatches_by_method(app: Erlen, protocol: str) -> None:
    store: dict[int, str] = {}
    app.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item", store))
    client = client_for(app, protocol)
    assert client.get("/items/1").text == "none"
    assert client.post("/items/1", data="apple").status_code == 201
    assert client.get("/items/1").text == "apple"
    assert client.delete("/items/1").status_code == 204
    assert store == {}


def test_method_view_unknown_method_is_405(app: Erlen, protocol: str) -> None:
    app.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item", {}))
    response = client_for(app, protocol).put("/items/1")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {
        "GET",
        "HEAD",
        "POST",
        "DELETE",
        "OPTIONS",
    }


def test_head_falls_back_to_get(app: Erlen, protocol: str) -> None:
    calls: list[str] = []

    class Page(MethodView):
        def get(self) -> str:
            calls.append(request.method)
            return "body"

    app.add_url_rule("/", view_func=Page.as_view("page"))
    response = client_for(app, protocol).head("/")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] == "4"
    # HEAD runs as the GET it stands for (docs/security.md, HEAD requests).
    assert calls == ["GET"]


def test_explicit_head_handler_wins(app: Erlen, protocol: str) -> None:
    class Page(MethodView):
        def get(self) -> str:
            return "body"

        def head(self) -> tuple[str, int, dict[str, str]]:
            return "", 200, {"X-Head": "own"}

    app.add_url_rule("/", view_func=Page.as_view("page"))
    assert client_for(app, protocol).head("/").headers["X-Head"] == "own"


def test_methods_are_inherited() -> None:
    class Base(MethodView):
        def get(self) -> str:
            return "get"

    class Child(Base):
        def put(self) -> str:
            return "put"

    class Mixin:
        def patch(self) -> str:
            return "patch"

    class Both(Mixin, Child):
        pass

    assert Base.methods == {"GET"}
    assert Child.methods == {"GET", "PUT"}
    assert Both.methods == {"GET", "PUT", "PATCH"}


def test_explicit_methods_are_kept() -> None:
    class Limited(MethodView):
        methods = ["GET"]

        def get(self) -> str:
            return ""

        def post(self) -> str:
            return ""

    assert Limited.methods == ["GET"]


def test_async_method_view(app: Erlen, protocol: str) -> None:
    threads: dict[str, str] = {}

    class Mixed(MethodView):
        async def get(self, n: int) -> str:
            await asyncio.sleep(0)
            threads["get"] = threading.current_thread().name
            return f"async get {n}"

        def post(self, n: int) -> str:
            threads["post"] = threading.current_thread().name
            return f"sync post {n} {request.get_data(as_text=True)}"

    view = Mixed.as_view("mixed")
    assert is_async_callable(view)
    app.add_url_rule("/<int:n>", view_func=view)
    client = client_for(app, protocol)
    assert client.get("/3").text == "async get 3"
    assert client.post("/4", data="x").text == "sync post 4 x"
    assert client.head("/3").status_code == 200
    if protocol == "asgi":
        # The async handler runs on the event loop, the sync one is moved off it.
        assert threads["get"] != threads["post"]


def test_all_sync_method_view_gives_a_sync_function() -> None:
    assert not is_async_callable(ItemAPI.as_view("item", {}))


def test_method_view_overriding_dispatch_request(app: Erlen, protocol: str) -> None:
    class Logged(MethodView):
        def dispatch_request(self, **kwargs: Any) -> Any:
            return f"[{super().dispatch_request(**kwargs)}]"

        async def get(self) -> str:
            return "get"

    app.add_url_rule("/", view_func=Logged.as_view("logged"))
    assert client_for(app, protocol).get("/").text == "[get]"


def test_method_view_in_a_blueprint(app: Erlen, protocol: str) -> None:
    bp = Blueprint("api", __name__, url_prefix="/api")

    class Users(MethodView):
        init_every_request = False

        async def get(self) -> dict[str, Any]:
            return {"endpoint": request.endpoint, "blueprint": request.blueprint}

    bp.add_url_rule("/users", view_func=Users.as_view("users"))
    app.register_blueprint(bp)
    assert client_for(app, protocol).get("/api/users").json == {
        "endpoint": "api.users",
        "blueprint": "api",
    }
