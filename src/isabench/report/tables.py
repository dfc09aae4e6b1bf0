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


def write_tables(data: ReportData, folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "by_size": write_csv(folder / "by_size.csv", data.rows, COLUMNS),
        "headline": write_csv(folder / "headline.csv", headline_rows(data), HEADLINE_COLUMNS),
    }


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
