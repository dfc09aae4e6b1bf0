"""Exact-match evaluation of lm-builtin per task: at trained sizes with trained templates, with
held-out templates, and at sizes beyond training."""

from __future__ import annotations

from dataclasses import dataclass

from ..tasks import Item, Task
from .data import DataConfig
from .generate import Runtime
from .model import Transformer

EVAL_SEED = 777_000  # evaluation items never share a seed with training items


def max_answer_tokens(items: list[Item]) -> int:
    """Enough new tokens for the longest expected answer, with room to overshoot (an item's own
    answer_budget where it sets one, as trace mode's steps do)."""
    return max(item.answer_budget or len(item.expected.encode()) + 8 for item in items)


def score_items(runtime: Runtime, task: Task, items: list[Item], batch_size: int = 64) -> float:
    """Fraction of items answered exactly (after normalize_answer)."""
    if not items:
        return float("nan")
    answers = runtime.generate([it.instruction for it in items], max_answer_tokens(items),
                               batch_size)  # fmt: skip
    return sum(task.score(a.text, it) for a, it in zip(answers, items, strict=True)) / len(items)


def cell_items(task: Task, sizes: list[int], per_size: int, heldout: bool) -> list[Item]:
    return [item for size in sizes
            for item in task.items(size, per_size, seed=EVAL_SEED, heldout=heldout)]  # fmt: skip


def accuracy_by_task(model: Transformer, data: DataConfig, per_task: int,
                     device: str = "cpu") -> dict[str, float]:  # fmt: skip
    """Quick per-task exact match at trained sizes and templates (used during training)."""
    runtime = Runtime(model, device)
    scores = {}
    for task in data.task_list():
        sizes = data.trained_sizes(task)
        per_size = max(1, -(-per_task // len(sizes)))
        scores[task.name] = round(score_items(runtime, task, cell_items(task, sizes, per_size, False)), 4)
    return scores


@dataclass
class EvalRow:
    task: str
    trained_sizes: list[int]
    beyond_sizes: list[int]
    trained: float  # trained sizes, trained templates
    heldout_templates: float  # trained sizes, held-out templates
    beyond: float  # sizes past training, trained templates
    items_per_cell: int

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def evaluate(runtime: Runtime, data: DataConfig, per_size: int = 20, progress=None) -> list[EvalRow]:
    """The model card's table: one row per task."""
    rows = []
    for task in data.task_list():
        trained, beyond = data.trained_sizes(task), data.beyond_sizes(task)
        row = EvalRow(
            task=task.name, trained_sizes=trained, beyond_sizes=beyond,
            trained=score_items(runtime, task, cell_items(task, trained, per_size, False)),
            heldout_templates=score_items(runtime, task, cell_items(task, trained, per_size, True)),
            beyond=score_items(runtime, task, cell_items(task, beyond, per_size, False)),
            items_per_cell=per_size,
        )  # fmt: skip
        rows.append(row)
        if progress is not None:
            progress(row)
    return rows


def markdown(rows: list[EvalRow]) -> str:
    """The per-task table as Markdown, with a mean row."""
    lines = [
        "| task | trained sizes | exact match, trained templates | held-out templates | "
        "sizes beyond training | exact match beyond |",
        "|---|---|---:|---:|---|---:|",
    ]
    for r in rows:
        lines.append(
            f"| `{r.task}` | {', '.join(map(str, r.trained_sizes))} | {r.trained:.1%} | "
            f"{r.heldout_templates:.1%} | {', '.join(map(str, r.beyond_sizes))} | {r.beyond:.1%} |"
        )
    n = len(rows)
    lines.append(
        f"| **mean** | | {sum(r.trained for r in rows) / n:.1%} | "
        f"{sum(r.heldout_templates for r in rows) / n:.1%} | | {sum(r.beyond for r in rows) / n:.1%} |"
    )
    return "\n".join(lines) + "\n"
