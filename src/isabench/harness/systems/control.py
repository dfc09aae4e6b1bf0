"""Control systems: measure the harness itself through the same path as every other system."""

from __future__ import annotations

from ...tasks import Item, Task
from .base import Outcome, System


class EmptySystem(System):
    """Answers nothing and does nothing: the harness's own overhead, through the same path."""

    name = "empty"
    kind = "control"

    def run(self, task: Task, items: list[Item]) -> list[Outcome]:
        return [Outcome(output="") for _ in items]
