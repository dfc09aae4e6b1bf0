"""The one interface every executor and model meets the harness through.

A System answers items of one task on one device and says what it can measure. The runner
times `run()` and nothing else; `prepare()` (assembling, loading) and `account()` (footprint
figures that take work to compute) stay outside the timed region. The runner never looks at
a system's or a task's name to decide what to do.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from ..tasks import Item, Task


class SystemUnavailable(RuntimeError):
    """A system that cannot run here (missing tools, no checkpoint, no GPU)."""


@dataclass
class Outcome:
    """What a system produced for one item, and the costs only the system itself can see."""

    output: str
    ops: int | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    ttft_s: float | None = None
    lane_latency_s: float | None = None  # this item's own finish time inside its batch
    arch_bytes: int | None = None
    arch_detail: dict = field(default_factory=dict)
    error: dict | None = None  # {"kind": ..., "message": ...}
    detail: dict = field(default_factory=dict)
    batch: dict = field(default_factory=dict)  # the system's own batch figures
    pending: object = None  # what account() needs after the timed region


class System(ABC):
    """Base class: a single-stream system on CPU that measures nothing beyond its output."""

    name = "system"
    kind = "machine"  # "machine", "model" or "control"
    ops_unit: str | None = None  # "insn" (retired instructions) or "flop"
    devices: tuple[str, ...] = ("cpu",)
    measures: frozenset[str] = frozenset()  # among ops, tokens, ttft, arch_bytes
    batchable = False

    def __init__(self, device: str = "cpu", options: dict | None = None, plan=None):
        self.device = device
        self.options = dict(options or {})
        self.plan = plan
        self.batch_size = int(self.options.pop("batch_size", 1)) if self.batchable else 1
        if self.batch_size < 1:
            raise SystemUnavailable(f"{self.name}: batch_size must be >= 1, got {self.batch_size}")

    def setup(self) -> dict:
        """Load or check what the system needs; return its description for the manifest."""
        if self.options:
            raise SystemUnavailable(f"{self.name}: unknown option(s) {', '.join(sorted(self.options))}")
        return {}

    def prepare(self, task: Task) -> None:
        """Untimed work before a task's items (assemble its program, ...)."""
        return None  # optional: nothing to do by default

    @abstractmethod
    def run(self, task: Task, items: list[Item]) -> list[Outcome]:
        """Answer the items (timed by the runner): one Outcome per item, in order."""

    def account(self, task: Task, items: list[Item], outcomes: list[Outcome]) -> None:
        """Untimed figures after a timed call (e.g. memory a run wrote)."""
        return None  # optional: nothing to do by default

    def sync(self) -> None:
        """Wait for queued device work (CUDA) so the clock sees all of it."""
        return None  # optional: nothing to do by default

    def describe(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "ops_unit": self.ops_unit,
            "device": self.device,
            "measures": sorted(self.measures),
            "batch_size": self.batch_size,
        }


class EmptySystem(System):
    """Answers nothing and does nothing: the harness's own overhead, through the same path."""

    name = "empty"
    kind = "control"

    def run(self, task: Task, items: list[Item]) -> list[Outcome]:
        return [Outcome(output="") for _ in items]


# -- the finite side ------------------------------------------------------------------------------


class MachineSystem(System):
    """A RISC-V executor running the task's program on the item's input bytes."""

    kind = "machine"
    ops_unit = "insn"
    measures = frozenset({"ops", "arch_bytes"})

    def setup(self) -> dict:
        from ..rv.machine import Limits

        max_steps = self.plan.max_steps if self.plan else 200_000_000
        memory = self.plan.memory_size if self.plan else 1 << 20
        self.limits = Limits(max_steps=max_steps, memory_size=memory)
        self.programs: dict[str, object] = {}
        info = super().setup()
        info.update({"max_steps": max_steps, "memory_size": memory})
        return info

    def prepare(self, task: Task) -> None:
        from ..tasks.check import program_for

        if task.name not in self.programs:
            self.programs[task.name] = program_for(task.name, str(task.program_path))

    def outcome(self, program, result, memory) -> Outcome:
        error = None
        if result.trap is not None:
            error = {"kind": "trap", "message": str(result.trap), "trap": result.trap.as_dict()}
        elif result.exit_code != 0:
            error = {"kind": "exit_status", "message": f"the program exited with status {result.exit_code}"}
        return Outcome(
            output=result.output.decode("utf-8", errors="replace"),
            ops=result.retired_instructions,
            error=error,
            detail={"exit_code": result.exit_code},
            pending=(program, memory),
        )

    def account(self, task: Task, items: list[Item], outcomes: list[Outcome]) -> None:
        from ..rv.machine import written_bytes

        for outcome in outcomes:
            if outcome.pending is None:
                continue
            program, memory = outcome.pending
            outcome.pending = None
            written = written_bytes(program, memory) if memory is not None else None
            outcome.arch_detail = {"program_bytes": program.program_bytes, "written_bytes": written}
            outcome.arch_bytes = program.program_bytes + (written or 0)


class RvRefSystem(MachineSystem):
    """rv-ref: the reference interpreter."""

    name = "rv-ref"

    def run(self, task: Task, items: list[Item]) -> list[Outcome]:
        from ..rv.ref import ReferenceMachine

        program = self.programs[task.name]
        outcomes = []
        for item in items:
            machine = ReferenceMachine(program, item.input.encode(), self.limits)
            outcomes.append(self.outcome(program, machine.run(), machine.memory))
        return outcomes


class RvFastSystem(MachineSystem):
    """rv-fast: guest code compiled to Python, or the numba interpreter (option path = "auto",
    "python" or "numba"; auto takes numba where it is installed)."""

    name = "rv-fast"

    def setup(self) -> dict:
        from ..rv.fast import resolve_path

        try:
            self.path = resolve_path(self.options.pop("path", "auto"))
        except ValueError as err:
            raise SystemUnavailable(f"rv-fast: {err}") from None
        info = super().setup()
        info["path"] = self.path
        return info

    def run(self, task: Task, items: list[Item]) -> list[Outcome]:
        from ..rv.fast import FastMachine

        program = self.programs[task.name]
        outcomes = []
        for item in items:
            machine = FastMachine(program, item.input.encode(), self.limits, self.path)
            outcomes.append(self.outcome(program, machine.run(), machine.memory))
        return outcomes


class RvBatchSystem(MachineSystem):
    """rv-batch: a cell's items as one batch of lanes. Options: engine = "auto" (default: on CPU
    the numba lanes of rv-fast's run_many across cores where numba is installed, else torch;
    on CUDA torch), "torch" or "numba"; compile (torch.compile the lockstep step, default
    true); batch_size (lanes per call, default 256). Per-item latency is the call's divided by
    its lanes; the call's own figures stay in the record's `batch`."""

    name = "rv-batch"
    devices = ("cpu", "cuda")
    batchable = True

    def __init__(self, device: str = "cpu", options: dict | None = None, plan=None):
        options = dict(options or {})
        options.setdefault("batch_size", 256)
        super().__init__(device, options, plan)

    def setup(self) -> dict:
        from ..rv.fast import available_paths

        engine = self.options.pop("engine", "auto")
        self.compile = bool(self.options.pop("compile", True))
        if engine == "auto":
            engine = "numba" if self.device == "cpu" and "numba" in available_paths() else "torch"
        if engine not in ("torch", "numba"):
            raise SystemUnavailable(f"rv-batch: unknown engine '{engine}' (auto, torch or numba)")
        if engine == "numba" and ("numba" not in available_paths() or self.device != "cpu"):
            raise SystemUnavailable("rv-batch: engine numba runs on CPU with the numba package installed")
        self.engine = engine
        info = super().setup()
        info.update({"engine": engine, "compile": self.compile if engine == "torch" else None})
        return info

    def run(self, task: Task, items: list[Item]) -> list[Outcome]:
        program = self.programs[task.name]
        stdins = [item.input.encode() for item in items]
        if self.engine == "numba":
            from ..rv.fast import run_many

            results = run_many(program, stdins, self.limits, path="numba")
            memories = results.memories
        else:
            from ..rv.batch import run_batch

            results = run_batch(program, stdins, self.limits, self.device, compile=self.compile)
            memories = [None] * len(results)
        outcomes = []
        for result, memory in zip(results, memories, strict=True):
            outcome = self.outcome(program, result, memory)
            if memory is None:  # rv-batch counted the written pages on the device
                outcome.pending = None
                outcome.arch_detail = {
                    "program_bytes": program.program_bytes,
                    "written_bytes": result.written_bytes,
                }
                outcome.arch_bytes = program.program_bytes + result.written_bytes
            outcome.batch = {"engine": self.engine, "lockstep_steps": getattr(results, "steps", None)}
            outcomes.append(outcome)
        return outcomes


class QemuSystem(MachineSystem):
    """qemu-riscv32 running the same program, assembled and linked by GNU binutils.

    The timed run is plain qemu (no tracing); the retired-instruction count comes from a second,
    untimed run under `-singlestep -d exec`, so tracing never inflates the latency.
    """

    name = "qemu"
    measures = frozenset({"ops"})

    def setup(self) -> dict:
        import tempfile

        from ..rv import gnu

        missing = gnu.missing_tools()
        if missing:
            raise SystemUnavailable(f"qemu: missing {', '.join(missing)} (Debian: {gnu.DEBIAN_PACKAGES})")
        info = super().setup()
        self.workdir = tempfile.TemporaryDirectory(prefix="isabench-qemu-")
        self.elves: dict[str, object] = {}
        return info

    def prepare(self, task: Task) -> None:
        from pathlib import Path

        from ..rv import gnu

        if task.name not in self.elves:
            folder = Path(self.workdir.name) / task.name
            folder.mkdir(exist_ok=True)
            self.elves[task.name] = gnu.build(task.program_path, folder)

    def run(self, task: Task, items: list[Item]) -> list[Outcome]:
        import subprocess

        elf = self.elves[task.name]
        outcomes = []
        for item in items:
            done = subprocess.run(
                ["qemu-riscv32", str(elf)],
                input=item.input.encode(),
                capture_output=True,
                timeout=self.plan.item_timeout_s if self.plan else 120,
            )
            error = None
            if done.returncode != 0:
                error = {
                    "kind": "exit_status",
                    "message": f"qemu-riscv32 exited with status {done.returncode}",
                }
            outcomes.append(
                Outcome(
                    output=done.stdout.decode("utf-8", errors="replace"),
                    error=error,
                    detail={"exit_code": done.returncode},
                    pending=item,
                )
            )
        return outcomes

    def account(self, task: Task, items: list[Item], outcomes: list[Outcome]) -> None:
        from ..rv import gnu

        for outcome in outcomes:
            if isinstance(outcome.pending, Item):
                outcome.ops = gnu.run_qemu(
                    self.elves[task.name], outcome.pending.input.encode()
                ).retired_instructions
                outcome.pending = None


# -- the infinite side ------------------------------------------------------------------------------


class LmBuiltinSystem(System):
    """lm-builtin: the shipped (or a given) checkpoint on its own runtime, batched greedy decoding.

    Options: checkpoint (a folder), dtype (fp32 on CPU; bf16/fp16/fp32 on CUDA), batch_size,
    threads ("auto" measures the fastest CPU thread count).
    """

    name = "lm-builtin"
    kind = "model"
    ops_unit = "flop"
    devices = ("cpu", "cuda")
    measures = frozenset({"ops", "tokens", "ttft", "arch_bytes"})
    batchable = True

    def __init__(self, device: str = "cpu", options: dict | None = None, plan=None):
        options = dict(options or {})
        options.setdefault("batch_size", 16)
        super().__init__(device, options, plan)

    def setup(self) -> dict:
        from ..lm.checkpoint import CheckpointError
        from ..lm.data import DataConfig
        from ..lm.generate import DeviceError, Runtime, choose_threads
        from ..lm.paths import DEFAULT_CHECKPOINT

        checkpoint = self.options.pop("checkpoint", str(DEFAULT_CHECKPOINT))
        dtype = self.options.pop("dtype", "fp32" if self.device == "cpu" else "bf16")
        threads = self.options.pop("threads", "auto")
        super().setup()
        try:
            self.runtime = Runtime.from_checkpoint(checkpoint, self.device, dtype)
        except (CheckpointError, DeviceError) as err:
            raise SystemUnavailable(f"lm-builtin: {err}") from None
        if self.device == "cpu":
            chosen = choose_threads(self.runtime.model) if threads == "auto" else int(threads)
            self.runtime.set_threads(chosen)
        self.runtime.generate(["warm-up"], max_new_tokens=2)
        data = DataConfig.of_checkpoint(checkpoint)
        trained = {task.name: data.max_trained_size(task) for task in data.task_list()}
        config = self.runtime.config
        return {
            "checkpoint": str(checkpoint),
            "dtype": dtype,
            "threads": self.runtime.threads,
            "threads_rule": "measured fastest" if threads == "auto" else "given",
            "parameters": sum(p.numel() for p in self.runtime.model.parameters()),
            "param_bytes": self.runtime.param_bytes,
            "context": config.max_seq_len,
            "max_trained_size": trained,  # per task: larger sizes were never trained on
        }

    def run(self, task: Task, items: list[Item]) -> list[Outcome]:
        from ..lm.evaluate import max_answer_tokens
        from ..lm.tokenizer import encode_prompt

        budget = max_answer_tokens(items)
        context = self.runtime.config.max_seq_len
        fits = [len(encode_prompt(item.instruction)) + budget <= context for item in items]
        answered = iter(
            self.runtime.generate(
                [it.instruction for it, ok in zip(items, fits, strict=True) if ok],
                budget,
                batch_size=len(items),
            )
            if any(fits)
            else []
        )
        outcomes = []
        for item, ok in zip(items, fits, strict=True):
            if not ok:
                need = len(encode_prompt(item.instruction)) + budget
                outcomes.append(
                    Outcome(
                        output="",
                        error={
                            "kind": "context_overflow",
                            "message": f"prompt and answer need {need} tokens; the context is {context}",
                        },
                    )
                )
                continue
            gen = next(answered)
            outcomes.append(
                Outcome(
                    output=gen.text,
                    ops=gen.flops,
                    tokens_in=gen.tokens_in,
                    tokens_out=gen.tokens_out,
                    ttft_s=gen.ttft_s,
                    lane_latency_s=gen.latency_s,
                    arch_bytes=gen.param_bytes + gen.kv_cache_bytes,
                    arch_detail={"param_bytes": gen.param_bytes, "kv_cache_bytes": gen.kv_cache_bytes},
                    detail={"stopped": gen.stopped, "max_new_tokens": budget},
                    batch=gen.batch,
                )
            )
        return outcomes

    def sync(self) -> None:
        if self.device == "cuda":
            import torch

            torch.cuda.synchronize()


SYSTEMS: dict[str, type[System]] = {
    cls.name: cls
    for cls in (RvRefSystem, RvFastSystem, RvBatchSystem, QemuSystem, LmBuiltinSystem, EmptySystem)
}


def supported_devices(name: str) -> tuple[str, ...]:
    return SYSTEMS[name].devices


def check_device(device: str) -> None:
    """Raise PlanError for an unknown device or for cuda without a GPU."""
    from .plan import PlanError

    if device not in ("cpu", "cuda"):
        raise PlanError(f"unknown device '{device}' (use cpu or cuda)")
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise PlanError("device cuda was asked for, but torch sees no CUDA GPU here")


def make_system(name: str, device: str, plan) -> System:
    return SYSTEMS[name](device, (plan.options or {}).get(name), plan)
