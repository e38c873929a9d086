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
from typing import Any

import pytest

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


# --- instructions per request ------------------------------------------------------------------
# The counts themselves need valgrind and minutes; these tests replace the counter with fixed
# numbers and check what the harness, the report and the targets make of them.


def _bench_modules() -> tuple[Any, Any, Any, Any]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks import harness, report, targets
    from benchmarks.timing import Measurement

    return harness, report, targets, Measurement


def _group(measurement: Any) -> Any:
    from benchmarks.results import GroupResult

    cell = measurement(median_us=5.0, rounds_us=(5.0, 5.0), requests_per_round=10)
    return GroupResult(
        "wsgi",
        ["erlen", "Falcon", "Bottle"],
        {"hello": {"erlen": cell, "Falcon": cell, "Bottle": "n/a (not installed)"}},
    )


def test_counts_fill_every_cell_that_ran_and_show_beside_the_timings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    harness, report, targets, measurement = _bench_modules()
    counts = {"erlen": 30_000.0, "Falcon": 40_000.0}
    asked: list[tuple[str, str, str, int]] = []

    def fake(group: str, scenario: str, label: str, requests: int) -> float:
        asked.append((group, scenario, label, requests))
        return counts[label]

    monkeypatch.setattr(harness.instructions, "per_request", fake)
    group = _group(measurement)
    harness.count_group(group, 100)

    # Bottle did not run, so it is not counted.
    assert asked == [("wsgi", "hello", "erlen", 100), ("wsgi", "hello", "Falcon", 100)]
    assert group.instructions == {"hello": counts}
    table = "\n".join(report._instructions_table(group))
    assert "| hello | 30,000 (1.00x) | 40,000 (1.33x) | n/a |" in table
    verdict = targets._at_or_below(
        "wsgi", "hello", "erlen", group.rows["hello"], "Falcon", group.instructions["hello"]
    )
    # The timings are equal; the counts decide.
    assert verdict.holds is True
    assert "30,000 vs 40,000 instructions per request: 0.75x" in verdict.measured


def test_a_failed_count_leaves_its_reason_and_the_run_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    harness, _report, _targets, measurement = _bench_modules()

    def fake(group: str, scenario: str, label: str, requests: int) -> float:
        if label == "Falcon":
            raise RuntimeError("callgrind run failed:\nsomething broke")
        return 30_000.0

    monkeypatch.setattr(harness.instructions, "per_request", fake)
    group = _group(measurement)
    harness.count_group(group, 100)
    assert group.instructions["hello"]["erlen"] == 30_000.0
    assert group.instructions["hello"]["Falcon"] == "n/a (callgrind run failed:)"


def test_counts_are_skipped_on_request_and_in_quick_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    harness, _report, _targets, _measurement = _bench_modules()
    monkeypatch.setattr(harness.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert harness._instructions_requests(harness.parse_args(["--no-instructions"])) == 0
    assert harness._instructions_requests(harness.parse_args(["--quick"])) == 0
    quick_counted = harness.parse_args(["--quick", "--instructions"])
    assert harness._instructions_requests(quick_counted) == 300
    assert harness._instructions_requests(harness.parse_args([])) == 300
    monkeypatch.setattr(harness.shutil, "which", lambda name: None)
    assert harness._instructions_requests(harness.parse_args([])) == 0
