"""The report's tables: every cell by size, and the headline at each task's reference size."""

from __future__ import annotations

from pathlib import Path

from ..harness.summary import COLUMNS, fmt_number, fmt_seconds, write_csv
from ..tasks import TASKS
from .data import ReportData, reference_size

HEADLINE_COLUMNS = (
    "task",
    "size",
    "size_meaning",
    "system",
    "device",
    "n",
    "errors",
    "accuracy",
    "accuracy_low",
    "accuracy_high",
    "accuracy_flexible",
    "latency_p50_s",
    "ops_unit",
    "ops_mean",
    "arch_bytes_mean",
    "cost_per_correct_s",
    "cost_per_correct_ops",
    "cost_per_correct_j",
    "baseline",
    "ratio_ops",
    "ratio_latency",
    "ratio_cost_per_correct_s",
    "ratio_arch_bytes",
)


def headline_rows(data: ReportData) -> list[dict]:
    rows = []
    for task in data.tasks():
        size = reference_size(data, task)
        for system, device in data.systems():
            row = data.row(system, device, task, size)
            if row is not None:
                rows.append({**row, "size_meaning": TASKS[task].size_meaning if task in TASKS else ""})
    return rows


LENGTH_COLUMNS = ("system", "device", "task", "sizes", "max_trained_size", "stays_95_up_to", "stays_50_up_to",
                  "largest_size_run")  # fmt: skip
LENGTH_HEADER = ("system", "task", "sizes run", "trained up to", "stays ≥ 95 % up to", "stays ≥ 50 % up to")


def length_rows(data: ReportData) -> list[dict]:
    """Length generalisation of each model (direct answers): per task, the largest size up to
    which its accuracy stays at 95 % and at 50 % (every size run from the smallest up to it),
    beside the largest size it was trained on where its manifest says."""
    from ..harness.summary import largest_size_at

    out = []
    for system, device in data.systems():
        if data.kind(system) != "model":
            continue
        for task in data.tasks():
            cells = {r["size"]: r["accuracy"] for r in data.rows
                     if (r["system"], r["device"], r["task"]) == (system, device, task)}  # fmt: skip
            if not cells:
                continue
            out.append({
                "system": system, "device": device, "task": task,
                "sizes": " ".join(map(str, sorted(cells))),
                "max_trained_size": data.max_trained.get(system, {}).get(task),
                "stays_95_up_to": largest_size_at(cells, 0.95),
                "stays_50_up_to": largest_size_at(cells, 0.50),
                "largest_size_run": max(cells),
            })  # fmt: skip
    return out


def length_cells(row: dict) -> list[str]:
    def size(value) -> str:
        return "–" if value is None else str(value)

    return [f"{row['system']} ({row['device']})", row["task"], row["sizes"], size(row["max_trained_size"]),
            size(row["stays_95_up_to"]), size(row["stays_50_up_to"])]  # fmt: skip


def write_tables(data: ReportData, folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "by_size": write_csv(folder / "by_size.csv", data.rows, COLUMNS),
        "headline": write_csv(folder / "headline.csv", headline_rows(data), HEADLINE_COLUMNS),
    }
    lengths = length_rows(data)
    if lengths:
        tables["length"] = write_csv(folder / "length.csv", lengths, LENGTH_COLUMNS)
    return tables


# -- human formatting ---------------------------------------------------------------------------


def fmt_pct(value) -> str:
    return "–" if value is None else f"{value * 100:.0f} %"


def fmt_interval(row: dict) -> str:
    return f"{fmt_pct(row['accuracy'])} ({row['accuracy_low'] * 100:.0f}–{row['accuracy_high'] * 100:.0f})"


def fmt_bytes(value) -> str:
    if value is None:
        return "–"
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if value >= scale:
            return f"{value / scale:.1f} {unit}"
    return f"{value:.0f} B"


def fmt_ratio(value) -> str:
    if value is None:
        return "–"
    return f"{value:.2e}×" if value >= 1e4 else f"{value:.3g}×"


HEADLINE_HEADER = (
    "task",
    "size",
    "system",
    "accuracy (95 % CI)",
    "flexible",
    "latency p50",
    "ops per answer",
    "arch. bytes",
    "time per correct answer",
    "ops vs baseline",
    "time per correct vs baseline",
)


def headline_cells(row: dict) -> list[str]:
    unit = row.get("ops_unit") or ""
    return [
        row["task"],
        str(row["size"]),
        f"{row['system']} ({row['device']})",
        fmt_interval(row),
        fmt_pct(row.get("accuracy_flexible")),
        fmt_seconds(row["latency_p50_s"]),
        f"{fmt_number(row['ops_mean'])} {unit}".strip(),
        fmt_bytes(row["arch_bytes_mean"]),
        fmt_seconds(row["cost_per_correct_s"]),
        fmt_ratio(row.get("ratio_ops")),
        fmt_ratio(row.get("ratio_cost_per_correct_s")),
    ]


def markdown_table(header, rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
