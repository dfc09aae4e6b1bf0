"""The README's generated blocks (reference results, executor speed, serving speed), made from a
committed run, its report and committed benchmark files, so the README never carries a number
that no record backs. `python3 -m isabench.report.readme` rewrites
the block; a test checks it is in sync."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .data import load

START, END = "<!-- reference-results:start -->", "<!-- reference-results:end -->"
SPEED_START, SPEED_END = "<!-- executor-speed:start -->", "<!-- executor-speed:end -->"
SPEED_JSON = Path("results") / "quick-cpu" / "benchmarks" / "rv-speed.json"
SERVE_START, SERVE_END = "<!-- serve-speed:start -->", "<!-- serve-speed:end -->"
SERVE_JSON = Path("results") / "benchmarks" / "serve-cpu.json"
FUZZ_START, FUZZ_END = "<!-- fuzz-figures:start -->", "<!-- fuzz-figures:end -->"
FUZZ_JSON = Path("results") / "fuzz" / "summary.json"
REFERENCE = Path("results") / "quick-cpu"
PLOTS = ("accuracy_vs_size", "cost_per_correct")


def render_block(run_dir: Path = REFERENCE) -> str:
    data = load([run_dir])
    manifest = data.runs[0]["manifest"]
    env = manifest["sessions"][0]["environment"]
    report = (run_dir / "report" / "REPORT.md").read_text(encoding="utf-8")
    headline = report.split("\n## ", 1)[0].split("\n", 1)[1].strip()
    models = [(s, d) for s, d in data.systems() if data.kind(s) == "model"]
    threads = ", ".join(f"{name} on {manifest['systems'].get(f'{name}@{device}', {}).get('threads')}"
                        for name, device in models)  # fmt: skip
    lines = [
        START,
        f"`{run_dir}/` holds the quick profile as run on {manifest['started'][:10]} on the development "
        "machine "
        f"({env['cpu']}, {env['cpu_affinity']} cores, {env['memory_bytes'] / 2**30:.0f} GiB, no GPU; Python "
        f"{env['python']}, torch {env['torch']}; {threads} torch thread(s), the "
        f"count `threads = auto` measured fastest) at commit `{(env['commit'] or '?')[:12]}`"
        f"{' with uncommitted changes' if env.get('dirty') else ''}: {manifest['items_recorded']} records, "
        f"the summary, and the report in `{run_dir}/report/` (REPORT.md, report.html, tables, plots, and the "
        "browser check's screenshot.png). "
        f"The run took {_duration(manifest)} from start to end; the harness's own overhead was "
        f"{manifest['harness_overhead']['latency_p50_s'] * 1e6:.1f} µs per call (median of "
        f"{manifest['harness_overhead']['calls']} empty calls). Regenerate it with the main-job command: "
        "latencies depend on the "
        "machine; items, programs and greedy decoding are deterministic, so accuracy and ops should repeat "
        "(a floating-point difference between CPUs can flip a rare token).",
        "",
        f"> {headline}",
        "",
        "Each task at its reference size (the largest size lm-builtin was trained on), one table per "
        "model; every system and every size are in the report's tables:",
        "",
    ]
    for model in models:
        lines += [compact_table(data, model).strip(), ""]
    for name in PLOTS:
        lines.append(f"![{name}]({run_dir}/report/plots/{name}.png)")
        lines.append("")
    lines += [
        "How to read them: *FLOPs / instruction* divides the model's FLOPs per answer by the RISC-V "
        "program's retired instructions per answer on the same items; *time per correct* divides the two "
        "sides' seconds per correct answer, wrong answers' time included (a side never right has no such "
        "cost, shown as –). In the accuracy plot each panel is one task, the bars are Wilson 95 % intervals "
        "and the dotted line is the largest size lm-builtin was trained on; in the cost plot an x marks a "
        "task the model never got right at that size; *flexible* is the share right by the flexible "
        "score (the answer taken from anywhere in the output). The full report: "
        f"[REPORT.md]({run_dir}/report/REPORT.md).",
        END,
    ]
    return "\n".join(lines)


def compact_table(data, model_device: tuple[str, str] | None = None) -> str:
    """One row per task at its reference size: a model (default: the plan's first) against the
    machine baseline (and the other machines' latency), from the same summary rows as the
    report's headline table."""
    from .data import reference_size
    from .tables import fmt_interval, fmt_number, fmt_pct, fmt_ratio, fmt_seconds, markdown_table

    base = data.baseline
    models = [(s, d) for s, d in data.systems() if data.kind(s) == "model"]
    others = [(s, d) for s, d in data.systems() if data.kind(s) == "machine" and s != base]
    model, device = model_device or models[0]
    header = ["task", "size", f"{model} accuracy (95 % CI)", "flexible", f"{base} accuracy",
              "FLOPs per answer", "instructions per answer", "FLOPs / instruction", f"latency p50: {model}",
              base, *[s for s, _ in others], f"time per correct: {model} / {base}"]  # fmt: skip
    rows = []
    for task in data.tasks():
        size = reference_size(data, task)
        m, b = data.row(model, device, task, size), data.row(base, "cpu", task, size)
        if m is None or b is None:
            continue
        rows.append([
            task, str(size), fmt_interval(m), fmt_pct(m.get("accuracy_flexible")), fmt_pct(b["accuracy"]),
            fmt_number(m["ops_mean"]),
            fmt_number(b["ops_mean"]), fmt_ratio(m["ratio_ops"]), fmt_seconds(m["latency_p50_s"]),
            fmt_seconds(b["latency_p50_s"]),
            *[fmt_seconds((data.row(s, d, task, size) or {}).get("latency_p50_s")) for s, d in others],
            fmt_ratio(m["ratio_cost_per_correct_s"]),
        ])  # fmt: skip
    return markdown_table(header, rows)


def _duration(manifest: dict) -> str:
    from datetime import datetime

    fmt = "%Y-%m-%dT%H:%M:%S%z"
    seconds = sum(
        (datetime.strptime(x["finished"], fmt) - datetime.strptime(x["started"], fmt)).total_seconds()
        for x in manifest["sessions"]
    )
    return f"{seconds:.0f} s"


def _executor_label(extra: dict) -> str:
    label = extra.get("executor", "?")
    details = []
    if extra.get("path"):
        details.append(f"path {extra['path']}")
    if extra.get("engine"):
        details.append(f"engine {extra['engine']}")
    if extra.get("device"):
        details.append(extra["device"])
    if extra.get("batch_size"):
        details.append(f"batch {extra['batch_size']:,}")
    if extra.get("lanes"):
        details.append(f"{extra['lanes']} lanes")
    if extra.get("threads"):
        details.append(f"{extra['threads']} thread{'s' if extra['threads'] > 1 else ''}")
    return label + (f" ({', '.join(details)})" if details else "")


def _millions(rate: float) -> str:
    millions = rate / 1e6
    return f"{millions:,.0f} M" if millions >= 100 else f"{millions:.3g} M"


def _benchmark_file(path: Path) -> tuple[dict, dict, dict]:
    """A pytest-benchmark JSON file: its whole data, its commit_info and its machine's CPU."""
    import json

    data = json.loads(path.read_text(encoding="utf-8"))
    return data, data.get("commit_info", {}), data["machine_info"].get("cpu", {})


def render_speed(path: Path = SPEED_JSON) -> str:
    """The executor-speed table from one pytest-benchmark run of benchmarks/test_rv_*.py."""
    data, commit, cpu = _benchmark_file(path)
    rows = [b for b in data["benchmarks"] if "instructions_per_s" in b.get("extra_info", {})]
    qemu = max((b["extra_info"]["instructions_per_s"] for b in rows
                if b["extra_info"].get("executor", "").startswith("qemu")), default=None)  # fmt: skip
    lines = [
        SPEED_START,
        "Measured by the main job (`isabench reproduce` runs `pytest benchmarks/test_rv_speed.py "
        f"benchmarks/test_rv_batch.py` into `{path}`, one run for every executor) on "
        f"{cpu.get('brand_raw', '?')} ({cpu.get('count', '?')} cores), {data['datetime'][:10]}, commit "
        f"`{commit.get('id', '?')[:12]}`{' with uncommitted changes' if commit.get('dirty') else ''}:",
        "",
        "| executor | retired instructions | mean wall time | instructions/s | share of qemu's best rate |",
        "|---|---:|---:|---:|---:|",
    ]
    for bench in rows:
        extra = bench["extra_info"]
        rate = extra["instructions_per_s"]
        share = 100 * rate / qemu if qemu else None
        versus = "–" if share is None else f"{share:.0f} %" if share >= 10 else f"{share:.2g} %"
        retired, seconds = extra["retired_instructions"], bench["stats"]["mean"]
        lines.append(
            f"| {_executor_label(extra)} | {retired:,} | {seconds:.3g} s | {_millions(rate)} | {versus} |"
        )
    plot = path.parent.parent / "report" / "plots" / "benchmark_throughput.png"
    if plot.exists():
        lines += ["", f"![executor throughput and throughput against batch size]({plot})"]
    lines.append(SPEED_END)
    return "\n".join(lines)


def render_serve(path: Path = SERVE_JSON) -> str:
    """The serving-speed table from one pytest-benchmark run of benchmarks/test_serve.py."""
    data, commit, cpu = _benchmark_file(path)
    extras = {b["name"]: b["extra_info"] for b in data["benchmarks"]}
    summary = extras.pop("test_serve_summary")
    lines = [
        SERVE_START,
        f"`{path}`, on {cpu.get('brand_raw', '?')} ({cpu.get('count', '?')} cores), {data['datetime'][:10]}, "
        f"commit `{commit.get('id', '?')[:12]}`{' with uncommitted changes' if commit.get('dirty') else ''}, "
        f"{summary['threads']} torch threads:",
        "",
        "| system | requests/s | tokens/s | p50 latency per request |",
        "|---|---:|---:|---:|",
    ]
    for extra in extras.values():
        lines.append(
            f"| {extra['system']} | {extra['requests_per_s']:.1f} | {extra['tokens_per_s']:,.0f} | "
            f"{extra['p50_latency_s'] * 1e3:.1f} ms |"
        )
    lines += ["", "| client | concurrency 64 / in-process batched (target ≥ 0.70) | "
              "p50 added at concurrency 1 (target ≤ 2 ms) | of which inside the server |",
              "|---|---:|---:|---:|"]  # fmt: skip
    for client in ("openai", "httpx"):
        if client not in summary:
            continue
        got = summary[client]
        met = {True: "met", False: "not met"}
        fraction, added = got["concurrency_64_fraction_of_batched"], got["concurrency_1_p50_added_ms"]
        inside = got["concurrency_1_p50_added_inside_server_ms"]
        lines.append(
            f"| {client} | {fraction:.2f} ({met[got['concurrency_64_target_met']]}) | {added:.2f} ms "
            f"({met[got['concurrency_1_target_met']]}) | {inside:.2f} ms |"
        )
    lines.append(SERVE_END)
    return "\n".join(lines)


def _fuzz_detail(name: str, entry: dict) -> str:
    """What a campaign's own counts say, in words."""
    if name == "assembler":
        return (f"{entry.get('assembled', 0):,} assembled, {entry.get('rejected', 0):,} rejected with one "
                f"error; {entry.get('gnu_cases', 0):,} also given to GNU as, "
                f"{entry.get('gnu_mismatches', 0)} disagreeing")  # fmt: skip
    if name == "executors":
        return ("each case on rv-ref, rv-fast (python and numba), run_many (numba; python on a "
                "sample) and rv-batch on torch (a sample), compared with rv-ref; a sample also on "
                "qemu-riscv32")  # fmt: skip
    if name == "cli":
        rows = entry.get("rows", 0)
        return f"{rows} bad invocations, each run {entry['cases'] // max(1, rows)}×"
    if name == "records":
        return (f"{entry.get('kills', 0)} SIGKILLs over {entry.get('run_starts', 0)} starts of a "
                f"{entry.get('items_per_run', 0)}-item run, each resumed to the end")  # fmt: skip
    return ""


def render_fuzz(path: Path = FUZZ_JSON) -> str:
    """The fuzz campaign's figures from its summary file (scripts/fuzz.py writes it)."""
    import json

    campaigns = json.loads(path.read_text(encoding="utf-8"))["campaigns"]
    lines = [
        FUZZ_START,
        "| campaign | cases | time | findings | hangs | exceptions | what ran |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name in ("assembler", "executors", "cli", "records"):
        if name in campaigns:
            entry = campaigns[name]
            lines.append(
                f"| {name} | {entry['cases']:,} | {entry['seconds']:,.0f} s | {entry['findings']} | "
                f"{entry['hangs']} | {entry['exceptions']} | {_fuzz_detail(name, entry)} |"
            )
    lines.append(FUZZ_END)
    return "\n".join(lines)


DECODE_START, DECODE_END = "<!-- decode-speed:start -->", "<!-- decode-speed:end -->"
DECODE_JSON = Path("results") / "benchmarks" / "lm-decode-cpu.json"


def render_decode(path: Path = DECODE_JSON) -> str:
    """The decode-speed tables from one pytest-benchmark run of benchmarks/test_lm_decode.py."""
    data, commit, cpu = _benchmark_file(path)
    alone: dict[tuple[str, int], float] = {}
    paired: dict[int, dict] = {}
    for bench in data["benchmarks"]:
        extra = bench["extra_info"]
        if "speedup" in extra:
            paired[extra["batch_size"]] = extra
        else:
            alone[(extra["system"], extra["batch_size"])] = extra["tokens_per_s"]
    sizes = sorted({size for _, size in alone} | set(paired))
    threads = {b["extra_info"]["threads"] for b in data["benchmarks"]}
    lines = [
        DECODE_START,
        f"`{path}`, on {cpu.get('brand_raw', '?')} ({cpu.get('count', '?')} cores), {data['datetime'][:10]}, "
        f"commit `{commit.get('id', '?')[:12]}`, {', '.join(map(str, sorted(threads)))} torch threads for "
        "both; "
        "generated tokens per second, from the median of each case's timed calls:",
        "",
        "| system | " + " | ".join(f"batch {size}" for size in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for system in ("lm-builtin", "transformers"):
        cells = [f"{alone[(system, size)]:,.0f}" if (system, size) in alone else "–" for size in sizes]
        lines.append(f"| {system} (alone) | " + " | ".join(cells) + " |")
    for system in ("lm-builtin", "transformers"):
        cells = [f"{paired[size]['tokens_per_s'][system]:,.0f}" if size in paired else "–" for size in sizes]
        lines.append(f"| {system} (in turns with the other) | " + " | ".join(cells) + " |")
    speedups = [f"{paired[size]['speedup']:.2f}×" if size in paired else "–" for size in sizes]
    lines.append("| **lm-builtin / transformers, in turns** (target ≥ 2×) | " + " | ".join(speedups) + " |")
    lines.append(DECODE_END)
    return "\n".join(lines)


SMOL_START, SMOL_END = "<!-- smollm2-decode:start -->", "<!-- smollm2-decode:end -->"
SMOL_JSON = Path("results") / "benchmarks" / "smollm2-decode-cpu.json"


def render_smollm2_decode(path: Path = SMOL_JSON) -> str:
    """smollm2's decode speed from one pytest-benchmark run of benchmarks/test_smollm2_decode.py."""
    data, commit, cpu = _benchmark_file(path)
    paired = {b["extra_info"]["batch_size"]: b["extra_info"] for b in data["benchmarks"]
              if "speedup" in b["extra_info"]}  # fmt: skip
    extras = [b["extra_info"] for b in data["benchmarks"]]
    llama = [extra for extra in extras if extra.get("system") == "llama.cpp (Q4_1)"]
    sizes = sorted(paired)
    threads = sorted({b["extra_info"]["threads"] for b in data["benchmarks"]})
    lines = [
        SMOL_START,
        f"`{path}`, on {cpu.get('brand_raw', '?')} ({cpu.get('count', '?')} cores), {data['datetime'][:10]}, "
        f"commit `{commit.get('id', '?')[:12]}`, {', '.join(map(str, threads))} torch thread(s); generated "
        "tokens per second, from the median of each case's timed calls:",
        "",
        "| system | weights | " + " | ".join(f"batch {size}" for size in sizes) + " |",
        "|---|---|" + "---:|" * len(sizes),
    ]
    labels = (("smollm2", "smollm2 (isabench's runtime)"), ("transformers", "transformers `generate`"))
    for system, label in labels:
        cells = [f"{paired[size]['tokens_per_s'][system]:,.1f}" for size in sizes]
        lines.append(f"| {label}, in turns | fp32 (dequantized) | " + " | ".join(cells) + " |")
    speedups = [f"{paired[size]['speedup']:.2f}×" for size in sizes]
    lines.append("| **smollm2 / transformers** (asked: ≥ 2×), identical tokens | | "
                 + " | ".join(speedups) + " |")  # fmt: skip
    for extra in llama:
        cells = [f"{extra['tokens_per_s']:,.1f}" if size == 1 else "–" for size in sizes]
        version = extra.get("llama_cpp_python") or "?"
        lines.append(f"| llama.cpp (llama-cpp-python {version}) | Q4_1 (the file) | "
                     + " | ".join(cells) + " |")  # fmt: skip
    lines.append(SMOL_END)
    return "\n".join(lines)


EVAL_START, EVAL_END = "<!-- builtin-eval:start -->", "<!-- builtin-eval:end -->"
EVAL_JSON = Path("src") / "isabench" / "lm" / "default" / "eval.json"


def render_eval(path: Path = EVAL_JSON) -> str:
    """The shipped model's per-task table and its standing against the targets, from the
    `isabench lm eval --out` file shipped beside it."""
    import json

    from ..lm.evaluate import EvalRow, markdown

    result = json.loads(path.read_text(encoding="utf-8"))
    rows = [EvalRow(**row) for row in result["rows"]]
    n = len(rows)
    mean = {key: sum(getattr(r, key) for r in rows) / n for key in ("trained", "heldout_templates", "beyond")}
    at_95 = [r.task for r in rows if r.trained >= 0.95]
    at_80 = [r for r in rows if r.trained >= 0.80]
    return "\n".join([
        EVAL_START,
        f"`{path}` ({result['items_per_cell']} items per size and cell, greedy, {result['device']}, "
        f"{result['dtype']}):",
        "",
        markdown(rows).rstrip("\n"),
        "",
        "**Against the targets** (≥ 95 % at trained sizes on 16 of 22 tasks, ≥ 80 % on every task, held-out "
        f"templates within 10 points): {len(at_95)} of {n} tasks reach 95 % "
        f"({', '.join(f'`{t}`' for t in at_95) or 'none'}) and {len(at_80)} reach 80 %; the held-out "
        f"templates are {(mean['trained'] - mean['heldout_templates']) * 100:.0f} points lower "
        f"({mean['heldout_templates']:.1%} against {mean['trained']:.1%}); beyond the training sizes it is "
        f"right {mean['beyond']:.1%} of the time.",
        EVAL_END,
    ])  # fmt: skip


PROMPTS_START, PROMPTS_END = "<!-- mode-prompts:start -->", "<!-- mode-prompts:end -->"
PROMPT_TASK, PROMPT_SIZE, PROGRAM_LINES = "parity", 4, 6


def render_prompts() -> str:
    """An example of each mode's prompt, built by the code a run uses (tasks/prompts.py) for item
    0 of parity at size 4 and the default seed; the program inside trace's prompt cut to its
    first lines here."""
    from ..harness.plan import DEFAULT_SEED
    from ..tasks import get_task
    from ..tasks.prompts import PromptOptions, compile_prompt, mode_item

    task = get_task(PROMPT_TASK)
    item = task.item(PROMPT_SIZE, DEFAULT_SEED, 0)
    program = task.program_source()
    kept = "".join(program.splitlines(keepends=True)[:PROGRAM_LINES])
    more = program.count("\n") - PROGRAM_LINES
    cut = f"{kept}        [... {more} more lines of {task.program_path.name} ...]\n"
    steps = PromptOptions(trace_steps=True, trace_k=4)
    prompts = [
        ("direct", "", mode_item(task, item, "direct", PromptOptions()).instruction),
        ("direct", ", few_shot = 2", mode_item(task, item, "direct", PromptOptions(few_shot=2)).instruction),
        ("trace", ", trace_steps = true, trace_k = 4",
         mode_item(task, item, "trace", steps).instruction.replace(program, cut)),
        ("compile", "", compile_prompt(task, PROMPT_SIZE, DEFAULT_SEED, PromptOptions())),
    ]  # fmt: skip
    lines = [PROMPTS_START]
    for mode, options, prompt in prompts:
        command = f"isabench tasks prompt {PROMPT_TASK} --mode {mode} --size {PROMPT_SIZE}"
        command += _prompt_flags(options)
        lines += ["", f"**{mode}**{options} (`{command}`):", "", "````text", prompt.rstrip("\n"), "````"]
    lines.append(PROMPTS_END)
    return "\n".join(lines)


def _prompt_flags(options: str) -> str:
    flags = {"few_shot = 2": " --few-shot 2", "trace_steps = true": " --trace-steps",
             "trace_k = 4": " --trace-k 4"}  # fmt: skip
    return "".join(flag for key, flag in flags.items() if key in options)


BLOCKS = {
    (START, END): render_block,
    (SPEED_START, SPEED_END): render_speed,
    (SERVE_START, SERVE_END): render_serve,
    (FUZZ_START, FUZZ_END): render_fuzz,
    (PROMPTS_START, PROMPTS_END): render_prompts,
    (DECODE_START, DECODE_END): render_decode,
    (SMOL_START, SMOL_END): render_smollm2_decode,
    (EVAL_START, EVAL_END): render_eval,
}


def update(readme: Path = Path("README.md")) -> bool:
    """Rewrite the generated blocks in the README; True if anything changed."""
    text = readme.read_text(encoding="utf-8")
    new = text
    for (start, end), render in BLOCKS.items():
        if start in new:
            new = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _, r=render: r(), new, flags=re.S)
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text


def current_block(readme: Path = Path("README.md"), start: str = START, end: str = END) -> str:
    text = readme.read_text(encoding="utf-8")
    return text[text.index(start) : text.index(end) + len(end)]


if __name__ == "__main__":
    print("README.md updated" if update() else "README.md already in sync", file=sys.stderr)
