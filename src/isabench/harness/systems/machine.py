"""The finite side: RISC-V executors running the task's program on the item's input bytes."""

from __future__ import annotations

from ...tasks import Item, Task
from .base import Outcome, System, SystemUnavailable


class MachineSystem(System):
    """A RISC-V executor running the task's program on the item's input bytes."""

    kind = "machine"
    ops_unit = "insn"
    measures = frozenset({"ops", "arch_bytes"})

    def setup(self) -> dict:
        from ...rv.machine import Limits

        max_steps = self.plan.max_steps if self.plan else 200_000_000
        memory = self.plan.memory_size if self.plan else 1 << 20
        output = self.plan.max_output_bytes if self.plan else 1 << 24
        self.limits = Limits(max_steps=max_steps, memory_size=memory, max_output_bytes=output)
        self.programs: dict[str, object] = {}
        info = super().setup()
        info.update({"max_steps": max_steps, "memory_size": memory, "max_output_bytes": output})
        return info

    def prepare(self, task: Task) -> None:
        from ...tasks.check import program_for

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
        from ...rv.machine import written_bytes

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
        from ...rv.ref import ReferenceMachine

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
        from ...rv.fast import resolve_path

        try:
            self.path = resolve_path(self.options.pop("path", "auto"))
        except ValueError as err:
            raise SystemUnavailable(f"rv-fast: {err}") from None
        info = super().setup()
        info["path"] = self.path
        return info

    def run(self, task: Task, items: list[Item]) -> list[Outcome]:
        from ...rv.fast import FastMachine

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
        from ...rv.fast import available_paths

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
            from ...rv.fast import run_many

            results = run_many(program, stdins, self.limits, path="numba")
            memories = results.memories
        else:
            from ...rv.batch import run_batch

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

        from ...rv import gnu

        missing = gnu.missing_tools()
        if missing:
            raise SystemUnavailable(f"qemu: missing {', '.join(missing)} (Debian: {gnu.DEBIAN_PACKAGES})")
        info = super().setup()
        self.workdir = tempfile.TemporaryDirectory(prefix="isabench-qemu-")
        self.elves: dict[str, object] = {}
        return info

    def prepare(self, task: Task) -> None:
        from pathlib import Path

        from ...rv import gnu

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
        from ...rv import gnu

        for outcome in outcomes:
            if isinstance(outcome.pending, Item):
                outcome.ops = gnu.run_qemu(
                    self.elves[task.name], outcome.pending.input.encode()
                ).retired_instructions
                outcome.pending = None
