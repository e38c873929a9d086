"""Run Flask's own test suite and Flask extensions' suites, unchanged, on erlen.

Each suite's sdist is downloaded at test time (never committed) into ``build/compat``. A suite
runs twice in the same environment (``tests/compat/requirements.txt``): once on the real Flask,
to learn which tests pass there, and once with ``-p erlen.as_flask``, which makes ``flask`` and
``werkzeug`` resolve to erlen. Counting is strict: a test that passes on Flask counts for erlen
only if it is reported passed; a module that fails to import fails every test in it.

Every test that passes on Flask but not on erlen must be listed, with its reason, in
``tests/compat/known_failures.txt``; a listed test that now passes must be taken off the list.
The run fails when a suite falls below 95%, or when the list and the run disagree.

    python tests/compat/run.py              # every suite
    python tests/compat/run.py flask-login  # one suite
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BUILD = ROOT / "build" / "compat"
VENV = BUILD / "venv"
PYTHON = VENV / "bin" / "python"
REQUIREMENTS = HERE / "requirements.txt"
KNOWN_FAILURES = HERE / "known_failures.txt"
TARGET = 0.95


@dataclass(frozen=True)
class Suite:
    name: str
    sdist: str  # the requirement whose sdist holds the tests
    tests: str = "tests"


SUITES = [
    Suite("flask", "flask==3.1.3"),
    Suite("flask-login", "flask-login==0.6.3"),
    Suite("flask-sqlalchemy", "flask-sqlalchemy==3.1.1"),
    Suite("flask-wtf", "flask-wtf==1.3.0"),
]


def ensure_venv() -> None:
    """Build the suites' environment, again whenever the requirements file changes."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    stamp = VENV / ".requirements-sha256"
    if stamp.is_file() and stamp.read_text() == digest:
        return
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
    subprocess.run([*pip, "-e", str(ROOT)], check=True)
    stamp.write_text(digest)


def unpack(suite: Suite) -> Path:
    """The suite's unpacked sdist, downloaded on first use."""
    downloads = BUILD / "sdists"
    name, _, version = suite.sdist.partition("==")
    folder = BUILD / "src" / f"{name}-{version}"
    if folder.is_dir():
        return folder
    downloads.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            str(PYTHON),
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--dest",
            str(downloads),
            suite.sdist,
        ],
        check=True,
    )
    normalized = name.replace("-", "_").lower()
    archive = next(
        path
        for path in downloads.glob("*.tar.gz")
        if path.name.lower().replace("-", "_").startswith(f"{normalized}_{version}")
    )
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=BUILD) as scratch, tarfile.open(archive) as tar:
        tar.extractall(scratch, filter="data")
        (top,) = Path(scratch).iterdir()
        top.rename(folder)
    return folder


def outcomes(folder: Path, suite: Suite, on_erlen: bool) -> dict[str, str]:
    """Each test's outcome (passed, failed, error, skipped) in one run of the suite."""
    report = BUILD / f"{suite.name}-{'erlen' if on_erlen else 'flask'}.xml"
    command = [
        str(PYTHON),
        "-m",
        "pytest",
        suite.tests,
        "-q",
        "-p",
        "no:cacheprovider",
        "--junitxml",
        str(report),
        "-o",
        "junit_family=xunit1",
    ]
    if on_erlen:
        command += ["-p", "erlen.as_flask"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    report.unlink(missing_ok=True)
    run = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=900)
    results: dict[str, str] = {}
    if not report.is_file():
        # pytest stopped before running anything (a plugin or conftest failed to import): every
        # test counts as failed, and the reason is shown.
        print(f"{suite.name}: pytest ran no test:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
        return results
    for case in ET.parse(report).iter("testcase"):
        file = case.get("file") or case.get("classname", "").replace(".", "/") + ".py"
        classname = case.get("classname", "")
        parts = [file]
        tail = classname.rsplit(".", 1)[-1]
        if tail and tail[0].isupper():
            parts.append(tail)
        parts.append(case.get("name", ""))
        test_id = "::".join(parts)
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = child.tag
                break
        results[test_id] = outcome
    return results


def known_failures() -> dict[str, str]:
    """``suite::test id`` -> reason, from known_failures.txt."""
    listed: dict[str, str] = {}
    for line in KNOWN_FAILURES.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        test, _, reason = line.partition(" # ")
        listed[test.strip()] = reason.strip()
    return listed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("suites", nargs="*", help="suite names (default: all)")
    wanted = set(parser.parse_args().suites)
    BUILD.mkdir(parents=True, exist_ok=True)
    ensure_venv()
    listed = known_failures()
    problems: list[str] = []
    rows = []
    for suite in SUITES:
        if wanted and suite.name not in wanted:
            continue
        folder = unpack(suite)
        on_flask = outcomes(folder, suite, on_erlen=False)
        on_erlen = outcomes(folder, suite, on_erlen=True)
        baseline = sorted(test for test, outcome in on_flask.items() if outcome == "passed")
        failing = [test for test in baseline if on_erlen.get(test) != "passed"]
        share = 1 - len(failing) / len(baseline) if baseline else 0.0
        rows.append((suite.name, len(baseline), len(baseline) - len(failing), share))
        if share < TARGET:
            problems.append(f"{suite.name}: {share:.1%} of its Flask-passing tests pass on erlen")
        for test in failing:
            if f"{suite.name}::{test}" not in listed:
                problems.append(
                    f"not in known_failures.txt: {suite.name}::{test}"
                    f" ({on_erlen.get(test, 'not run')})"
                )
        for key in listed:
            name, _, test = key.partition("::")
            if name == suite.name and test not in failing:
                problems.append(f"passes now, take it off known_failures.txt: {key}")
    print(f"{'suite':<18} {'pass on Flask':>13} {'pass on erlen':>13} {'share':>7}")
    for name, base, passed, share in rows:
        print(f"{name:<18} {base:>13} {passed:>13} {share:>7.1%}")
    for problem in problems:
        print("FAIL", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
