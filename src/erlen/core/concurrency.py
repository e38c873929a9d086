"""Running async code from sync code and the other way round.

Under WSGI an ``async def`` view or hook runs on an event loop kept for the worker thread (one
loop per thread, created on first use and reused), never a new loop per call. Under ASGI a sync
view runs in a thread pool with the caller's context copied, so ``request`` and ``g`` work
inside it. This module owns those loops and that pool and nothing else.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import threading
import typing as t
from concurrent.futures import ThreadPoolExecutor

R = t.TypeVar("R")

_local = threading.local()


def is_async_callable(f: t.Any) -> bool:
    """True for ``async def`` functions, partials of them, and objects with an async
    ``__call__``."""
    while isinstance(f, functools.partial):
        f = f.func
    if inspect.iscoroutinefunction(f):
        return True
    call = (
        None if inspect.isfunction(f) or inspect.ismethod(f) else type(f).__dict__.get("__call__")
    )
    return call is not None and inspect.iscoroutinefunction(call)


def thread_loop() -> asyncio.AbstractEventLoop:
    """The event loop kept for the current thread, for running coroutines from sync code."""
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = _local.loop = asyncio.new_event_loop()
    return loop


def run_coroutine_sync(awaitable: t.Awaitable[R]) -> R:
    """Run ``awaitable`` to completion on this thread's loop and return its result.

    The coroutine runs in a copy of the caller's context, so it sees the request context.
    Calling this where an event loop is already running (inside an async view) is a mistake
    that would deadlock, so it raises instead.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        if inspect.iscoroutine(awaitable):
            awaitable.close()
        raise RuntimeError(
            "Cannot run a coroutine synchronously from inside a running event loop. In an async"
            " view or hook, 'await' it instead."
        )
    return thread_loop().run_until_complete(awaitable)


def async_to_sync(func: t.Callable[..., t.Awaitable[R]]) -> t.Callable[..., R]:
    """Wrap an async function so sync code can call it (it runs on the thread's loop)."""

    @functools.wraps(func)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> R:
        return run_coroutine_sync(func(*args, **kwargs))

    return wrapper


class ThreadPool:
    """The pool sync views run in under ASGI; its size is the app's ``ASGI_THREADS`` setting."""

    def __init__(self, max_workers: int | None = None) -> None:
        self._max_workers = max_workers
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _get(self) -> ThreadPoolExecutor:
        executor = self._executor
        if executor is None:
            with self._lock:
                executor = self._executor
                if executor is None:
                    executor = self._executor = ThreadPoolExecutor(
                        max_workers=self._max_workers, thread_name_prefix="erlen-sync"
                    )
        return executor

    async def run(self, func: t.Callable[..., R], *args: t.Any) -> R:
        """Run ``func(*args)`` in the pool with the current context copied."""
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        return await loop.run_in_executor(self._get(), context.run, func, *args)

    def shutdown(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


def adapt_sync(f: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    """``f`` callable from sync code: an ``async def`` runs to its end on the thread's loop."""
    return async_to_sync(f) if is_async_callable(f) else f


def sync_to_async(pool: ThreadPool, func: t.Callable[..., R]) -> t.Callable[..., t.Awaitable[R]]:
    """Wrap a sync function so async code can await it (it runs in ``pool``)."""

    @functools.wraps(func)
    async def wrapper(*args: t.Any, **kwargs: t.Any) -> R:
        if kwargs:
            return await pool.run(functools.partial(func, *args, **kwargs))
        return await pool.run(func, *args)

    return wrapper
