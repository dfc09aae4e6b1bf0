"""The README's task table, generated from the task objects so the two cannot drift apart."""

from __future__ import annotations

from . import TASKS


def markdown_table() -> str:
    """One row per task: name, category, size, default sizes, input, output, an example."""
    rows = [
        "| task | category | size is | default sizes | input | output | example (input → output) |",
        "|---|---|---|---|---|---|---|",
    ]
    for task in TASKS.values():
        example = task.item(task.sizes[min(2, len(task.sizes) - 1)], seed=0, index=1)
        cells = [
            f"`{task.name}`", task.category.replace("_", " "), task.size_meaning,
            ", ".join(map(str, task.sizes)), task.input_format, task.output_format,
            f"`{example.input.strip()}` → `{example.expected.strip()}`",
        ]  # fmt: skip
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"
