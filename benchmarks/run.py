"""``make bench``: ``python benchmarks/run.py [--quick] [--only GROUP] [--scenario NAME]``.

Run as a script, this file's folder is on ``sys.path`` but the repository root is not; the root
is put there so the harness imports as the ``benchmarks`` package (``python -m benchmarks.run``
from the root works too). See ``--help`` for the options and ``docs/benchmarks.md`` for the
method.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.harness import main as run

    return run(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
