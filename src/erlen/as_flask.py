"""``erlen.as_flask``: import it first to run Flask extensions unchanged (the code lives in
:mod:`erlen.tools.as_flask`). Also a pytest plugin: ``pytest -p erlen.as_flask``."""

import erlen.tools.as_flask  # noqa: F401

__all__: list[str] = []
