"""What a run found, as plain data: the harness fills it in; the report, the targets and the
plot read it. Nothing here measures or formats.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from benchmarks.e2e import E2EResult
from benchmarks.timing import Measurement

#: A measurement, or "n/a (the reason)".
Cell = Measurement | str
#: Instructions per request counted by callgrind, or why there is no count.
Count = float | str


@dataclass(frozen=True)
class GroupResult:
    name: str
    frameworks: list[str]
    #: scenario name -> framework label -> cell
    rows: dict[str, dict[str, Cell]]
    #: scenario name -> framework label -> how the framework stands in for a feature it lacks
    notes: dict[str, dict[str, str]] = field(default_factory=dict)
    #: scenario name -> framework label -> instructions per request (callgrind), when counted
    instructions: dict[str, dict[str, Count]] = field(default_factory=dict)

    @property
    def erlen(self) -> str | None:
        """The label of erlen's column."""
        return next((label for label in self.frameworks if label.startswith("erlen")), None)


@dataclass(frozen=True)
class RoutingResult:
    #: rule count -> time of one match
    timings: dict[int, Measurement]

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
    e2e: E2EResult | None
    #: The 1-minute load average before and after the run: other work on the machine shows here.
    load: tuple[float, float]
    #: N of the callgrind counts (a run of N requests and one of 2N); 0: nothing was counted.
    instruction_requests: int = 0

    def cell(self, group: str, scenario: str, label: str) -> Cell | None:
        """One cell of the in-process tables, or None if it was not run."""
        found = self.groups.get(group)
        return None if found is None else found.rows.get(scenario, {}).get(label)


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")
