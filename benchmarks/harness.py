"""The run: the in-process part, then the end-to-end part (``e2e.py``), then the report.

In process, for each group, scenario and framework: build the app, check it, time it.
Everything happens in one process, one framework at a time. Before an app is timed, its answer
to the scenario's request is checked against what the scenario expects; a wrong answer stops
the run with the reason, since timing a wrong answer would compare different work. A framework
that lacks what a scenario needs is reported as "n/a" with the reason, and the run goes on.
The end-to-end part starts after the in-process part has ended, so the two never share the CPU.
Progress goes to stderr; the tables go to stdout and, after a full run, to the docs together
with the picture.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import e2e, instructions, plot, report, wrk
from benchmarks.apps import ROUTE_COUNT, Unavailable
from benchmarks.drivers import ASGIDriver, Driver, Lifespan, WSGIDriver
from benchmarks.frameworks import GROUPS, Framework, Group
from benchmarks.results import Cell, Count, GroupResult, RoutingResult, RunResult, load_average
from benchmarks.scenarios import BY_NAME, SCENARIOS, Request, Scenario
from benchmarks.servers import ServerFailed
from benchmarks.timing import Measurement, calls, measure

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
PLOT = DOCS.parent / report.PLOT

#: The routing rows compare a small app with a large one.
ROUTING_SIZES = (10, ROUTE_COUNT)


class VerificationFailed(Exception):
    """An app answered a scenario's request wrongly."""


@dataclass(frozen=True)
class Settings:
    rounds: int
    round_seconds: float


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="erlen and its peers: microseconds per request in process, then requests"
        " per second and memory behind a real server (wrk).",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="3 short rounds and short wrk runs: a smoke run (never written)",
    )
    parser.add_argument(
        "--only", choices=["wsgi", "asgi", "routing", "e2e"], help="run one part only"
    )
    parser.add_argument(
        "--scenario",
        choices=[scenario.name for scenario in SCENARIOS],
        help="run one scenario only, in process",
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone"
    )
    parser.add_argument("--rounds", type=int, help="rounds per cell (default 7, quick 3)")
    parser.add_argument(
        "--round-seconds", type=float, help="length of a round (default 0.2, quick 0.02)"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    counting = parser.add_mutually_exclusive_group()
    counting.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions per request with callgrind even in a --quick run",
    )
    counting.add_argument(
        "--no-instructions",
        action="store_true",
        help="skip the callgrind counts (on by default when valgrind is installed)",
    )
    parser.add_argument(
        "--instructions-requests",
        type=int,
        default=300,
        help="requests per callgrind count (each cell runs N and 2N; default 300)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    settings = Settings(
        rounds=args.rounds or (3 if args.quick else 7),
        round_seconds=args.round_seconds or (0.02 if args.quick else 0.2),
    )
    scenarios = [BY_NAME[args.scenario]] if args.scenario else list(SCENARIOS)
    groups: list[Group] = [group for group in GROUPS if args.only in (None, group)]
    with_routing = args.only in (None, "routing") and args.scenario in (None, "routes-1000")
    with_e2e = args.only in (None, "e2e") and args.scenario is None
    if with_e2e and shutil.which("wrk") is None:
        print(f"benchmark not started: {wrk.INSTALL_HINT}", file=sys.stderr)
        return 1

    started = time.time()
    load_before = load_average()
    print(f"load average (1 min) before: {load_before:.2f}", file=sys.stderr)
    count_requests = _instructions_requests(args)
    try:
        results, routing = run_in_process(groups, scenarios, with_routing, settings)
        if count_requests:
            for result in results.values():
                count_group(result, count_requests)
        end_to_end = e2e.run(e2e.QUICK if args.quick else e2e.E2ESettings()) if with_e2e else None
    except (VerificationFailed, e2e.CheckFailed, ServerFailed, wrk.WrkFailed) as error:
        print(f"\nbenchmark stopped: {error}", file=sys.stderr)
        return 1
    load_after = load_average()
    print(f"load average (1 min) after: {load_after:.2f}", file=sys.stderr)

    run = RunResult(
        started=started,
        seconds=time.time() - started,
        rounds=settings.rounds,
        round_seconds=settings.round_seconds,
        groups=results,
        routing=routing,
        e2e=end_to_end,
        load=(load_before, load_after),
        instruction_requests=count_requests,
    )
    block = report.render(run)
    print(block)
    if args.json:
        args.json.write_text(json.dumps(report.as_json(run), indent=2) + "\n")
    if args.no_write:
        return 0
    if args.quick or args.only or args.scenario or args.rounds or args.round_seconds:
        print(
            f"\n{DOCS.name} not written: only a full run with the default rounds replaces"
            " the tables there.",
            file=sys.stderr,
        )
    else:
        report.write_docs(DOCS, block)
        plot.write(run, PLOT)
        print(f"\nwritten to {DOCS} and {PLOT}", file=sys.stderr)
    return 0


def _instructions_requests(args: argparse.Namespace) -> int:
    """Requests per callgrind count, or 0 for no counts: counted by default when valgrind is
    installed, except in a --quick run (unless --instructions)."""
    if args.no_instructions or (args.quick and not args.instructions):
        return 0
    if shutil.which("valgrind") is None:
        print(f"instructions not counted: {instructions.INSTALL_HINT}", file=sys.stderr)
        return 0
    return max(1, int(args.instructions_requests))


def count_group(result: GroupResult, requests: int) -> None:
    """Fill ``result.instructions``: instructions per request for every cell that ran, counted
    under callgrind by ``benchmarks/instructions.py``. A count that fails is left empty with its
    reason; it never stops the run."""
    for scenario, cells in result.rows.items():
        counts = result.instructions.setdefault(scenario, {})
        for label, cell in cells.items():
            if not isinstance(cell, Measurement):
                continue
            try:
                count: Count = instructions.per_request(result.name, scenario, label, requests)
            except Exception as error:  # a count is a figure beside the timing, never a stop
                reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
                # A table cell: no pipe may split it.
                count = f"n/a ({reason[:80].replace('|', '/')})"
            counts[label] = count
            shown = f"{count:12,.0f} instructions/req" if isinstance(count, float) else count
            print(f"{result.name} {scenario:13} {label:18} {shown}", file=sys.stderr)


def run_in_process(
    groups: Sequence[Group], scenarios: Sequence[Scenario], with_routing: bool, settings: Settings
) -> tuple[dict[str, GroupResult], RoutingResult | None]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        results: dict[str, GroupResult] = {
            group: run_group(group, scenarios, settings, loop) for group in groups
        }
        routing = run_routing(settings) if with_routing else None
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    return results, routing


def run_group(
    group: Group,
    scenarios: Sequence[Scenario],
    settings: Settings,
    loop: asyncio.AbstractEventLoop,
) -> GroupResult:
    frameworks = GROUPS[group]
    rows: dict[str, dict[str, Cell]] = {}
    notes: dict[str, dict[str, str]] = {}
    for scenario in scenarios:
        row = rows[scenario.name] = {}
        for framework in frameworks:
            cell = run_cell(framework, scenario, settings, loop)
            row[framework.label] = cell
            note = framework.note(scenario.name)
            if note is not None and isinstance(cell, Measurement):
                notes.setdefault(scenario.name, {})[framework.label] = note
            shown = f"{cell.median_us:8.2f} us/req" if isinstance(cell, Measurement) else cell
            print(f"{group} {scenario.name:13} {framework.label:18} {shown}", file=sys.stderr)
    return GroupResult(group, [framework.label for framework in frameworks], rows, notes)


def run_cell(
    framework: Framework,
    scenario: Scenario,
    settings: Settings,
    loop: asyncio.AbstractEventLoop,
) -> Cell:
    """The measurement of one framework on one scenario, or why there is none."""
    try:
        with verified_driver(framework, scenario, loop) as driver:
            return measure(driver.run, settings.rounds, settings.round_seconds)
    except Unavailable as reason:
        return f"n/a ({reason})"


@contextlib.contextmanager
def verified_driver(
    framework: Framework, scenario: Scenario, loop: asyncio.AbstractEventLoop
) -> Iterator[Driver]:
    """A driver of a fresh app for ``scenario`` whose answer was checked, inside the app's
    lifespan under ASGI; raises ``Unavailable`` if the framework cannot serve the scenario."""
    app = framework.build(scenario.name)

    def driver_for(request: Request) -> Driver:
        if framework.protocol == "wsgi":
            return WSGIDriver(app, request)
        return ASGIDriver(app, request, loop)

    lifespan = Lifespan(app, loop) if framework.protocol == "asgi" else None
    if lifespan is not None:
        lifespan.start()
    try:
        request = scenario.request
        if scenario.session:
            request = request.with_header("Cookie", _session_cookie(framework, driver_for(request)))
        driver = driver_for(request)
        verify(framework, scenario, driver)
        yield driver
    finally:
        if lifespan is not None:
            lifespan.stop()


def verify(framework: Framework, scenario: Scenario, driver: Driver) -> None:
    where = f"{framework.label} on {scenario.name!r}"
    try:
        reply = driver.call()
    except Exception as error:
        error.add_note(f"(raised by {where})")
        raise
    problems = scenario.check(reply)
    if problems:
        raise VerificationFailed(f"{where} answered wrongly: {'; '.join(problems)}")


def _session_cookie(framework: Framework, driver: Driver) -> str:
    """The cookie a first, cookie-less request was given, to send on the timed ones."""
    reply = driver.call()
    cookies = reply.set_cookies()
    if reply.status != 200 or not cookies:
        raise VerificationFailed(
            f"{framework.label} gave no session cookie to a first request"
            f" (status {reply.status}, body {reply.body[:120]!r})"
        )
    return "; ".join(cookies)


def run_routing(settings: Settings) -> RoutingResult:
    """erlen's ``url_map.match_request`` on the last rule of a small and of a large app."""
    from benchmarks.apps import erlen_app

    timings: dict[int, Measurement] = {}
    for size in ROUTING_SIZES:
        url_map = erlen_app.many_routes(size).url_map
        path = f"/api/r{size - 1}/42"
        match = functools.partial(url_map.match_request, path, "GET")
        rule, view_args = match()
        if rule.endpoint != f"r{size - 1}" or view_args != {"id": 42}:
            raise VerificationFailed(
                f"match_request({path!r}) gave {rule.endpoint!r} {view_args!r}"
            )
        timings[size] = measure(calls(match), settings.rounds, settings.round_seconds)
        print(f"routing {size:5} rules {timings[size].median_us:8.3f} us/match", file=sys.stderr)
    return RoutingResult(timings)
