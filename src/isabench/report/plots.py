"""The report's plots (matplotlib, PNG and SVG), each labelled with its units."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..tasks import TASKS  # noqa: E402
from .data import ReportData, reference_size  # noqa: E402

COLUMNS = 5
plt.rcParams.update({"svg.hashsalt": "isabench", "font.size": 8, "axes.titlesize": 9})


def _save(fig, folder: Path, name: str) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for ext in ("png", "svg"):
        path = folder / f"{name}.{ext}"
        metadata = {"Date": None} if ext == "svg" else {"Software": None}
        fig.savefig(path, dpi=110, bbox_inches="tight", metadata=metadata)
        paths[ext] = path
    plt.close(fig)
    return paths


def _series(data: ReportData):
    """(system, device, label, style) for every series, machine systems first."""
    markers = "os^Dv<>p*"
    out = []
    for i, (system, device) in enumerate(data.systems()):
        label = f"{system} ({device})"
        out.append((system, device, label, {"marker": markers[i % len(markers)], "color": f"C{i}"}))
    return out


def _grid(tasks: list[str]):
    rows = math.ceil(len(tasks) / COLUMNS)
    fig, axes = plt.subplots(rows, COLUMNS, figsize=(COLUMNS * 2.6, rows * 2.1), squeeze=False)
    for ax in axes.flat[len(tasks) :]:
        ax.set_visible(False)
    return fig, list(axes.flat)


def _short(text: str, limit: int = 36) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _trained_line(ax, data: ReportData, task: str) -> None:
    for _system, limits in data.max_trained.items():
        if task in limits:
            ax.axvline(limits[task], color="grey", linestyle=":", linewidth=1)
            break


def per_task_grid(
    data: ReportData,
    metric: str,
    ylabel: str,
    title: str,
    log_y: bool,
    interval: tuple[str, str] | None = None,
) -> plt.Figure:
    tasks = data.tasks()
    fig, axes = _grid(tasks)
    handles = {}
    for ax, task in zip(axes, tasks, strict=False):
        for system, device, label, style in _series(data):
            points = [(s, data.row(system, device, task, s)) for s in data.sizes(task)]
            points = [
                (s, r)
                for s, r in points
                if r is not None and r.get(metric) is not None and (not log_y or r[metric] > 0)
            ]
            if not points:
                continue
            xs = [s for s, _ in points]
            ys = [r[metric] for _, r in points]
            if interval:
                low = [y - r[interval[0]] for y, (_, r) in zip(ys, points, strict=True)]
                high = [r[interval[1]] - y for y, (_, r) in zip(ys, points, strict=True)]
                line = ax.errorbar(xs, ys, yerr=[low, high], capsize=2, markersize=3, linewidth=1, **style)
            else:
                (line,) = ax.plot(xs, ys, markersize=3, linewidth=1, **style)
            handles[label] = line
        _trained_line(ax, data, task)
        ax.set_xscale("log", base=2)
        if log_y:
            ax.set_yscale("log")
        ax.set_title(task)
        ax.set_xlabel(f"size ({_short(TASKS[task].size_meaning if task in TASKS else 'size')})", fontsize=6)
        ax.grid(alpha=0.3)
    for ax in axes[::COLUMNS]:
        ax.set_ylabel(ylabel)
    fig.suptitle(title + "  (dotted line: the model's largest trained size)", y=1.0)
    fig.legend(
        list(handles.values()),
        list(handles),
        loc="upper center",
        ncol=len(handles),
        bbox_to_anchor=(0.5, 0.985),
        frameon=False,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def reference_bars(data: ReportData, metric: str, ylabel: str, title: str) -> plt.Figure:
    """One bar per system per task at the task's reference size (log scale); a missing value
    (e.g. no correct answer, so no cost per correct answer) is marked with an x at the bottom."""
    tasks = data.tasks()
    series = _series(data)
    fig, ax = plt.subplots(figsize=(max(8, len(tasks) * 0.55), 3.6))
    width = 0.8 / max(1, len(series))
    for i, (system, device, label, style) in enumerate(series):
        xs, ys, missing = [], [], []
        for t, task in enumerate(tasks):
            row = data.row(system, device, task, reference_size(data, task))
            if row is None:
                continue
            value = row.get(metric)
            if value is None or value <= 0:
                missing.append(t + i * width)
            else:
                xs.append(t + i * width)
                ys.append(value)
        ax.bar(xs, ys, width, label=label, color=style["color"])
        if missing:
            ax.plot(
                missing,
                [0] * len(missing),
                "x",
                color=style["color"],
                transform=ax.get_xaxis_transform(),
                markersize=6,
                clip_on=False,
                label=f"{label}: none",
            )
    ax.set_yscale("log")
    ax.set_xticks([t + 0.4 - width / 2 for t in range(len(tasks))])
    ax.set_xticklabels([f"{t}\n{reference_size(data, t)}" for t in tasks], rotation=90, fontsize=7)
    ax.set_ylabel(ylabel)
    ax.set_title(title + " — at each task's reference size")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def pareto(data: ReportData) -> plt.Figure:
    """Accuracy against seconds per item, one point per (system, task, size); the upper-left
    frontier is the set no other point beats on both."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    points = []
    for system, device, label, style in _series(data):
        xs, ys = [], []
        for row in data.rows:
            if (row["system"], row["device"]) == (system, device) and row.get("latency_mean_s"):
                cost = row["time_total_s"] / row["n"]
                xs.append(cost)
                ys.append(row["accuracy"])
                points.append((cost, row["accuracy"]))
        ax.scatter(xs, ys, s=12, alpha=0.6, label=label, color=style["color"], marker=style["marker"])
    frontier, best = [], -1.0
    for cost, accuracy in sorted(points):
        if accuracy > best:
            frontier.append((cost, accuracy))
            best = accuracy
    if frontier:
        frontier.append((max(c for c, _ in points), frontier[-1][1]))  # nothing right of it does better
        ax.step(
            [c for c, _ in frontier],
            [a for _, a in frontier],
            where="post",
            color="black",
            linewidth=1,
            label="Pareto frontier (no cell is both cheaper and more accurate)",
        )
    ax.set_xscale("log")
    ax.set_xlabel("time per item (s, log scale)")
    ax.set_ylabel("accuracy (fraction of items exactly right)")
    ax.set_title("Accuracy against cost: every (task, size) cell of every system")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def benchmark_throughput(data: ReportData) -> plt.Figure | None:
    """Rates from pytest-benchmark extra_info: instructions/s or tokens/s per benchmark, and
    throughput against batch size where the benchmarks carry one."""
    rates = []
    for bench in data.benchmarks:
        extra = bench["extra"]
        for key, unit in (("instructions_per_s", "instructions/s"), ("tokens_per_s", "tokens/s")):
            if isinstance(extra.get(key), int | float):
                rates.append((bench, extra[key], unit))
                break
        else:
            if isinstance(extra.get("seconds_per_item"), int | float) and extra["seconds_per_item"] > 0:
                rates.append((bench, 1 / extra["seconds_per_item"], "items/s"))
    if not rates:
        return None
    batched = [(b, v, u) for b, v, u in rates if isinstance(b["extra"].get("batch_size"), int)]
    single = [(b, v, u) for b, v, u in rates if (b, v, u) not in batched]
    panels = [p for p in (single, batched) if p]
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4), squeeze=False)
    axes = list(axes.flat)
    if single:
        ax = axes[0]
        labels = [b["name"].replace("test_", "") for b, _, _ in single]
        ax.barh(range(len(single)), [v for _, v, _ in single], color="C0")
        ax.set_yticks(range(len(single)))
        ax.set_yticklabels(labels, fontsize=6)
        ax.set_xscale("log")
        ax.set_xlabel("throughput (" + ", ".join(sorted({u for _, _, u in single})) + ", log scale)")
        ax.set_title("Benchmarks: throughput per system")
        ax.grid(axis="x", alpha=0.3)
    if batched:
        ax = axes[-1]
        groups: dict[str, list] = {}
        for bench, value, unit in batched:
            extra = bench["extra"]
            engine = f"engine {extra['engine']}, " if extra.get("engine") else ""
            name = extra.get("executor", extra.get("system", "?"))
            key = f"{name} ({engine}{extra.get('device', '?')}, {unit})"
            groups.setdefault(key, []).append((extra["batch_size"], value))
        for key, values in groups.items():
            values.sort()
            ax.plot([b for b, _ in values], [v for _, v in values], marker="o", label=key)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("batch size (lanes, log scale)")
        ax.set_ylabel("aggregate throughput (log scale)")
        ax.set_title("Throughput against batch size")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def compile_amortised(data: ReportData) -> plt.Figure | None:
    """compile mode: cost per correct answer (seconds) against the number of inputs N the written
    program is run on, log-log, one line per (system, task) whose program was ever right; direct
    answers' cost per correct answer as a dashed line in the same colour; a dot at break-even.
    None when no compiled program was right."""
    from ..harness.compiled import cost_per_correct
    from .modes import amortised

    rows = [r for r in amortised(data) if r["accuracy"] and r["machine_s_mean"] is not None]
    if not rows:
        return None
    ns = [10 ** (3 * i / 60) for i in range(61)]  # N from 1 to 1000
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, row in enumerate(rows):
        colour = f"C{i % 10}"
        label = f"{row['system']} ({row['device']}) {row['task']}"
        ys = [cost_per_correct(row["generation_s"], row["machine_s_mean"], row["accuracy"], n) for n in ns]
        ax.plot(ns, ys, color=colour, linewidth=1.2, label=f"{label}: compile")
        if row["direct_cost_per_correct_s"]:
            ax.axhline(row["direct_cost_per_correct_s"], color=colour, linestyle="--", linewidth=1,
                       label=f"{label}: direct")  # fmt: skip
        even = row["break_even_n_s"]
        if even is not None and even <= ns[-1]:
            cost = cost_per_correct(row["generation_s"], row["machine_s_mean"], row["accuracy"], even)
            ax.plot([even], [cost], "o", color=colour, markersize=4)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(1, ns[-1])
    ax.set_xlabel("inputs N the program is run on (log scale)")
    ax.set_ylabel("seconds per correct answer (log scale)")
    ax.set_title("compile: (generation + N × machine time) / (N × accuracy); dashed: direct; dot: break-even")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def write_plots(data: ReportData, folder: Path) -> dict[str, dict]:
    """Every plot the data allows; returns name -> {title, png, svg}."""
    made: dict[str, dict] = {}

    def add(name: str, title: str, fig) -> None:
        if fig is not None:
            made[name] = {"title": title, **_save(fig, folder, name)}

    if data.rows:
        add(
            "accuracy_vs_size",
            "Accuracy against size, with Wilson 95 % intervals",
            per_task_grid(
                data,
                "accuracy",
                "accuracy",
                "Accuracy (fraction exactly right)",
                False,
                ("accuracy_low", "accuracy_high"),
            ),
        )
        add(
            "ops_vs_size",
            "Work per answer against size (log scale): retired instructions vs model FLOPs",
            per_task_grid(
                data,
                "ops_mean",
                "ops per answer (insn or FLOP)",
                "Ops per answer: instructions (machine) vs FLOPs (model)",
                True,
            ),
        )
        add(
            "latency_vs_size",
            "Latency (median) against size, log scale",
            per_task_grid(data, "latency_p50_s", "latency p50 (s)", "Median latency per item (s)", True),
        )
        add(
            "cost_per_correct",
            "Time per correct answer at each task's reference size",
            reference_bars(
                data, "cost_per_correct_s", "seconds per correct answer (log)", "Cost per correct answer"
            ),
        )
        add(
            "memory",
            "Architectural bytes at each task's reference size",
            reference_bars(
                data,
                "arch_bytes_mean",
                "bytes (log)",
                "Architectural footprint: program + written pages vs parameters + KV cache",
            ),
        )
        add("pareto", "Accuracy against cost", pareto(data))
    if data.benchmarks:
        add("benchmark_throughput", "Benchmarks: throughput", benchmark_throughput(data))
    if data.compiles:
        add("compile_amortised", "compile: cost per correct answer against the inputs N the program runs on",
            compile_amortised(data))  # fmt: skip
    return made
