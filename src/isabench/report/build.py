"""`isabench report`: REPORT.md, a self-contained report.html, CSV tables and plots, all from
records (and pytest-benchmark JSON), with the headline written out in words."""

from __future__ import annotations

import base64
import html
import statistics
from pathlib import Path

from ..tasks import TASKS
from .data import ReportData, load, reference_size
from .modes import MODE_PLOTS, has_modes, html_section, markdown_section, write_mode_tables
from .plots import write_plots
from .tables import (
    HEADLINE_HEADER,
    LENGTH_HEADER,
    fmt_interval,
    fmt_number,
    fmt_pct,
    fmt_ratio,
    fmt_seconds,
    headline_cells,
    headline_rows,
    length_cells,
    length_rows,
    markdown_table,
    write_tables,
)


def _pooled(rows: list[dict]) -> float | None:
    n = sum(r["n"] for r in rows)
    return sum(r["correct"] for r in rows) / n if n else None


def _median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _pooled_flexible(rows: list[dict]) -> float | None:
    if any(r.get("correct_flexible") is None for r in rows):
        return None  # records older than the flexible score
    n = sum(r["n"] for r in rows)
    return sum(r["correct_flexible"] for r in rows) / n if n else None


def headline(data: ReportData) -> list[str]:
    """The comparison in a few generated sentences (empty without both a machine and a model):
    one worked cell for the first model of the plan, then every model across the tasks."""
    if not data.rows:
        return []
    base = data.baseline
    models = [(s, d) for s, d in data.systems() if data.kind(s) == "model"]
    base_devices = [d for s, d in data.systems() if s == base]
    if not models or not base_devices:
        return []
    sentences = []
    reference = [(task, reference_size(data, task)) for task in data.tasks()]
    for model, device in models:
        pairs = []
        for task, size in reference:
            row_model = data.row(model, device, task, size)
            row_base = data.row(base, device, task, size) or data.row(base, base_devices[0], task, size)
            if row_model and row_base:
                pairs.append((task, size, row_model, row_base))
        if not pairs:
            continue
        if not sentences:
            sentences.append(_worked_cell(data, model, device, base, *pairs[0]))
        sentences.append(_across(data, model, device, pairs))
    return sentences


def _worked_cell(data: ReportData, model: str, device: str, base: str, task: str, size: int,
                 row_model: dict, row_base: dict) -> str:  # fmt: skip
    meaning = TASKS[task].size_meaning if task in TASKS else "size"
    return (
        f"On `{task}` at size {size} ({meaning}), {model} on {device} spent "
        f"{fmt_ratio(row_model['ratio_ops'])} "
        f"the compute of the RISC-V program ({fmt_number(row_model['ops_mean'])} FLOPs against "
        f"{fmt_number(row_base['ops_mean'])} retired instructions per answer, on {base}) and was right "
        f"{fmt_interval(row_model)} of the time; the program was right {fmt_pct(row_base['accuracy'])}."
    )


def _across(data: ReportData, model: str, device: str, pairs: list[tuple]) -> str:
    model_rows = [p[2] for p in pairs]
    base_rows = [p[3] for p in pairs]
    flexible = _pooled_flexible(model_rows)
    loose = f" ({fmt_pct(flexible)} with its answer taken from anywhere in its output)" if flexible else ""
    sentence = (
        f"Across the {len(pairs)} tasks at their reference sizes, {model} was right "
        f"{fmt_pct(_pooled(model_rows))}{loose} "
        f"of the time against the programs' {fmt_pct(_pooled(base_rows))}, at a median "
        f"{fmt_ratio(_median([r['ratio_ops'] for r in model_rows]))} the ops"
    )
    time_ratio = _median([r["ratio_cost_per_correct_s"] for r in model_rows])
    sentence += f" and {fmt_ratio(time_ratio)} the time per correct answer" if time_ratio else ""
    limits = data.max_trained.get(model)
    if limits:
        own = [r for r in data.rows if (r["system"], r["device"]) == (model, device) and r["task"] in limits]
        inside = [r for r in own if r["size"] <= limits[r["task"]]]
        beyond = [r for r in own if r["size"] > limits[r["task"]]]
        if inside and beyond:
            before, after = _pooled(inside), _pooled(beyond)
            verb = "fell to" if after < before else "was"
            sentence += (
                f"; beyond its training sizes its accuracy {verb} {fmt_pct(after)} "
                f"(from {fmt_pct(before)} at the sizes it was trained on)"
            )
    return sentence + "."


def provenance(data: ReportData) -> list[str]:
    """Where each run came from: one line per run."""
    lines = []
    for run in data.runs:
        m = run["manifest"]
        sessions = m.get("sessions") or [{}]
        env = sessions[0].get("environment", {})
        gpu = env.get("gpu")
        commit = (env.get("commit") or "unknown")[:12] + (
            " (uncommitted changes)" if env.get("dirty") else ""
        )
        hardware = f"{env.get('cpu', '?')}, {env.get('cpu_affinity', '?')} cores"
        if gpu:
            hardware += f", {gpu.get('name')} (driver {gpu.get('driver') or '?'})"
        systems = ", ".join(
            f"{k} [{v.get('threads', '')} threads]" if v.get("threads") else k
            for k, v in m.get("systems", {}).items()
        )
        overhead = (m.get("harness_overhead") or {}).get("latency_p50_s")
        lines.append(
            f"`{m.get('run_id')}` ({run['dir']}): profile {m['plan'].get('profile') or '(custom)'}, "
            f"{m.get('items_recorded')} of {m.get('items_planned')} items, status {m.get('status')}; "
            f"{m.get('started')} to {m.get('finished')}; isabench {env.get('isabench')} at commit {commit}; "
            f"Python {env.get('python')}, torch {env.get('torch')}; {hardware}; systems {systems}; "
            f"harness overhead {fmt_seconds(overhead)} per call (median)."
        )
    for path in dict.fromkeys(b["file"] for b in data.benchmarks):
        cpu = next((b["cpu"] for b in data.benchmarks if b["file"] == path), None)
        lines.append(f"pytest-benchmark file `{path}`" + (f" ({cpu})" if cpu else "") + ".")
    if data.duplicates:
        lines.append(f"{data.duplicates} records appeared in more than one run and were counted once.")
    return lines


LENGTH_NOTE = (
    "For each model and task, the largest size up to which its accuracy stays at 95 % and at 50 % at every "
    "size run from the smallest (– where even the smallest is below), beside the largest size it was trained "
    "on; the accuracy-against-size plot marks that boundary."
)

READING = [
    "Accuracy is exact match of the printed line (surrounding whitespace ignored); the bars are Wilson 95 % "
    "intervals, wide when a cell has few items.",
    "Flexible accuracy is looser: the last match of the task's answer pattern anywhere in the output (a "
    "number, a list, a word) against the expected line, as lm-evaluation-harness's flexible-extract scores "
    "free-form answers. Exact match is the headline; flexible tells how much of a miss is chattiness.",
    "Ops are different units on the two sides: retired RISC-V instructions for the machine, FLOPs for a "
    "model. "
    "Their ratio says how much arithmetic each side spent per answer, not which is faster on a given chip.",
    "Time per correct answer divides a cell's whole time (wrong answers and errors included) by its correct "
    "answers; a side that is never right has none.",
    "The reference size of a task is the largest size run that the model was trained on; the dotted line in "
    "the "
    "per-task plots marks it, and points right of it are sizes the model never saw in training.",
    "Architectural bytes: the program's bytes plus the 4 KiB pages it wrote, against the model's parameters "
    "plus its KV cache.",
]


def make_report(
    run_dirs: list[str | Path], out: str | Path, benchmark_json: list[str | Path] | None = None
) -> dict:
    """Write the report into `out`; return the paths written."""
    data = load(run_dirs, benchmark_json)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = write_tables(data, out / "tables") if data.rows else {}
    mode_tables = write_mode_tables(data, out / "tables") if has_modes(data) else {}
    plots = write_plots(data, out / "plots")
    words = headline(data)
    rows = headline_rows(data)
    markdown = _markdown(data, words, rows, plots, tables, mode_tables)
    (out / "REPORT.md").write_text(markdown, encoding="utf-8")
    (out / "report.html").write_text(_html(data, words, rows, plots), encoding="utf-8")
    return {
        "report_md": out / "REPORT.md",
        "report_html": out / "report.html",
        "tables": {**tables, **mode_tables},
        "plots": plots,
        "headline": words,
    }


def _markdown(data: ReportData, words: list[str], rows: list[dict], plots: dict, tables: dict,
              mode_tables: dict | None = None) -> str:  # fmt: skip
    parts = ["# isabench report\n"]
    if words:
        parts.append(" ".join(words) + "\n")
    parts.append("## Where the numbers come from\n")
    parts += [f"- {line}" for line in provenance(data)]
    parts.append("")
    if rows:
        parts.append("## Headline table (each task at its reference size)\n")
        parts.append(markdown_table(HEADLINE_HEADER, [headline_cells(r) for r in rows]))
        parts.append(
            "Tables as CSV: "
            + ", ".join(f"[{name}](tables/{path.name})" for name, path in tables.items())
            + ".\n"
        )
    lengths = length_rows(data)
    if lengths:
        parts.append("## Length generalisation\n")
        parts.append(LENGTH_NOTE + "\n")
        parts.append(markdown_table(LENGTH_HEADER, [length_cells(r) for r in lengths]))
    general = {name: plot for name, plot in plots.items() if name not in MODE_PLOTS}
    if general:
        parts.append("## Plots\n")
        for name, plot in general.items():
            parts.append(f"### {plot['title']}\n\n![{plot['title']}](plots/{name}.png)\n")
    section = markdown_section(data, plots, mode_tables or {})
    if section:
        parts.append(section)
    parts.append("## How to read it\n")
    parts += [f"- {line}" for line in READING]
    parts.append("\nSelf-contained version of this page: [report.html](report.html).\n")
    return "\n".join(parts)


CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem;
       color: #222; }
p.headline { font-size: 1.1rem; background: #f4f6fa; padding: 0.8rem 1rem; border-left: 4px solid #3060c0; }
table { border-collapse: collapse; font-size: 0.8rem; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.45rem; text-align: right; }
th { background: #eef; } td:first-child, td:nth-child(3) { text-align: left; }
figure { margin: 1rem 0 2rem; } img { max-width: 100%; height: auto; }
figcaption { font-size: 0.85rem; color: #555; }
code { background: #f2f2f2; padding: 0 0.2rem; }
"""


def _inline(text: str) -> str:
    """Escape, then render `code` spans."""
    out = html.escape(text)
    pieces = out.split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces))


def _table_html(header, rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(name: str, plot: dict) -> str:
    """A plot as a figure with its PNG inline."""
    encoded = base64.b64encode(Path(plot["png"]).read_bytes()).decode("ascii")
    return (
        f'<figure id="{name}"><img alt="{html.escape(plot["title"])}" '
        f'src="data:image/png;base64,{encoded}">'
        f"<figcaption>{html.escape(plot['title'])}</figcaption></figure>"
    )


def _html(data: ReportData, words: list[str], rows: list[dict], plots: dict) -> str:
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>isabench report</title><style>{CSS}</style></head><body>",
        "<h1>isabench report</h1>",
    ]
    if words:
        parts.append(f'<p class="headline">{_inline(" ".join(words))}</p>')
    parts.append("<h2>Where the numbers come from</h2><ul>")
    parts += [f"<li>{_inline(line)}</li>" for line in provenance(data)]
    parts.append("</ul>")
    if rows:
        parts.append("<h2>Headline table (each task at its reference size)</h2>")
        parts.append(_table_html(HEADLINE_HEADER, [headline_cells(r) for r in rows]))
    lengths = length_rows(data)
    if lengths:
        parts.append(f"<h2>Length generalisation</h2><p>{_inline(LENGTH_NOTE)}</p>")
        parts.append(_table_html(LENGTH_HEADER, [length_cells(r) for r in lengths]))
    for name, plot in plots.items():
        if name not in MODE_PLOTS:
            parts.append(_figure(name, plot))
    if data.rows:
        header = (
            "system",
            "device",
            "task",
            "size",
            "n",
            "errors",
            "accuracy (95 % CI)",
            "latency p50",
            "ops per answer",
            "time per correct",
            "ops vs baseline",
        )
        cells = [
            [
                r["system"],
                r["device"],
                r["task"],
                str(r["size"]),
                str(r["n"]),
                str(r["errors"]),
                fmt_interval(r),
                fmt_seconds(r["latency_p50_s"]),
                f"{fmt_number(r['ops_mean'])} {r['ops_unit']}".strip(),
                fmt_seconds(r["cost_per_correct_s"]),
                fmt_ratio(r.get("ratio_ops")),
            ]
            for r in data.rows
        ]
        parts.append(f"<h2>Every cell</h2><details><summary>{len(cells)} cells</summary>")
        parts.append(_table_html(header, cells) + "</details>")
    section = html_section(data, plots, _inline, _table_html, _figure)
    if section:
        parts.append(section)
    parts.append("<h2>How to read it</h2><ul>" + "".join(f"<li>{_inline(t)}</li>" for t in READING) + "</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
