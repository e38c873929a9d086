"""The targets of the performance issue, checked against a run: target, measured, holds?

In process: erlen at or below Falcon in every WSGI scenario and at or below Starlette in every
ASGI scenario; at least 10x faster than Flask on ``hello``; routing 1,000 rules within 1.2x of
routing 10. End to end: under 1 MB of resident growth over 100,000 requests. A target whose
part did not run is left out; one whose peer has no number (a feature it lacks) says "n/a".

"At or below" and the Flask speedup compare instructions per request (callgrind) where both
sides were counted, the steadier figure, and medians as they are otherwise; the row says which.
A miss on medians smaller than the rounds' own spread is marked as such, since another run may
well turn it over. When a target misses, its row gives
the cause from ``CAUSES``: written by people from a profile (``benchmarks/hotspots.py``), kept
next to the target it explains, and shown only while that target misses.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.results import Cell, Count, RunResult
from benchmarks.timing import Measurement

#: The in-process peer erlen must match, per group.
PEERS = {"wsgi": "Falcon", "asgi": "Starlette"}
FLASK_SPEEDUP = 10.0
ROUTING_RATIO = 1.2
GROWTH_KIB = 1024

#: Target key -> why it misses, from the profile named in the text; shown while it misses.
CAUSES: dict[str, str] = {
    "wsgi json": (
        "Profiled 2026-11-24, after 438f733 (`benchmarks/hotspots.py wsgi json`): erlen keeps"
        " Flask's `sort_keys=True` for JSON responses, and sorting this payload's keys costs"
        " about 2 µs; with `app.json.sort_keys = False` the same app measured 30.6 µs against"
        " Falcon's 30.0."
    ),
    "asgi json": (
        "Profiled 2026-11-24, after 438f733 (`benchmarks/hotspots.py asgi json`): of the"
        " 9 µs to Starlette, the first header lookup decodes every header of the scope to str"
        " and indexes them all (2.5 µs; the cross-origin check of the POST is that first"
        " lookup, and finding its two names in the raw bytes costs 0.3), the sorted keys"
        " cost 1 to 2 µs, reading the body ahead and then again 2 µs, encoding every response"
        " header anew 1 µs (the constant security headers too); the rest is `asgi._http`'s own."
    ),
    "asgi form-session": (
        "Profiled 2026-11-24, after 438f733 (`benchmarks/hotspots.py asgi form-session`): the"
        " session cookie keeps Flask's format through itsdangerous (`dumps` 18.5 µs, `loads`"
        " 14.7 µs; tagged JSON is 7 µs of it, a try at zlib on a 30-byte payload 3.7), where"
        " Starlette's plain JSON, base64 and one signature cost 6.9 and 9.3 µs: 17 µs of the"
        " gap. Then the form parser (8.1 µs for 3 fields; urllib's `parse_qsl`: 5.8),"
        " `set_cookie` (3.6 µs) and the first header lookup (2.5 µs)."
    ),
    "asgi not-found": (
        "Profiled 2026-11-24 (`benchmarks/hotspots.py asgi not-found`): a miss walks the rules"
        " four times (the path, the path with a slash, every rule again for a 405, the"
        " WebSocket rules): 3.2 µs against 1.6 µs for a hit. The headers of every response are"
        " encoded to bytes anew, the constant security headers too (1 µs)."
    ),
}


@dataclass(frozen=True)
class Verdict:
    key: str
    target: str
    measured: str
    #: None: the run could not tell.
    holds: bool | None
    #: How far off a miss is, when that is worth saying.
    margin: str = ""

    @property
    def shown(self) -> str:
        if self.holds is None:
            return "n/a"
        if self.holds:
            return "yes"
        return f"**no**{f' ({self.margin})' if self.margin else ''}"

    #: The miss is smaller than the rounds' spread: another run may turn it over.
    within_noise: bool = False

    @property
    def why(self) -> str:
        if self.holds is not False:
            return ""
        if self.key in CAUSES:
            return CAUSES[self.key]
        return "within the noise of this run" if self.within_noise else "not profiled yet"


def evaluate(run: RunResult) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for group_name, peer in PEERS.items():
        group = run.groups.get(group_name)
        if group is None or group.erlen is None:
            continue
        for scenario, cells in group.rows.items():
            counts = group.instructions.get(scenario, {})
            verdicts.append(_at_or_below(group_name, scenario, group.erlen, cells, peer, counts))
    flask = _flask_speedup(run)
    if flask is not None:
        verdicts.append(flask)
    if run.routing is not None:
        timings = run.routing.timings
        small, large = sorted(timings)
        verdicts.append(
            Verdict(
                "routing",
                f"routing {large:,} rules within {ROUTING_RATIO}x of {small}"
                " (`match_request`, last rule)",
                f"{timings[large].median_us:.2f} µs vs {timings[small].median_us:.2f} µs:"
                f" {run.routing.ratio:.2f}x",
                run.routing.ratio <= ROUTING_RATIO,
            )
        )
    if run.e2e is not None:
        for row in run.e2e.rows:
            if row.spec.label.startswith("erlen"):
                verdicts.append(
                    Verdict(
                        f"memory {row.spec.kind}",
                        f"{row.spec.label} under {row.spec.kind}: resident growth under"
                        f" 1 MB over {run.e2e.settings.requests:,} requests",
                        f"{row.growth_kib:+,} KiB"
                        f" ({row.rss_warm_kib / 1024:.1f} -> {row.rss_after_kib / 1024:.1f} MiB)",
                        row.growth_kib < GROWTH_KIB,
                    )
                )
    return verdicts


def _at_or_below(
    group: str,
    scenario: str,
    erlen_label: str,
    cells: dict[str, Cell],
    peer: str,
    counts: dict[str, Count] | None = None,
) -> Verdict:
    key = f"{group} {scenario}"
    target = f"{group.upper()} {scenario}: {erlen_label} at or below {peer}"
    counted, other_count = (counts or {}).get(erlen_label), (counts or {}).get(peer)
    if isinstance(counted, float) and isinstance(other_count, float) and other_count:
        # Instructions per request barely move between runs: the steadier figure decides.
        ratio = counted / other_count
        measured = f"{counted:,.0f} vs {other_count:,.0f} instructions per request: {ratio:.2f}x"
        return Verdict(key, target, measured, ratio <= 1, f"by {_percent(ratio - 1)}")
    erlen, other = cells.get(erlen_label), cells.get(peer)
    if not isinstance(erlen, Measurement):
        return Verdict(key, target, f"erlen: {erlen}", None)
    if not isinstance(other, Measurement):
        return Verdict(key, target, f"{peer}: {other}", None)
    ratio = erlen.median_us / other.median_us
    measured = f"{erlen.median_us:.2f} µs vs {other.median_us:.2f} µs: {ratio:.2f}x"
    spread = max(erlen.spread, other.spread)
    within_noise = ratio - 1 < spread
    margin = f"by {_percent(ratio - 1)}"
    if within_noise:
        margin += f", within the rounds' spread of {_percent(spread)}"
    return Verdict(key, target, measured, ratio <= 1, margin, within_noise)


def _percent(fraction: float) -> str:
    return f"{fraction:.1%}" if abs(fraction) < 0.01 else f"{fraction:.0%}"


def _flask_speedup(run: RunResult) -> Verdict | None:
    erlen, flask = run.cell("wsgi", "hello", "erlen"), run.cell("wsgi", "hello", "Flask")
    if not (isinstance(erlen, Measurement) and isinstance(flask, Measurement)):
        return None
    wsgi = run.groups["wsgi"]
    counts = wsgi.instructions.get("hello", {})
    counted, flask_count = counts.get("erlen"), counts.get("Flask")
    if isinstance(counted, float) and isinstance(flask_count, float) and counted:
        # As for "at or below": the steadier figure decides where both sides were counted.
        speedup = flask_count / counted
        measured = (
            f"{counted:,.0f} vs {flask_count:,.0f} instructions per request: {speedup:.1f}x fewer"
        )
    else:
        speedup = flask.median_us / erlen.median_us
        measured = f"{erlen.median_us:.2f} µs vs {flask.median_us:.2f} µs: {speedup:.1f}x faster"
    return Verdict(
        "wsgi hello vs Flask",
        f"WSGI hello: erlen at least {FLASK_SPEEDUP:g}x faster than Flask",
        measured,
        speedup >= FLASK_SPEEDUP,
    )


def render(verdicts: list[Verdict]) -> list[str]:
    """The table; a miss's cause, being a paragraph, goes under it with a number."""
    lines = [
        "### Targets",
        "",
        "| target | measured | holds? | why not |",
        "| --- | --- | --- | --- |",
    ]
    causes: list[str] = []
    for verdict in verdicts:
        why = verdict.why
        if verdict.key in CAUSES and why:
            causes.append(f"{len(causes) + 1}. {verdict.target}: {why}")
            why = f"note {len(causes)}"
        lines.append(f"| {verdict.target} | {verdict.measured} | {verdict.shown} | {why} |")
    held = sum(verdict.holds is True for verdict in verdicts)
    missed = sum(verdict.holds is False for verdict in verdicts)
    unknown = len(verdicts) - held - missed
    summary = f"{held} of {len(verdicts)} targets hold, {missed} miss"
    lines += ["", f"{summary}{f', {unknown} cannot be measured' if unknown else ''}."]
    if causes:
        lines += ["", "Why they miss, from the profiles:", "", *causes]
    return lines
