"""Exact-match evaluation of lm-builtin per task: at trained sizes with trained templates, with
held-out templates, and at sizes beyond training."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    return sum(right_items(runtime, task, items, batch_size)) / len(items)


def right_items(runtime: Runtime, task: Task, items: list[Item], batch_size: int = 64) -> list[bool]:
    """Whether each item was answered exactly (after normalize_answer)."""
    return scored_items(runtime, task, items, batch_size)[0]


def scored_items(runtime: Runtime, task: Task, items: list[Item],
                 batch_size: int = 64) -> tuple[list[bool], list[bool]]:  # fmt: skip
    """Whether each item was answered exactly, and whether by the flexible score (the last match
    of the task's answer pattern anywhere in the answer)."""
    answers = runtime.generate([it.instruction for it in items], max_answer_tokens(items),
                               batch_size)  # fmt: skip
    pairs = list(zip(answers, items, strict=True))
    return [task.score(a.text, it) for a, it in pairs], [task.score_flexible(a.text, it) for a, it in pairs]


def cell_items(task: Task, sizes: list[int], per_size: int, heldout: bool) -> list[Item]:
    return [item for size in sizes
            for item in task.items(size, per_size, seed=EVAL_SEED, heldout=heldout)]  # fmt: skip


def accuracy_by_task(model: Transformer, data: DataConfig, per_task: int, device: str = "cpu",
                     heldout: bool = False) -> dict[str, float]:  # fmt: skip
    """Quick per-task exact match at trained sizes, with trained (or held-out) templates; used
    during training."""
    runtime = Runtime(model, device)
    scores = {}
    for task in data.task_list():
        sizes = data.trained_sizes(task)
        per_size = max(1, -(-per_task // len(sizes)))
        scores[task.name] = round(score_items(runtime, task, cell_items(task, sizes, per_size, heldout)), 4)
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
    # trained templates, per size (trained and beyond): where length generalisation ends
    by_size: dict[int, float] = field(default_factory=dict)
    trained_flexible: float | None = None  # as `trained`, by the flexible score (None: not measured)

    def __post_init__(self) -> None:
        self.by_size = {int(size): value for size, value in self.by_size.items()}  # JSON keys are text

    def largest_size(self, threshold: float) -> int | None:
        """The largest size up to which exact match stays at `threshold` or more."""
        from ..harness.summary import largest_size_at

        return largest_size_at(self.by_size, threshold)

    def as_dict(self) -> dict:
        return {**self.__dict__, "by_size": {str(k): v for k, v in self.by_size.items()}}


def evaluate(runtime: Runtime, data: DataConfig, per_size: int = 20, progress=None) -> list[EvalRow]:
    """The model card's table: one row per task."""
    rows = []
    for task in data.task_list():
        trained, beyond = data.trained_sizes(task), data.beyond_sizes(task)
        items = cell_items(task, trained + beyond, per_size, False)
        right, flexible = scored_items(runtime, task, items)
        by_size = {size: sum(r for r, it in zip(right, items, strict=True) if it.size == size) / per_size
                   for size in trained + beyond}  # fmt: skip

        def pooled(sizes: list[int], items=items, right=right) -> float:
            chosen = [r for r, it in zip(right, items, strict=True) if it.size in sizes]
            return sum(chosen) / len(chosen) if chosen else float("nan")

        row = EvalRow(
            task=task.name, trained_sizes=trained, beyond_sizes=beyond,
            trained=pooled(trained),
            heldout_templates=score_items(runtime, task, cell_items(task, trained, per_size, True)),
            beyond=pooled(beyond), items_per_cell=per_size, by_size=by_size,
            trained_flexible=pooled(trained, right=flexible),
        )  # fmt: skip
        rows.append(row)
        if progress is not None:
            progress(row)
    return rows


def markdown(rows: list[EvalRow]) -> str:
    """The per-task table as Markdown, with a mean row."""
    lines = [
        "| task | trained sizes | exact match, trained templates | held-out templates | "
        "sizes beyond training | exact match beyond | stays ≥ 95 % up to size | stays ≥ 50 % up to size |",
        "|---|---|---:|---:|---|---:|---:|---:|",
    ]

    def largest(row: EvalRow, threshold: float) -> str:
        if not row.by_size:
            return "not measured"
        size = row.largest_size(threshold)
        return "–" if size is None else str(size)

    for r in rows:
        lines.append(
            f"| `{r.task}` | {', '.join(map(str, r.trained_sizes))} | {r.trained:.1%} | "
            f"{r.heldout_templates:.1%} | {', '.join(map(str, r.beyond_sizes))} | {r.beyond:.1%} | "
            f"{largest(r, 0.95)} | {largest(r, 0.50)} |"
        )
    n = len(rows)
    lines.append(
        f"| **mean** | | {sum(r.trained for r in rows) / n:.1%} | "
        f"{sum(r.heldout_templates for r in rows) / n:.1%} | | {sum(r.beyond for r in rows) / n:.1%} | | |"
    )
    return "\n".join(lines) + "\n"
