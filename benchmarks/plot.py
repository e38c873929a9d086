"""The in-process results as a picture: ``docs/img/benchmarks.png``, written with the tables.

One panel per group (WSGI, ASGI); in each, a group of bars per scenario, one bar per framework,
microseconds per request on a log scale: the frameworks differ by up to 40x, and on a log
scale equal ratios look equal whatever the scenario's size. A framework without a number for a
scenario gets "n/a" where its bar would be. matplotlib draws off-screen (the Agg backend).
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.results import RunResult
from benchmarks.timing import Measurement

#: Colour per framework (the first word of its label), the same in both panels; erlen stands out.
COLOURS = {
    "bare": "#b0b0b0",
    "erlen": "#d62728",
    "Falcon": "#1f77b4",
    "Bottle": "#2ca02c",
    "Flask": "#9467bd",
    "Starlette": "#ff7f0e",
    "Quart": "#e377c2",
}


def write(run: RunResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    groups = list(run.groups.values())
    figure, axes = plt.subplots(len(groups), 1, figsize=(12, 4.2 * len(groups)), squeeze=False)
    for axis, group in zip(axes[:, 0], groups, strict=True):
        scenarios = list(group.rows)
        width = 0.8 / len(group.frameworks)
        for position, label in enumerate(group.frameworks):
            offset = (position - (len(group.frameworks) - 1) / 2) * width
            for index, scenario in enumerate(scenarios):
                x = index + offset
                cell = group.rows[scenario][label]
                if isinstance(cell, Measurement):
                    axis.bar(x, cell.median_us, width, color=_colour(label))
                else:
                    axis.text(
                        x,
                        0.02,
                        "n/a",
                        transform=axis.get_xaxis_transform(),
                        ha="center",
                        fontsize=7,
                        rotation=90,
                    )
        axis.set_yscale("log")
        axis.set_xticks(range(len(scenarios)), scenarios)
        axis.set_ylabel("µs per request (log scale)")
        axis.set_title(f"{group.name.upper()}, in process: lower is faster")
        axis.grid(axis="y", which="both", alpha=0.3)
        legend = [Patch(color=_colour(label), label=label) for label in group.frameworks]
        axis.legend(handles=legend, fontsize=8, ncols=len(legend))
    when = time.strftime("%Y-%m-%d", time.gmtime(run.started))
    figure.suptitle(f"erlen and its peers: median of {run.rounds} rounds, {when}", fontsize=11)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _colour(label: str) -> str:
    return COLOURS.get(label.split()[0], "#555555")
