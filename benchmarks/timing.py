"""How one thing is timed: calibrate a round, then the median of several rounds.

What is timed is a ``Run``: given ``n``, it does the same thing (sends the same request, makes
the same call) ``n`` times back to back and returns the nanoseconds taken; a driver's ``run``
is one. A round lasts about ``round_seconds``; its result is the mean time of one call in it.
The reported figure is the median over the rounds, so one disturbed round (another process, a
frequency change) moves it little. The garbage collector stays on during a round, since the
cost of what a framework allocates is part of its cost; a ``gc.collect()`` before each round
starts every round from the same clean heap. The calibration runs are also the warm-up.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

#: Does one thing ``n`` times and returns the nanoseconds taken.
Run = Callable[[int], int]


@dataclass(frozen=True)
class Measurement:
    #: The median over the rounds of the mean time of one request, in microseconds.
    median_us: float
    #: Each round's mean time of one request, in microseconds.
    rounds_us: tuple[float, ...]
    requests_per_round: int

    @property
    def spread(self) -> float:
        """(slowest round - fastest round) / median: how steady the rounds were."""
        return (max(self.rounds_us) - min(self.rounds_us)) / self.median_us


def measure(run: Run, rounds: int, round_seconds: float) -> Measurement:
    count = calibrate(run, round_seconds)
    results = []
    for _ in range(rounds):
        gc.collect()
        elapsed = run(count)
        results.append(elapsed / count / 1000)
    return Measurement(statistics.median(results), tuple(results), count)


def calibrate(run: Run, round_seconds: float) -> int:
    """How many calls fill a round: double a batch until it takes a tenth of a round."""
    target = round_seconds * 1e9
    count = 1
    while True:
        elapsed = run(count)
        if elapsed >= target / 10:
            return max(1, round(count * target / elapsed))
        count *= 2


def calls(function: Callable[[], object]) -> Run:
    """A ``Run`` of a plain function call."""

    def run(count: int) -> int:
        start = time.perf_counter_ns()
        for _ in range(count):
            function()
        return time.perf_counter_ns() - start

    return run
