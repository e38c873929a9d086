"""The frameworks in each group, in the order of the table's columns.

A framework is a column: a label, the module in ``benchmarks/apps/`` that builds its apps, the
protocol it is driven through and the distribution its version is read from. A framework that
is not installed shows "n/a" with how to install it, rather than stopping the run. An app
module may hold ``NOTES``, scenario name to a sentence: where the framework stands in for a
feature it lacks, the table marks the cell and prints the sentence under it.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from dataclasses import dataclass
from typing import Any, Literal

from benchmarks.apps import Unavailable

Group = Literal["wsgi", "asgi"]

INSTALL_HINT = "not installed: pip install -e '.[bench]'"


@dataclass(frozen=True)
class Framework:
    label: str
    protocol: Group
    module: str
    #: The distribution whose version is reported; None for the bare callables.
    distribution: str | None

    def build(self, scenario: str) -> Any:
        """A fresh app for ``scenario``; raises ``Unavailable`` with the reason if none."""
        return getattr(self._module(), self.protocol)(scenario)

    def note(self, scenario: str) -> str | None:
        """How this framework stands in for a feature ``scenario`` needs, if it lacks one."""
        try:
            notes: dict[str, str] = getattr(self._module(), "NOTES", {})
        except Unavailable:
            return None
        return notes.get(scenario)

    def _module(self) -> Any:
        try:
            return importlib.import_module(f"benchmarks.apps.{self.module}")
        except ImportError as error:
            if error.name is None or error.name.startswith("benchmarks"):
                raise
            raise Unavailable(INSTALL_HINT) from error

    @property
    def is_erlen(self) -> bool:
        return self.distribution == "erlen"


WSGI: tuple[Framework, ...] = (
    Framework("bare WSGI", "wsgi", "bare", None),
    Framework("erlen", "wsgi", "erlen_app", "erlen"),
    Framework("Falcon", "wsgi", "falcon_app", "falcon"),
    Framework("Bottle", "wsgi", "bottle_app", "bottle"),
    Framework("Flask", "wsgi", "flask_app", "flask"),
)

ASGI: tuple[Framework, ...] = (
    Framework("bare ASGI", "asgi", "bare", None),
    Framework("erlen (app.asgi)", "asgi", "erlen_app", "erlen"),
    Framework("Starlette", "asgi", "starlette_app", "starlette"),
    Framework("Falcon (asgi.App)", "asgi", "falcon_app", "falcon"),
    Framework("Quart", "asgi", "quart_app", "quart"),
)

GROUPS: dict[Group, tuple[Framework, ...]] = {"wsgi": WSGI, "asgi": ASGI}

#: Reported with the results: every framework, and what they are built on.
DISTRIBUTIONS = (
    "erlen",
    "falcon",
    "bottle",
    "flask",
    "werkzeug",
    "starlette",
    "quart",
    "jinja2",
    "gunicorn",
    "uvicorn",
    "h11",
)


def version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"
