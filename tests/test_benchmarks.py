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


def _run(group: Any, requests: int) -> Any:
    from benchmarks.results import RunResult

    return RunResult(
        started=0.0,
        seconds=1.0,
        rounds=7,
        round_seconds=0.2,
        groups={"wsgi": group},
        routing=None,
        e2e=None,
        load=(0.0, 0.0),
        instruction_requests=requests,
    )


def test_the_report_shows_the_counts_and_judges_the_target_on_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    harness, report, _targets, measurement = _bench_modules()
    counts = {"erlen": 50_000.0, "Falcon": 40_000.0}
    monkeypatch.setattr(harness.instructions, "per_request", lambda g, s, label, n: counts[label])
    group = _group(measurement)
    harness.count_group(group, 300)
    page = report.render(_run(group, 300))

    assert "| hello | 5.00 (1.00x) | 5.00 (1.00x) | n/a (not installed) |" in page
    assert "| hello | 50,000 (1.00x) | 40,000 (0.80x) | n/a |" in page
    assert "a run of 300 requests" in page
    command = "python benchmarks/instructions.py wsgi hello --framework Falcon --requests 300"
    assert f"`{command}`" in page
    # Equal medians would hold; the counts say erlen does 25% more work, and the row says so.
    row = next(line for line in page.splitlines() if "erlen at or below Falcon" in line)
    assert "50,000 vs 40,000 instructions per request: 1.25x" in row
    assert "**no** (by 25%)" in row
    as_json = report.as_json(_run(group, 300))
    assert as_json["groups"]["wsgi"]["instructions"] == {"hello": counts}
    assert as_json["instruction_requests"] == 300


def test_without_counts_the_report_has_only_the_timings() -> None:
    _harness, report, _targets, measurement = _bench_modules()
    page = report.render(_run(_group(measurement), 0))
    assert "instructions" not in page
    row = next(line for line in page.splitlines() if "erlen at or below Falcon" in line)
    assert "5.00 µs vs 5.00 µs: 1.00x" in row


def test_a_failed_count_shows_its_reason_in_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    harness, report, _targets, measurement = _bench_modules()

    def fake(group: str, scenario: str, label: str, requests: int) -> float:
        if label == "Falcon":
            raise RuntimeError("callgrind run failed (exit 1): ImportError: no | falcon\n==1== …")
        return 30_000.0

    monkeypatch.setattr(harness.instructions, "per_request", fake)
    group = _group(measurement)
    harness.count_group(group, 100)
    page = report.render(_run(group, 100))
    reason = "n/a (callgrind run failed (exit 1): ImportError: no / falcon)"
    assert f"| hello | 30,000 (1.00x) | {reason} | n/a |" in page
    # With one side uncounted, the target falls back to the medians.
    row = next(line for line in page.splitlines() if "erlen at or below Falcon" in line)
    assert "5.00 µs vs 5.00 µs" in row


def test_no_instructions_never_calls_the_counter(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    harness, _report, _targets, _measurement = _bench_modules()
    called: list[str] = []

    def fake(group: str, scenario: str, label: str, requests: int) -> float:
        called.append(label)
        return 1_000.0

    monkeypatch.setattr(harness.instructions, "per_request", fake)
    monkeypatch.setattr(harness.shutil, "which", lambda name: f"/usr/bin/{name}")
    common = ["--no-write", "--only", "wsgi", "--scenario", "routes-1000"]
    common += ["--rounds", "1", "--round-seconds", "0.002"]

    assert harness.main([*common, "--no-instructions"]) == 0
    assert called == []
    assert "instructions" not in capsys.readouterr().out

    # Counted by default: every framework that ran, shown in the printed tables.
    assert harness.main(common) == 0
    assert "erlen" in called
    assert "### WSGI: instructions per request" in capsys.readouterr().out


def test_the_flask_speedup_uses_the_counts_where_both_were_counted() -> None:
    _harness, _report, targets, measurement = _bench_modules()
    from benchmarks.results import GroupResult

    fast = measurement(median_us=3.0, rounds_us=(3.0,), requests_per_round=10)
    slow = measurement(median_us=36.0, rounds_us=(36.0,), requests_per_round=10)
    group = GroupResult("wsgi", ["erlen", "Flask"], {"hello": {"erlen": fast, "Flask": slow}})

    def flask_row() -> Any:
        verdicts = targets.evaluate(_run(group, 300))
        return next(v for v in verdicts if v.key == "wsgi hello vs Flask")

    assert flask_row().measured == "3.00 µs vs 36.00 µs: 12.0x faster"
    assert flask_row().holds is True
    group.instructions["hello"] = {"erlen": 36_000.0, "Flask": 324_000.0}
    row = flask_row()
    assert row.measured == "36,000 vs 324,000 instructions per request: 9.0x fewer"
    assert row.holds is False
