"""Signals: the moments of a request and of a context that code outside the app can observe.

The names and arguments are Flask's, and the signals are blinker signals, so a receiver written
for Flask (``request_finished.connect(log_response, app)``) works unchanged. Every signal is sent
with the app as sender.

Sending costs nothing while no one listens: the request path reads one switch per step
(``lifecycle.active``), which any connect to a request or context signal turns on and the last
disconnect turns off, so a receiver connected after the app has started serving (as tests do
with ``connected_to``) is still called. This module sends signals; it never decides when: the
app and the adapters call it at Flask's points.
"""

from __future__ import annotations

import threading
import typing as t

from blinker import ANY, NamedSignal, Namespace, Signal

if t.TYPE_CHECKING:
    from erlen.core.app import App

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


class _Switch:
    """Whether any request or context signal has a receiver; read on every request."""

    __slots__ = ("active",)

    def __init__(self) -> None:
        self.active = False


lifecycle = _Switch()
# Held while the switch is recomputed, so a connect in one thread is never undone by a
# recomputation that started before it in another. Reentrant: a garbage-collected receiver's
# cleanup may run inside a connect.
_switch_lock = threading.RLock()


class _LifecycleSignal(NamedSignal):
    """A signal sent on every request: connecting turns the request path's switch on, and the
    last receiver leaving turns it off."""

    def connect(self, receiver: F, sender: t.Any = ANY, weak: bool = True) -> F:
        with _switch_lock:
            connected = super().connect(receiver, sender, weak)
            lifecycle.active = True
        return connected

    # blinker removes a receiver here both on ``disconnect`` and when a weakly connected
    # receiver is garbage collected (which calls no public method).
    def _disconnect(self, receiver_id: t.Hashable, sender_id: t.Hashable) -> None:
        with _switch_lock:
            super()._disconnect(receiver_id, sender_id)
            lifecycle.active = any(signal.receivers for signal in _LIFECYCLE)


# Only for the signals erlen sends itself; an extension makes its own Namespace.
_signals = Namespace()


_LIFECYCLE: list[NamedSignal] = []


def _lifecycle_signal(name: str, doc: str) -> NamedSignal:
    signal = _signals[name] = _LifecycleSignal(name, doc)
    _LIFECYCLE.append(signal)
    return signal


#: ``(app, template=..., context=...)`` after a template was rendered.
template_rendered = _signals.signal("template-rendered")
#: ``(app, template=..., context=...)`` before a template is rendered; a receiver may change
#: the context.
before_render_template = _signals.signal("before-render-template")
request_started = _lifecycle_signal(
    "request-started", "(app) when a request starts, before its before_request hooks."
)
request_finished = _lifecycle_signal(
    "request-finished", "(app, response=...) when the response is ready to be sent."
)
request_tearing_down = _lifecycle_signal(
    "request-tearing-down", "(app, exc=...) after the request's teardown_request functions."
)
got_request_exception = _signals.signal(
    "got-request-exception", "(app, exception=...) for an error no handler caught (before the 500)."
)
appcontext_tearing_down = _lifecycle_signal(
    "appcontext-tearing-down", "(app, exc=...) after the teardown_appcontext functions."
)
appcontext_pushed = _lifecycle_signal("appcontext-pushed", "(app) when an app context starts.")
appcontext_popped = _lifecycle_signal("appcontext-popped", "(app) when an app context ends.")
#: ``(app, message=..., category=...)`` when ``flash()`` records a message.
message_flashed = _signals.signal("message-flashed")


def send(signal: Signal, app: App, **kwargs: t.Any) -> None:
    """Send from sync code; an ``async def`` receiver runs on the thread's event loop."""
    if not signal.receivers:
        return
    signal.send(app, _async_wrapper=app.ensure_sync, **kwargs)


async def send_async(signal: Signal, app: App, **kwargs: t.Any) -> None:
    """Send from the event loop; a sync receiver runs in the thread pool, as sync hooks do."""
    if not signal.receivers:
        return
    wrapper = t.cast("t.Callable[[t.Callable[..., t.Any]], t.Any]", app.dispatcher.adapt_async)
    await signal.send_async(app, _sync_wrapper=wrapper, **kwargs)


async def emit(signal: Signal, app: App, awaits: bool, **kwargs: t.Any) -> None:
    """Send from the app's dispatch coroutine, in whichever mode it runs."""
    if awaits:
        await send_async(signal, app, **kwargs)
    else:
        send(signal, app, **kwargs)


__all__ = [
    "Namespace",
    "Signal",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "got_request_exception",
    "message_flashed",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "template_rendered",
]
