"""Tests for erlen.core.signals: each of Flask's signals is sent at Flask's point with Flask's
arguments, under WSGI and ASGI, to receivers connected before or after the app starts serving,
sync or async."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from erlen import Erlen, flash, g, render_template_string, stream_with_context
from erlen.core.signals import (
    Namespace,
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    before_render_template,
    got_request_exception,
    message_flashed,
    request_finished,
    request_started,
    request_tearing_down,
    template_rendered,
)


@pytest.fixture(params=["wsgi", "asgi"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.config["TESTING"] = True
    app.secret_key = "test secret"

    @app.route("/")
    def index() -> str:
        return "index"

    return app


def client_for(app: Erlen, protocol: str) -> Any:
    return app.test_client(asgi=protocol == "asgi")


@contextmanager
def recording(signal: Any, app: Erlen) -> Iterator[list[tuple[Any, dict[str, Any]]]]:
    calls: list[tuple[Any, dict[str, Any]]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append((sender, kwargs))

    with signal.connected_to(receiver, app):
        yield calls


def test_flask_signal_names() -> None:
    assert request_started.name == "request-started"
    assert got_request_exception.name == "got-request-exception"
    assert appcontext_tearing_down.name == "appcontext-tearing-down"
    assert message_flashed.name == "message-flashed"
    assert template_rendered.name == "template-rendered"


def test_request_started_and_finished(app: Erlen, protocol: str) -> None:
    client = client_for(app, protocol)
    client.get("/")  # receivers connected after the first request still hear the next ones
    order: list[str] = []

    def started(sender: Any, **kwargs: Any) -> None:
        order.append("started")
        assert kwargs == {}

    def finished(sender: Any, response: Any, **kwargs: Any) -> None:
        order.append(f"finished {response.status_code} {response.get_data(as_text=True)}")

    with request_started.connected_to(started, app), request_finished.connected_to(finished, app):
        assert client.get("/").text == "index"
    assert order == ["started", "finished 200 index"]
    client.get("/")
    assert order == ["started", "finished 200 index"]


def test_request_started_before_before_request(app: Erlen, protocol: str) -> None:
    order: list[str] = []
    app.before_request(lambda: order.append("before_request"))

    @app.after_request
    def after(response: Any) -> Any:
        order.append("after_request")
        return response

    def started(sender: Any, **kwargs: Any) -> None:
        order.append("started")

    def finished(sender: Any, **kwargs: Any) -> None:
        order.append("finished")

    with request_started.connected_to(started, app), request_finished.connected_to(finished, app):
        client_for(app, protocol).get("/")
    assert order == ["started", "before_request", "after_request", "finished"]


def test_request_finished_sees_the_final_response(app: Erlen, protocol: str) -> None:
    @app.after_request
    def add_header(response: Any) -> Any:
        response.headers["X-After"] = "1"
        return response

    with recording(request_finished, app) as calls:
        client_for(app, protocol).get("/missing")
    [(sender, kwargs)] = calls
    assert sender is app
    assert kwargs["response"].status_code == 404
    assert kwargs["response"].headers["X-After"] == "1"


def test_got_request_exception_then_500(app: Erlen, protocol: str) -> None:
    app.config["TESTING"] = False
    boom = ValueError("boom")

    @app.route("/boom")
    def explode() -> str:
        raise boom

    with (
        recording(got_request_exception, app) as calls,
        recording(request_finished, app) as finished,
    ):
        response = client_for(app, protocol).get("/boom")
    assert response.status_code == 500
    assert calls == [(app, {"exception": boom})]
    assert finished[0][1]["response"].status_code == 500


def test_got_request_exception_when_propagating(app: Erlen, protocol: str) -> None:
    @app.route("/boom")
    def explode() -> str:
        raise KeyError("k")

    with recording(got_request_exception, app) as calls:
        with pytest.raises(KeyError):
            client_for(app, protocol).get("/boom")
    assert len(calls) == 1
    assert isinstance(calls[0][1]["exception"], KeyError)


def test_handled_errors_send_no_exception_signal(app: Erlen, protocol: str) -> None:
    @app.errorhandler(ValueError)
    def handle(error: Exception) -> str:
        return "handled"

    @app.route("/boom")
    def explode() -> str:
        raise ValueError()

    with recording(got_request_exception, app) as calls:
        assert client_for(app, protocol).get("/boom").text == "handled"
    assert calls == []


def test_teardown_signals(app: Erlen, protocol: str) -> None:
    order: list[str] = []
    app.teardown_request(lambda error: order.append("teardown_request"))
    app.teardown_appcontext(lambda error: order.append("teardown_appcontext"))

    def request_down(sender: Any, exc: BaseException | None) -> None:
        order.append(f"request_tearing_down {exc!r}")

    def app_down(sender: Any, exc: BaseException | None) -> None:
        order.append(f"appcontext_tearing_down {exc!r}")

    with (
        request_tearing_down.connected_to(request_down, app),
        appcontext_tearing_down.connected_to(app_down, app),
    ):
        client_for(app, protocol).get("/")
    assert order == [
        "teardown_request",
        "request_tearing_down None",
        "teardown_appcontext",
        "appcontext_tearing_down None",
    ]


def test_teardown_signals_without_teardown_functions(app: Erlen, protocol: str) -> None:
    with (
        recording(request_tearing_down, app) as request_calls,
        recording(appcontext_tearing_down, app) as app_calls,
    ):
        client_for(app, protocol).get("/")
    assert request_calls == [(app, {"exc": None})]
    assert app_calls == [(app, {"exc": None})]


def test_teardown_signal_gets_the_unhandled_error(app: Erlen, protocol: str) -> None:
    app.config["TESTING"] = False
    error = RuntimeError("late")

    @app.route("/boom")
    def explode() -> str:
        raise error

    with recording(request_tearing_down, app) as calls:
        client_for(app, protocol).get("/boom")
    assert calls == [(app, {"exc": error})]


def test_appcontext_pushed_and_popped_around_a_request(app: Erlen, protocol: str) -> None:
    order: list[str] = []

    @app.route("/seen")
    def seen() -> str:
        order.append("view")
        return str(g.get("user"))

    def pushed(sender: Any, **kwargs: Any) -> None:
        order.append("pushed")
        g.user = "ada"

    def popped(sender: Any, **kwargs: Any) -> None:
        order.append("popped")

    with appcontext_pushed.connected_to(pushed, app), appcontext_popped.connected_to(popped, app):
        # Flask's testing recipe: a receiver of appcontext_pushed sets up ``g``.
        assert client_for(app, protocol).get("/seen").text == "ada"
    assert order == ["pushed", "view", "popped"]


def test_appcontext_signals_for_app_context(app: Erlen) -> None:
    order: list[str] = []

    def pushed(sender: Any) -> None:
        order.append("pushed")

    def down(sender: Any, exc: BaseException | None) -> None:
        order.append("tearing_down")

    def popped(sender: Any) -> None:
        order.append("popped")

    with (
        appcontext_pushed.connected_to(pushed, app),
        appcontext_popped.connected_to(popped, app),
        appcontext_tearing_down.connected_to(down, app),
    ):
        with app.app_context():
            order.append("inside")
        with app.test_request_context():
            order.append("request")
    assert order == [
        "pushed",
        "inside",
        "tearing_down",
        "popped",
        "pushed",
        "request",
        "tearing_down",
        "popped",
    ]


def test_inner_request_in_app_context_does_not_push_again(app: Erlen) -> None:
    with recording(appcontext_pushed, app) as calls:
        with app.app_context():
            app.test_client().get("/")
    assert len(calls) == 1


def test_async_receiver(app: Erlen, protocol: str) -> None:
    calls: list[str] = []

    async def started(sender: Any, **kwargs: Any) -> None:
        calls.append("started")

    async def finished(sender: Any, response: Any, **kwargs: Any) -> None:
        calls.append(f"finished {response.status_code}")

    async def torn(sender: Any, **kwargs: Any) -> None:
        calls.append("torn")

    @app.route("/async")
    async def async_view() -> str:
        return "async"

    with (
        request_started.connected_to(started, app),
        request_finished.connected_to(finished, app),
        request_tearing_down.connected_to(torn, app),
    ):
        client = client_for(app, protocol)
        client.get("/")
        client.get("/async")
    assert calls == ["started", "finished 200", "torn"] * 2


def test_receiver_for_another_app_is_not_called(app: Erlen, protocol: str) -> None:
    other = Erlen("other")
    with recording(request_started, other) as calls:
        client_for(app, protocol).get("/")
    assert calls == []


def test_receiver_for_any_sender(app: Erlen, protocol: str) -> None:
    senders: list[Any] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        senders.append(sender)

    with request_started.connected_to(receiver):
        client_for(app, protocol).get("/")
    assert senders == [app]


def test_streamed_response_tears_down_after_the_stream(app: Erlen, protocol: str) -> None:
    @app.route("/stream")
    def stream() -> Any:
        def generate() -> Iterator[str]:
            yield "a"
            yield "b"

        return stream_with_context(generate())

    with recording(request_tearing_down, app) as calls:
        assert client_for(app, protocol).get("/stream").text == "ab"
    assert calls == [(app, {"exc": None})]


def test_template_signals(app: Erlen, protocol: str) -> None:
    @app.route("/page")
    def page() -> str:
        return render_template_string("Hi {{ name }}", name="ada")

    with (
        recording(before_render_template, app) as before,
        recording(template_rendered, app) as after,
    ):
        assert client_for(app, protocol).get("/page").text == "Hi ada"
    assert before[0][1]["context"]["name"] == "ada"
    assert after[0][1]["template"] is before[0][1]["template"]


def test_message_flashed(app: Erlen, protocol: str) -> None:
    @app.route("/flash")
    def flasher() -> str:
        flash("Saved", "info")
        return "ok"

    with recording(message_flashed, app) as calls:
        client_for(app, protocol).get("/flash")
    assert calls == [(app, {"message": "Saved", "category": "info"})]


def test_namespace_for_extension_signals(app: Erlen) -> None:
    ns = Namespace()
    user_logged_in = ns.signal("user-logged-in")
    assert ns.signal("user-logged-in") is user_logged_in
    with recording(user_logged_in, app) as calls:
        user_logged_in.send(app, user="ada")
    assert calls == [(app, {"user": "ada"})]
