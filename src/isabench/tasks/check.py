"""Run each task's RISC-V program against its Python reference: the finite side's correctness
and its compute column (retired instructions per size)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from ..rv.assembler import Program, assemble_file
from ..rv.machine import Limits
from ..rv.ref import run
from .base import Item, Task

CHECK_LIMITS = Limits(max_steps=200_000_000)


@cache
def program_for(task_name: str, path: str) -> Program:
    """The task's assembled program (assembled once per process)."""
    return assemble_file(path)


@dataclass
class ItemResult:
    item: Item
    passed: bool
    output: bytes
    retired_instructions: int
    trap: str | None


@dataclass
class SizeReport:
    """Pass/fail and retired instructions of one task at one size."""

    task: str
    size: int
    results: list[ItemResult] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failures(self) -> list[ItemResult]:
        return [r for r in self.results if not r.passed]

    def as_dict(self) -> dict:
        counts = [r.retired_instructions for r in self.results]
        return {
            "task": self.task, "size": self.size, "items": len(self.results),
            "passed": self.passed, "failed": len(self.failures),
            "retired_min": min(counts), "retired_mean": sum(counts) / len(counts),
            "retired_max": max(counts),
            "failures": [
                {"index": r.item.index, "input": r.item.input, "expected": r.item.expected,
                 "output": r.output.decode("utf-8", "replace"), "trap": r.trap}
                for r in self.failures
            ],
        }  # fmt: skip


def run_item(task: Task, item: Item, limits: Limits = CHECK_LIMITS) -> ItemResult:
    """Run the task's program on one item; it passes when its output bytes equal the expected."""
    result = run(program_for(task.name, str(task.program_path)), item.input.encode(), limits)
    passed = result.trap is None and result.exit_code == 0 and result.output == item.expected.encode()
    return ItemResult(item, passed, result.output, result.retired_instructions,
                      str(result.trap) if result.trap else None)  # fmt: skip


def check_task(task: Task, count: int, seed: int = 0, sizes: tuple[int, ...] | None = None,
               progress=None) -> list[SizeReport]:  # fmt: skip
    """Every default size (or `sizes`), `count` items each."""
    reports = []
    for size in sizes or task.sizes:
        report = SizeReport(task.name, size)
        for item in task.items(size, count, seed):
            report.results.append(run_item(task, item))
            if progress is not None:
                progress()
        reports.append(report)
    return reports
