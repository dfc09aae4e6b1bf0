"""The report's "Modes" section: how model systems did when asked a task in words (direct),
given its RISC-V program to execute (trace), or asked to write the program (compile), all
computed from records and compile records. A report whose records hold only direct answers
has no such section."""

from __future__ import annotations

import html
import re
from pathlib import Path

from ..harness.compiled import AMORTISED_COLUMNS, N_INPUTS, amortised_rows
from ..harness.plan import MODES
from ..harness.records import record_mode
from ..harness.summary import fmt_number, fmt_seconds, write_csv
from .data import ReportData
from .tables import fmt_interval, fmt_pct, markdown_table

MOSTLY = 0.5  # a (system, device, mode) with at least this share of error records was not really asked
MODE_PLOTS = ("compile_amortised",)  # plots shown in this section, not among the general plots

# tables/modes.csv: one row per (model system, device, task, size), every mode's columns
MODE_COLUMNS = (
    "system", "device", "task", "size",
    *(f"{mode}_{column}" for mode in MODES
      for column in ("n", "errors", "correct", "accuracy", "accuracy_low", "accuracy_high")),
    "trace_items", "trace_prefix_mean", "trace_full_share",
    "baseline", "baseline_device", "baseline_n", "baseline_accuracy", "baseline_accuracy_low",
    "baseline_accuracy_high",
)  # fmt: skip

READING = [
    "direct: the model gets the task's instruction in words and the input, and answers with what the "
    "program would print.",
    "trace: the model gets the task's RISC-V program and the input and must say what the program prints "
    "(the model as a CPU). With the prompt option trace_steps it first writes the first k instructions "
    "executed, scored against rv-ref's tracer: prefix agreement is how many of those k lines agree before "
    "the first that does not, over k; the full share is the share of items whose k lines all agree.",
    "compile: the model writes a RISC-V program once per (system, device, task); isabench assembles it "
    "and runs it in the sandboxed machine (rv-fast under the plan's limits) on every item of every size. "
    "Its accuracy is the program's.",
    "compile's cost per correct answer over N inputs is (generation + N × machine cost per item) / "
    "(N × accuracy). In seconds it adds the wall time of writing the program to the machine's time per "
    "item; in ops it adds the model's FLOPs for writing the program to the instructions the machine "
    "retired running it (two units summed as a count of work, not a time). The break-even N is the "
    "smallest N at which it is at most direct's cost per correct answer (direct's whole time, or FLOPs, "
    "over its correct answers on the same sizes).",
    "The machine column is the baseline machine program's accuracy on the same task and size. Items "
    "a mode could not be asked (a prompt longer than the model's context, a program that does not "
    "assemble) are error records and count as wrong; the sentences above the tables say which.",
]


def has_modes(data: ReportData) -> bool:
    """Whether the records hold a model mode other than direct (then the report has the section)."""
    return any(mode != "direct" for mode in data.modes()) or bool(data.compiles)


def _present(data: ReportData) -> list[str]:
    present = set(data.modes()) | ({"compile"} if data.compiles else set())
    return [m for m in MODES if m in present]


def _baseline_row(data: ReportData, device: str, task: str, size: int) -> dict | None:
    rows = [
        r
        for r in data.mode_rows
        if r["system"] == data.baseline and r["mode"] is None and (r["task"], r["size"]) == (task, size)
    ]
    for wanted in (device, "cpu"):
        for row in rows:
            if row["device"] == wanted:
                return row
    return rows[0] if rows else None


def mode_table_rows(data: ReportData) -> list[dict]:
    """One row per (model system, device, task, size): each mode's summary row (key `by_mode`),
    the baseline machine's row on the same task and size (`baseline_row`), and the flat
    MODE_COLUMNS for the CSV."""
    cells: dict[tuple, dict[str, dict]] = {}
    for row in data.mode_rows:
        if row["mode"] is None:
            continue
        cells.setdefault((row["system"], row["device"], row["task"], row["size"]), {})[row["mode"]] = row
    out = []
    for (system, device, task, size), by_mode in cells.items():
        flat: dict = {"system": system, "device": device, "task": task, "size": size}
        for mode, row in by_mode.items():
            for column in ("n", "errors", "correct", "accuracy", "accuracy_low", "accuracy_high"):
                flat[f"{mode}_{column}"] = row[column]
        trace = by_mode.get("trace") or {}
        for column in ("trace_items", "trace_prefix_mean", "trace_full_share"):
            flat[column] = trace.get(column)
        base = _baseline_row(data, device, task, size)
        flat["baseline"] = data.baseline
        if base is not None:
            flat["baseline_device"] = base["device"]
            for column in ("n", "accuracy", "accuracy_low", "accuracy_high"):
                flat[f"baseline_{column}"] = base[column]
        out.append({**flat, "by_mode": by_mode, "baseline_row": base})
    return out


def _accuracy_cell(row: dict | None) -> str:
    if row is None:
        return "–"
    errors = row.get("errors") or 0
    note = f", {errors} error{'s' if errors != 1 else ''}" if errors else ""
    return fmt_interval(row) + note


def accuracy_table(data: ReportData) -> tuple[list[str], list[list[str]]]:
    """Header and cells of the accuracy by mode and size table."""
    modes = _present(data)
    header = ["task", "size", "system", *(f"{m} (95 % CI)" for m in modes), f"machine: {data.baseline}"]
    cells = [
        [r["task"], str(r["size"]), f"{r['system']} ({r['device']})",
         *(_accuracy_cell(r["by_mode"].get(m)) for m in modes), _accuracy_cell(r["baseline_row"])]
        for r in mode_table_rows(data)
    ]  # fmt: skip
    return header, cells


# -- where a mode could not be asked -------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")


def _number(text: str) -> str:
    return f"{int(text):,}" if text.isdigit() else text


def summarize_messages(messages: list[str]) -> str:
    """Error messages in one phrase: the most common message shape with its numbers (a range
    where they differ), and how many messages of another shape there were."""
    messages = [m for m in messages if m]
    if not messages:
        return "no message"
    shapes: dict[str, list[list[str]]] = {}
    for message in messages:
        shapes.setdefault(_NUMBER.sub("\0", message), []).append(_NUMBER.findall(message))
    shape, values = max(shapes.items(), key=lambda kv: len(kv[1]))
    parts = shape.split("\0")
    text = parts[0]
    for slot, part in enumerate(parts[1:]):
        seen = sorted({v[slot] for v in values}, key=float)
        text += _number(seen[0]) if len(seen) == 1 else f"{_number(seen[0])}–{_number(seen[-1])}"
        text += part
    others = len(messages) - len(values)
    if others:
        text += f"; and {others} other message{'s' if others != 1 else ''}"
    return text


COMPILE_FAILED = "compile failed: "  # how harness.compiled.item_error marks an item whose program failed


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def _are(count: int, kind: str, past: bool = False) -> str:
    """ "are context_overflow records", "is a context_overflow record" (or was/were)."""
    if count == 1:
        return f"{'was' if past else 'is'} {'an' if kind[:1] in 'aeiou' else 'a'} {kind} record"
    return f"{'were' if past else 'are'} {kind} records"


def _by_kind(errors: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for error in errors:
        kind = error.get("kind") or "unnamed"
        trap = error.get("trap")
        if isinstance(trap, dict) and trap.get("kind"):  # a machine's trap: which one
            kind = f"{kind} ({trap['kind']})"
        out.setdefault(kind, []).append(str(error.get("message") or ""))
    return dict(sorted(out.items(), key=lambda kv: -len(kv[1])))


def failure_sentences(data: ReportData) -> list[str]:
    """For each (model system, device, mode) whose records are all or mostly errors (at least
    MOSTLY of them), one sentence per error kind with its count and what the messages say. In
    compile mode, items whose program could not be written say so, with the compile records'
    count and messages; compile records with no items behind them get a sentence of their own."""
    groups: dict[tuple, list[dict]] = {}
    for record in data.records:
        mode = record_mode(record)
        if mode is not None:
            groups.setdefault((record["system"], record["device"], mode), []).append(record)
    compiles: dict[tuple, list[dict]] = {}
    for record in data.compiles:
        compiles.setdefault((record["system"], record["device"]), []).append(record)
    sentences, told = [], set()
    for (system, device, mode), records in groups.items():
        errors = [r["error"] for r in records if r.get("error")]
        if not errors or len(errors) < MOSTLY * len(records):
            continue
        prefix, total = f"{system} on {device}, {mode}", len(records)
        failed = [
            e for e in errors if mode == "compile" and str(e.get("message", "")).startswith(COMPILE_FAILED)
        ]
        for kind, messages in _by_kind([e for e in errors if not any(e is f for f in failed)]).items():
            sentences.append(f"{prefix}: {len(messages):,} of {_plural(total, 'item')} "
                             f"{_are(len(messages), kind)} ({summarize_messages(messages)}).")  # fmt: skip
        for kind, messages in _by_kind(failed).items():
            programs = [
                c for c in compiles.get((system, device), []) if (c.get("error") or {}).get("kind") == kind
            ]
            told.update(id(c) for c in programs)
            if programs:
                said = summarize_messages([str(c["error"].get("message") or "") for c in programs])
                cause = (
                    f"{len(programs):,} of {_plural(len(compiles[(system, device)]), 'program request')} "
                    f"({', '.join(dict.fromkeys(c['task'] for c in programs))}) "
                    f"{_are(len(programs), kind, past=True)} too ({said})"
                )
            else:
                said = summarize_messages([m[len(COMPILE_FAILED) :] for m in messages])
                cause = f"their program failed ({said})"
            sentences.append(f"{prefix}: {len(messages):,} of {_plural(total, 'item')} "
                             f"{_are(len(messages), kind)}, with no program "
                             f"to run: {cause}.")  # fmt: skip
    for (system, device), records in compiles.items():
        failed = [r for r in records if r.get("error") and id(r) not in told]
        if failed and len(failed) >= MOSTLY * len(records):
            for kind, messages in _by_kind([r["error"] for r in failed]).items():
                tasks = [r["task"] for r in failed if r["error"].get("kind") == kind]
                sentences.append(
                    f"{system} on {device}, compile: {len(messages):,} of "
                    f"{_plural(len(records), 'program request')} ({', '.join(dict.fromkeys(tasks))}) "
                    f"{_are(len(messages), kind)} ({summarize_messages(messages)})."
                )
    return sentences


# -- compile: amortised cost ---------------------------------------------------------------------


def amortised(data: ReportData) -> list[dict]:
    """harness.compiled.amortised_rows over the report's compile records and records."""
    return amortised_rows(data.compiles, data.records)


AMORTISED_HEADER = (
    "task", "system", "sizes", "program", "accuracy", "generation", "generation FLOPs",
    "machine per item", "machine insn per item",
    *(f"per correct, N = {n:,}" for n in N_INPUTS),
    "direct per correct", "break-even N (s)", "break-even N (ops)",
)  # fmt: skip


def _break_even(row: dict, unit: str) -> str:
    value = row[f"break_even_n_{unit}"]
    note = row[f"break_even_note_{unit}"]
    if value is None:
        return f"– ({note})" if note else "–"
    return f"{value:,}" + (f" ({note})" if note else "")


def amortised_cells(row: dict) -> list[str]:
    """A row of the amortised-cost table; the machine's columns are "–" where no program ran."""
    accuracy = (
        "–" if row["accuracy"] is None else f"{fmt_pct(row['accuracy'])} ({row['correct']} of {row['n']})"
    )
    ran = bool(row["assembled"])
    return [
        row["task"], f"{row['system']} ({row['device']})", row["sizes"],
        "assembled" if row["assembled"] else (row["error"] or "not assembled"),
        accuracy, fmt_seconds(row["generation_s"]), fmt_number(row["generation_flops"]),
        fmt_seconds(row["machine_s_mean"] if ran else None),
        fmt_number(row["machine_insn_mean"] if ran else None),
        *(fmt_seconds(row[f"cost_per_correct_s_n{n}"]) for n in N_INPUTS),
        fmt_seconds(row["direct_cost_per_correct_s"]), _break_even(row, "s"), _break_even(row, "ops"),
    ]  # fmt: skip


# -- trace-prefix accuracy -----------------------------------------------------------------------

TRACE_HEADER = ("task", "size", "system", "k", "traced items", "answer accuracy (95 % CI)",
                "mean prefix agreement", "all k lines agree")  # fmt: skip


def trace_rows(data: ReportData) -> list[dict]:
    """The summary rows of trace mode that scored a trace (trace_items set), with `k`: the
    number of executed instructions asked for (a range where items differ)."""
    ks: dict[tuple, set[int]] = {}
    for record in data.records:
        trace = (record.get("detail") or {}).get("trace")
        if record_mode(record) == "trace" and isinstance(trace, dict) and trace.get("k"):
            key = (record["system"], record["device"], record["task"], record["size"])
            ks.setdefault(key, set()).add(trace["k"])
    out = []
    for row in data.mode_rows:
        if row["mode"] == "trace" and row.get("trace_items"):
            k = sorted(ks.get((row["system"], row["device"], row["task"], row["size"]), ()))
            out.append({**row, "k": (str(k[0]) if len(k) == 1 else f"{k[0]}–{k[-1]}") if k else "–"})
    return out


def trace_cells(row: dict) -> list[str]:
    return [row["task"], str(row["size"]), f"{row['system']} ({row['device']})", row["k"],
            f"{row['trace_items']} of {row['n']}", fmt_interval(row),
            fmt_pct(row["trace_prefix_mean"]), fmt_pct(row["trace_full_share"])]  # fmt: skip


# -- files and the section -----------------------------------------------------------------------


def write_mode_tables(data: ReportData, folder: Path) -> dict[str, Path]:
    """tables/modes.csv (accuracy by mode and size) and, with compile records,
    tables/compile_amortised.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {"modes": write_csv(folder / "modes.csv", mode_table_rows(data), MODE_COLUMNS)}
    if data.compiles:
        tables["compile_amortised"] = write_csv(
            folder / "compile_amortised.csv", amortised(data), AMORTISED_COLUMNS
        )
    return tables


def _blocks(data: ReportData) -> list[tuple]:
    """The section as (kind, ...) blocks both renderers share: ("h3", title), ("p", text),
    ("list", lines), ("table", header, cells), ("plot", name)."""
    modes = _present(data)
    blocks: list[tuple] = [
        ("p", "How the model systems did in each way of asking them (" + ", ".join(modes)
              + "); every number here is computed from the records and compile records."),
    ]  # fmt: skip
    header, cells = accuracy_table(data)
    if cells:
        blocks += [("h3", "Accuracy by mode and size"), ("table", header, cells)]
    failures = failure_sentences(data)
    if failures:
        blocks += [("h3", "Where a mode could not be asked, or its answers failed"), ("list", failures)]
    if data.compiles:
        rows = amortised(data)
        blocks += [
            ("h3", "compile: amortised cost"),
            ("p", "One row per program written; seconds per correct answer when the program is written "
                  "once and run on N inputs, against direct answers on the same sizes."),
            ("table", AMORTISED_HEADER, [amortised_cells(r) for r in rows]),
            ("plot", "compile_amortised"),
        ]  # fmt: skip
    traced = trace_rows(data)
    if traced:
        blocks += [
            ("h3", "trace: prefix agreement"),
            ("table", TRACE_HEADER, [trace_cells(r) for r in traced]),
        ]
    blocks += [("h3", "How to read the modes"), ("list", READING)]
    return blocks


def _render(data: ReportData, plots: dict, heading: str, renderers: dict) -> list[str]:
    """The section's blocks through one renderer per kind (a plot only where it was drawn)."""
    parts = [heading]
    for kind, *args in _blocks(data):
        if kind != "plot" or args[0] in plots:
            parts.append(renderers[kind](*args))
    return parts


def markdown_section(data: ReportData, plots: dict, tables: dict) -> str:
    """The Modes section of REPORT.md ("" when the records hold direct answers only)."""
    if not has_modes(data):
        return ""
    parts = _render(data, plots, "## Modes\n", {
        "h3": lambda text: f"### {text}\n",
        "p": lambda text: text + "\n",
        "list": lambda lines: "\n".join(f"- {line}" for line in lines) + "\n",
        "table": markdown_table,
        "plot": lambda name: f"![{plots[name]['title']}](plots/{name}.png)\n",
    })  # fmt: skip
    if tables:
        parts.append(
            "Tables as CSV: " + ", ".join(f"[{n}](tables/{p.name})" for n, p in tables.items()) + ".\n"
        )
    return "\n".join(parts)


def html_section(data: ReportData, plots: dict, inline, table_html, figure) -> str:
    """The Modes section of report.html ("" without modes); inline, table_html and figure are
    build.py's renderers of a text, a table and a plot."""
    if not has_modes(data):
        return ""
    return "\n".join(_render(data, plots, "<h2>Modes</h2>", {
        "h3": lambda text: f"<h3>{html.escape(text)}</h3>",
        "p": lambda text: f"<p>{inline(text)}</p>",
        "list": lambda lines: "<ul>" + "".join(f"<li>{inline(line)}</li>" for line in lines) + "</ul>",
        "table": table_html,
        "plot": lambda name: figure(name, plots[name]),
    }))  # fmt: skip
