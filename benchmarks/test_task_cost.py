"""Per-task cost through the harness's System interface: every task x system at a fixed size.

The second way to run the comparison: `pytest benchmarks/test_task_cost.py --benchmark-json=PATH`.
Each benchmark times one `System.run` call over ITEMS items of one task (a batch of ITEMS for
batched systems, one item after another for single-stream ones) and puts in `extra_info` what
a record of `isabench run` carries: mean ops and their unit, tokens, accuracy, architectural
bytes. The size is each task's third default size, the largest lm-builtin was trained on.
"""

from __future__ import annotations

import pytest

from isabench.harness.plan import DEFAULT_SEED, Plan
from isabench.harness.systems import SYSTEMS, make_system
from isabench.tasks import TASKS

ITEMS = 10
BENCH_SYSTEMS = ["rv-fast", "rv-ref", "lm-builtin"]
_systems: dict[str, object] = {}


def system(name: str):
    """Each system set up once per session (model loading and thread choice are not timed)."""
    if name not in _systems:
        instance = make_system(name, "cpu", Plan(systems=(name,)))
        instance.setup()
        _systems[name] = instance
    return _systems[name]


@pytest.mark.parametrize("system_name", [s for s in BENCH_SYSTEMS if s in SYSTEMS])
@pytest.mark.parametrize("task_name", list(TASKS))
def test_task_cost(benchmark, task_name: str, system_name: str) -> None:
    task = TASKS[task_name]
    size = task.sizes[2]
    items = task.items(size, ITEMS, seed=DEFAULT_SEED)
    runner = system(system_name)
    runner.prepare(task)
    runner.run(task, items[:1])  # warm-up
    outcomes = benchmark.pedantic(runner.run, args=(task, items), rounds=3, iterations=1)
    runner.account(task, items, outcomes)
    assert len(outcomes) == ITEMS
    correct = sum(o.error is None and task.score(o.output, it) for o, it in zip(outcomes, items, strict=True))
    if runner.kind == "machine":
        assert correct == ITEMS  # the programs are checked against the references: a miss is a bug

    def mean(values):
        values = [v for v in values if v is not None]
        return sum(values) / len(values) if values else None

    benchmark.extra_info.update(
        system=system_name,
        device="cpu",
        task=task_name,
        size=size,
        items=ITEMS,
        ops_unit=runner.ops_unit,
        ops_mean=mean([o.ops for o in outcomes]),
        tokens_in_mean=mean([o.tokens_in for o in outcomes]),
        tokens_out_mean=mean([o.tokens_out for o in outcomes]),
        accuracy=correct / ITEMS,
        arch_bytes_mean=mean([o.arch_bytes for o in outcomes]),
        seconds_per_item=benchmark.stats.stats.mean / ITEMS,
    )
