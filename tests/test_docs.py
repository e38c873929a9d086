"""The documentation's examples run: every complete program in docs/*.md is executed here.

Which fenced ```python blocks run (the rule, checked in this order):

1. A block right below ``<!-- not tested: REASON -->`` is skipped; the reason must be given.
2. A block right below ``<!-- test -->`` is a complete program and runs.
3. A block right below ``<!-- test: continue -->`` runs in the namespace the page's previous
   running block left, for a snippet that adds to the example above it.
   ``<!-- test: expect 500 at /fail -->`` runs like ``test``, for a program with a route that is
   meant to fail (more paths may follow, separated by commas).
4. An unmarked block that creates an app (``Erlen(``) and defines ``app`` at the top level is a
   complete program and runs. An unmarked block that creates an app but does not define ``app``
   is an error: mark it.
5. Every other block is a fragment: it is only compiled (top-level ``await`` allowed; an
   excerpt from inside a function, indented or with a ``return``, is compiled as the body of
   one), so a syntax error in any example still fails.

"Right below" means the marker is the last non-blank line before the opening fence. A block of
another language right below ``<!-- file: PATH -->`` is written to PATH before the page's
programs run (templates a page shows, for instance).

A program runs as ``__main__`` from a file in a fresh temporary folder (its working directory),
so ``Erlen(__name__)`` finds that folder and ``if __name__ == "__main__":`` demos run too.
``SECRET_KEY``, ``OLD_KEY`` and ``REDIS_URL`` are set in the environment for examples that read
them. Then, if it defined ``app``, every GET route without URL variables is requested through
``app.test_client()`` and ``app.test_client(asgi=True)`` and must not answer 5xx; and every
``test_*`` function it defined (sync or async) is called twice, with test clients speaking WSGI
and then ASGI, each time in a fresh run of the program, its arguments filled by name (``app``,
``client``, ``tmp_path``, or a name the program defined).
In a ``test: continue`` chain, the earlier blocks run as ``docs_example``, not ``__main__``, so
their demos do not freeze the app before the next block adds to it.

docs/tutorial.md quotes the files of examples/blog, whose own test suite runs them: its excerpts
are compiled only (rule 5 applies to all of them).
"""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import importlib
import importlib.util
import inspect
import os
import re
import runpy
import textwrap
import typing as t
from pathlib import Path

import pytest

from erlen import Erlen
from erlen.core.config import DEFAULT_CONFIG
from erlen.tools.testing import ErlenClient

DOCS = Path(__file__).resolve().parent.parent / "docs"
EXCERPT_PAGES = {"tutorial.md"}

_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_MARKER = re.compile(
    r"<!--\s*(test|test:\s*continue|test:\s*expect 500 at (?P<failing>.*?)"
    r"|not tested:(?P<reason>.*?)|file:(?P<path>.*?))\s*-->"
)
_DEFINES_APP = re.compile(r"^app\s*(:[^=]+)?=", re.MULTILINE)


@dataclasses.dataclass
class Block:
    page: str
    line: int
    language: str
    code: str
    marker: str | None  # "test", "continue", "skip", "file" or None
    argument: str = ""  # the reason of a skip, the path of a file, the paths meant to fail

    @property
    def kind(self) -> str:
        if self.language not in ("python", "py"):
            return "file" if self.marker == "file" else "other"
        if self.marker == "skip":
            return "skip"
        if self.marker == "test":
            return "program"
        if self.marker == "continue":
            return "continue"
        if "Erlen(" in self.code and self.page not in EXCERPT_PAGES:
            return "program" if _DEFINES_APP.search(self.code) else "unmarked-app"
        return "fragment"

    def __str__(self) -> str:
        return f"{self.page}:{self.line}"


def parse_page(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    blocks = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip().splitlines()
        last = before[-1].strip() if before else ""
        marker = argument = None
        found = _MARKER.fullmatch(last)
        if found is not None:
            word = found[1]
            if word == "test":
                marker = "test"
            elif found["failing"] is not None:
                marker, argument = "test", found["failing"]
            elif word.startswith("test:"):
                marker = "continue"
            elif found["reason"] is not None:
                marker, argument = "skip", found["reason"].strip()
            else:
                marker, argument = "file", (found["path"] or "").strip()
        line = text.count("\n", 0, match.start()) + 1
        language = match[1].strip().split()[0] if match[1].strip() else ""
        blocks.append(Block(path.name, line, language, match[2], marker, argument or ""))
    return blocks


PAGES = sorted(DOCS.glob("*.md"))
BLOCKS = [block for page in PAGES for block in parse_page(page)]
PYTHON = [b for b in BLOCKS if b.language in ("python", "py")]
RUN = [b for b in PYTHON if b.kind in ("program", "continue")]


def test_every_marker_is_well_formed() -> None:
    for block in BLOCKS:
        if block.marker == "skip":
            assert block.argument, f"{block}: say why the block is not tested"
        if block.marker == "file":
            assert block.argument and not os.path.isabs(block.argument), f"{block}: file path"
            assert ".." not in Path(block.argument).parts, f"{block}: file path"
        if block.marker == "continue":
            earlier = [b for b in RUN if b.page == block.page and b.line < block.line]
            assert earlier, f"{block}: 'test: continue' needs a running block above it"
    unmarked = [str(b) for b in PYTHON if b.kind == "unmarked-app"]
    assert not unmarked, (
        "these blocks create an app but do not define `app`: mark them <!-- test --> or"
        f" <!-- not tested: reason -->: {unmarked}"
    )


@pytest.mark.parametrize("block", PYTHON, ids=str)
def test_block_compiles(block: Block) -> None:
    if block.kind == "skip":
        pytest.skip(block.argument)
    try:
        compile(block.code, str(block), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError:
        # An excerpt from inside a function (it returns, or it is indented): compile it as the
        # body of one. A real syntax error fails here too.
        body = textwrap.indent(textwrap.dedent(block.code), "    ")
        compile(f"async def _excerpt():\n{body}", str(block), "exec")


def _get_routes(app: Erlen) -> list[str]:
    return [
        rule.rule
        for rule in app.url_map.iter_rules()
        if not rule.arguments
        and not getattr(rule, "websocket", False)
        and rule.methods is not None
        and "GET" in rule.methods
        and rule.endpoint != "static"
    ]


def _call_tests(namespace: dict[str, t.Any], tmp_path: Path, names: list[str]) -> None:
    """Call the test functions ``names`` of a program, with their arguments filled by name."""
    for name in names:
        function = namespace[name]
        arguments = {}
        for parameter in inspect.signature(function).parameters:
            if parameter == "client":
                arguments[parameter] = namespace["app"].test_client()
            elif parameter == "tmp_path":
                arguments[parameter] = tmp_path
            elif parameter in namespace:
                arguments[parameter] = namespace[parameter]
            else:
                raise AssertionError(f"{name}: no value for its parameter {parameter!r}")
        result = function(**arguments)
        if inspect.iscoroutine(result):
            asyncio.run(result)


@pytest.fixture
def example_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SECRET_KEY", "docs-example-key-0123456789abcdef0123456789")
    monkeypatch.setenv("OLD_KEY", "docs-example-old-key-0123456789abcdef01234567")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.delenv("ERLEN_DEBUG", raising=False)
    return tmp_path


def _run(
    block: Block, folder: Path, namespace: dict[str, t.Any] | None, main: bool = True
) -> dict[str, t.Any]:
    for other in BLOCKS:
        if other.page == block.page and other.kind == "file":
            target = folder / other.argument
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(other.code, encoding="utf-8")
    name = f"{Path(block.page).stem.replace('-', '_')}_{block.line}.py"
    path = folder / name
    if namespace is None:
        path.write_text(block.code, encoding="utf-8")
        return runpy.run_path(str(path), run_name="__main__" if main else "docs_example")
    exec(compile(block.code, str(block), "exec"), namespace)
    return namespace


def _program(block: Block, folder: Path) -> dict[str, t.Any]:
    """Run a block (with the blocks it continues) and return its namespace."""
    namespace: dict[str, t.Any] | None = None
    if block.kind == "continue":
        # Run the page's blocks from its last complete program down to this one.
        chain = [b for b in RUN if b.page == block.page and b.line <= block.line]
        start = max(i for i, b in enumerate(chain) if b.kind == "program")
        for earlier in chain[start:-1]:
            # Not as __main__: a demo request would freeze the app before the next block.
            namespace = _run(earlier, folder, namespace, main=False)
    return _run(block, folder, namespace)


@pytest.mark.parametrize("block", RUN, ids=str)
def test_example_runs(block: Block, example_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    namespace = _program(block, example_env)
    app = namespace.get("app")
    if isinstance(app, Erlen):
        failing = {path.strip() for path in block.argument.split(",") if path.strip()}
        for asgi in (False, True):
            client = app.test_client(asgi=asgi)
            for rule in _get_routes(app):
                response = client.get(rule)
                if rule in failing:
                    assert response.status_code == 500, f"GET {rule} was meant to fail"
                    continue
                assert response.status_code < 500, (
                    f"GET {rule} ({'ASGI' if asgi else 'WSGI'}) answered"
                    f" {response.status_code}: {response.text[:500]}"
                )
            client.close()
    tests = sorted(set(re.findall(r"^(?:async\s+)?def (test_\w+)", block.code, re.MULTILINE)))
    if not tests:
        return
    # Once with test clients that speak WSGI by default, once with ASGI ones (as
    # tests/conftest.py does for the core tests), each time on a freshly run program, so that
    # what one pass counted or stored (a rate limit, a session) does not leak into the other.
    for asgi in (False, True):
        monkeypatch.setattr(ErlenClient, "default_asgi", asgi)
        _call_tests(_program(block, example_env), example_env, tests)


# Names the pages written against the code name as erlen objects must exist.

CHECKED_NAMES = [
    "architecture.md",
    "migrating-from-flask.md",
    "configuration.md",
    "context-locals.md",
    "testing.md",
    "routing.md",
    "quickstart.md",
]
_ERLEN_NAME = re.compile(r"`(erlen(?:\.[A-Za-z_]\w*)+)(?:\(\))?`")


def _resolve(dotted: str) -> object:
    # A named module is found without being imported: importing erlen.as_flask would switch
    # the whole test process over to the Flask names.
    try:
        spec = importlib.util.find_spec(dotted)
    except ImportError:
        spec = None
    if spec is not None:
        return spec
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            obj = getattr(obj, attribute)
        return obj
    raise ImportError(dotted)


@pytest.mark.parametrize("page", CHECKED_NAMES)
def test_named_erlen_objects_exist(page: str) -> None:
    path = DOCS / page
    if not path.exists():
        pytest.fail(f"docs/{page} is missing")
    missing = []
    for name in sorted(set(_ERLEN_NAME.findall(path.read_text(encoding="utf-8")))):
        try:
            _resolve(name)
        except (ImportError, AttributeError):
            missing.append(name)
    assert not missing, f"docs/{page} names objects that do not exist: {missing}"


def test_configuration_page_lists_every_setting() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    missing = [key for key in DEFAULT_CONFIG if f"`{key}`" not in text]
    assert not missing, f"docs/configuration.md does not describe {missing}"
