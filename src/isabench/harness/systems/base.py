"""The one interface every executor and model meets the harness through.

A System answers items of one task on one device and says what it can measure. The runner
times `run()` and nothing else; `prepare()` (assembling, loading) and `account()` (footprint
figures that take work to compute) stay outside the timed region. The runner never looks at
a system's or a task's name to decide what to do.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from ...tasks import Item, Task


class SystemUnavailable(RuntimeError):
    """A system that cannot run here (missing tools, no checkpoint, no GPU)."""


@dataclass
class Outcome:
    """What a system produced for one item, and the costs only the system itself can see."""

    output: str
    answer: str | None = None  # the part of `output` that is scored, where the mode asks for more
    ops: int | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    ttft_s: float | None = None
    lane_latency_s: float | None = None  # this item's own finish time inside its batch
    arch_bytes: int | None = None
    arch_detail: dict = field(default_factory=dict)
    error: dict | None = None  # {"kind": ..., "message": ...}
    detail: dict = field(default_factory=dict)
    batch: dict = field(default_factory=dict)  # the system's own batch figures
    pending: object = None  # what account() needs after the timed region


class System(ABC):
    """Base class: a single-stream system on CPU that measures nothing beyond its output."""

    name = "system"
    kind = "machine"  # "machine", "model" or "control"
    ops_unit: str | None = None  # "insn" (retired instructions) or "flop"
    devices: tuple[str, ...] = ("cpu",)
    measures: frozenset[str] = frozenset()  # among ops, tokens, ttft, arch_bytes
    batchable = False

    def __init__(self, device: str = "cpu", options: dict | None = None, plan=None):
        self.device = device
        self.options = dict(options or {})
        self.plan = plan
        self.options.pop("items", None)  # items per cell: the plan's business (Plan.system_items)
        self.batch_size = int(self.options.pop("batch_size", 1)) if self.batchable else 1
        if self.batch_size < 1:
            raise SystemUnavailable(f"{self.name}: batch_size must be >= 1, got {self.batch_size}")

    def setup(self) -> dict:
        """Load or check what the system needs; return its description for the manifest."""
        if self.options:
            raise SystemUnavailable(f"{self.name}: unknown option(s) {', '.join(sorted(self.options))}")
        return {}

    def prepare(self, task: Task) -> None:
        """Untimed work before a task's items (assemble its program, ...)."""
        return None  # optional: nothing to do by default

    @abstractmethod
    def run(self, task: Task, items: list[Item]) -> list[Outcome]:
        """Answer the items (timed by the runner): one Outcome per item, in order."""

    def account(self, task: Task, items: list[Item], outcomes: list[Outcome]) -> None:
        """Untimed figures after a timed call (e.g. memory a run wrote)."""
        return None  # optional: nothing to do by default

    def sync(self) -> None:
        """Wait for queued device work (CUDA) so the clock sees all of it."""
        return None  # optional: nothing to do by default

    def close(self) -> None:
        """Release what setup() took (connections, device memory); called once, at the end."""
        return None  # optional: nothing to release by default

    def describe(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "ops_unit": self.ops_unit,
            "device": self.device,
            "measures": sorted(self.measures),
            "batch_size": self.batch_size,
        }
