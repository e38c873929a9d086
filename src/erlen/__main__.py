"""``python -m erlen``: the ``erlen`` command, for when the console script is not on PATH."""

from erlen.tools.cli import main

main()
