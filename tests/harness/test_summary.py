"""Summary statistics: Wilson intervals, percentiles, cost per correct answer, ratios."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from isabench.harness.summary import cell_row, largest_size_at, percentile, summarize, wilson


@pytest.mark.parametrize(
    ("correct", "n", "low", "high"),
    # reference values of the Wilson score interval at z = 1.96 (Newcombe 1998, Table I)
    [(0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605)],
)
def test_wilson_matches_published_values(correct: int, n: int, low: float, high: float) -> None:
    got = wilson(correct, n)
    assert got[0] == pytest.approx(low, abs=6e-4) and got[1] == pytest.approx(high, abs=6e-4)


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_the_estimate(pair) -> None:
    correct, n = pair
    low, high = wilson(correct, n)
    assert 0 <= low <= correct / n <= high <= 1


@given(st.lists(st.floats(0, 1e3, allow_nan=False), min_size=1, max_size=50), st.sampled_from([50, 95, 99]))
def test_percentile_matches_numpy(values: list[float], q: int) -> None:
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-9, abs=1e-12)


def record(system: str, correct: bool, latency: float, ops: int, energy=None, error=None, size=8) -> dict:
    return {
        "system": system,
        "device": "cpu",
        "task": "add",
        "size": size,
        "correct": correct,
        "latency_s": latency,
        "cpu_time_s": latency,
        "ops": ops,
        "ops_unit": "insn" if system == "m" else "flop",
        "energy_j": energy,
        "error": error,
        "arch_bytes": 100 if system == "m" else 1000,
    }


def test_cost_per_correct_and_ratios() -> None:
    machine = [record("m", True, 0.001, 500) for _ in range(4)]
    model = [
        record("lm", True, 0.02, 10**6),
        record("lm", False, 0.02, 10**6),
        record("lm", False, 0.04, 0, error={"kind": "timeout", "message": "x"}),
        record("lm", True, 0.02, 10**6),
    ]
    rows = {r["system"]: r for r in summarize(machine + model, baseline="m")}
    lm = rows["lm"]
    assert (lm["n"], lm["correct"], lm["errors"], lm["accuracy"]) == (4, 2, 1, 0.5)
    assert lm["cost_per_correct_s"] == pytest.approx(0.10 / 2)  # every item's time counts
    assert lm["cost_per_correct_ops"] == pytest.approx(3 * 10**6 / 2)
    assert lm["latency_p50_s"] == pytest.approx(0.02)  # errors are not answers: not in latency
    assert lm["ratio_latency"] == pytest.approx(20)
    assert lm["ratio_ops"] == pytest.approx(3 * 10**6 / 4 / 500)
    assert lm["ratio_cost_per_correct_s"] == pytest.approx(0.05 / 0.001)
    assert lm["ratio_arch_bytes"] == pytest.approx(10)
    assert lm["cost_per_correct_j"] is None and lm["energy_j_mean"] is None  # no counter, no number
    assert rows["m"]["ratio_latency"] is None
    assert rows["m"]["throughput_items_per_s"] == pytest.approx(1000)


def test_no_correct_answer_has_no_cost_per_correct() -> None:
    row = cell_row([record("lm", False, 0.02, 10)])
    assert row["cost_per_correct_s"] is None and row["accuracy"] == 0
    assert math.isclose(row["accuracy_high"], wilson(0, 1)[1])


def test_energy_counts_only_when_every_item_has_it() -> None:
    assert cell_row([record("m", True, 1, 1, energy=2.0), record("m", True, 1, 1, energy=4.0)])[
        "cost_per_correct_j"
    ] == pytest.approx(3.0)
    assert (
        cell_row([record("m", True, 1, 1, energy=2.0), record("m", True, 1, 1)])["cost_per_correct_j"] is None
    )


@pytest.mark.parametrize(
    ("accuracy", "threshold", "largest"),
    [
        ({1: 1.0, 2: 0.97, 4: 0.96, 8: 0.4}, 0.95, 4),
        ({1: 1.0, 2: 0.97, 4: 0.96, 8: 0.4}, 0.50, 4),
        ({1: 1.0, 2: 0.97, 4: 0.96, 8: 0.4}, 0.30, 8),
        ({1: 0.9, 2: 1.0}, 0.95, None),  # the smallest is below: not even there
        ({4: 1.0, 2: 0.5, 1: 1.0}, 0.95, 1),  # sizes in any order; a dip ends it
        ({}, 0.5, None),
    ],
)
def test_largest_size_at_which_accuracy_stays(accuracy: dict, threshold: float, largest) -> None:
    assert largest_size_at(accuracy, threshold) == largest


def test_the_flexible_score_is_counted_beside_the_exact_one() -> None:
    rows = [record("lm", c, 0.02, 10) for c in (True, False, False, False)]
    for r, flexible in zip(rows, (True, True, False, True), strict=True):
        r["correct_flexible"] = flexible
    row = cell_row(rows)
    assert (row["correct"], row["accuracy"]) == (1, 0.25)
    assert (row["correct_flexible"], row["accuracy_flexible"]) == (3, 0.75)
    del rows[0]["correct_flexible"]  # records written before the flexible score: not counted as wrong
    assert cell_row(rows)["accuracy_flexible"] is None
