"""The `isabench` command.

Errors a user can cause end in one line on stderr and a documented exit status:
  0-255  the RISC-V program's own exit status (`rv run`)
  2      bad command line
  125    the program trapped (memory fault, illegal instruction, step limit, ...)
  126    the assembly source has an error
  127    a file could not be read or written
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import __version__
from .rv.errors import AssemblyError
from .rv.machine import DEFAULT_MAX_STEPS, DEFAULT_MEMORY_SIZE

EXIT_TRAP = 125
EXIT_ASSEMBLY = 126
EXIT_FILE = 127


class CliError(Exception):
    """A failure to report in one line with an exit status."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse with its errors in one line (usage points at --help), status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _byte_size(text: str) -> int:
    """A size like 16777216, 0x1000000, 64K or 16M."""
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    try:
        if text[-1:].lower() in units:
            return int(text[:-1], 0) * units[text[-1].lower()]
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size in bytes: '{text}'") from None


def _assemble(path: str):
    from .rv.assembler import assemble_file

    try:
        return assemble_file(path)
    except FileNotFoundError:
        raise CliError(f"{path}: no such file", EXIT_FILE) from None
    except IsADirectoryError:
        raise CliError(f"{path}: is a directory, not an assembly file", EXIT_FILE) from None
    except OSError as err:
        raise CliError(f"{path}: cannot read: {err.strerror}", EXIT_FILE) from None
    except AssemblyError as err:
        raise CliError(str(err), EXIT_ASSEMBLY) from None


def _open_for_writing(path: str, what: str):
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as err:
        raise CliError(f"{path}: cannot write {what}: {err.strerror}", EXIT_FILE) from None


def _write_text(path: str, text: str, what: str) -> None:
    """Write a whole file; a failure on open, write or close (a full disk) is one CliError."""
    handle = _open_for_writing(path, what)
    try:
        with handle:
            handle.write(text)
    except OSError as err:
        raise CliError(f"{path}: cannot write {what}: {err.strerror or err}", EXIT_FILE) from None


def cmd_rv_run(args: argparse.Namespace) -> int:
    """Run a program on the register machine: stdin in, stdout out, its exit status back."""
    from .rv.machine import Limits, LimitsError
    from .rv.trace import TraceWriter

    program = _assemble(args.program)
    limits = Limits(max_steps=args.max_steps, memory_size=args.memory)
    stdin = sys.stdin.buffer.read() if not sys.stdin.closed else b""
    trace_file = writer = None
    if args.trace:
        fmt = args.trace_format or ("jsonl" if args.trace.endswith(".jsonl") else "text")
        trace_file = _open_for_writing(args.trace, "the trace")
        writer = TraceWriter(trace_file, fmt)
    executor = args.executor
    if writer is not None and executor != "ref":
        raise CliError(f"--trace needs --executor ref (the tracer is rv-ref's), not {executor}", 2)
    try:
        machine = _machine(executor, program, stdin, limits, writer)
    except LimitsError as err:
        raise CliError(str(err), 2) from None
    start = time.perf_counter()
    try:
        result = machine.run()
        wall_s = time.perf_counter() - start
        if writer is not None:
            writer.finish(result.trap)
            trace_file.close()
    except OSError as err:  # the trace is written as the program runs: a full disk, a closed pipe
        if writer is None:
            raise
        raise CliError(f"{args.trace}: cannot write the trace: {err.strerror or err}", EXIT_FILE) from None
    sys.stdout.buffer.write(result.output)
    sys.stdout.buffer.flush()
    sys.stderr.buffer.write(result.stderr)
    if args.stats_json:
        stats = result.stats(wall_s)
        stats.update(executor=EXECUTORS[executor], max_steps=limits.max_steps, memory_size=limits.memory_size)
        _write_text(args.stats_json, json.dumps(stats, indent=2) + "\n", "the stats")
    if result.trap is not None:
        raise CliError(str(result.trap), EXIT_TRAP)
    return result.exit_code if result.exit_code is not None else EXIT_TRAP


EXECUTORS = {"ref": "rv-ref", "fast": "rv-fast", "fast-python": "rv-fast (python)",
             "fast-numba": "rv-fast (numba)", "batch": "rv-batch (torch, cpu, one lane)"}  # fmt: skip


class _OneLane:
    """rv-batch with a single lane, behind the .run() of the other executors."""

    def __init__(self, program, stdin: bytes, limits):
        limits.check(program)
        self.args = (program, [stdin], limits)

    def run(self):
        from .rv.batch import run_batch

        return run_batch(*self.args)[0]


def _machine(executor: str, program, stdin: bytes, limits, tracer):
    """An object with .run() -> RunResult for the chosen executor."""
    if executor == "ref":
        from .rv.ref import ReferenceMachine

        return ReferenceMachine(program, stdin, limits, tracer=tracer)
    if executor == "batch":
        return _OneLane(program, stdin, limits)
    from .rv.fast import FastMachine

    path = {"fast": "auto", "fast-python": "python", "fast-numba": "numba"}[executor]
    try:
        return FastMachine(program, stdin, limits, path)
    except ValueError as err:
        raise CliError(str(err), 2) from None


def cmd_rv_asm(args: argparse.Namespace) -> int:
    """Print the expanded listing: address, word, real instruction, source line."""
    program = _assemble(args.program)
    out = sys.stdout
    for row in program.listing:
        out.write(
            f"{row.address:08x}  {row.word:08x}  {row.text:<30} {row.source.line:>5}: {row.source.text}\n"
        )
    if args.symbols:
        for name, address in sorted(program.symbols.items(), key=lambda kv: kv[1]):
            out.write(f"{address:08x}  {name}\n")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The machine's samples (and qemu when installed), then both sides on battery items."""
    from . import demo

    return demo.main(sys.stdout)


def _task(name: str):
    from .tasks import TaskError, get_task

    try:
        return get_task(name)
    except TaskError as err:
        raise CliError(str(err), 2) from None


def _print_json(value) -> None:
    json.dump(value, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _task_summary(task) -> dict:
    return {"name": task.name, "category": task.category, "description": task.description,
            "size": task.size_meaning, "sizes": list(task.sizes),
            "max_size": task.max_size}  # fmt: skip


def cmd_tasks_list(args: argparse.Namespace) -> int:
    """Every task: name, category, default sizes, description."""
    from .tasks import TASKS

    if args.json:
        _print_json([_task_summary(task) for task in TASKS.values()])
        return 0
    print(f"{'task':<15} {'category':<14} {'sizes':<26} description")
    for task in TASKS.values():
        sizes = ",".join(map(str, task.sizes))
        print(f"{task.name:<15} {task.category:<14} {sizes:<26} {task.description}")
    return 0


def cmd_tasks_show(args: argparse.Namespace) -> int:
    """Formats, size, templates (held-out marked) and an example of one task."""
    task = _task(args.name)
    example = task.item(task.sizes[min(2, len(task.sizes) - 1)], seed=0, index=0)
    print(f"{task.name} ({task.category}): {task.description}")
    print(f"  size:    {task.size_meaning}; default sweep {', '.join(map(str, task.sizes))}; "
          f"allowed {task.min_size}..{task.max_size}")  # fmt: skip
    print(f"  input:   {task.input_format}")
    print(f"  output:  {task.output_format}")
    print(f"  edge cases generated on purpose: {task.edge_cases}")
    print(f"  program: {task.program_path.name} ({task.program_limits})")
    print("  templates:")
    for i, template in enumerate(task.templates):
        mark = "held-out" if i >= len(task.train_templates) else "train   "
        print(f"    [{i}] {mark} {template!r}")
    print(f"  example (size {example.size}): input {example.input!r} -> output {example.expected!r}")
    return 0


def cmd_tasks_sample(args: argparse.Namespace) -> int:
    """Items of one task: input, expected output and the instruction used."""
    from .tasks import TaskError

    task = _task(args.name)
    _at_least_one(args.count, "--count")
    try:
        items = task.items(args.size, args.count, args.seed, heldout=args.heldout)
    except TaskError as err:
        raise CliError(str(err), 2) from None
    if args.json:
        _print_json([item.as_dict() for item in items])
        return 0
    for item in items:
        print(f"#{item.index} input {item.input!r} expected {item.expected!r}")
        print("   instruction: " + item.instruction.replace("\n", "\n                "))
    return 0


def cmd_tasks_program(args: argparse.Namespace) -> int:
    """Print a task's RISC-V program."""
    sys.stdout.write(_task(args.name).program_source())
    return 0


def cmd_tasks_prompt(args: argparse.Namespace) -> int:
    """The exact prompt a model gets for one item in one mode (for compile: once per task)."""
    from .harness.plan import MODES
    from .tasks import TaskError
    from .tasks.prompts import PromptError, PromptOptions, compile_prompt, mode_item

    task = _task(args.name)
    if args.mode not in MODES:
        raise CliError(f"unknown mode '{args.mode}' (known: {', '.join(MODES)})", 2)
    _at_least_one(args.trace_k, "--trace-k")
    try:
        options = PromptOptions.pop_from(
            {"few_shot": args.few_shot, "trace_steps": args.trace_steps, "trace_k": args.trace_k},
            "tasks prompt",
        )
        if args.mode == "compile":
            task.check_size(args.size)
            prompt = compile_prompt(task, args.size, args.seed, options, args.heldout, args.memory_size)
        else:
            item = task.item(args.size, args.seed, args.index, heldout=args.heldout)
            prompt = mode_item(task, item, args.mode, options, args.memory_size).instruction
    except (TaskError, PromptError) as err:
        raise CliError(str(err), 2) from None
    sys.stdout.write(prompt if prompt.endswith("\n") else prompt + "\n")
    return 0


def cmd_tasks_check(args: argparse.Namespace) -> int:
    """Run programs against references at every default size; report pass/fail and counts."""
    from .tasks import TASKS
    from .tasks.check import check_task

    tasks = [_task(name) for name in args.names] if args.names else list(TASKS.values())
    _at_least_one(args.count, "--count")
    rows, failed = [], 0
    for task in tasks:
        reports = check_task(task, args.count, args.seed)
        for report in reports:
            row = report.as_dict()
            rows.append(row)
            failed += row["failed"]
            if not args.json:
                status = "ok  " if not row["failed"] else "FAIL"
                print(
                    f"{status} {task.name:<15} size {row['size']:>4}  "
                    f"{row['passed']:>3}/{row['items']:<3} "
                    f"retired instructions mean {row['retired_mean']:>12,.1f}  "
                    f"min {row['retired_min']:>10,}  max {row['retired_max']:>10,}",
                    flush=True,
                )
                for failure in row["failures"][:3]:
                    print(f"     input {failure['input']!r} expected {failure['expected']!r} "
                          f"got {failure['output']!r} {failure['trap'] or ''}")  # fmt: skip
    if args.json:
        _print_json(rows)
    else:
        print(f"{len(rows) - sum(1 for r in rows if r['failed'])}/{len(rows)} task sizes pass")
    return 1 if failed else 0


def _check_threads(threads: str) -> None:
    if threads != "auto" and not (threads.isdigit() and int(threads) >= 1):
        raise CliError(f"--threads takes a positive number or 'auto', got '{threads}'", 2)


def _at_least_one(value: int, flag: str) -> None:
    if value < 1:
        raise CliError(f"{flag} must be at least 1, got {value}", 2)


def _runtime(args: argparse.Namespace):
    """The lm-builtin runtime for --checkpoint/--device/--dtype/--threads, errors as CliError."""
    from .lm.checkpoint import CheckpointError
    from .lm.generate import DeviceError, Runtime, choose_threads
    from .lm.paths import DEFAULT_CHECKPOINT

    _check_threads(args.threads)
    try:
        runtime = Runtime.from_checkpoint(args.checkpoint or DEFAULT_CHECKPOINT, args.device,
                                          args.dtype)  # fmt: skip
    except (CheckpointError, DeviceError) as err:
        raise CliError(str(err), 2) from None
    if args.device == "cpu":
        if args.threads == "auto":
            runtime.set_threads(choose_threads(runtime.model))
        else:
            runtime.set_threads(int(args.threads))
    return runtime


def cmd_train(args: argparse.Namespace) -> int:
    """Instruction-tune lm-builtin from a TOML config."""
    from .lm.checkpoint import CheckpointError
    from .lm.generate import DeviceError, resolve_device
    from .lm.train import TrainConfig, TrainConfigError, train

    try:
        config = TrainConfig.from_toml(args.config)
        resolve_device(args.device, "fp32")
        out = args.out or str(Path("checkpoints") / Path(args.config).stem)
        summary = train(
            config,
            out,
            args.config,
            resume=args.resume,
            device=args.device,
            progress=not args.no_progress,
            log=lambda m: print(m, file=sys.stderr),
        )
    except (TrainConfigError, CheckpointError, DeviceError) as err:
        raise CliError(str(err), 2) from None
    print(f"trained {summary['steps_done']} steps in {summary['train_seconds']:.0f} s "
          f"({summary['tokens_per_second']:,.0f} tokens/s) -> {out}")  # fmt: skip
    return 0


def cmd_lm_eval(args: argparse.Namespace) -> int:
    """Per-task exact match: trained sizes and templates, held-out templates, beyond training."""
    from .lm.data import DataConfig
    from .lm.evaluate import evaluate, markdown
    from .lm.paths import DEFAULT_CHECKPOINT

    _at_least_one(args.items, "--items")
    runtime = _runtime(args)
    data = DataConfig.of_checkpoint(args.checkpoint or DEFAULT_CHECKPOINT)
    if args.tasks:
        data = DataConfig(seed=data.seed, tasks=tuple(args.tasks),
                          trained_size_count=data.trained_size_count)  # fmt: skip
        try:
            data.task_list()
        except ValueError as err:
            raise CliError(str(err), 2) from None

    def progress(row):
        if not args.json:
            print(
                f"  {row.task:<15} trained {row.trained:6.1%} (flexible {row.trained_flexible:6.1%})  "
                f"held-out templates "
                f"{row.heldout_templates:6.1%}  beyond {row.beyond:6.1%}",
                file=sys.stderr,
            )

    rows = evaluate(runtime, data, args.items, progress)
    result = {"checkpoint": str(args.checkpoint or DEFAULT_CHECKPOINT), "device": args.device,
              "dtype": args.dtype, "threads": runtime.threads, "items_per_cell": args.items,
              "rows": [row.as_dict() for row in rows]}  # fmt: skip
    if args.out:
        _write_text(args.out, json.dumps(result, indent=2), "the evaluation")
    if args.json:
        _print_json(result)
    else:
        sys.stdout.write(markdown(rows))
    return 0


def cmd_lm_generate(args: argparse.Namespace) -> int:
    """Answer one prompt with lm-builtin."""
    _at_least_one(args.max_new_tokens, "--max-new-tokens")
    runtime = _runtime(args)
    generation = runtime.generate([args.prompt], max_new_tokens=args.max_new_tokens)[0]
    if args.json:
        record = {k: v for k, v in generation.__dict__.items() if k != "batch"}
        record.update(tpot_s=generation.tpot_s, threads=runtime.threads, device=args.device)
        _print_json(record)
    else:
        print(generation.text)
    return 0


def cmd_lm_export_hf(args: argparse.Namespace) -> int:
    """Write a Hugging Face folder (weights, config, tokenizer, chat template)."""
    from .lm.checkpoint import CheckpointError
    from .lm.hf import export_hf

    try:
        out = export_hf(args.checkpoint, args.out)
    except CheckpointError as err:
        raise CliError(str(err), 2) from None
    print(f"exported {args.checkpoint} -> {out}")
    return 0


def cmd_lm_export_gguf(args: argparse.Namespace) -> int:
    """Write one GGUF file (llama architecture, f32) for llama.cpp and its servers."""
    from .lm.checkpoint import CheckpointError
    from .lm.gguf import GGUFExportError, export_gguf

    try:
        out = export_gguf(args.checkpoint, args.out)
    except (CheckpointError, GGUFExportError) as err:
        raise CliError(str(err), 2) from None
    print(f"exported {args.checkpoint} -> {out}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve lm-builtin over an OpenAI-compatible HTTP API until SIGINT or SIGTERM."""
    try:
        from .lm.backends.serve import ServeError, serve
    except ImportError as err:
        raise CliError(f"serve needs FastAPI and uvicorn (pip install 'isabench[serve]'): {err}", 2) from None
    if not 0 <= args.port <= 65535:
        raise CliError(f"--port must be 0..65535, got {args.port}", 2)
    if args.max_batch < 1:
        raise CliError(f"--max-batch must be at least 1, got {args.max_batch}", 2)
    _check_threads(args.threads)
    if not args.model_name:
        raise CliError("--model-name must not be empty", 2)
    runtime = _runtime(args)
    runtime.generate(["warm-up"], max_new_tokens=2)

    def ready(base_url: str) -> None:
        line = (f"isabench serve: {args.model_name} on {base_url} (device {args.device}, "
                f"{runtime.threads} threads, batches up to {args.max_batch})")  # fmt: skip
        print(line, file=sys.stderr, flush=True)

    try:
        serve(runtime, args.host, args.port, args.model_name, args.max_batch, ready)
    except ServeError as err:
        raise CliError(str(err), 2) from None
    return 0


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _plan_overrides(args: argparse.Namespace) -> dict:
    overrides = {
        "systems": _names(args.systems) if args.systems else None,
        "devices": _names(args.devices) if args.devices else None,
        "tasks": _names(args.tasks) if args.tasks else None,
        "items": args.items, "seed": args.seed, "baseline": args.baseline,
        "heldout": True if args.heldout else None,
        "modes": _names(args.modes) if args.modes else None,
    }  # fmt: skip
    if args.sizes:
        try:
            sizes = tuple(int(v) for v in _names(args.sizes))
        except ValueError:
            raise CliError(f"--sizes takes integers separated by commas, got '{args.sizes}'", 2) from None
        overrides["sizes_all"] = sizes
    return overrides


def cmd_run(args: argparse.Namespace) -> int:
    """Run a plan (profile, plan file, flags) or resume one; write manifest, records, summary."""
    from .harness.plan import PlanError, build_plan, parse_shard
    from .harness.records import RunDirError

    progress = not args.no_progress
    try:
        if args.resume:
            given = [f for f in ("profile", "plan", "systems", "devices", "tasks", "sizes", "items", "seed",
                                 "shard", "out", "modes") if getattr(args, f)]  # fmt: skip
            if given or args.heldout or args.baseline:
                raise CliError("--resume continues the run as planned; drop the other plan options", 2)
            _check_run_dirs([args.resume])
            from .harness.runner import Runner

            runner = Runner.resume(args.resume, progress=progress)
        else:
            overrides = _plan_overrides(args)
            sizes_all = overrides.pop("sizes_all", None)
            profile = args.profile or (None if args.plan else "quick")
            plan = build_plan(profile, args.plan, overrides)
            if sizes_all is not None:
                plan = build_plan(profile, args.plan,
                                  {**overrides, "sizes": {t: sizes_all for t in plan.tasks}})  # fmt: skip
            shard = parse_shard(args.shard) if args.shard else None
            from .harness.runner import Runner

            out = args.out or str(Path("results") / _run_id(plan, shard))
            runner = Runner.start(plan, out, shard, progress=progress)
        runner.run()
    except PlanError as err:
        raise CliError(str(err), 2) from None
    except RunDirError as err:
        raise CliError(str(err), EXIT_FILE) from None
    return 0


def _check_run_dirs(run_dirs: list[str]) -> None:
    """Read each run folder's manifest and records before the heavy imports, so that a missing or
    damaged folder is reported at once (RunDirError); reading changes nothing."""
    from .harness.records import read_manifest, read_records

    for run_dir in run_dirs:
        read_manifest(run_dir)
        read_records(run_dir)


def _run_id(plan, shard) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = plan.profile or "plan"
    suffix = f"-shard{shard[0]}of{shard[1]}" if shard else ""
    return f"{name}-{'+'.join(plan.devices)}-{stamp}{suffix}"


def cmd_merge(args: argparse.Namespace) -> int:
    """Combine shards of one plan into one run folder."""
    from .harness.records import RunDirError

    try:
        _check_run_dirs(args.run_dirs)
        from .harness.runner import merge
        from .harness.summary import compact_table

        rows = merge(args.run_dirs, args.out)
    except RunDirError as err:
        raise CliError(str(err), EXIT_FILE) from None
    print(compact_table(rows))
    print(f"wrote {args.out}/manifest.json, records.jsonl, summary.csv", file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Tables, plots, REPORT.md and report.html from run folders (and benchmark JSON)."""
    from .harness.records import RunDirError

    if not args.run_dirs and not args.benchmark_json:
        raise CliError("nothing to report: give at least one run folder or --benchmark-json file", 2)
    try:
        _check_run_dirs(args.run_dirs)
    except RunDirError as err:
        raise CliError(str(err), EXIT_FILE) from None
    from .report.build import make_report
    from .report.data import ReportError

    try:
        written = make_report(args.run_dirs, args.out, args.benchmark_json)
    except (RunDirError, ReportError) as err:
        raise CliError(str(err), EXIT_FILE) from None
    except OSError as err:
        raise CliError(f"{args.out}: cannot write the report: {err.strerror}", EXIT_FILE) from None
    for sentence in written["headline"]:
        print(sentence)
    print(f"wrote {written['report_md']}, {written['report_html']}, {len(written['plots'])} plots "
          f"(PNG and SVG), {len(written['tables'])} tables", file=sys.stderr)  # fmt: skip
    if args.browser_check:
        return _browser_check(Path(written["report_html"]))
    return 0


EXECUTOR_BENCHMARKS = ("benchmarks/test_rv_speed.py", "benchmarks/test_rv_batch.py")


def _executor_benchmarks(out: Path) -> list[Path] | None:
    """Run the executor-speed benchmarks (rv-ref, rv-fast, rv-batch vs batch size, qemu) into
    out/benchmarks/rv-speed.json for the report; skipped with a note outside a source checkout;
    None when they failed (the run's results stand; the command then exits 1)."""
    import subprocess

    if not all(Path(p).exists() for p in EXECUTOR_BENCHMARKS):
        print("(no benchmarks/ folder here: executor-speed benchmarks skipped)", file=sys.stderr)
        return []
    path = out / "benchmarks" / "rv-speed.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"running the executor-speed benchmarks into {path}", file=sys.stderr)
    command = [sys.executable, "-m", "pytest", *EXECUTOR_BENCHMARKS, "-q", "-p", "no:cacheprovider"]
    done = subprocess.run([*command, f"--benchmark-json={path}"], capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or ["(no output)"]
        print(f"isabench: executor-speed benchmarks failed ({tail[0]}); the report has no throughput plot",
              file=sys.stderr)  # fmt: skip
        return None
    return [path]


def _browser_check(page: Path) -> int:
    from .report.browser import BrowserError, check_page

    try:
        check = check_page(page, page.parent / "screenshot.png")
    except BrowserError as err:
        raise CliError(f"browser check: {err}", 1) from None
    print(f"browser check of {page}: {check.describe()}; screenshot {check.screenshot}", file=sys.stderr)
    return 0 if check.ok else 1


def cmd_reproduce(args: argparse.Namespace) -> int:
    """Run a profile into results/<profile>-<device>/ and build its report: the comparison, end to end."""
    import shutil

    from .harness.plan import PlanError, build_plan
    from .harness.records import RunDirError, read_manifest
    from .harness.runner import Runner
    from .report.browser import find_browser
    from .report.build import make_report

    devices = ["cpu"] if args.device == "cpu" else ["cpu", "cuda"]
    try:
        plan = build_plan(args.profile, None, {"devices": devices})
    except PlanError as err:
        raise CliError(str(err), 2) from None
    out = Path(args.out or Path("results") / f"{args.profile}-{args.device}")
    partial = out.with_name(out.name + ".partial")
    started = time.perf_counter()
    try:
        if partial.exists() and (partial / "manifest.json").exists():
            if read_manifest(partial).get("plan_digest") != plan.digest:
                raise CliError(f"{partial}: an unfinished run of a different plan; remove it first", 2)
            print(f"resuming the unfinished run in {partial}", file=sys.stderr)
            runner = Runner.resume(partial, progress=not args.no_progress)
        else:
            runner = Runner.start(plan, partial, progress=not args.no_progress, run_id=out.name)
        runner.run()
    except PlanError as err:
        raise CliError(str(err), 2) from None
    except RunDirError as err:
        raise CliError(str(err), EXIT_FILE) from None
    # benchmarks before the swap: results/ stays as committed while they record the git state
    measured = [] if args.no_benchmarks else _executor_benchmarks(partial)
    if out.exists():
        shutil.rmtree(out)
    partial.rename(out)
    benchmark_json = [out / path.relative_to(partial) for path in measured or []]
    written = make_report([out], out / "report", benchmark_json)
    for sentence in written["headline"]:
        print(sentence)
    print(f"reproduced {out} in {time.perf_counter() - started:.0f} s: {written['report_md']}, "
          f"{written['report_html']}", file=sys.stderr)  # fmt: skip
    status = 1 if measured is None else 0
    if find_browser() is None:
        print("(no Chromium here: browser check of report.html skipped)", file=sys.stderr)
        return status
    return _browser_check(Path(written["report_html"])) or status


def _add_runtime_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", help="checkpoint folder (default: the shipped model)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument(
        "--dtype", default="fp32", choices=("fp32", "bf16", "fp16"), help="fp32 on CPU; bf16 or fp16 on CUDA"
    )
    parser.add_argument(
        "--threads", default="auto", help="torch CPU threads, or 'auto' to measure and pick the fastest"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="isabench",
        description="Finite vs 'infinite' instruction sets: a RISC-V register machine and "
        "language models on the same tasks, measured.",
    )
    parser.add_argument("--version", action="version", version=f"isabench {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    rv = commands.add_parser("rv", help="the RISC-V (RV32IM) register machine")
    rv_commands = rv.add_subparsers(dest="rv_command", required=True)
    run = rv_commands.add_parser(
        "run",
        help="run a program: stdin in, stdout out, exit with its status",
        description="Assemble PROGRAM.s and run it on rv-ref. The program's stdin is this "
        "process's stdin (read to end of file first); its output bytes go to stdout unchanged; "
        "the process exits with the program's exit status, 125 on a trap, 126 on an "
        "assembly error, 127 when a file cannot be read.",
    )
    run.add_argument("program", help="RISC-V assembly source (GNU as syntax)")
    run.add_argument(
        "--max-steps",
        type=int,
        default=DEFAULT_MAX_STEPS,
        metavar="N",
        help="step limit: trap after N retired instructions (default %(default)s)",
    )
    run.add_argument(
        "--memory",
        type=_byte_size,
        default=DEFAULT_MEMORY_SIZE,
        metavar="BYTES",
        help="address-space size; the stack starts at its top (default 16M)",
    )
    run.add_argument(
        "--executor",
        default="ref",
        choices=tuple(EXECUTORS),
        help="ref (rv-ref, default; the only one with --trace), fast (rv-fast: numba if installed, "
        "else guest code compiled to Python), fast-python, fast-numba, batch (rv-batch, one lane)",
    )
    run.add_argument(
        "--stats-json",
        metavar="PATH",
        help="write retired instructions, exit code, trap and wall time as JSON",
    )
    run.add_argument("--trace", metavar="PATH", help="write a per-instruction trace")
    run.add_argument(
        "--trace-format",
        choices=("jsonl", "text"),
        help="trace format (default: jsonl for *.jsonl paths, else text)",
    )
    run.set_defaults(func=cmd_rv_run)

    asm = rv_commands.add_parser("asm", help="print the expanded listing of a program")
    asm.add_argument("program", help="RISC-V assembly source (GNU as syntax)")
    asm.add_argument("--symbols", action="store_true", help="also print label addresses")
    asm.set_defaults(func=cmd_rv_asm)

    tasks = commands.add_parser("tasks", help="the task battery")
    task_commands = tasks.add_subparsers(dest="tasks_command", required=True)
    listing = task_commands.add_parser("list", help="name, category, sizes, description")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_tasks_list)
    show = task_commands.add_parser("show", help="formats, templates and an example of a task")
    show.add_argument("name")
    show.set_defaults(func=cmd_tasks_show)
    sample = task_commands.add_parser("sample", help="items with input, expected output, instruction")
    sample.add_argument("name")
    sample.add_argument("--size", type=int, required=True)
    sample.add_argument("--count", type=int, default=5)
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--heldout", action="store_true", help="use the held-out templates")
    sample.add_argument("--json", action="store_true")
    sample.set_defaults(func=cmd_tasks_sample)
    program = task_commands.add_parser("program", help="print a task's RISC-V program")
    program.add_argument("name")
    program.set_defaults(func=cmd_tasks_program)
    from .harness.plan import DEFAULT_SEED

    prompt = task_commands.add_parser(
        "prompt", help="print the exact prompt a model gets in a mode",
        description="Prints what a model system is asked for one item (direct, trace) or, in compile "
        "mode, once per task (examples drawn at --size). Templates live in "
        "src/isabench/tasks/prompts.toml.",
    )  # fmt: skip
    prompt.add_argument("name")
    prompt.add_argument("--mode", default="direct", help="direct (default), trace or compile")
    prompt.add_argument("--size", type=int, required=True)
    prompt.add_argument("--index", type=int, default=0, help="the item (default 0)")
    prompt.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"item seed (default {DEFAULT_SEED}, a run's default)")
    prompt.add_argument("--heldout", action="store_true", help="the held-out templates")
    prompt.add_argument("--few-shot", type=int, default=0, metavar="N", help="N solved examples first")
    prompt.add_argument("--trace-steps", action="store_true", help="trace: ask for the first K instructions")
    prompt.add_argument("--trace-k", type=int, default=16, metavar="K",
                        help="trace steps asked for (default 16)")  # fmt: skip
    prompt.add_argument("--memory-size", type=int, default=1 << 20, help=argparse.SUPPRESS)
    prompt.set_defaults(func=cmd_tasks_prompt)
    check = task_commands.add_parser(
        "check", help="run every program against its reference at every default size",
        description="Runs each task's RISC-V program on rv-ref over COUNT items at every default "
        "size and compares its output bytes with the Python reference. Exits 1 if any fails.",
    )  # fmt: skip
    check.add_argument("names", nargs="*", metavar="NAME", help="tasks to check (default: all)")
    check.add_argument("--count", type=int, default=20, help="items per size (default 20)")
    check.add_argument("--seed", type=int, default=0)
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=cmd_tasks_check)

    train_parser = commands.add_parser("train", help="instruction-tune lm-builtin on the battery")
    train_parser.add_argument("--config", required=True, help="training config (TOML)")
    train_parser.add_argument("--out", help="checkpoint folder (default: checkpoints/<config name>)")
    train_parser.add_argument("--resume", action="store_true", help="continue from --out")
    train_parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    train_parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    train_parser.set_defaults(func=cmd_train)

    lm = commands.add_parser("lm", help="the built-in language model (lm-builtin)")
    lm_commands = lm.add_subparsers(dest="lm_command", required=True)
    evaluate = lm_commands.add_parser("eval", help="per-task exact-match table")
    _add_runtime_options(evaluate)
    evaluate.add_argument("--items", type=int, default=20, help="items per size (default 20)")
    evaluate.add_argument("--tasks", nargs="*", help="only these tasks")
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--out", help="also write the result as JSON here")
    evaluate.set_defaults(func=cmd_lm_eval)
    generate = lm_commands.add_parser("generate", help="answer a prompt")
    generate.add_argument("prompt")
    _add_runtime_options(generate)
    generate.add_argument("--max-new-tokens", type=int, default=128)
    generate.add_argument("--json", action="store_true", help="answer with its measurements")
    generate.set_defaults(func=cmd_lm_generate)
    export = lm_commands.add_parser("export-hf", help="export a checkpoint for transformers")
    export.add_argument("checkpoint")
    export.add_argument("out")
    export.set_defaults(func=cmd_lm_export_hf)
    export_gguf = lm_commands.add_parser("export-gguf", help="export a checkpoint as a GGUF file (llama.cpp)")
    export_gguf.add_argument("checkpoint")
    export_gguf.add_argument("out", metavar="out_file")
    export_gguf.set_defaults(func=cmd_lm_export_gguf)

    serve_parser = commands.add_parser(
        "serve", help="serve lm-builtin over an OpenAI-compatible HTTP API",
        description="Serve lm-builtin at http://HOST:PORT/v1: /v1/models, /v1/completions and "
        "/v1/chat/completions (streamed or not; greedy decoding only), /health. Concurrent requests "
        "are decoded together in batches of up to --max-batch. Runs until SIGINT or SIGTERM.",
    )  # fmt: skip
    serve_parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve_parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free one)")
    serve_parser.add_argument("--model-name", default="lm-builtin", help="the model id clients ask for")
    serve_parser.add_argument("--max-batch", type=int, default=64, help="rows decoded together at most")
    _add_runtime_options(serve_parser)
    serve_parser.set_defaults(func=cmd_serve)

    run_parser = commands.add_parser(
        "run", help="the comparison: both sides over the battery, measured and recorded",
        description="Run a plan: systems x devices x tasks x sizes x items. Start from a profile "
        "(--profile, default quick) or a TOML plan (--plan); flags override both. Writes "
        "manifest.json, records.jsonl (one line per item, flushed as produced) and summary.csv "
        "into --out (default results/<run-id>).",
    )  # fmt: skip
    run_parser.add_argument("--profile", help="quick (default) or full")
    run_parser.add_argument("--plan", help="a TOML plan file")
    run_parser.add_argument(
        "--systems",
        help="comma-separated: rv-fast, rv-ref, rv-batch, qemu, lm-builtin, hf:FOLDER-OR-HUB-ID, "
        "openai:BASE-URL[#MODEL], empty",
    )
    run_parser.add_argument("--devices", help="comma-separated: cpu, cuda")
    run_parser.add_argument("--tasks", help="comma-separated task names (default: all)")
    run_parser.add_argument("--sizes", help="comma-separated sizes for every task")
    run_parser.add_argument("--items", type=int, help="items per cell")
    run_parser.add_argument("--seed", type=int, help="item seed")
    run_parser.add_argument("--heldout", action="store_true", help="give models the held-out templates")
    run_parser.add_argument("--modes", help="comma-separated model modes: direct (default), trace, compile")
    run_parser.add_argument("--baseline", help="the system ratios are taken against")
    run_parser.add_argument("--out", help="run folder (default results/<run-id>)")
    run_parser.add_argument("--resume", metavar="RUN_DIR", help="continue an interrupted run")
    run_parser.add_argument("--shard", metavar="I/N", help="run only the I-th of N deterministic slices")
    run_parser.add_argument("--no-progress", action="store_true", help="print nothing while running")
    run_parser.set_defaults(func=cmd_run)

    merge_parser = commands.add_parser("merge", help="combine shards of one plan into one run folder")
    merge_parser.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
    merge_parser.add_argument("--out", required=True, help="the merged run folder")
    merge_parser.set_defaults(func=cmd_merge)

    report = commands.add_parser("report", help="tables, plots and a report from run folders")
    report.add_argument("run_dirs", nargs="*", metavar="RUN_DIR",
                        help="run folders (shards, devices) to combine")
    report.add_argument("--benchmark-json", nargs="*", default=[], metavar="PATH",
                        help="pytest-benchmark JSON files to include")
    report.add_argument("--out", required=True, help="the report folder")
    report.add_argument("--browser-check", action="store_true",
                        help="open report.html in headless Chromium, check it and save screenshot.png")
    report.set_defaults(func=cmd_report)

    reproduce = commands.add_parser(
        "reproduce", help="run a profile and build its report, end to end",
        description="Runs the profile into results/<profile>-<device> (through a .partial folder that "
        "a rerun resumes), replaces the previous results there, writes the report into its report/ "
        "folder and, where Chromium is installed, checks report.html in it.",
    )  # fmt: skip
    reproduce.add_argument("--profile", default="quick", choices=("quick", "full"))
    reproduce.add_argument("--device", default="cpu", choices=("cpu", "cuda"),
                           help="cuda: models also on the GPU (machines stay on the CPU)")
    reproduce.add_argument("--out", help="the results folder (default results/<profile>-<device>)")
    reproduce.add_argument("--no-progress", action="store_true")
    reproduce.add_argument("--no-benchmarks", action="store_true",
                           help="skip the executor-speed benchmarks (about a minute on 2 cores)")
    reproduce.set_defaults(func=cmd_reproduce)

    demo = commands.add_parser("demo", help="the machine's samples, then both sides on battery items")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CliError as err:
        sys.stdout.flush()
        print(f"isabench: {err}" if err.status != EXIT_TRAP else str(err), file=sys.stderr)
        return err.status
    except KeyboardInterrupt:
        print("isabench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
