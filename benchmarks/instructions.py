"""Instructions per request, counted by callgrind: the figure that stays put on a noisy machine.

``python benchmarks/instructions.py wsgi hello`` runs erlen's benchmark app on one scenario
under ``valgrind --tool=callgrind`` twice, with the same warm-up and ``--requests`` or twice as
many requests after it, and prints the difference divided by the extra requests: start-up,
imports and warm-up cancel out. ``--framework Falcon`` counts a peer the same way. The requests
are the benchmark's own (same apps, same drivers, answers checked first). Not a test; needs
valgrind (``apt-get install valgrind``). Every ``# PERF:`` comment in erlen that quotes an
instruction count can be checked with this command, and ``make bench`` counts every cell of
its in-process tables this way (``--no-instructions`` skips them).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parent.parent
INSTALL_HINT = "valgrind is not installed (apt-get install valgrind)"
_COLLECTED = re.compile(rb"Collected\s*:\s*(\d+)")


def count(group: str, scenario: str, label: str | None, requests: int) -> int:
    """Instructions callgrind counted for a whole run of ``requests`` after the warm-up."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        str(Path(__file__).resolve()),
        group,
        scenario,
        "--inner",
        str(requests),
    ]
    if label:
        command += ["--framework", label]
    # A fixed hash seed: dict and set layouts, and so the instruction count, repeat exactly.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    result = subprocess.run(command, capture_output=True, cwd=ROOT, env=env, check=False)
    match = _COLLECTED.search(result.stderr)
    if result.returncode != 0 or match is None:
        # The first line says why in a few words (the harness shows it in the table's cell);
        # the end of valgrind's output follows for whoever reads the whole error.
        output = result.stderr.decode(errors="replace")
        lines = [line for line in output.splitlines() if line.strip() and not line.startswith("==")]
        last = lines[-1].strip() if lines else "no output"
        raise RuntimeError(
            f"callgrind run failed (exit {result.returncode}): {last}\n{output[-2000:]}"
        )
    return int(match.group(1))


def per_request(group: str, scenario: str, label: str | None, requests: int) -> float:
    """Instructions one request costs: the difference between a run of ``2 * requests`` and
    one of ``requests``, over ``requests``."""
    short = count(group, scenario, label, requests)
    long = count(group, scenario, label, 2 * requests)
    return (long - short) / requests


def _inner(group: str, scenario: str, label: str | None, requests: int) -> None:
    """Run inside valgrind: warm up, then serve ``requests`` requests and exit."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.frameworks import GROUPS, Group
    from benchmarks.harness import verified_driver
    from benchmarks.scenarios import BY_NAME

    frameworks = {framework.label: framework for framework in GROUPS[cast(Group, group)]}
    name = label or next(name for name in frameworks if name.startswith("erlen"))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        with verified_driver(frameworks[name], BY_NAME[scenario], loop) as driver:
            driver.run(200)
            driver.run(requests)
    finally:
        loop.close()


def main(argv: Sequence[str]) -> int:
    sys.path.insert(0, str(ROOT))
    from benchmarks.frameworks import GROUPS
    from benchmarks.scenarios import BY_NAME

    parser = argparse.ArgumentParser(prog="benchmarks/instructions.py", description=__doc__)
    parser.add_argument("group", choices=list(GROUPS))
    parser.add_argument("scenario", choices=list(BY_NAME))
    parser.add_argument("--framework", help="a column label (default: erlen's)")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--inner", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner is not None:
        _inner(args.group, args.scenario, args.framework, args.inner)
        return 0
    labels = [framework.label for framework in GROUPS[args.group]]
    if args.framework is not None and args.framework not in labels:
        parser.error(f"--framework: {args.group}'s columns are {', '.join(map(repr, labels))}")
    if shutil.which("valgrind") is None:
        parser.error(INSTALL_HINT)
    value = per_request(args.group, args.scenario, args.framework, args.requests)
    who = args.framework or "erlen"
    print(f"{who}, {args.group}, {args.scenario}: {value:,.0f} instructions per request")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
