"""The benchmark still runs, and still checks every framework's answer before timing it.

This runs ``benchmarks/run.py`` the way ``make bench`` does, on one scenario with one tiny
round, so the benchmark cannot rot unnoticed. It asserts no timing: performance is measured by
the benchmark itself, never by a test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A framework may be missing for these reasons without the benchmark being broken: a feature
# erlen has not built yet, or a peer that is not installed (``make test`` does not install the
# ``bench`` extra).
EXPECTED_GAPS = ("not built yet", "not installed")


def test_benchmark_runs_and_verifies_each_framework(tmp_path: Path) -> None:
    results_file = tmp_path / "results.json"
    docs = ROOT / "docs" / "benchmarks.md"
    docs_before = docs.read_text(encoding="utf-8") if docs.exists() else None
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "run.py"),
        "--quick",
        "--no-write",
        "--scenario",
        "routes-1000",
        "--rounds",
        "1",
        "--round-seconds",
        "0.002",
        "--json",
        str(results_file),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)

    assert completed.returncode == 0, completed.stderr
    assert "| routes-1000 |" in completed.stdout
    results = json.loads(results_file.read_text())
    for group in ("wsgi", "asgi"):
        frameworks = results["groups"][group]["frameworks"]
        cells = results["groups"][group]["rows"]["routes-1000"]
        assert list(cells) == frameworks
        for label, cell in cells.items():
            if not cell["verified"]:
                assert any(gap in cell["na"] for gap in EXPECTED_GAPS), f"{group} {label}: {cell}"
        assert cells[frameworks[0]]["verified"], "the bare callable must always run"
    assert results["groups"]["wsgi"]["rows"]["routes-1000"]["erlen"]["verified"]
    assert set(results["routing"]["median_us"]) == {"10", "1000"}
    after = docs.read_text(encoding="utf-8") if docs.exists() else None
    assert after == docs_before, "--no-write must leave docs/benchmarks.md alone"
