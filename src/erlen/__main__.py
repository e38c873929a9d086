"""``python -m erlen``: the ``erlen`` command, for when the console script is not on PATH."""

from .cli import main

main()
