"""The executor campaign: random valid programs on every executor of the register machine, which
must agree bit for bit.

Each case is a random RV32IM program written as GNU assembly (assembled with isabench's
`assemble`): every instruction with random registers and immediates, loads and stores at random
addresses (inside .data/.bss/the stack, in the read-only text, outside mapped memory, misaligned),
branches and jumps anywhere (forward, backward, into data, past the end, to misaligned pcs),
ecalls with random a7 (read, write, exit, unknown numbers) and hostile arguments (overlapping
buffers, huge lengths, bad pointers, bad fds), ebreak and stray words; with random stdin bytes
and small Limits (a few thousand steps, 128-256 KiB of memory, a small output limit).

A case runs on rv-ref (also traced, on a sample: the tracer must not change the run), rv-fast
python, rv-fast numba, `run_many` on numba (lanes: the case's stdin and variants, with step
limits just around the reference count), rv-batch on torch CPU (the same lanes, on a sample:
eager torch steps are slow) and, on a sample, GNU as + ld + qemu-riscv32 with a tame program
(see `tame_program`) where the outcome is comparable. Any difference is a "disagreement", any
exception an "exception" (the loop's catch-all), an assembler rejection of a generated program
a "rejected" finding.
"""

from __future__ import annotations

import io
import random
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from isabench.rv import fast, gnu
from isabench.rv.assembler import assemble
from isabench.rv.errors import AssemblyError
from isabench.rv.isa import ABI_NAMES, SPECS, encode, mnemonics
from isabench.rv.machine import Limits, RunResult, written_bytes
from isabench.rv.ref import ReferenceMachine
from isabench.rv.trace import TraceWriter

from .base import Campaign, CaseHang, Finding

R_OPS, I_OPS, SHIFT_OPS = mnemonics("R"), mnemonics("I", but=("jalr",)), mnemonics("IS")
LOADS, STORES, BRANCHES = mnemonics("L"), mnemonics("S"), mnemonics("B")
PSEUDO_BRANCHES = ["beqz", "bnez", "blez", "bgez", "bltz", "bgtz", "bgt", "ble", "bgtu", "bleu"]
# Pointer registers, set up at entry and rarely overwritten: s2 -> .data, s3 -> .bss,
# s4 -> a wild address, s5 -> .rodata. t6 and a counter register serve the generated idioms.
POINTERS = ["s2", "s3", "s4", "s5"]
SCRATCH = [n for n in ABI_NAMES if n not in ("zero", "sp", *POINTERS)]
EDGES = [0, 1, -1, 2, 3, 31, 32, 33, 0x7FF, 0x800, -2048, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF,
         0xFFFFFFFE, 0x10000, 0xFFFF, 0x12345678]  # fmt: skip
MEMORY_SIZES = (0x20000, 0x40000, 0x20010, 0x24FF0, 0x3F800)  # some not a whole number of pages
QEMU_EVERY = 200  # one case in this many also runs a tame program on qemu
BATCH_EVERY = 4  # one case in this many also runs on rv-batch (torch CPU, eager)
# rv-batch runs under a smaller step limit: an eager lockstep step costs ~0.3 ms, and a lane
# parked on a syscall waits up to check_every steps for the host, so the cost is up to
# steps x check_every lockstep steps.
BATCH_MAX_STEPS = 200
BATCH_CHECK_EVERY = (1, 3, 8, 16)
TRACE_EVERY = 4  # one case in this many also runs rv-ref with a tracer


def _imm12(rng: random.Random) -> int:
    return rng.choice([rng.randint(-2048, 2047), rng.randint(-16, 16), rng.choice([0, 1, -1, 2047, -2048])])


def _word(rng: random.Random) -> int:
    return rng.choice(EDGES) if rng.random() < 0.4 else rng.randint(-(1 << 31), (1 << 32) - 1)


@dataclass
class Case:
    """One generated case: the program text, its stdins (the first is the case's) and limits."""

    source: str
    stdins: list[bytes]
    limits: Limits
    tame: bool = False

    def reproducer(self) -> str:
        lim = self.limits
        return (f"# limits: max_steps={lim.max_steps} memory_size={lim.memory_size:#x} "
                f"max_output_bytes={lim.max_output_bytes}\n"
                f"# stdins: {self.stdins!r}\n{self.source}")  # fmt: skip


class ProgramGenerator:
    """Random valid programs. `wild` programs do anything; `tame` ones stay comparable with qemu:
    they use no stack, touch memory only inside their buffers, read only fd 0, write fd 1."""

    def __init__(self, rng: random.Random, memory_size: int, tame: bool = False):
        self.rng = rng
        self.memory_size = memory_size
        self.tame = tame
        # How often a choice is hostile (a fault, a bad pointer, a wild jump): per program, so
        # that some programs run long and others die at once.
        self.hostility = 0.0 if tame else rng.choice([0.01, 0.03, 0.1, 0.3])
        self.labels: list[str] = []
        self.loops = 0

    # -- operands ------------------------------------------------------------------------------
    def hostile(self) -> bool:
        return self.rng.random() < self.hostility

    def rd(self) -> str:
        rng = self.rng
        if self.tame:
            return rng.choice([r for r in SCRATCH if r != "t5"])
        if self.hostile():
            return rng.choice(POINTERS + ["sp"])
        return "zero" if rng.random() < 0.05 else rng.choice(SCRATCH)

    def rs(self) -> str:
        rng = self.rng
        return (
            rng.choice(ABI_NAMES) if rng.random() < 0.3 and not self.tame else rng.choice(SCRATCH + ["zero"])
        )

    def wild_address(self) -> int:
        rng, top = self.rng, self.memory_size
        return rng.choice([0, 4, 0xFFFC, 0x10000, 0x10054, top - 8, top - 4, top - 3, top - 1, top, top + 4,
                           0x7FFFFFFC, 0x80000000, 0xFFFFFFFC, 0xFFFFFFFF, rng.randint(0, 1 << 32) & ~3,
                           rng.randint(0x10000, top)])  # fmt: skip

    def memory_operand(self, width: int) -> str:
        """`offset(base)` for a load or store of `width` bytes."""
        rng = self.rng
        if not self.hostile():  # inside the buffers: buf has 64 bytes, bss 256, the stack's top
            choices = [("s2", 0, 64), ("s3", 0, 256)]
            if not self.tame:
                choices += [("sp", -256, 0)]
            base, low, high = rng.choice(choices)
            offset = rng.randint(low, high - width)
            if rng.random() < 0.7:
                offset -= offset % width
            return f"{offset}({base})"
        base = rng.choice(POINTERS * 3 + ["sp", "sp", "t6", self.rs()])
        if rng.random() < 0.6:
            offset = rng.randint(-8, 72)
            if rng.random() < 0.6:
                offset -= offset % width
        else:
            offset = _imm12(rng)
        return f"{offset}({base})"

    def target(self) -> str:
        label = (
            f"L{len(self.labels)}"
            if self.rng.random() < 0.5 or not self.labels
            else self.rng.choice(self.labels)
        )
        if label not in self.labels:
            self.labels.append(label)
        return label

    # -- pieces ----------------------------------------------------------------------------------
    def alu(self) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.35:
            return f"{rng.choice(R_OPS)} {self.rd()}, {self.rs()}, {self.rs()}"
        if kind < 0.6:
            return f"{rng.choice(I_OPS)} {self.rd()}, {self.rs()}, {_imm12(rng)}"
        if kind < 0.72:
            return f"{rng.choice(SHIFT_OPS)} {self.rd()}, {self.rs()}, {rng.randint(0, 31)}"
        if kind < 0.8:
            return f"{rng.choice(['lui', 'auipc'])} {self.rd()}, {rng.randint(0, 0xFFFFF)}"
        if kind < 0.95:
            return f"li {self.rd()}, {_word(rng)}"
        return rng.choice([f"mv {self.rd()}, {self.rs()}", f"neg {self.rd()}, {self.rs()}",
                           f"not {self.rd()}, {self.rs()}", f"seqz {self.rd()}, {self.rs()}",
                           f"snez {self.rd()}, {self.rs()}", "nop"])  # fmt: skip

    def load_store(self) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            m = rng.choice(LOADS)
            width = {"lb": 1, "lbu": 1, "lh": 2, "lhu": 2, "lw": 4}[m]
            return f"{m} {self.rd()}, {self.memory_operand(width)}"
        m = rng.choice(STORES)
        width = {"sb": 1, "sh": 2, "sw": 4}[m]
        return f"{m} {self.rs()}, {self.memory_operand(width)}"

    def branch(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            return f"{rng.choice(BRANCHES)} {self.rs()}, {self.rs()}, {self.target()}"
        if roll < 0.6:
            m = rng.choice(PSEUDO_BRANCHES)
            operands = f"{self.rs()}, {self.rs()}" if m in ("bgt", "ble", "bgtu", "bleu") else self.rs()
            return f"{m} {operands}, {self.target()}"
        if roll < 0.8 or not self.hostile():  # a counted loop back (or forward) to a label
            self.loops += 1
            counter = "t5" if self.tame else rng.choice(["t5", "t4", "a5"])
            return f"addi {counter}, {counter}, -1\n  bgtz {counter}, {self.target()}"
        return rng.choice([f"j {self.target()}", f"jal {self.target()}", f"call {self.target()}",
                           f"tail {self.target()}"])  # fmt: skip

    def wild_jump(self) -> str:
        """Indirect jumps anywhere: into data, past the end, misaligned, unlabelled, returns."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            link, offset = rng.choice(["zero", "ra", "t0"]), rng.choice([0, 0, 4, 8, 2, 1, -4, 6])
            return f"la t6, {self.target()}\n  jalr {link}, {offset}(t6)"
        if roll < 0.45:
            return f"la t6, {rng.choice(['buf', 'bss', 'rod', 'end_text'])}\n  jr t6"
        if roll < 0.6:
            return f"auipc t6, 0\n  jalr ra, {rng.randint(-16, 16) * rng.choice([4, 4, 2, 1])}(t6)"
        if roll < 0.7:
            return f"jal {rng.choice(['buf', 'rod', 'end_text'])}"
        if roll < 0.8:
            return f"li t6, {self.wild_address()}\n  jalr t6"
        return rng.choice(["ret", "jr ra", "jalr zero, 0(ra)"])

    def ecall(self) -> str:
        rng = self.rng
        lines: list[str] = []
        if not self.hostile():
            number = rng.choice([63, 64, 64] if self.tame else [63, 64, 64, 64, 93])
            if number == 63:
                base, size = rng.choice([("buf", 64), ("bss", 256)])
                offset = rng.randint(0, size - 1)
                count = rng.randint(0, size - offset)
                lines += ["li a0, 0", f"la a1, {base}", f"addi a1, a1, {offset}", f"li a2, {count}"]
            else:
                base, size = rng.choice([("buf", 64), ("bss", 256), ("rod", 16)])
                offset = rng.randint(0, size - 1)
                count = rng.randint(0, size - offset)
                fd = 1 if self.tame else rng.choice([1, 1, 2])
                lines += [f"li a0, {fd}", f"la a1, {base}", f"addi a1, a1, {offset}", f"li a2, {count}"]
            return "\n  ".join(lines + [f"li a7, {number}", "ecall"])
        number = rng.choice(
            [63, 63, 64, 64, 64, 93, 94, rng.randint(0, 300), rng.choice([-1, 62, 65, 92, 95])]
        )
        if rng.random() < 0.85:
            lines.append(f"li a0, {rng.choice([0, 0, 1, 1, 2, 3, -1, 255, 256, rng.randint(0, 1 << 31)])}")
        if rng.random() < 0.85:
            base = rng.choice(["buf", "bss", "rod", "_start", "end_text"])
            pointer = rng.random()
            if pointer < 0.6:
                lines += [f"la a1, {base}", f"addi a1, a1, {rng.randint(-8, 80)}"]
            elif pointer < 0.75:
                lines.append(f"addi a1, sp, {rng.randint(-64, 0)}")
            else:
                lines.append(f"li a1, {self.wild_address()}")
        if rng.random() < 0.85:
            count = rng.choice([0, 1, 2, 3, 5, 8, 16, 40, 64, 100, 4096, 0x7FFFFFFF, 0xFFFFFFFF, -1,
                                rng.randint(0, self.memory_size)])  # fmt: skip
            lines.append(f"li a2, {count}")
        if rng.random() < 0.95:
            lines.append(f"li a7, {number}")
        return "\n  ".join(lines + ["ecall"])

    def encoded_word(self) -> str:
        """`.word` of a random instruction with random fields (branch and jump offsets anywhere),
        sometimes with a bit flipped (often an encoding the machine must reject)."""
        rng = self.rng
        m = rng.choice(list(SPECS))
        fmt = SPECS[m].fmt
        ranges = {"B": (-4096, 4094), "J": (-(1 << 20), (1 << 20) - 2), "U": (0, 0xFFFFF), "IS": (0, 31)}
        low, high = ranges.get(fmt, (-2048, 2047))
        imm = rng.randint(low, high) & ~(fmt in "BJ")
        word = encode(m, rng.randint(0, 31), rng.randint(0, 31), rng.randint(0, 31), imm)
        if rng.random() < 0.3:
            word ^= 1 << rng.randint(0, 31)
        return f".word {word:#010x}"

    def odd(self) -> str:
        rng = self.rng
        if rng.random() < 0.4:
            return self.encoded_word()
        return rng.choice(["ebreak", "jalr ra, 0(ra)", "jalr ra, 4(ra)", "1: j 1b",
                           f".word {rng.randint(0, (1 << 32) - 1):#x}", ".word 0xffffffff",
                           ".word 0", "ecall", ".word 0x00000073",
                           f"sw {self.rs()}, 0(s5)", "lw a0, 0(zero)"])  # fmt: skip

    def piece(self) -> str:
        rng = self.rng
        roll = rng.random()
        if self.hostile():
            return self.wild_jump() if roll < 0.6 else self.odd()
        if roll < 0.42:
            return self.alu()
        if roll < 0.68:
            return self.load_store()
        if roll < 0.86:
            return self.branch()
        return self.ecall()

    # -- the program -----------------------------------------------------------------------------
    def program(self) -> str:
        rng = self.rng
        n = rng.randint(3, 40)
        prelude: list[str] = []
        if not self.tame and rng.random() < 0.1:  # code before the entry point (or a misaligned one)
            prelude = [f"  {self.piece()}" for _ in range(rng.randint(1, 3))]
            if rng.random() < 0.15:
                prelude.append("  .half 0")
        body = [self.piece() for _ in range(n)]
        labels = list(self.labels)
        # Each label once, at a random place: before a piece, or past the last one.
        places: dict[int, list[str]] = {}
        for label in labels:
            places.setdefault(rng.randint(0, n), []).append(label)
        lines = [
            "  .globl _start",
            "  .text",
            *prelude,
            "_start:",
            "  la s2, buf",
            "  la s3, bss",
            "  la s5, rod",
        ]
        if not self.tame:
            lines.append(f"  li s4, {self.wild_address()}")
        for register in rng.sample(SCRATCH, rng.randint(0, 6)):
            lines.append(f"  li {register}, {_word(rng)}")
        counter = rng.randint(0, 6 if self.tame else 40)
        lines.append(f"  li t5, {counter}")
        ending = f"  li a0, {rng.randint(0, 300)}\n  li a7, 93\n  ecall"
        for index, piece in enumerate(body):
            lines += [f"{label}:" for label in places.get(index, [])]
            lines.append(f"  {piece}")
        if self.tame or rng.random() < 0.7:
            lines.append(ending)
        elif rng.random() < 0.3:
            lines.append(f"  {self.encoded_word()}")
        lines += [f"{label}:" for label in places.get(n, [])]
        if not self.tame and rng.random() < 0.2:
            lines.append(f"  .word {rng.randint(0, (1 << 32) - 1):#x}")
        if not self.tame and rng.random() < 0.1:  # .text ends inside a word: it runs into .rodata
            lines.append(rng.choice(["  .half 0x13", "  .byte 0x13, 0", "  .half 0x4013"]))
        lines.append("end_text:")
        words = ", ".join(str(_word(rng)) for _ in range(16))
        lines += ["  .section .rodata", "rod: .word 0x64636261, 0x0a676665, 0x80000000, -1",
                  "  .data", f"buf: .word {words}", "  .byte 1, 2, 3", "  .align 2",
                  "  .bss", "bss: .space 256"]  # fmt: skip
        return "\n".join(lines) + "\n"


def generate(rng: random.Random, tame: bool = False) -> Case:
    memory_size = rng.choice(MEMORY_SIZES)
    if tame:
        limits = Limits(max_steps=20_000, memory_size=memory_size, max_output_bytes=1 << 16)
    else:
        max_steps = rng.choice([0, 1, 2, 3, 7, 20, 64, 200, 500, 1000] + [3000] * 10)
        max_output = rng.choice([0, 1, 8, 40, 100, 4096, 1 << 16])
        limits = Limits(max_steps=max_steps, memory_size=memory_size, max_output_bytes=max_output)
    source = ProgramGenerator(rng, memory_size, tame).program()
    stdin = bytes(rng.randint(0, 255) for _ in range(rng.choice([0, 0, 1, 3, 8, 20, 64, 300])))
    stdins = [stdin, b"", bytes(rng.randint(0, 255) for _ in range(rng.randint(1, 80))), stdin[:1]]
    return Case(source, stdins, limits, tame)


# -- running and comparing ------------------------------------------------------------------------


def _describe(result: RunResult) -> str:
    trap = f"{result.trap}" if result.trap else "no trap"
    return (f"exit={result.exit_code} retired={result.retired_instructions} out={result.output[:24]!r}"
            f"({len(result.output)}) err={len(result.stderr)} {trap}")  # fmt: skip


def differences(want: RunResult, want_written: int, got: RunResult, got_written: int) -> list[str]:
    """What differs between rv-ref's result (and written_bytes) and another executor's."""
    out = []
    for name in ("output", "stderr", "exit_code", "retired_instructions"):
        if getattr(want, name) != getattr(got, name):
            out.append(name)
    if (want.trap is None) != (got.trap is None):
        out.append("trap")
    elif want.trap is not None and got.trap is not None:
        for name in ("kind", "pc", "message", "source"):
            if getattr(want.trap, name) != getattr(got.trap, name):
                out.append(f"trap.{name}")
        if str(want.trap) != str(got.trap):
            out.append("str(trap)")
    if want_written != got_written:
        out.append(f"written_bytes {want_written} != {got_written}")
    return out


@dataclass
class Stats:
    cases: int = 0
    runs: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    qemu_compared: int = 0
    qemu_not_comparable: int = 0

    def timed(self, name: str, start: float, runs: int = 1) -> None:
        self.runs[name] = self.runs.get(name, 0) + runs
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


class ExecutorCampaign(Campaign):
    """Random valid programs on rv-ref, rv-fast (python, numba), run_many, rv-batch and qemu."""

    name: ClassVar[str] = "executors"
    case_timeout_s: ClassVar[float] = 2.0

    def __init__(self, qemu_every: int = QEMU_EVERY, batch_every: int = BATCH_EVERY,
                 trace_every: int = TRACE_EVERY):  # fmt: skip
        self.qemu_every = qemu_every
        self.batch_every = batch_every
        self.trace_every = trace_every
        self.stats = Stats()
        self.paths = fast.available_paths()
        self.qemu = False
        self.workdir: Path | None = None
        self.torch_ok = False
        self.torch_threads = 0

    def setup(self, workdir: Path) -> None:
        self.workdir = workdir
        self.qemu = not gnu.missing_tools() and self.qemu_every > 0
        # Compile (or load) the numba kernels and warm torch up now, outside any case's deadline.
        warm = assemble("_start:\n  li a0, 1\n  la a1, _start\n  li a2, 4\n  li a7, 64\n  ecall\n"
                        "  li a7, 93\n  ecall\n", "warm.s")  # fmt: skip
        if "numba" in self.paths:
            fast.numba_kernels()
            fast.run(warm, b"", None, "numba")
            fast.run_many(warm, [b"", b"x"], Limits(memory_size=0x20000), path="numba")
        try:
            import torch

            from isabench.rv.batch import run_batch
        except ImportError:  # pragma: no cover - torch is a dependency
            return
        # Four-lane tensors gain nothing from intra-op threads, whose spinning only takes the
        # cores from numba's lanes: one thread while the campaign runs.
        self.torch_threads = torch.get_num_threads()
        torch.set_num_threads(1)
        run_batch(warm, [b"", b"x"], Limits(memory_size=0x20000))
        self.torch_ok = self.batch_every > 0

    def teardown(self) -> None:
        if self.torch_threads:
            import torch

            torch.set_num_threads(self.torch_threads)
            self.torch_threads = 0

    def summary(self) -> dict:
        s = self.stats
        rates = {name: round(s.runs[name] / s.seconds[name], 1) for name in s.runs if s.seconds.get(name)}
        return {"executor_runs": s.runs, "executor_seconds": {k: round(v, 2) for k, v in s.seconds.items()},
                "executor_runs_per_s": rates, "outcomes": s.outcomes,
                "qemu_compared": s.qemu_compared, "qemu_not_comparable": s.qemu_not_comparable,
                "sampling": {"rv-batch": f"1 in {self.batch_every} cases, at most {BATCH_MAX_STEPS} steps "
                                         "(eager torch CPU steps cost ~0.3 ms)",
                             "traced rv-ref": f"1 in {self.trace_every}",
                             "qemu": f"1 in {self.qemu_every} (a tame program; compared when rv-ref exits"
                                     " normally)" if self.qemu else "off (no GNU tools)"}}  # fmt: skip

    # -- one case ----------------------------------------------------------------------------------
    def run_case(self, rng: random.Random, index: int) -> list[Finding]:
        self.stats.cases += 1
        case = generate(rng)
        findings = self.guarded(case, index, lambda: self.check(
            case, index, batch=self.torch_ok and index % self.batch_every == 0,
            trace=index % self.trace_every == 0))  # fmt: skip
        if self.qemu and index % self.qemu_every == 0:
            tame = generate(rng, tame=True)
            findings += self.guarded(tame, index, lambda: self.check_qemu(tame, index))
        return findings

    def guarded(self, case: Case, index: int, check) -> list[Finding]:
        """Run a check; an exception (other than the case's deadline) is a finding that keeps
        the case's source and stdin."""
        try:
            return check()
        except CaseHang:
            raise
        except Exception as err:
            where = traceback.extract_tb(err.__traceback__)[-1]
            message = f"{type(err).__name__}: {err} (at {Path(where.filename).name}:{where.lineno})"
            return [self.finding(index, "exception", message, case)]

    def finding(self, index: int, kind: str, message: str, case: Case) -> Finding:
        return Finding.of(self.name, index, kind, message, case.reproducer())

    def check(self, case: Case, index: int, batch: bool = True, trace: bool = True) -> list[Finding]:
        """Run the case on every executor; one finding per disagreeing executor."""
        try:
            program = assemble(case.source, "fuzz.s")
        except AssemblyError as err:
            return [
                self.finding(index, "rejected", f"the assembler rejected a generated program: {err}", case)
            ]
        stats, limits, stdin = self.stats, case.limits, case.stdins[0]
        findings: list[Finding] = []

        def compare(executor: str, want: tuple[RunResult, int], got: RunResult, got_written: int,
                    lane: str = "") -> None:  # fmt: skip
            diff = differences(want[0], want[1], got, got_written)
            if diff:
                findings.append(self.finding(index, "disagreement",
                                             f"{executor}{lane} differs from rv-ref in {', '.join(diff)}: "
                                             f"rv-ref {_describe(want[0])}; {executor} {_describe(got)}",
                                             case))  # fmt: skip

        references: dict[tuple[bytes, Limits], tuple[RunResult, int]] = {}

        def reference(stdin: bytes, lim: Limits) -> tuple[RunResult, int]:
            key = (stdin, lim)
            if key not in references:
                start = time.perf_counter()
                machine = ReferenceMachine(program, stdin, lim)
                result = machine.run()
                references[key] = (result, written_bytes(program, machine.memory))
                stats.timed("rv-ref", start)
            return references[key]

        want = reference(stdin, limits)
        outcome = want[0].trap.kind if want[0].trap else "exit"
        stats.outcomes[outcome] = stats.outcomes.get(outcome, 0) + 1

        if trace:
            start = time.perf_counter()
            for fmt in ("jsonl", "text"):
                stream = io.StringIO()
                writer = TraceWriter(stream, fmt)
                traced = ReferenceMachine(program, stdin, limits, tracer=writer)
                result = traced.run()
                writer.finish(result.trap)
                compare(f"traced rv-ref ({fmt})", want, result, written_bytes(program, traced.memory))
                lines = stream.getvalue().count("\n")
                expected_lines = want[0].retired_instructions + (want[0].trap is not None)
                if lines != expected_lines:
                    findings.append(
                        self.finding(
                            index,
                            "disagreement",
                            f"the {fmt} trace has {lines} lines for {expected_lines} retired steps and traps",
                            case,
                        )
                    )
            stats.timed("rv-ref traced", start, 2)

        for path in self.paths:
            start = time.perf_counter()
            machine = fast.FastMachine(program, stdin, limits, path)
            got = machine.run()
            stats.timed(f"rv-fast {path}", start)
            compare(f"rv-fast {path}", want, got, written_bytes(program, machine.memory))

        # Lanes for run_many and rv-batch: the case's stdin and its variants; run_many also gets
        # step limits just below, at and above the reference count.
        count = want[0].retired_instructions
        lanes = [(s, limits) for s in case.stdins]
        lanes += [(stdin, Limits(max_steps=m, memory_size=limits.memory_size,
                                 max_output_bytes=limits.max_output_bytes))
                  for m in sorted({max(count - 1, 0), count + 1}) if m != limits.max_steps]  # fmt: skip
        wanted = [reference(s, lim) for s, lim in lanes]
        if want[0].trap is None or want[0].trap.kind != "step_limit":  # it ends: no step limit needed
            lanes.append((stdin, Limits(max_steps=1 << 64, memory_size=limits.memory_size,
                                        max_output_bytes=limits.max_output_bytes)))  # fmt: skip
            wanted.append(want)
        # Every other lane runs a second assembly of the source: a batch of two programs.
        twin = assemble(case.source, "fuzz.s")
        programs = [program if k % 2 == 0 else twin for k in range(len(lanes))]
        for path in self.paths:
            if path == "python" and not batch:  # the python lanes are FastMachine runs: sampled
                continue
            start = time.perf_counter()
            many = fast.run_many(programs, [s for s, _ in lanes], [lim for _, lim in lanes], path=path)
            stats.timed(f"run_many {path}", start, len(lanes))
            for k, (got, memory) in enumerate(zip(many, many.memories, strict=True)):
                compare(f"run_many {path}", wanted[k], got, written_bytes(program, memory), f" lane {k}")

        if batch:
            from isabench.rv.batch import run_batch

            small = Limits(max_steps=min(limits.max_steps, BATCH_MAX_STEPS), memory_size=limits.memory_size,
                           max_output_bytes=limits.max_output_bytes)  # fmt: skip
            check_every = BATCH_CHECK_EVERY[index // max(self.batch_every, 1) % len(BATCH_CHECK_EVERY)]
            start = time.perf_counter()
            results = run_batch(
                programs[: len(case.stdins)], list(case.stdins), small, check_every=check_every
            )
            stats.timed("rv-batch cpu", start, len(case.stdins))
            for k, got in enumerate(results):
                compare(
                    "rv-batch cpu", reference(case.stdins[k], small), got, got.written_bytes, f" lane {k}"
                )
        return findings

    def check_qemu(self, case: Case, index: int) -> list[Finding]:
        """A tame program on qemu: where rv-ref exits normally, the same output, exit code and
        retired instructions (qemu has no step limit and another stack and memory map, so a trap
        or a run to the step limit on rv-ref is not comparable). It also runs on every executor."""
        findings = self.check(case, index, batch=False, trace=False)
        program = assemble(case.source, "fuzz.s")
        want = ReferenceMachine(program, case.stdins[0], case.limits).run()
        if want.trap is not None:
            self.stats.qemu_not_comparable += 1
            return findings
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(dir=self.workdir) as tmp:
            elf = gnu.build(case.source, Path(tmp))
            got = gnu.run_qemu(elf, case.stdins[0], timeout=10)
        self.stats.timed("qemu", start)
        self.stats.qemu_compared += 1
        theirs = (got.output, got.exit_code, got.retired_instructions)
        ours = (want.output, want.exit_code, want.retired_instructions)
        if theirs != ours:
            findings.append(
                self.finding(
                    index,
                    "disagreement",
                    f"qemu differs from rv-ref: qemu exit="
                    f"{got.exit_code} retired={got.retired_instructions} out="
                    f"{got.output[:24]!r}; rv-ref {_describe(want)}",
                    case,
                )
            )
        return findings
