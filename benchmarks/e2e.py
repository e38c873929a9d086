"""The end-to-end run: each framework behind a real server on loopback, driven by wrk.

For each server in ``SERVERS``, one at a time: start it (``servers.py``), send each scenario's
request once and check the answer as the in-process run does, then

1. warm up: the mix (every scenario the app serves, in turn) until 10,000 answers;
2. read the worker's resident memory;
3. the mix again, until 100,000 more answers: its requests per second and p99 latency;
4. read the resident memory again: the growth over those 100,000 requests is what a leak
   would show;
5. ``hello`` alone for 5 seconds: requests per second and p99 latency.

wrk runs one thread and 8 connections. The mix leaves out ``routes-1000`` (another app), and
``form-session`` where the framework has no sessions; its ``form-session`` request carries the
cookie a first request was given, as in process. Every server is stopped, whatever happens.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass

from benchmarks import wrk
from benchmarks.scenarios import BY_NAME, SCENARIOS, Reply, Request, Scenario
from benchmarks.servers import Server, ServerSpec

SERVERS: tuple[ServerSpec, ...] = (
    ServerSpec("erlen", "gunicorn", "erlen_wsgi"),
    ServerSpec("Falcon", "gunicorn", "falcon_wsgi", sessions=False),
    ServerSpec("Flask", "gunicorn", "flask_wsgi"),
    ServerSpec("erlen (app.asgi)", "uvicorn", "erlen_asgi"),
    ServerSpec("Starlette", "uvicorn", "starlette_asgi"),
)

#: The scenario of the fixed-time throughput run.
THROUGHPUT_SCENARIO = "hello"


@dataclass(frozen=True)
class E2ESettings:
    seconds: float = 5.0
    warmup: int = 10_000
    requests: int = 100_000
    connections: int = 8


QUICK = E2ESettings(seconds=1.0, warmup=1_000, requests=5_000)


@dataclass(frozen=True)
class E2ERow:
    spec: ServerSpec
    mix: tuple[str, ...]
    throughput: wrk.WrkResult
    sustained: wrk.WrkResult
    rss_warm_kib: int
    rss_after_kib: int
    #: The answers the mix run was to count: fewer means it ran into its time bound.
    requests_asked: int
    #: The 1-minute load average as this server's run ended: wrk and the server make 1 to 1.5;
    #: more means something else took CPU time during the run.
    load: float

    @property
    def growth_kib(self) -> int:
        return self.rss_after_kib - self.rss_warm_kib

    @property
    def problems(self) -> list[str]:
        """What went wrong under load: socket errors, unexpected statuses, a short count."""
        found = []
        for name, result in (("hello", self.throughput), ("mix", self.sustained)):
            if result.socket_errors:
                found.append(f"{name}: {result.socket_errors} socket errors {result.errors}")
        if self.throughput.errors["status"]:
            found.append(f"hello: {self.throughput.errors['status']} answers above 399")
        unexpected = {
            code: n for code, n in self.sustained.statuses.items() if code not in (200, 404)
        }
        if unexpected:
            found.append(f"mix: unexpected statuses {unexpected}")
        if self.sustained.requests < self.requests_asked:
            found.append(f"mix: {self.sustained.requests:,} answers in the time allowed")
        return found


@dataclass(frozen=True)
class E2EResult:
    settings: E2ESettings
    rows: list[E2ERow]
    wrk_version: str
    seconds: float
    #: The 1-minute load average before and after this part: wrk and the server add 1 to 1.5.
    load: tuple[float, float]


class CheckFailed(Exception):
    """A server answered a scenario's request wrongly."""


def run(settings: E2ESettings) -> E2EResult:
    started, load_before = time.monotonic(), os.getloadavg()[0]
    rows = [run_server(spec, settings) for spec in SERVERS]
    seconds = time.monotonic() - started
    return E2EResult(settings, rows, wrk.version(), seconds, (load_before, os.getloadavg()[0]))


def run_server(spec: ServerSpec, settings: E2ESettings) -> E2ERow:
    started = time.monotonic()
    with Server(spec) as server:
        scenarios = [
            scenario
            for scenario in SCENARIOS
            if scenario.name != "routes-1000" and (spec.sessions or not scenario.session)
        ]
        mix = [_checked_request(server, scenario) for scenario in scenarios]
        _progress(spec, f"serving on {server.url}, worker {server.worker_pid}; warming up")
        wrk.run(server.url, mix, count=settings.warmup, connections=settings.connections)
        rss_warm = server.rss_kib()
        _progress(spec, f"warm: {rss_warm / 1024:.1f} MiB; {settings.requests:,} requests")
        sustained = wrk.run(
            server.url, mix, count=settings.requests, connections=settings.connections
        )
        rss_after = server.rss_kib()
        _progress(
            spec,
            f"after: {rss_after / 1024:.1f} MiB; {THROUGHPUT_SCENARIO} for {settings.seconds:g} s",
        )
        hello = [BY_NAME[THROUGHPUT_SCENARIO].request]
        throughput = wrk.run(
            server.url, hello, seconds=settings.seconds, connections=settings.connections
        )
        server.check_worker()
    mix_names = tuple(scenario.name for scenario in scenarios)
    load = os.getloadavg()[0]
    row = E2ERow(
        spec, mix_names, throughput, sustained, rss_warm, rss_after, settings.requests, load
    )
    _progress(
        spec,
        f"{throughput.per_second:,.0f} req/s, p99 {throughput.p99_ms:.2f} ms;"
        f" growth {row.growth_kib} KiB; {time.monotonic() - started:.0f} s, load average"
        f" {load:.2f}" + "".join(f"; {problem}" for problem in row.problems),
    )
    return row


def _checked_request(server: Server, scenario: Scenario) -> Request:
    """The request the mix sends for ``scenario``, once checked over the socket."""
    request = scenario.request
    if scenario.session:
        first = server.send(request)
        cookies = first.set_cookies()
        if first.status != 200 or not cookies:
            raise CheckFailed(_wrong(server, scenario, first, ["no session cookie"]))
        request = request.with_header("Cookie", "; ".join(cookies))
    reply = server.send(request)
    problems = scenario.check(reply)
    if problems:
        raise CheckFailed(_wrong(server, scenario, reply, problems))
    return request


def _wrong(server: Server, scenario: Scenario, reply: Reply, problems: list[str]) -> str:
    return (
        f"{server.spec.label} under {server.spec.kind} answered {scenario.name!r} wrongly:"
        f" {'; '.join(problems)}\n{server.output()}"
    )


def _progress(spec: ServerSpec, message: str) -> None:
    print(f"e2e {spec.kind:8} {spec.label:18} {message}", file=sys.stderr)
