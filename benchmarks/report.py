"""The results as markdown (printed, and kept in ``docs/benchmarks.md``) and as JSON.

``write_docs`` replaces only what lies between the markers ``<!-- bench:start -->`` and
``<!-- bench:end -->``: the prose around them is written by people and stays as it is. This
module only formats; it never runs anything. The targets table is ``targets.py``'s, the
picture ``plot.py``'s.
"""

from __future__ import annotations

import os
import platform
import shlex
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks import targets
from benchmarks.e2e import E2EResult, E2ERow
from benchmarks.frameworks import DISTRIBUTIONS, version
from benchmarks.results import Cell, GroupResult, RoutingResult, RunResult
from benchmarks.timing import Measurement
from benchmarks.wrk import WrkResult

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"

#: Above this median spread of the rounds, the run is flagged: another process disturbed it.
UNSTEADY = 0.10
#: Above this load average, an end-to-end row is flagged: wrk and the server make 1 to 1.5.
DISTURBED = 2.0

#: The page, when there is none yet: the prose around the markers is written by people.
INTRO = (
    "# Benchmarks\n\n`make bench` writes the results below; `docs/benchmarks.md` explains them.\n"
)

#: Where the picture is, relative to the page.
PLOT = "img/benchmarks.png"

#: Marks a cell whose framework stands in for a feature it lacks; the note is under the table.
MARKS = "¹²³⁴⁵⁶⁷⁸⁹"


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
    parts = []
    if run.groups or run.routing is not None:
        parts.append(f"in process: median of {run.rounds} rounds of ~{run.round_seconds:g} s")
    if run.e2e is not None:
        parts.append(f"end to end: wrk {run.e2e.wrk_version.removeprefix('wrk ')}")
    lines = [
        f"Run {when}, {run.seconds:.0f} s in all; {'; '.join(parts)}.",
        "",
        f"- Machine: {host['platform']}; {host['cpu']}; {host['cores']} cores",
        f"- Python: {host['python']}",
        f"- Load average (1 min): {run.load[0]:.2f} before the run, {run.load[1]:.2f} after"
        " (the run itself adds about 1)",
        "- Versions: " + ", ".join(f"{name} {number}" for name, number in versions().items()),
    ]
    if run.groups:
        lines += ["", f"![µs per request, in process, log scale]({PLOT})"]
    for group in run.groups.values():
        lines += ["", *_group_table(group)]
        if group.instructions:
            lines += ["", *_instructions_table(group, run.instruction_requests)]
    if run.routing is not None:
        lines += ["", *_routing_table(run.routing)]
    spread = _spread_note(run)
    if spread:
        lines += ["", spread]
    if run.e2e is not None:
        lines += ["", *_e2e_table(run.e2e)]
    verdicts = targets.evaluate(run)
    if verdicts:
        lines += ["", *targets.render(verdicts)]
    return "\n".join(lines)


def _group_table(group: GroupResult) -> list[str]:
    lines = [
        f"### {group.name.upper()}: µs per request (ratio to erlen)",
        "",
        "| scenario | " + " | ".join(group.frameworks) + " |",
        "| --- |" + " ---: |" * len(group.frameworks),
    ]
    base = group.erlen
    footnotes: list[str] = []
    for scenario, cells in group.rows.items():
        base_cell = cells.get(base) if base is not None else None
        base_us = base_cell.median_us if isinstance(base_cell, Measurement) else None
        shown = []
        for label in group.frameworks:
            text = _cell(cells[label], base_us)
            note = group.notes.get(scenario, {}).get(label)
            if note is not None:
                mark = MARKS[len(footnotes) % len(MARKS)]
                footnotes.append(f"{mark} {note}")
                text = f"{text} {mark}"
            shown.append(text)
        lines.append(f"| {scenario} | " + " | ".join(shown) + " |")
    for note in footnotes:
        lines += ["", note]
    return lines


def _instructions_table(group: GroupResult, requests: int = 0) -> list[str]:
    """Instructions per request under callgrind, beside the µs table: the figure that stays put
    when the machine is noisy. One cell is re-measured with ``python benchmarks/instructions.py
    GROUP SCENARIO --framework LABEL``."""
    lines = [
        f"### {group.name.upper()}: instructions per request, callgrind (ratio to erlen)",
        "",
        "| scenario | " + " | ".join(group.frameworks) + " |",
        "| --- |" + " ---: |" * len(group.frameworks),
    ]
    base = group.erlen
    for scenario, counts in group.instructions.items():
        base_count = counts.get(base) if base is not None else None
        shown = []
        for label in group.frameworks:
            count = counts.get(label, "n/a")
            if not isinstance(count, float):
                shown.append(count)
            elif isinstance(base_count, float) and base_count:
                shown.append(f"{count:,.0f} ({count / base_count:.2f}x)")
            else:
                shown.append(f"{count:,.0f}")
        lines.append(f"| {scenario} | " + " | ".join(shown) + " |")
    n = f"{requests:,}" if requests else "N"
    peer = targets.PEERS.get(group.name)
    label = peer if peer in group.frameworks else group.frameworks[-1]
    scenario = next(iter(group.instructions), "hello")
    option = f" --requests {requests}" if requests else ""
    lines += [
        "",
        f"Counted under valgrind's callgrind with `PYTHONHASHSEED=0`: a run of {n} requests and"
        f" one of twice as many after the same warm-up, the difference over {n}; start-up and"
        " imports cancel out. A count that failed shows why. Re-measure one cell with"
        f" `python benchmarks/instructions.py {group.name} {scenario} --framework"
        f" {shlex.quote(label)}{option}`.",
    ]
    return lines


def _cell(cell: Cell, base_us: float | None) -> str:
    if not isinstance(cell, Measurement):
        return cell
    if base_us is None:
        return f"{cell.median_us:.2f}"
    return f"{cell.median_us:.2f} ({cell.median_us / base_us:.2f}x)"


def _routing_table(routing: RoutingResult) -> list[str]:
    sizes = sorted(routing.timings)
    return [
        "### erlen routing: µs per `app.url_map.match_request`, last rule hit",
        "",
        "| case | " + " | ".join(f"{size:,} rules" for size in sizes) + " | ratio |",
        "| --- |" + " ---: |" * (len(sizes) + 1),
        "| `/api/r<i>/<int:id>` | "
        + " | ".join(f"{routing.timings[size].median_us:.3f}" for size in sizes)
        + f" | {routing.ratio:.2f}x |",
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


def _e2e_table(e2e: E2EResult) -> list[str]:
    settings = e2e.settings
    lines = [
        f"### End to end: one worker on loopback, wrk -t1 -c{settings.connections}",
        "",
        f"{e2e.seconds:.0f} s; load average (1 min) {e2e.load[0]:.2f} before, {e2e.load[1]:.2f}"
        " after.",
        "",
        f"| server | framework | hello req/s | hello p99 | mix req/s | mix p99"
        f" | RSS after {settings.warmup:,} | RSS after {settings.requests:,} more | growth"
        " | load |",
        "| --- | --- |" + " ---: |" * 8,
    ]
    for row in e2e.rows:
        hello, mix = row.throughput, row.sustained
        lines.append(
            f"| {row.spec.settings} | {row.spec.label} | {hello.per_second:,.0f}"
            f" | {hello.p99_ms:.2f} ms | {mix.per_second:,.0f} | {mix.p99_ms:.2f} ms"
            f" | {row.rss_warm_kib / 1024:.1f} MiB | {row.rss_after_kib / 1024:.1f} MiB"
            f" | {row.growth_kib:+,} KiB | {row.load:.2f} |"
        )
    mixes = sorted({row.mix for row in e2e.rows}, key=len, reverse=True)
    lines += [
        "",
        "The mix, in turn: " + "; ".join(_mix_note(mix, e2e.rows) for mix in mixes) + ".",
        "",
        f"Load: the 1-minute load average as the server's run ended. wrk and the server make"
        f" 1 to 1.5; above {DISTURBED:g}, other work shared the CPU during that run, and its"
        " latencies say more about that work than about the framework.",
    ]
    disturbed = [row.spec.label for row in e2e.rows if row.load > DISTURBED]
    if disturbed:
        lines[-1] += f" **Disturbed**: {', '.join(disturbed)}."
    problems = [f"{row.spec.label}: {problem}" for row in e2e.rows for problem in row.problems]
    if problems:
        lines += ["", "**Errors under load**: " + "; ".join(problems) + "."]
    return lines


def _mix_note(mix: tuple[str, ...], rows: list[E2ERow]) -> str:
    labels = [row.spec.label for row in rows if row.mix == mix]
    return f"{', '.join(mix)} ({', '.join(labels)})"


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
                "notes": group.notes,
                "instructions": group.instructions,
            }
            for name, group in run.groups.items()
        },
        "routing": None
        if run.routing is None
        else {
            "median_us": {str(size): m.median_us for size, m in run.routing.timings.items()},
            "ratio": run.routing.ratio,
        },
        "e2e": None if run.e2e is None else _e2e_json(run.e2e),
        "targets": [
            {"target": v.target, "measured": v.measured, "holds": v.holds, "why": v.why}
            for v in targets.evaluate(run)
        ],
        "load": list(run.load),
        "instruction_requests": run.instruction_requests,
    }


def _e2e_json(e2e: E2EResult) -> dict[str, Any]:
    def wrk_json(result: WrkResult) -> dict[str, Any]:
        return {
            "requests": result.requests,
            "seconds": result.seconds,
            "per_second": result.per_second,
            "p50_ms": result.p50_ms,
            "p99_ms": result.p99_ms,
            "errors": result.errors,
            "statuses": {str(code): n for code, n in result.statuses.items()},
        }

    return {
        "wrk": e2e.wrk_version,
        "seconds": e2e.seconds,
        "load": list(e2e.load),
        "settings": vars(e2e.settings),
        "rows": [
            {
                "framework": row.spec.label,
                "server": row.spec.settings,
                "mix": list(row.mix),
                "hello": wrk_json(row.throughput),
                "mix_run": wrk_json(row.sustained),
                "rss_warm_kib": row.rss_warm_kib,
                "rss_after_kib": row.rss_after_kib,
                "load": row.load,
                "problems": row.problems,
            }
            for row in e2e.rows
        ],
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
