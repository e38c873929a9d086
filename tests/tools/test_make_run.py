"""``make run`` on a fresh machine: only what serving the blog needs, and the first page soon.

The test runs the Makefile's own install steps into a new virtual environment (``VENV=...``),
starts the blog from it as ``make run`` does, and checks what a newcomer meets: the first page
within 40 s of starting, a virtual environment under 150 MB, no lint, type-check, browser or
documentation tooling in it, and no deprecation warnings from the install. It downloads from
PyPI, as a newcomer's first ``make run`` does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from tests.adapters.test_serving import free_port

ROOT = Path(__file__).resolve().parents[2]
TOOLING = ("mypy", "ruff", "playwright", "mkdocs", "pytest", "granian", "hypothesis")


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_installs_little_and_serves_soon(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    started = time.monotonic()
    install = subprocess.run(
        [
            "make",
            "-C",
            str(ROOT),
            f"VENV={venv}",
            f"PYTHON={sys.executable}",
            f"{venv}/.blog-installed",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    noise = [line for line in install.stderr.splitlines() if "Deprecat" in line]
    assert noise == []
    port = free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "erlen"), "--app", "erlen_blog", "run", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={key: value for key, value in os.environ.items() if key != "PYTHONPATH"},
    )
    try:
        status = 0
        while time.monotonic() - started < 60:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
                    status = page.status
                    break
            except OSError:
                time.sleep(0.2)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert status == 200
    assert elapsed < 40, f"first page after {elapsed:.0f} s"
    assert folder_size(venv) < 150 * 1024 * 1024
    listed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.lower()
    installed = {line.split("==")[0] for line in listed.splitlines()}
    assert not installed & set(TOOLING), installed & set(TOOLING)
    assert {"erlen", "erlen-blog", "uvicorn"} <= installed
