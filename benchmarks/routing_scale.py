"""How routing cost scales with the number of rules: 10 rules vs 1,000 rules.

Prints microseconds per ``Map.match_request`` (and ``Map.build_path``) for the hello paths,
median of 7 rounds timed with ``time.perf_counter_ns``. The target: 1,000 rules cost within
1.2x of 10 rules. Run: ``.venv/bin/python benchmarks/routing_scale.py``. Not a test.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from erlen.http.routing import Map, Rule

ROUNDS = 7
CALLS = 100_000


def base_rules() -> list[Rule]:
    return [
        Rule("/", endpoint="index"),
        Rule("/hello", endpoint="hello"),
        Rule("/hello/<name>", endpoint="hello_name"),
        Rule("/user/<int:id>", endpoint="user"),
        Rule("/user/<int:id>/edit", endpoint="user_edit", methods=["GET", "POST"]),
        Rule("/posts/", endpoint="posts"),
        Rule("/posts/<int:year>/<slug>", endpoint="post"),
        Rule("/static/<path:filename>", endpoint="static"),
        Rule("/about", endpoint="about"),
        Rule("/login", endpoint="login", methods=["GET", "POST"]),
    ]


def make_map(total: int) -> Map:
    url_map = Map(base_rules())
    i = 0
    while len(list(url_map.iter_rules())) < total:
        kind = i % 3
        if kind == 0:
            url_map.add(Rule(f"/section{i}/index", endpoint=f"section{i}"))
        elif kind == 1:
            url_map.add(Rule(f"/section{i}/<int:id>", endpoint=f"item{i}"))
        else:
            url_map.add(Rule(f"/api/v{i % 4}/res{i}/<name>/detail", endpoint=f"res{i}"))
        i += 1
    return url_map


def per_call_us(func: Callable[[], object]) -> float:
    """Median over ROUNDS of the mean time of one call, in microseconds."""
    results = []
    for _ in range(ROUNDS):
        start = time.perf_counter_ns()
        for _ in range(CALLS):
            func()
        results.append((time.perf_counter_ns() - start) / CALLS / 1000)
    return statistics.median(results)


def main() -> None:
    maps = {count: make_map(count) for count in (10, 1000)}
    cases: list[tuple[str, Callable[[Map], Callable[[], object]]]] = [
        ("match /hello (static)", lambda m: lambda: m.match_request("/hello", "GET")),
        ("match /hello/world (dynamic)", lambda m: lambda: m.match_request("/hello/world", "GET")),
        ("build hello_name", lambda m: lambda: m.build_path("hello_name", {"name": "world"})),
    ]
    print(f"{'case':32} {'10 rules':>10} {'1000 rules':>11} {'ratio':>6}")
    for label, make_call in cases:
        timings = {count: per_call_us(make_call(url_map)) for count, url_map in maps.items()}
        ratio = timings[1000] / timings[10]
        print(f"{label:32} {timings[10]:8.3f}us {timings[1000]:9.3f}us {ratio:6.2f}")


if __name__ == "__main__":
    main()
