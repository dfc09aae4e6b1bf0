"""The battery: tasks that a RISC-V program and a language model both perform on the same bytes."""

from __future__ import annotations

from . import arithmetic, lists, number_theory, strings
from .base import CATEGORIES, Item, Task, TaskError, normalize_answer

TASKS: dict[str, Task] = {
    task.name: task
    for module in (arithmetic, lists, strings, number_theory)
    for task in module.TASKS
}


def get_task(name: str) -> Task:
    """The task called `name`, or a TaskError that lists the known ones."""
    try:
        return TASKS[name]
    except KeyError:
        raise TaskError(f"unknown task '{name}' (known: {', '.join(TASKS)})") from None


__all__ = ["CATEGORIES", "TASKS", "Item", "Task", "TaskError", "get_task", "normalize_answer"]
