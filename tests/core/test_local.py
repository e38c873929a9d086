"""erlen.core.local: LocalProxy, Local, LocalStack and LocalManager, as Werkzeug's behave."""

from __future__ import annotations

import asyncio
import copy
import threading
import typing as t
from contextvars import ContextVar

import pytest

from erlen import Erlen
from erlen.core.local import Local, LocalManager, LocalProxy, LocalStack, release_local


class User:
    def __init__(self, name: str) -> None:
        self.name = name
        self.tags: list[str] = []

    def greet(self, greeting: str = "hi") -> str:
        return f"{greeting} {self.name}"

    def __repr__(self) -> str:
        return f"<User {self.name}>"


def test_proxy_to_a_function_forwards_attributes_and_calls() -> None:
    user = User("ann")
    proxy: t.Any = LocalProxy(lambda: user)
    assert proxy.name == "ann"
    assert proxy.greet(greeting="hello") == "hello ann"
    proxy.name = "bob"
    assert user.name == "bob"
    del proxy.tags
    assert not hasattr(user, "tags")
    assert repr(proxy) == "<User bob>"
    assert isinstance(proxy, User)
    assert issubclass(type(proxy), LocalProxy)
    assert proxy._get_current_object() is user


def test_flask_login_style_current_user() -> None:
    current: ContextVar[User] = ContextVar("current")
    current_user: t.Any = LocalProxy(lambda: current.get(None))
    assert not current_user
    current.set(User("cy"))
    assert current_user.name == "cy"
    assert bool(current_user) is True


def test_proxy_to_a_contextvar_and_its_attribute() -> None:
    var: ContextVar[User] = ContextVar("user_var")
    proxy: t.Any = LocalProxy(var)
    name: t.Any = LocalProxy(var, "name")
    assert repr(proxy) == "<LocalProxy unbound>"
    assert not proxy
    assert dir(proxy) == []
    with pytest.raises(RuntimeError, match="user_var"):
        proxy.name  # noqa: B018
    with pytest.raises(RuntimeError, match="log in first"):
        LocalProxy(var, unbound_message="log in first").name  # noqa: B018
    var.set(User("dee"))
    assert name == "dee"
    assert name.upper() == "DEE"


def test_unbound_proxy_is_its_own_class_and_wraps_its_local() -> None:
    var: ContextVar[int] = ContextVar("unset")
    proxy: t.Any = LocalProxy(var)
    assert proxy.__class__ is LocalProxy
    assert not isinstance(proxy, int)
    assert proxy.__wrapped__ is var


def test_operators_are_forwarded() -> None:
    items = [1, 2]
    number = 7
    lst: t.Any = LocalProxy(lambda: items)
    num: t.Any = LocalProxy(lambda: number)
    assert len(lst) == 2 and lst[0] == 1 and 2 in lst and list(lst) == [1, 2]
    assert lst + [3] == [1, 2, 3] and [0] + lst == [0, 1, 2]  # noqa: RUF005 (the operators)
    lst[0] = 5
    assert items == [5, 2]
    del lst[0]
    assert items == [2]
    lst += [4]
    assert items == [2, 4] and isinstance(lst, list) and issubclass(type(lst), LocalProxy)
    assert num + 1 == 8 and 1 + num == 8 and num * 2 == 14 and 2**num == 128
    assert num // 2 == 3 and num % 4 == 3 and -num == -7 and abs(num) == 7 and ~num == -8
    assert num > 6 and num <= 7 and num != 8 and hash(num) == hash(7)
    assert int(num) == 7 and float(num) == 7.0 and f"{num:03d}" == "007" and str(num) == "7"
    assert [10, 11, 12, 13, 14, 15, 16, 17][num] == 17
    assert round(t.cast(t.Any, LocalProxy(lambda: 2.567)), 1) == 2.6


def test_copy_enter_and_isinstance_against_a_proxied_class() -> None:
    data = {"a": [1]}
    proxy: t.Any = LocalProxy(lambda: data)
    shallow = copy.copy(proxy)
    deep = copy.deepcopy(proxy)
    assert shallow == data and shallow is not data and shallow["a"] is data["a"]
    assert deep["a"] is not data["a"]
    lock = threading.Lock()
    with LocalProxy(lambda: lock):
        assert lock.locked()
    cls: t.Any = LocalProxy(lambda: User)
    assert isinstance(User("x"), cls)
    assert cls("made").name == "made"


def test_async_protocols_are_forwarded() -> None:
    async def numbers() -> t.AsyncIterator[int]:
        yield 1
        yield 2

    async def main() -> list[int]:
        stream: t.Any = LocalProxy(numbers)
        return [n async for n in stream]

    assert asyncio.run(main()) == [1, 2]


def test_local_is_per_thread_and_proxies_attributes() -> None:
    local = Local()
    local.value = 1
    proxy: t.Any = local("value")
    seen: list[object] = []

    def other_thread() -> None:
        seen.append(getattr(local, "value", None))
        local.value = 2
        seen.append(local.value)

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen == [None, 2]
    assert proxy == 1 and dict(local) == {"value": 1}
    with pytest.raises(TypeError, match="'name' is required"):
        LocalProxy(local)
    release_local(local)
    with pytest.raises(AttributeError):
        local.value  # noqa: B018
    with pytest.raises(RuntimeError):
        proxy + 1


def test_local_stack_push_pop_and_proxy() -> None:
    stack: LocalStack[User] = LocalStack()
    top: t.Any = stack()
    name: t.Any = stack("name")
    assert stack.top is None and stack.pop() is None
    with pytest.raises(RuntimeError):
        top.name  # noqa: B018
    stack.push(User("one"))
    stack.push(User("two"))
    assert name == "two" and top.name == "two"
    assert stack.pop().name == "two"  # type: ignore[union-attr]
    assert name == "one"
    release_local(stack)
    assert stack.top is None


def test_local_manager_releases_after_the_response_is_closed() -> None:
    local = Local()
    manager = LocalManager([local])
    assert "storages: 1" in repr(manager)

    def app(environ: dict[str, t.Any], start_response: t.Any) -> t.Iterable[bytes]:
        local.user = "ann"
        start_response("200 OK", [])
        return [b"body"]

    wrapped = manager.make_middleware(app)
    body = wrapped({}, lambda *args: None)
    assert list(body) == [b"body"]
    assert local.user == "ann"
    body.close()  # type: ignore[attr-defined]
    assert not hasattr(local, "user")
    assert manager.middleware(app).__name__ == "app"


def test_proxy_to_the_request_in_a_view() -> None:
    app = Erlen(__name__)
    request_var: ContextVar[str] = ContextVar("request_path")
    path: t.Any = LocalProxy(request_var)

    @app.route("/<name>")
    def show(name: str) -> str:
        request_var.set(name)
        return f"{path.upper()} {isinstance(path, str)}"

    assert app.test_client().get("/ann").data == b"ANN True"
