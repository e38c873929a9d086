"""Tests for erlen.ctx and erlen.globals: contexts, the context proxies and the helpers that carry
a request context into threads, coroutines and streamed bodies."""

from __future__ import annotations

import asyncio
import io
import sys
import threading
import typing as t

import pytest

from erlen import (
    Erlen,
    Response,
    after_this_request,
    copy_current_request_context,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
    session,
    stream_with_context,
)


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.config.update(TESTING=True, SECRET_KEY="test secret")
    return app


def run_in_thread(func: t.Callable[[], t.Any]) -> t.Any:
    """Run ``func`` in a new thread; return its result or the exception it raised."""
    result: list[t.Any] = []

    def target() -> None:
        try:
            result.append(func())
        except BaseException as error:
            result.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(5)
    return result[0]


# outside any context


@pytest.mark.parametrize(
    "use", [lambda: request.args, lambda: request.method, lambda: session.get("a")]
)
def test_request_proxies_outside_context_name_request_context(
    use: t.Callable[[], t.Any],
) -> None:
    with pytest.raises(RuntimeError) as info:
        use()
    message = str(info.value)
    assert "request context" in message
    assert "app.test_request_context()" in message


@pytest.mark.parametrize(
    "use", [lambda: current_app.name, lambda: g.user, lambda: setattr(g, "x", 1)]
)
def test_app_proxies_outside_context_name_app_context(use: t.Callable[[], t.Any]) -> None:
    with pytest.raises(RuntimeError) as info:
        use()
    message = str(info.value)
    assert "application context" in message
    assert "app.app_context()" in message


def test_proxies_name_the_name_used() -> None:
    with pytest.raises(RuntimeError, match="`g`"):
        g.get("x")
    with pytest.raises(RuntimeError, match="`session`"):
        session["x"]
    with pytest.raises(RuntimeError, match="`current_app`"):
        current_app.config  # noqa: B018


def test_unbound_proxies_are_falsy_and_have_a_repr() -> None:
    assert not request
    assert not current_app
    assert "unbound" in repr(request)


def test_has_context_outside_any_context() -> None:
    assert has_app_context() is False
    assert has_request_context() is False


# app context


def test_app_context_gives_current_app_and_g_but_not_request(app: Erlen) -> None:
    with app.app_context():
        assert current_app._get_current_object() is app
        assert current_app.name == app.name
        g.value = 42
        assert g.value == 42
        assert has_app_context() is True
        assert has_request_context() is False
        with pytest.raises(RuntimeError, match="request context"):
            request.path  # noqa: B018
        with pytest.raises(RuntimeError, match="request context"):
            session.get("x")
    assert has_app_context() is False
    with pytest.raises(RuntimeError):
        g.value  # noqa: B018


def test_request_context_gives_everything(app: Erlen) -> None:
    with app.test_request_context("/page?q=1"):
        assert has_app_context() is True
        assert has_request_context() is True
        assert request.path == "/page"
        assert request.args["q"] == "1"
        assert current_app._get_current_object() is app
        assert session.get("missing") is None
    assert has_request_context() is False


def test_g_is_per_app_context(app: Erlen) -> None:
    with app.app_context():
        g.value = "first"
    with app.app_context():
        assert "value" not in g
        assert g.get("value") is None


def test_nested_app_contexts_have_their_own_g(app: Erlen) -> None:
    with app.app_context():
        g.value = "outer"
        with app.app_context():
            assert "value" not in g
            g.value = "inner"
        assert g.value == "outer"


def test_g_of_app_context_is_shared_with_request_context_inside_it(app: Erlen) -> None:
    with app.app_context():
        g.outer = 1
        with app.test_request_context():
            assert g.outer == 1
            g.inner = 2
        assert g.inner == 2


def test_g_of_a_request_context_is_not_shared_with_another_app(app: Erlen) -> None:
    other = Erlen("other")
    with app.app_context():
        g.value = 1
        with other.test_request_context():
            assert "value" not in g
            assert current_app._get_current_object() is other
        assert current_app._get_current_object() is app


def test_each_request_gets_a_fresh_g(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        seen = g.get("count", 0)
        g.count = seen + 1
        return str(seen)

    client = app.test_client()
    assert client.get("/").text == "0"
    assert client.get("/").text == "0"


def test_g_methods(app: Erlen) -> None:
    with app.app_context():
        assert g.get("a") is None
        assert g.get("a", "default") == "default"
        assert g.setdefault("a", 1) == 1
        assert g.setdefault("a", 2) == 1
        assert g.a == 1
        assert "a" in g
        assert "b" not in g
        g.b = 2
        assert sorted(g) == ["a", "b"]
        assert g.pop("a") == 1
        assert "a" not in g
        assert g.pop("a", "gone") == "gone"
        with pytest.raises(KeyError):
            g.pop("a")
        with pytest.raises(AttributeError):
            g.missing  # noqa: B018
        del g.b
        assert list(g) == []
        assert app.name in repr(g)


def test_teardown_appcontext_runs_when_app_context_pops(app: Erlen) -> None:
    calls: list[t.Any] = []

    @app.teardown_appcontext
    def teardown(error: BaseException | None) -> None:
        calls.append(error)

    with app.app_context():
        assert calls == []
    assert calls == [None]


def test_teardown_appcontext_receives_the_error(app: Erlen) -> None:
    calls: list[t.Any] = []

    @app.teardown_appcontext
    def teardown(error: BaseException | None) -> None:
        calls.append(error)

    with pytest.raises(ZeroDivisionError):
        with app.app_context():
            1 / 0  # noqa: B018
    assert len(calls) == 1
    assert isinstance(calls[0], ZeroDivisionError)


def test_context_is_reset_after_an_exception(app: Erlen) -> None:
    with pytest.raises(ValueError):
        with app.test_request_context():
            raise ValueError
    assert has_app_context() is False


def test_context_does_not_leak_into_a_plain_thread(app: Erlen) -> None:
    with app.test_request_context():
        assert run_in_thread(has_app_context) is False


# copy_current_request_context


def test_copy_current_request_context_in_thread(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        g.user = "alice"

        @copy_current_request_context
        def work() -> str:
            return f"{request.path} {request.args['x']} {g.user} {current_app.name}"

        return str(run_in_thread(work))

    assert app.test_client().get("/?x=7").text == f"/ 7 alice {app.name}"


def test_copy_current_request_context_coroutine_in_thread(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        g.user = "bob"

        @copy_current_request_context
        async def work() -> str:
            await asyncio.sleep(0)
            return f"{request.args['x']} {g.user}"

        return str(run_in_thread(lambda: asyncio.run(work())))

    assert app.test_client().get("/?x=8").text == "8 bob"


def test_thread_without_copied_context_raises(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        def work() -> str:
            return t.cast(str, request.args["x"])

        error = run_in_thread(work)
        assert isinstance(error, RuntimeError)
        return str(error)

    text = app.test_client().get("/?x=1").text
    assert "request context" in text


def test_copy_current_request_context_shares_g_and_session(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        @copy_current_request_context
        def work() -> None:
            g.from_thread = "yes"
            session["from_thread"] = "yes"

        run_in_thread(work)
        return f"{g.from_thread} {session['from_thread']}"

    client = app.test_client()
    assert client.get("/").text == "yes yes"
    assert client.get_cookie("session") is not None


def test_copy_current_request_context_outside_request_raises(app: Erlen) -> None:
    with pytest.raises(RuntimeError, match="request"):
        copy_current_request_context(lambda: None)
    with app.app_context(), pytest.raises(RuntimeError, match="request"):
        copy_current_request_context(lambda: None)


# after_this_request


def test_after_this_request_modifies_the_response(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        @after_this_request
        def add_header(response: Response) -> Response:
            response.headers["X-After"] = "yes"
            return response

        return "body"

    @app.route("/plain")
    def plain() -> str:
        return "plain"

    client = app.test_client()
    response = client.get("/")
    assert response.headers["X-After"] == "yes"
    assert response.text == "body"
    assert "X-After" not in client.get("/plain").headers


def test_after_this_request_runs_before_after_request(app: Erlen) -> None:
    order: list[str] = []

    @app.after_request
    def after(response: Response) -> Response:
        order.append("after_request")
        return response

    @app.route("/")
    def index() -> str:
        @after_this_request
        def this(response: Response) -> Response:
            order.append("after_this_request")
            return response

        return ""

    app.test_client().get("/")
    assert order == ["after_this_request", "after_request"]


def test_after_this_request_can_replace_the_response(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        @after_this_request
        def replace(response: Response) -> Response:
            return Response("replaced", status=202)

        return "original"

    response = app.test_client().get("/")
    assert response.status_code == 202
    assert response.text == "replaced"


def test_after_this_request_outside_request_raises() -> None:
    with pytest.raises(RuntimeError, match="request"):
        after_this_request(lambda response: response)


# stream_with_context


def test_stream_with_context_reads_request_and_delays_teardown(app: Erlen) -> None:
    order: list[str] = []

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        order.append("teardown")

    @app.route("/")
    def index() -> t.Any:
        order.append("view")

        def generate() -> t.Iterator[str]:
            order.append("body start")
            yield f"hello {request.args['name']}"
            yield f" {g.get('extra', '!')}"
            order.append("body end")

        return stream_with_context(generate())

    response = app.test_client().get("/?name=ann")
    assert response.text == "hello ann !"
    assert order == ["view", "body start", "body end", "teardown"]


def test_stream_with_context_as_decorator(app: Erlen) -> None:
    @app.route("/")
    def index() -> t.Any:
        @stream_with_context
        def generate() -> t.Iterator[str]:
            yield request.args["a"]
            yield request.args["b"]

        return generate()

    assert app.test_client().get("/?a=1&b=2").text == "12"


def test_stream_with_context_teardown_waits_for_the_server(app: Erlen) -> None:
    order: list[str] = []

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        order.append("teardown")

    @app.route("/")
    def index() -> t.Any:
        def generate() -> t.Iterator[bytes]:
            order.append("chunk")
            yield request.path.encode()

        return stream_with_context(generate())

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    body = app(environ, lambda status, headers, exc_info=None: None)
    assert order == []
    assert has_request_context() is False
    assert list(body) == [b"/"]
    t.cast(t.Any, body).close()
    assert order == ["chunk", "teardown"]


def test_stream_with_context_closed_early_still_tears_down(app: Erlen) -> None:
    order: list[str] = []

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        order.append("teardown")

    @app.route("/")
    def index() -> t.Any:
        def generate() -> t.Iterator[bytes]:
            try:
                yield b"one"
                yield b"two"
            finally:
                order.append("generator closed")

        return stream_with_context(generate())

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    body = app(environ, lambda status, headers, exc_info=None: None)
    assert next(iter(body)) == b"one"
    t.cast(t.Any, body).close()
    assert order == ["generator closed", "teardown"]


def test_generator_without_stream_with_context_cannot_read_request(app: Erlen) -> None:
    # The body is iterated by the server after the view returned and the context was popped, so
    # the error escapes from the WSGI iterable: the test client lets it propagate.
    @app.route("/")
    def index() -> t.Any:
        def generate() -> t.Iterator[str]:
            yield request.args["x"]

        return generate()

    with pytest.raises(RuntimeError, match="request context"):
        app.test_client().get("/?x=1")


def test_generator_without_stream_with_context_fails_even_when_not_testing(app: Erlen) -> None:
    app.testing = False

    @app.route("/")
    def index() -> t.Any:
        def generate() -> t.Iterator[str]:
            yield request.args["x"]

        return generate()

    with pytest.raises(RuntimeError, match="request context"):
        app.test_client().get("/?x=1")


def test_stream_with_context_outside_request_raises() -> None:
    with pytest.raises(RuntimeError, match="request"):
        stream_with_context(iter(["a"]))


# with client:


def test_with_client_keeps_the_last_request_context(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        g.seen = request.args["q"]
        return "ok"

    client = app.test_client()
    with client:
        client.get("/?q=first")
        client.get("/?q=second")
        assert has_request_context() is True
        assert request.args["q"] == "second"
        assert g.seen == "second"
    assert has_request_context() is False
    with pytest.raises(RuntimeError):
        request.args  # noqa: B018


def test_with_client_delays_teardown_to_the_end_of_the_block(app: Erlen) -> None:
    torn_down: list[str] = []

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        torn_down.append(request.path)

    @app.route("/<name>")
    def view(name: str) -> str:
        return name

    client = app.test_client()
    with client:
        client.get("/a")
        assert torn_down == []
        client.get("/b")
        assert torn_down == ["/a"]
    assert torn_down == ["/a", "/b"]


def test_with_client_session_readable_after_request(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        session["user"] = "carol"
        return ""

    client = app.test_client()
    with client:
        client.get("/")
        assert session["user"] == "carol"


def test_without_with_block_no_context_remains(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        return ""

    app.test_client().get("/")
    assert has_request_context() is False


def test_nested_with_client_raises(app: Erlen) -> None:
    client = app.test_client()
    with client:
        with pytest.raises(RuntimeError, match="nest"):
            with client:
                pass


def test_the_request_proxy_passes_isinstance_and_forwards_attributes() -> None:
    from erlen import Request

    app = Erlen(__name__)
    with app.test_request_context("/?q=1"):
        assert isinstance(request, Request)
        assert request.args["q"] == "1"
        assert request._get_current_object().args is request.args


def test_isinstance_on_an_unbound_proxy_answers_without_raising() -> None:
    from erlen import Request, current_app

    assert not isinstance(current_app, Erlen)
    assert not isinstance(request, Request)
