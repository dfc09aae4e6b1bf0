"""`isabench run`: every planned item through its system, measured the same way, recorded at once.

One code path times every system: `measure_chunk` wraps a system's `run()` call for one item
(or one batch) with the clock, CPU time, the RSS sampler, the device peak and the energy
counter. Each item's record is appended and flushed before the next call starts, so a killed
run loses at most the call in flight and `--resume` picks up exactly the missing items.
"""

from __future__ import annotations

import gc
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from ..tasks import Item, Task, get_task
from ..tasks.prompts import mode_item, templates_digest
from .measure import ItemTimeout, RssSampler, deadline, energy_meter, environment, now_iso
from .plan import Cell, Plan, PlanError, shard_cells
from .records import (
    COMPILE_SUMMARY,
    COMPILES,
    RecordWriter,
    RunDirError,
    compile_key,
    manifest_plan,
    may_pass,
    read_compiles,
    read_manifest,
    read_records,
    record_key,
    set_aside_retryable,
    write_manifest,
)
from .summary import compact_table, percentile, summarize, write_summary
from .systems import EmptySystem, Outcome, System, SystemUnavailable, make_system

RECORD_FORMAT = 1
OVERHEAD_ITEMS = 200
COMPILE_TIMEOUTS = 10  # a program's generation may take this many item timeouts


@dataclass
class Measured:
    """One timed call: its outcomes and what the harness measured around it."""

    outcomes: list[Outcome]
    wall_s: float
    cpu_s: float
    peak_rss_bytes: int
    peak_device_bytes: int | None
    energy_j: float | None
    error: dict | None

    @classmethod
    def failed(cls, error: dict, count: int) -> Measured:
        """A call that never ran (a failed prepare, a program that could not be written): every
        item carries `error`, nothing was measured."""
        return cls([Outcome(output="", error=error) for _ in range(count)], 0.0, 0.0, 0, None, None, error)


def _device_reset(device: str) -> None:
    if device == "cuda":
        import torch

        torch.cuda.reset_peak_memory_stats()


def _device_peak(device: str) -> int | None:
    if device == "cuda":
        import torch

        return int(torch.cuda.max_memory_allocated())
    return None


def _is_oom(err: BaseException) -> bool:
    if isinstance(err, MemoryError):
        return True
    try:
        import torch

        return isinstance(err, torch.OutOfMemoryError)
    except (ImportError, AttributeError):
        return False


def measure_chunk(
    system: System, task: Task, items: list[Item], sampler: RssSampler, meter, timeout_s: float
) -> Measured:
    """Time one call of system.run(task, items); never raises for the system's own failures."""
    error = None
    outcomes: list[Outcome] = []
    system.sync()
    _device_reset(system.device)
    energy_before = meter.read() if meter is not None else None
    sampler.start_window()
    gc.disable()  # as timeit does: a collection owed by earlier work runs after the clock stops
    cpu_start = time.process_time()
    start = time.perf_counter_ns()
    try:
        with deadline(timeout_s * len(items)):
            outcomes = system.run(task, items)
            system.sync()
    except ItemTimeout as err:
        error = {"kind": "timeout", "message": str(err)}
    except Exception as err:  # a system's failure becomes the items' error records
        kind = "oom" if _is_oom(err) else "exception"
        error = {"kind": kind, "message": f"{type(err).__name__}: {err}".splitlines()[0][:500]}
    finally:
        wall = (time.perf_counter_ns() - start) / 1e9
        cpu = time.process_time() - cpu_start
        gc.enable()
    peak = sampler.end_window()
    energy = meter.joules(energy_before, meter.read()) if meter is not None else None
    device_peak = _device_peak(system.device)
    if error is None and len(outcomes) != len(items):
        error = {
            "kind": "exception",
            "message": f"{system.name} answered {len(outcomes)} of {len(items)} items",
        }
    if error is None:
        try:
            system.account(task, items, outcomes)
        except Exception as err:
            error = {"kind": "exception", "message": f"accounting: {type(err).__name__}: {err}"[:500]}
    if error is not None:
        if error["kind"] == "oom" and system.device == "cuda":
            import torch

            torch.cuda.empty_cache()
        outcomes = [Outcome(output="", error=error) for _ in items]
    return Measured(outcomes, wall, cpu, peak, device_peak, energy, error)


def make_records(
    run_id: str, system: System, task: Task, items: list[Item], measured: Measured, energy_source: str | None,
    mode: str | None = None,
) -> list[dict]:
    """Per-item records: shared costs (wall, CPU, energy) are the call's divided by its size.
    `mode` is the model's mode (None for a machine); an outcome's `answer`, where set, is what
    is scored."""
    import torch

    n = len(items)
    batch = None
    if n > 1 or system.batchable:
        batch = {
            "size": n,
            "latency_s": measured.wall_s,
            "cpu_time_s": measured.cpu_s,
            "energy_j": measured.energy_j,
            "system": measured.outcomes[0].batch or None,
        }
    records = []
    for item, outcome in zip(items, measured.outcomes, strict=True):
        error = outcome.error
        tpot = None
        if (outcome.tokens_out or 0) > 1 and None not in (outcome.lane_latency_s, outcome.ttft_s):
            tpot = (outcome.lane_latency_s - outcome.ttft_s) / (outcome.tokens_out - 1)
        scored = outcome.output if outcome.answer is None else outcome.answer
        records.append(
            {
                "format": RECORD_FORMAT,
                "run_id": run_id,
                "system": system.name,
                "device": system.device,
                "task": task.name,
                "size": item.size,
                "seed": item.seed,
                "index": item.index,
                "heldout": item.heldout,
                "mode": mode,
                "template": item.template,
                "input": item.input,
                "expected": item.expected,
                "output": outcome.output,
                "correct": error is None and task.score(scored, item),
                "correct_flexible": error is None and task.score_flexible(scored, item),
                "error": error,
                "latency_s": measured.wall_s / n,
                "cpu_time_s": measured.cpu_s / n,
                "ops": outcome.ops,
                "ops_unit": system.ops_unit,
                "tokens_in": outcome.tokens_in,
                "tokens_out": outcome.tokens_out,
                "ttft_s": outcome.ttft_s,
                "tpot_s": tpot,
                "lane_latency_s": outcome.lane_latency_s,
                "arch_bytes": outcome.arch_bytes,
                "arch_detail": outcome.arch_detail or None,
                "peak_rss_bytes": measured.peak_rss_bytes,
                "peak_device_bytes": measured.peak_device_bytes,
                "energy_j": measured.energy_j / n if measured.energy_j is not None else None,
                "energy_source": energy_source if measured.energy_j is not None else None,
                "batch_size": n,
                "batch": batch,
                "threads": torch.get_num_threads(),
                "detail": outcome.detail or None,
                "time": now_iso(),
            }
        )
    return records


def measure_overhead(sampler: RssSampler, task: Task, seed: int) -> dict:
    """The harness's own cost per call: an empty system through measure_chunk."""
    empty = EmptySystem()
    items = [task.item(task.sizes[0], seed, i) for i in range(OVERHEAD_ITEMS)]
    walls, cpus = [], []
    for item in items:
        measured = measure_chunk(empty, task, [item], sampler, None, 60)
        walls.append(measured.wall_s)
        cpus.append(measured.cpu_s)
    return {
        "calls": len(items),
        "latency_p50_s": percentile(walls, 50),
        "latency_mean_s": sum(walls) / len(walls),
        "latency_p99_s": percentile(walls, 99),
        "cpu_time_mean_s": sum(cpus) / len(cpus),
        "note": "included in every item's latency_s, not subtracted",
    }


class Runner:
    """Runs a plan (or one shard of it) into a run folder."""

    def __init__(
        self,
        plan: Plan,
        run_dir: Path,
        shard: tuple[int, int] | None = None,
        log: TextIO = sys.stderr,
        progress: bool = True,
    ):
        self.plan, self.run_dir, self.shard, self.log, self.progress = (
            plan,
            Path(run_dir),
            shard,
            log,
            progress,
        )

    # -- starting and resuming ------------------------------------------------------------------
    @classmethod
    def start(cls, plan: Plan, run_dir: str | Path, shard=None, log=sys.stderr, progress=True,
              run_id: str | None = None) -> Runner:  # fmt: skip
        run_dir = Path(run_dir)
        if (run_dir / "records.jsonl").exists() or (run_dir / "manifest.json").exists():
            raise RunDirError(
                f"{run_dir}: already holds a run; continue it with --resume {run_dir} or choose another --out"
            )
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise RunDirError(f"{run_dir}: cannot create the run folder: {err.strerror}") from None
        runner = cls(plan, run_dir, shard, log, progress)
        runner.manifest = {
            "format": RECORD_FORMAT,
            "run_id": run_id or run_dir.name,
            "plan": plan.as_dict(),
            "plan_digest": plan.digest,
            "shard": list(shard) if shard else None,
            "status": "running",
            "started": now_iso(),
            "finished": None,
            "sessions": [],
            "systems": {},
            "warmup": "one untimed call per (system, device, task, mode) before timing; before a model's "
            "first compile-mode program, one untimed two-token call",
            "prompt_templates": {"file": "tasks/prompts.toml", "sha256_16": templates_digest()},
        }
        return runner

    @classmethod
    def resume(cls, run_dir: str | Path, log=sys.stderr, progress=True) -> Runner:
        manifest = read_manifest(run_dir)
        plan = manifest_plan(run_dir, manifest, validate=False)
        plan.validate()  # a plan that cannot run here (cuda without a GPU) is a plan error
        shard = tuple(manifest["shard"]) if manifest.get("shard") else None
        runner = cls(plan, Path(run_dir), shard, log, progress)
        runner.manifest = manifest
        runner.manifest["status"] = "running"
        return runner

    # -- the run --------------------------------------------------------------------------------
    def run(self) -> list[dict]:
        """Run every missing item; write the summary; return the summary rows."""
        plan = self.plan
        asked_again = set_aside_retryable(self.run_dir)
        done = {record_key(r) for r in read_records(self.run_dir)}
        self.compiles = {compile_key(r): r for r in read_compiles(self.run_dir)}
        self.compiled: dict[tuple, System | None] = {}
        cells = shard_cells(plan.cells(), self.shard)
        planned = sum(len(c.indices) for c in cells)
        todo = [(c, [i for i in c.indices if c.key(plan.heldout, i) not in done]) for c in cells]
        todo = [(c, idx) for c, idx in todo if idx]
        remaining = sum(len(idx) for _, idx in todo)
        session = {
            "started": now_iso(),
            "finished": None,
            "environment": environment(),
            "items_before": planned - remaining,
            "items_asked_again": asked_again,
        }
        self.manifest["sessions"].append(session)
        self.manifest["items_planned"] = planned
        write_manifest(self.run_dir, self.manifest)
        self._say(
            f"isabench run: {len(cells)} cells, {planned} items planned, {planned - remaining} already "
            f"recorded, {remaining} to run -> {self.run_dir}"
            + (f" ({asked_again} asked again after errors that may pass)" if asked_again else "")
        )

        writer = RecordWriter(self.run_dir)
        self.compile_writer = RecordWriter(self.run_dir, COMPILES, lazy=True)
        systems: dict[tuple[str, str], System] = {}
        status = "complete"
        try:
            with RssSampler() as sampler:
                if "harness_overhead" not in self.manifest:
                    self.manifest["harness_overhead"] = measure_overhead(
                        sampler, get_task(plan.tasks[0]), plan.seed
                    )
                self._setup_systems(systems, {(c.system, c.device) for c, _ in todo})
                write_manifest(self.run_dir, self.manifest)
                meters = {d: energy_meter(d) for d in {c.device for c, _ in todo}}
                self.manifest["energy"] = {d: note for d, (_, note) in meters.items()}
                self.warmed: set[tuple] = set()  # (system, device, task, mode) that had their warm-up call
                finished = 0
                for number, (cell, indices) in enumerate(todo, start=1):
                    meter, _ = meters[cell.device]
                    finished += self._run_cell(
                        cell,
                        indices,
                        systems[(cell.system, cell.device)],
                        sampler,
                        meter,
                        writer,
                        f"[{number}/{len(todo)}]",
                    )
        except KeyboardInterrupt:
            status = "interrupted"
        finally:
            writer.close()
            self.compile_writer.close()
            for system in [*systems.values(), *filter(None, self.compiled.values())]:
                system.close()
            session["finished"] = now_iso()
            rows = self.write_summary()
            self.manifest["status"] = status if self._missing() == 0 or status != "complete" else "incomplete"
            self.manifest["finished"] = now_iso()
            self.manifest["items_recorded"] = len(read_records(self.run_dir))
            write_manifest(self.run_dir, self.manifest)
        if status == "interrupted":
            self._say(
                f"interrupted: {self.manifest['items_recorded']} items recorded; continue with "
                f"isabench run --resume {self.run_dir}"
            )
            raise KeyboardInterrupt
        print(compact_table(rows), flush=True)
        self._say(f"wrote {self.run_dir}/manifest.json, records.jsonl, summary.csv")
        passing = sum(may_pass(r) for r in read_records(self.run_dir))
        if passing:
            self._say(
                f"{passing} items failed with errors that may pass (server down, 429/5xx, timeouts); "
                f"ask for them again with: isabench run --resume {self.run_dir}"
            )
        return rows

    def _setup_systems(self, systems: dict, pairs: set) -> None:
        for name, device in sorted(pairs):
            try:
                system = make_system(name, device, self.plan)
                info = system.setup()
            except SystemUnavailable as err:
                raise PlanError(str(err)) from None
            systems[(name, device)] = system
            self.manifest["systems"][f"{name}@{device}"] = {**system.describe(), **info}

    def _run_cell(
        self,
        cell: Cell,
        indices: list[int],
        system: System,
        sampler,
        meter,
        writer,
        counter: str,
    ) -> int:
        from tqdm import tqdm

        plan = self.plan
        task = get_task(cell.task)
        items = [task.item(cell.size, plan.seed, i, plan.heldout) for i in indices]
        source = getattr(meter, "source", None)
        if cell.mode == "compile":
            system = self._compiled_system(cell, system, sampler, meter, source, counter)
            if not isinstance(system, System):  # the program could not be written: the items say why
                failed = Measured.failed(system, len(items))
                for record in make_records(self.manifest["run_id"], self._named(cell), task, items, failed,
                                           None, cell.mode):  # fmt: skip
                    writer.write(record)
                self._say(f"{counter} {cell.label}: 0/{len(items)} right: {system['message']}")
                return len(items)
        elif cell.mode is not None:
            options = system.prompt_options
            items = [mode_item(task, item, cell.mode, options, plan.memory_size) for item in items]
        try:
            system.prepare(task)
        except Exception as err:  # the whole cell fails; its items say why
            error = {"kind": "prepare", "message": f"{type(err).__name__}: {err}".splitlines()[0][:500]}
            failed = Measured.failed(error, len(items))
            for record in make_records(self.manifest["run_id"], system, task, items, failed, None, cell.mode):
                writer.write(record)
            self._say(f"{counter} {cell.label}: failed to prepare: {error['message']}")
            return len(items)
        if (cell.system, cell.device, cell.task, cell.mode) not in self.warmed:
            measure_chunk(system, task, items[: system.batch_size], sampler, meter, plan.item_timeout_s)
            self.warmed.add((cell.system, cell.device, cell.task, cell.mode))
        right = errors = 0
        seconds = 0.0
        with tqdm(
            total=len(items),
            desc=cell.label,
            unit="item",
            leave=False,
            file=self.log,
            disable=not self.progress or not self.log.isatty(),
        ) as bar:
            for start in range(0, len(items), system.batch_size):
                chunk = items[start : start + system.batch_size]
                measured = measure_chunk(system, task, chunk, sampler, meter, plan.item_timeout_s)
                if cell.mode == "trace" and system.prompt_options.trace_steps:
                    score_trace_steps(task, chunk, measured.outcomes, system.prompt_options, plan.memory_size)
                for record in make_records(self.manifest["run_id"], system, task, chunk, measured, source,
                                           cell.mode):  # fmt: skip
                    writer.write(record)
                    right += record["correct"]
                    errors += record["error"] is not None
                seconds += measured.wall_s
                bar.update(len(chunk))
        self._say(
            f"{counter} {cell.label}: {right}/{len(items)} right, {errors} errors, "
            f"{seconds / len(items) * 1e3:.2f} ms/item"
        )
        return len(items)

    def _compiled_system(self, cell: Cell, model: System, sampler, meter, source, counter: str):
        """The machine system that runs the program `model` wrote for the cell's task (written
        now, or read back from compile.jsonl), or the error that stands for every item."""
        from .compiled import CompiledSystem, compile_item, compile_record, item_error, reassemble

        key = (cell.system, cell.device, cell.task, self.plan.heldout)
        if key in self.compiled:
            return self.compiled[key] or item_error(self.compiles[key])
        plan = self.plan
        task = get_task(cell.task)
        limits = _limits(plan)
        record = self.compiles.get(key)
        if record is not None:
            program = reassemble(record, limits)
        else:
            sizes = list(plan.task_sizes(task.name))
            asked = compile_item(task, plan, sizes, model)
            try:
                model.prepare(task)
                if (cell.system, cell.device, "compile") not in self.warmed:  # untimed, two tokens
                    warm = replace(asked, answer_budget=2)
                    measure_chunk(model, task, [warm], sampler, meter, plan.item_timeout_s)
                    self.warmed.add((cell.system, cell.device, "compile"))
                timeout = plan.item_timeout_s * COMPILE_TIMEOUTS
                measured = measure_chunk(model, task, [asked], sampler, meter, timeout)
            except Exception as err:  # as a failed prepare: the record says why
                error = {"kind": "prepare", "message": f"{type(err).__name__}: {err}".splitlines()[0][:500]}
                measured = Measured.failed(error, 1)
            record, program = compile_record(
                self.manifest["run_id"], model, task, sizes, asked, measured, source, limits
            )
            self.compile_writer.write(record)
            self.compiles[key] = record
            where = f"{counter} {cell.system} {cell.device} {task.name} [compile]"
            if failure := measured.outcomes[0].error:
                self._say(f"{where}: no program was written: {failure['kind']}: {failure['message']}")
            else:
                verdict = "assembled" if program is not None else record["error"]["message"]
                self._say(f"{where}: {record['tokens_out']} tokens in {measured.wall_s:.2f} s: {verdict}")
        if program is None:
            self.compiled[key] = None
            return item_error(record)
        system = CompiledSystem(cell.system, cell.device, plan, program)
        system.setup()
        self.compiled[key] = system
        return system

    def _named(self, cell: Cell) -> System:
        """A stand-in that gives failed compile items the model's name and device."""
        stand_in = EmptySystem(cell.device)
        stand_in.name, stand_in.ops_unit = cell.system, "insn"
        return stand_in

    def _missing(self) -> int:
        done = {record_key(r) for r in read_records(self.run_dir) if not may_pass(r)}
        return sum(
            1
            for c in shard_cells(self.plan.cells(), self.shard)
            for i in c.indices
            if c.key(self.plan.heldout, i) not in done
        )

    def write_summary(self) -> list[dict]:
        return write_run_summary(self.run_dir, self.plan)

    def _say(self, text: str) -> None:
        if self.progress:
            print(text, file=self.log, flush=True)


def _limits(plan: Plan):
    from ..rv.machine import Limits

    return Limits(
        max_steps=plan.max_steps, memory_size=plan.memory_size, max_output_bytes=plan.max_output_bytes
    )


def score_trace_steps(
    task: Task, items: list[Item], outcomes: list[Outcome], options, memory_size: int
) -> None:
    """trace_steps: the answer after the `output:` marker is scored; the trace lines before it
    are held against rv-ref's first trace_k (untimed: called after the timed call)."""
    from ..tasks.prompts import reference_trace, split_traced_answer, trace_agreement

    for item, outcome in zip(items, outcomes, strict=True):
        if outcome.error is not None:
            continue
        steps, outcome.answer = split_traced_answer(outcome.output)
        reference = reference_trace(task, item, options.trace_k, memory_size)
        k = min(options.trace_k, len(reference))
        outcome.detail["answer"] = outcome.answer
        agree = trace_agreement(steps, reference, k)
        outcome.detail["trace"] = {"k": k, "agree": agree, "steps_given": len(steps)}


def write_run_summary(run_dir: Path, plan: Plan) -> list[dict]:
    from .compiled import AMORTISED_COLUMNS, amortised_rows
    from .summary import write_csv

    order = [(c.system, c.device, c.task, c.size, c.mode) for c in plan.cells()]
    records = read_records(run_dir)
    rows = summarize(records, plan.baseline_system(), order)
    write_summary(run_dir, rows)
    compiles = read_compiles(run_dir)
    if compiles:
        write_csv(Path(run_dir) / COMPILE_SUMMARY, amortised_rows(compiles, records), AMORTISED_COLUMNS)
    return rows


def _write_lines(path: Path, records) -> None:
    """Records as JSON lines, as RecordWriter writes them (the file written anew)."""
    path.unlink(missing_ok=True)
    writer = RecordWriter(path.parent, path.name)
    try:
        for record in records:
            writer.write(record)
    finally:
        writer.close()


def merge(run_dirs: list[str | Path], out: str | Path, log: TextIO = sys.stderr) -> list[dict]:
    """Combine shards (or any runs of one plan) into one run folder."""
    manifests = [read_manifest(d) for d in run_dirs]
    digests = {m.get("plan_digest") for m in manifests}
    if len(digests) != 1:
        raise RunDirError(
            "these runs have different plans (plan_digest differs); only shards of one plan merge"
        )
    plan = manifest_plan(run_dirs[0], manifests[0], validate=False)  # a GPU run merges on a CPU machine
    out = Path(out)
    if (out / "records.jsonl").exists() or (out / "manifest.json").exists():
        raise RunDirError(f"{out}: already holds a run; choose another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RunDirError(f"{out}: cannot create the merged run folder: {err.strerror}") from None
    seen: dict[tuple, dict] = {}
    duplicates = 0
    for run_dir in run_dirs:
        for record in read_records(run_dir):
            key = record_key(record)
            if key in seen:
                duplicates += 1
                continue
            seen[key] = record
    _write_lines(out / "records.jsonl", seen.values())
    programs: dict[tuple, dict] = {}
    for run_dir in run_dirs:
        for record in read_compiles(run_dir):
            programs.setdefault(compile_key(record), record)
    if programs:
        _write_lines(out / COMPILES, programs.values())
    shards = sorted(tuple(m["shard"]) for m in manifests if m.get("shard"))
    planned = sum(len(c.indices) for c in plan.cells())
    wanted = {c.key(plan.heldout, i) for c in plan.cells() for i in c.indices}
    missing = len(wanted - set(seen))
    manifest = {
        "format": RECORD_FORMAT,
        "run_id": out.name,
        "plan": manifests[0]["plan"],
        "plan_digest": manifests[0]["plan_digest"],
        "shard": None,
        "merged_from": [
            {"run_dir": str(d), "run_id": m.get("run_id"), "shard": m.get("shard"), "status": m.get("status")}
            for d, m in zip(run_dirs, manifests, strict=True)
        ],
        "status": "complete" if missing == 0 else "incomplete",
        "started": min(m.get("started") or "" for m in manifests),
        "finished": now_iso(),
        "sessions": [s for m in manifests for s in m.get("sessions", [])],
        "systems": {k: v for m in manifests for k, v in m.get("systems", {}).items()},
        "harness_overhead": manifests[0].get("harness_overhead"),
        "energy": manifests[0].get("energy"),
        "warmup": manifests[0].get("warmup"),
        "items_planned": planned,
        "items_recorded": len(seen),
        "duplicates_dropped": duplicates,
        "shards_merged": [list(s) for s in shards],
    }
    write_manifest(out, manifest)
    rows = write_run_summary(out, plan)
    if missing:
        print(f"warning: {missing} of {planned} planned items are in none of the merged runs", file=log)
    return rows
