"""Where one framework's time goes on one scenario: cProfile over the in-process benchmark.

``python benchmarks/hotspots.py wsgi json`` profiles erlen's WSGI app on ``json``, driven
exactly as the benchmark drives it (same app, same request, answer checked first), and prints
the functions that take the most time of their own and the most time with what they call.
``--framework Falcon`` profiles a peer on the same work, for comparison. cProfile slows every
Python call, so read the shares, not the times. Not a test, and not part of ``make bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str]) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.frameworks import GROUPS
    from benchmarks.harness import verified_driver
    from benchmarks.scenarios import BY_NAME

    parser = argparse.ArgumentParser(prog="benchmarks/hotspots.py", description=__doc__)
    parser.add_argument("group", choices=list(GROUPS))
    parser.add_argument("scenario", choices=list(BY_NAME))
    parser.add_argument("--framework", help="a column label (default: erlen's)")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=25, help="rows per listing")
    parser.add_argument("--save", type=Path, help="also save the raw profile (for snakeviz)")
    args = parser.parse_args(argv)

    frameworks = {framework.label: framework for framework in GROUPS[args.group]}
    label = args.framework or next(name for name in frameworks if name.startswith("erlen"))
    if label not in frameworks:
        parser.error(f"--framework must be one of {', '.join(frameworks)}")
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        with verified_driver(frameworks[label], BY_NAME[args.scenario], loop) as driver:
            driver.run(args.requests // 10)
            profiler = cProfile.Profile()
            profiler.enable()
            elapsed_ns = driver.run(args.requests)
            profiler.disable()
    finally:
        loop.close()
    print(
        f"{label}, {args.group}, {args.scenario}: {args.requests:,} requests,"
        f" {elapsed_ns / args.requests / 1000:.1f} µs each under the profiler\n"
    )
    for order, title in (("tottime", "own time"), ("cumulative", "time with callees")):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
        listing = out.getvalue()
        print(f"== by {title} ==\n{_shorten(listing[listing.index('   ncalls') :])}")
    if args.save:
        profiler.dump_stats(args.save)
    return 0


def _shorten(listing: str) -> str:
    """File names from the package down (``erlen/wrappers/request.py``), not from ``/``."""
    prefixes = {str(Path(folder)) + "/" for folder in sys.path if folder}
    prefixes.add(str(Path(sysconfig.get_paths()["stdlib"])) + "/")
    for prefix in sorted(prefixes, key=len, reverse=True):
        listing = listing.replace(prefix, "")
    return listing


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
