"""The results as markdown (printed, and kept in ``docs/benchmarks.md``) and as JSON.

``write_docs`` replaces only what lies between the markers ``<!-- bench:start -->`` and
``<!-- bench:end -->``: the prose around them is written by people and stays as it is. This
module only formats; it never runs anything.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.frameworks import DISTRIBUTIONS, version
from benchmarks.timing import Measurement

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"

#: Above this median spread of the rounds, the run is flagged: another process disturbed it.
UNSTEADY = 0.10

#: A measurement, or "n/a (the reason)".
Cell = Measurement | str

INTRO = """\
# Benchmarks

How long erlen takes to serve one request, next to the frameworks a Flask user would weigh it
against. Run it yourself with `make bench` (it installs the `bench` extra, then runs
`benchmarks/run.py`; `--help` lists the options).

## What is measured

- Microseconds per request, in process: no server, no socket, no HTTP parsing. A request is
  a fresh WSGI environ (a copied dict with a fresh `io.BytesIO` body) or a fresh ASGI scope with
  `receive` and `send` callables; the whole response is consumed (the WSGI iterable read to its
  end and closed, the ASGI messages collected). This is the framework's own cost, which is what
  erlen can change; a real server adds its own cost, the same for every framework.
- Each app is written the way its framework's documentation teaches (`benchmarks/apps/`). The
  WSGI erlen app has `def` views, as Flask code has; the ASGI one has `async def` views, as
  its async peers do. Only the `form-session` apps are set up for sessions: with a secret key,
  Flask and Quart open the session on every request, and Starlette's session middleware runs
  on every request.
- Before an app is timed, its answer is checked (status, content type, body), so every
  column does the same work. A framework without a feature shows "n/a" and the reason.
- A figure is the median of 7 rounds of about 0.2 s each, after a calibration that is also the
  warm-up. The garbage collector stays on (what a framework allocates is part of its cost),
  with a `gc.collect()` between rounds. One process, one framework at a time. The ASGI apps all
  run on one event loop, each request in its own task, as under uvicorn.
- The ratio is a framework's time over erlen's: above 1.00x is slower than erlen. The bare
  columns are the floor: a hand-written callable that does only the scenario's work, so what
  the harness itself costs is in that column too.
- The erlen routing rows time `app.url_map.match_request` alone, hitting the last rule of an
  app of 10 rules and of one of 1,000 rules: the cost of routing should not grow with the app.

Numbers from one machine at one moment: compare columns within a run, not runs across machines.

## Results
"""


@dataclass(frozen=True)
class GroupResult:
    name: str
    frameworks: list[str]
    #: scenario name -> framework label -> cell
    rows: dict[str, dict[str, Cell]]


@dataclass(frozen=True)
class RoutingResult:
    #: rule count -> time of one match
    timings: dict[int, Measurement]
    target: float

    @property
    def ratio(self) -> float:
        sizes = sorted(self.timings)
        return self.timings[sizes[-1]].median_us / self.timings[sizes[0]].median_us


@dataclass(frozen=True)
class RunResult:
    started: float
    seconds: float
    rounds: int
    round_seconds: float
    groups: dict[str, GroupResult]
    routing: RoutingResult | None
    later: list[str]
    #: The 1-minute load average before and after the run: other work on the machine shows here.
    load: tuple[float, float]


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> dict[str, str]:
    return {
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cores": str(os.cpu_count()),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }


def versions() -> dict[str, str]:
    return {name: version(name) for name in DISTRIBUTIONS}


def render(run: RunResult) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(run.started))
    host = machine()
    lines = [
        f"Run {when}: median of {run.rounds} rounds of ~{run.round_seconds:g} s per cell,"
        f" {run.seconds:.0f} s in all.",
        "",
        f"- Machine: {host['platform']}; {host['cpu']}; {host['cores']} cores",
        f"- Python: {host['python']}",
        f"- Load average (1 min): {run.load[0]:.2f} before the run, {run.load[1]:.2f} after"
        " (the run itself adds about 1)",
        "- Versions: " + ", ".join(f"{name} {number}" for name, number in versions().items()),
    ]
    for group in run.groups.values():
        lines += ["", *_group_table(group)]
    if run.routing is not None:
        lines += ["", *_routing_table(run.routing)]
    spread = _spread_note(run)
    if spread:
        lines += ["", spread]
    if run.later:
        lines += [
            "",
            f"Scenarios not switched on yet: {', '.join(run.later)}"
            " (`benchmarks/scenarios.py`; one can be run with `--scenario NAME`).",
        ]
    return "\n".join(lines)


def _group_table(group: GroupResult) -> list[str]:
    erlen = next((label for label in group.frameworks if label.startswith("erlen")), None)
    lines = [
        f"### {group.name.upper()}: µs per request (ratio to erlen)",
        "",
        "| scenario | " + " | ".join(group.frameworks) + " |",
        "| --- |" + " ---: |" * len(group.frameworks),
    ]
    for scenario, cells in group.rows.items():
        base = cells.get(erlen) if erlen is not None else None
        base_us = base.median_us if isinstance(base, Measurement) else None
        shown = [_cell(cells[label], base_us) for label in group.frameworks]
        lines.append(f"| {scenario} | " + " | ".join(shown) + " |")
    return lines


def _cell(cell: Cell, base_us: float | None) -> str:
    if not isinstance(cell, Measurement):
        return cell
    if base_us is None:
        return f"{cell.median_us:.2f}"
    return f"{cell.median_us:.2f} ({cell.median_us / base_us:.2f}x)"


def _routing_table(routing: RoutingResult) -> list[str]:
    sizes = sorted(routing.timings)
    verdict = "within" if routing.ratio <= routing.target else "NOT within"
    return [
        "### erlen routing: µs per `app.url_map.match_request`, last rule hit",
        "",
        "| case | " + " | ".join(f"{size:,} rules" for size in sizes) + " | ratio |",
        "| --- |" + " ---: |" * (len(sizes) + 1),
        "| `/api/r<i>/<int:id>` | "
        + " | ".join(f"{routing.timings[size].median_us:.3f}" for size in sizes)
        + f" | {routing.ratio:.2f}x |",
        "",
        f"The ratio is {verdict} the target of {routing.target:.1f}x.",
    ]


def _spread_note(run: RunResult) -> str:
    spreads = [
        (cell.spread, f"{label}, {scenario}")
        for group in run.groups.values()
        for scenario, cells in group.rows.items()
        for label, cell in cells.items()
        if isinstance(cell, Measurement)
    ]
    if not spreads:
        return ""
    worst, where = max(spreads)
    typical = statistics.median(spread for spread, _ in spreads)
    note = (
        f"Steadiness: the slowest and fastest rounds of a cell differ by {typical:.0%} of its"
        f" median (the median over cells); the most by {worst:.0%} ({where})."
    )
    if typical > UNSTEADY:
        note += (
            f" **Unsteady run** (over {UNSTEADY:.0%}): something else was using the CPU;"
            " run it again on a quiet machine before drawing conclusions."
        )
    return note


def as_json(run: RunResult) -> dict[str, Any]:
    def cell(value: Cell) -> dict[str, Any]:
        if isinstance(value, Measurement):
            return {
                "verified": True,
                "median_us": value.median_us,
                "rounds_us": list(value.rounds_us),
                "requests_per_round": value.requests_per_round,
            }
        return {"verified": False, "na": value}

    return {
        "started": run.started,
        "seconds": run.seconds,
        "rounds": run.rounds,
        "round_seconds": run.round_seconds,
        "machine": machine(),
        "versions": versions(),
        "groups": {
            name: {
                "frameworks": group.frameworks,
                "rows": {
                    scenario: {label: cell(value) for label, value in cells.items()}
                    for scenario, cells in group.rows.items()
                },
            }
            for name, group in run.groups.items()
        },
        "routing": None
        if run.routing is None
        else {
            "median_us": {str(size): m.median_us for size, m in run.routing.timings.items()},
            "ratio": run.routing.ratio,
            "target": run.routing.target,
        },
        "later": run.later,
        "load": list(run.load),
    }


def write_docs(path: Path, block: str) -> None:
    """Put ``block`` between the markers in ``path``; create the page if it is missing."""
    text = path.read_text(encoding="utf-8") if path.exists() else f"{INTRO}\n{START}\n{END}\n"
    if START not in text or END not in text or text.index(START) > text.index(END):
        text = f"{text.rstrip()}\n\n{START}\n{END}\n"
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{before}{START}\n{block}\n{END}{after}", encoding="utf-8")
