"""Fixtures for the browser tests: the blog and the attacker's site, Chromium, and visitors.

The tests drive Debian's Chromium (``/usr/bin/chromium``) through Playwright; Playwright's
own browser downloads are never used. Without Chromium every test here is skipped, except
under CI (``CI`` set), where that is an error: ``.ci/run`` installs Chromium (and ``make``
the ``playwright`` package, from the ``dev`` extra).

Screenshots go to a temporary folder, or to ``$SCREENSHOTS_DIR`` when it is set:
``SCREENSHOTS_DIR=docs/img .venv/bin/python -m pytest tests/browser`` refreshes the README's.
"""

from __future__ import annotations

import importlib.util
import os
import typing as t
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .servers import AttackerSite, Blog, attacker_site, running_blog
from .visitors import VIEWPORT, Visitor

if t.TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = "/usr/bin/chromium"
#: What Chromium needs on this kind of machine: run as root without its sandbox, and make no
#: connection of its own (updates, sync, QUIC probes) that a closed network would refuse.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip the calling test without Chromium or Playwright; fail instead under CI."""
    if not os.path.exists(CHROMIUM):
        missing = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    elif importlib.util.find_spec("playwright") is None:
        missing = "the playwright package is not installed (pip install -e '.[dev]')"
    else:
        return
    if os.environ.get("CI"):
        pytest.fail(f"the browser tests cannot run: {missing}; .ci/run must install it")
    pytest.skip(f"browser tests skipped: {missing}")


@pytest.fixture(scope="package")
def blog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Blog]:
    """The blog, one server for all the browser tests; its log must show no server error."""
    with running_blog(tmp_path_factory.mktemp("blog")) as running:
        yield running
    log = running.log.read_text()
    assert "Traceback" not in log, f"the blog logged an error:\n{log}"


@pytest.fixture(scope="package")
def attacker(tmp_path_factory: pytest.TempPathFactory, blog: Blog) -> Iterator[AttackerSite]:
    with attacker_site(tmp_path_factory.mktemp("attacker"), blog.url) as site:
        yield site


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=30_000
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="package")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("SCREENSHOTS_DIR")
    if not folder:
        return tmp_path_factory.mktemp("screenshots")
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def visitor(browser: Browser, blog: Blog) -> Iterator[Callable[[str], Visitor]]:
    """``visitor(name)`` opens a browser tab with cookies of its own, at the blog's address.

    When the test ends, it fails if any tab saw a CSP violation, an uncaught script error or
    a dialog the test did not expect.
    """
    opened: list[Visitor] = []

    def open_visitor(name: str) -> Visitor:
        context = browser.new_context(base_url=blog.url, viewport=VIEWPORT)
        opened.append(Visitor.open(name, context))
        return opened[-1]

    try:
        yield open_visitor
        problems = [f"{v.name}: {problem}" for v in opened for problem in v.problems()]
        assert not problems, "the browser reported:\n" + "\n".join(problems)
    finally:
        for v in opened:
            v.context.close()
