"""From records to summary.csv: one row per (system, device, task, size), with accuracy and its
Wilson interval, latency percentiles, cost per correct answer and ratios to the baseline."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from .records import SUMMARY, record_mode

Z95 = 1.959963984540054

COLUMNS = (
    "system",
    "device",
    "task",
    "size",
    "mode",
    "n",
    "errors",
    "correct",
    "accuracy",
    "accuracy_low",
    "accuracy_high",
    "correct_flexible",
    "accuracy_flexible",
    "latency_p50_s",
    "latency_p95_s",
    "latency_p99_s",
    "latency_mean_s",
    "time_total_s",
    "throughput_items_per_s",
    "cpu_time_mean_s",
    "ops_unit",
    "ops_mean",
    "tokens_in_mean",
    "tokens_out_mean",
    "ttft_p50_s",
    "tpot_p50_s",
    "arch_bytes_mean",
    "peak_rss_bytes_max",
    "peak_device_bytes_max",
    "energy_j_mean",
    "cost_per_correct_s",
    "cost_per_correct_ops",
    "cost_per_correct_j",
    "baseline",
    "ratio_latency",
    "ratio_ops",
    "ratio_cost_per_correct_s",
    "ratio_cost_per_correct_j",
    "ratio_arch_bytes",
    "trace_items",
    "trace_prefix_mean",
    "trace_full_share",
)


RATIOS = (
    "ratio_latency",
    "ratio_ops",
    "ratio_cost_per_correct_s",
    "ratio_cost_per_correct_j",
    "ratio_arch_bytes",
)


def wilson(correct: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion (95 % by default)."""
    if n == 0:
        return math.nan, math.nan
    p = correct / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if correct == 0 else max(0.0, centre - half)  # exact at the ends, not 1e-17 off
    high = 1.0 if correct == n else min(1.0, centre + half)
    return low, high


def largest_size_at(accuracy_by_size: dict[int, float], threshold: float) -> int | None:
    """Length generalisation: the largest size up to which accuracy stays at `threshold` or
    more (every measured size from the smallest up to it); None when the smallest is below."""
    largest = None
    for size in sorted(accuracy_by_size):
        if accuracy_by_size[size] < threshold:
            break
        largest = size
    return largest


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default method); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _mean(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def _max(values: list):
    values = [v for v in values if v is not None]
    return max(values) if values else None


def _ratio(a, b):
    if a is None or b is None or b == 0 or (isinstance(a, float) and math.isinf(a)) or math.isinf(b):
        return None
    return a / b


def cell_row(records: list[dict]) -> dict:
    """The summary of one cell's records (all of the same system, device, task and size)."""
    first = records[0]
    n = len(records)
    errors = sum(1 for r in records if r.get("error"))
    correct = sum(1 for r in records if r.get("correct"))
    low, high = wilson(correct, n)
    flexible = [r["correct_flexible"] for r in records if isinstance(r.get("correct_flexible"), bool)]
    flexible_right = sum(flexible) if len(flexible) == n else None  # records older than the score: None
    answered = [r for r in records if not r.get("error")]
    latencies = [r["latency_s"] for r in answered if r.get("latency_s") is not None]
    all_latency = [r["latency_s"] for r in records if r.get("latency_s") is not None]
    ops = [r.get("ops") for r in records]
    energies = [r.get("energy_j") for r in records]
    total_s = sum(all_latency)
    total_ops = sum(v for v in ops if v is not None) if any(v is not None for v in ops) else None
    total_j = sum(energies) if energies and all(e is not None for e in energies) else None

    def per_correct(total):
        return total / correct if correct and total is not None else None

    traced = [(r.get("detail") or {}).get("trace") for r in records]
    traced = [t for t in traced if isinstance(t, dict) and t.get("k")]
    return {
        "system": first["system"],
        "device": first["device"],
        "task": first["task"],
        "size": first["size"],
        "mode": record_mode(first),
        "n": n,
        "errors": errors,
        "correct": correct,
        "accuracy": correct / n,
        "accuracy_low": low,
        "accuracy_high": high,
        "correct_flexible": flexible_right,
        "accuracy_flexible": None if flexible_right is None else flexible_right / n,
        "latency_p50_s": percentile(latencies, 50),
        "latency_p95_s": percentile(latencies, 95),
        "latency_p99_s": percentile(latencies, 99),
        "latency_mean_s": _mean(latencies),
        "time_total_s": total_s,
        "throughput_items_per_s": n / total_s if total_s > 0 else None,
        "cpu_time_mean_s": _mean([r.get("cpu_time_s") for r in records]),
        "ops_unit": first.get("ops_unit") or "",
        "ops_mean": _mean(ops),
        "tokens_in_mean": _mean([r.get("tokens_in") for r in records]),
        "tokens_out_mean": _mean([r.get("tokens_out") for r in records]),
        "ttft_p50_s": percentile([r["ttft_s"] for r in answered if r.get("ttft_s") is not None], 50),
        "tpot_p50_s": percentile([r["tpot_s"] for r in answered if r.get("tpot_s") is not None], 50),
        "arch_bytes_mean": _mean([r.get("arch_bytes") for r in records]),
        "peak_rss_bytes_max": _max([r.get("peak_rss_bytes") for r in records]),
        "peak_device_bytes_max": _max([r.get("peak_device_bytes") for r in records]),
        "energy_j_mean": _mean(energies) if total_j is not None else None,
        "cost_per_correct_s": per_correct(total_s if all_latency else None),
        "cost_per_correct_ops": per_correct(total_ops),
        "cost_per_correct_j": per_correct(total_j),
        # trace mode with trace_steps: how many of the first k executed instructions agreed with rv-ref's
        "trace_items": len(traced) or None,
        "trace_prefix_mean": _mean([t["agree"] / t["k"] for t in traced]),
        "trace_full_share": _mean([float(t["agree"] == t["k"]) for t in traced]),
    }


def summarize(records: list[dict], baseline: str, order: list[tuple] | None = None) -> list[dict]:
    """Rows per (system, device, task, size, mode), in `order` when given, with ratios to the
    baseline system on the same task and size (same device when it ran there, else CPU; the
    same mode where the baseline has modes, else its mode-less row)."""
    cells: dict[tuple, list[dict]] = {}
    for record in records:
        key = (record["system"], record["device"], record["task"], record["size"], record_mode(record))
        cells.setdefault(key, []).append(record)
    keys = [k for k in (order or []) if k in cells] + sorted(set(cells) - set(order or []), key=str)
    rows = {key: cell_row(cells[key]) for key in keys}
    for (system, device, task, size, mode), row in rows.items():
        base = next(
            (rows[k] for d in (device, "cpu") for m in (mode, None, "direct")
             if (k := (baseline, d, task, size, m)) in rows),
            None,
        )  # fmt: skip
        row["baseline"] = baseline
        row.update(dict.fromkeys(RATIOS))
        if base is None or system == baseline:
            continue
        row["ratio_latency"] = _ratio(row["latency_mean_s"], base["latency_mean_s"])
        row["ratio_ops"] = _ratio(row["ops_mean"], base["ops_mean"])
        row["ratio_cost_per_correct_s"] = _ratio(row["cost_per_correct_s"], base["cost_per_correct_s"])
        row["ratio_cost_per_correct_j"] = _ratio(row["cost_per_correct_j"], base["cost_per_correct_j"])
        row["ratio_arch_bytes"] = _ratio(row["arch_bytes_mean"], base["arch_bytes_mean"])
    return list(rows.values())


def write_summary(run_dir: str | Path, rows: list[dict]) -> Path:
    return write_csv(Path(run_dir) / SUMMARY, rows, COLUMNS)


def write_csv(path: Path, rows: list[dict], columns) -> Path:
    """Rows as CSV with these columns: empty cells for none (and NaN), floats to 6 digits."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: _csv_value(row.get(c)) for c in columns})
    return path


def _csv_value(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return value


def compact_table(rows: list[dict]) -> str:
    """The end-of-run table: per system, device and mode, accuracy and costs over all its cells."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        mode = row.get("mode")
        label = row["system"] if mode in (None, "direct") else f"{row['system']} [{mode}]"
        groups.setdefault((label, row["device"]), []).append(row)
    width = max([12, *(len(system) for system, _ in groups)])
    lines = [
        f"{'system':<{width}} {'device':<6} {'items':>6} {'errors':>6} {'accuracy':>9} "
        f"{'latency p50':>12} {'mean ops':>12} {'unit':<5} {'s / correct':>12}"
    ]
    for (system, device), cells in groups.items():
        n = sum(r["n"] for r in cells)
        correct = sum(r["correct"] for r in cells)
        errors = sum(r["errors"] for r in cells)
        p50 = percentile([r["latency_p50_s"] for r in cells if r["latency_p50_s"] is not None], 50)
        ops = _mean([r["ops_mean"] for r in cells])
        seconds = sum(r["time_total_s"] for r in cells)
        lines.append(
            f"{system:<{width}} {device:<6} {n:>6} {errors:>6} {correct / n:>8.1%} "
            f"{fmt_seconds(p50):>12} {fmt_number(ops):>12} {cells[0]['ops_unit']:<5} "
            f"{fmt_seconds(seconds / correct) if correct else '–':>12}"
        )
    return "\n".join(lines)


def fmt_seconds(value) -> str:
    """Seconds for a person: µs, ms or s; – for none."""
    if value is None:
        return "–"
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"


def fmt_number(value) -> str:
    """A count for a person: exponent from 1e5 up, thousands separators from 100; – for none."""
    if value is None:
        return "–"
    if abs(value) >= 1e5:
        return f"{value:.2e}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"
