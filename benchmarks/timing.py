"""Timing helpers the benchmarks share."""

from __future__ import annotations

import statistics
import time


def in_turns(benchmark, calls: dict, rounds: int, check) -> dict[str, float]:
    """Time `calls` (name -> callable) one after the other, `rounds` times, as the benchmark's
    rounds, so that a shared CPU's slow spells fall on every side; `check(result)` is asserted
    on each result. Returns each name's median seconds."""
    seconds: dict[str, list[float]] = {name: [] for name in calls}

    def turn() -> None:
        for name, call in calls.items():
            start = time.perf_counter()
            result = call()
            seconds[name].append(time.perf_counter() - start)
            assert check(result)

    benchmark.pedantic(turn, rounds=rounds, iterations=1)
    return {name: statistics.median(values) for name, values in seconds.items()}
