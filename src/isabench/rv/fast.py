"""rv-fast: the fastest single-stream executor of the register machine, equal to rv-ref bit for bit.

Same output and stderr bytes, exit code, retired-instruction count, trap (kind, pc, source line,
message) and final memory as `ref.py`, for every program, input and Limits. Two paths:

* "python": guest code compiled to Python. The program's .text becomes one Python function
  whose locals are the 31 registers. Its body is a dispatch loop over *traces*: from each leader
  pc the translator follows the guest's control flow and writes straight-line Python, inlining
  both arms of conditional branches (a trace is a tree), following direct jumps and calls, and
  ending each path with `continue` when it comes back to the trace's own head (so loops,
  nested loops included, run as a Python `while` without leaving the trace) or with
  `pc = target; break` back to the dispatcher. Sizes are bounded (path length, nesting, a
  budget per trace); every static exit target becomes a leader of its own.
  Exactness: `fuel` (steps left) is checked once per trace pass against the longest path of the
  trace; when less is left, the run continues on a second translation in which every
  instruction is its own one-instruction trace (exact single steps, only ever for the last few
  instructions). A trap inside a trace knows its position on the path statically, so the
  helper that raises it computes the exact retired count. Decoding is lazy in effect: an
  undecodable word is translated into a trap stub that only fires if reached. Memory is a
  bytearray read and written through memoryviews (one per width and misalignment), so an
  in-bounds access is one bounds test and one index; anything else calls a helper that raises
  rv-ref's fault. `python_translation(program).function(False).source` shows the result.
* "numba" (optional, `pip install isabench[fast]`): one interpreter, JIT-compiled once per process
  (cached on disk when the cache is writable), over a pre-decoded table of the program (one
  int64 row per text word: opcode, rd, rs1, rs2, imm, static target, pc, last pc), registers in
  an int64 array (a junk register 32 takes writes to x0), memory a numpy uint8 array with
  uint16/uint32 views for aligned accesses. The kernel runs until an ecall, a trap or the step
  limit and returns a status; Python services the syscall with the shared `SyscallIO` (so the
  syscall semantics are written once) and re-enters. Fetch faults need no per-instruction
  check: fall-through past .text and static jumps out of it go to sentinel rows.

`run_many` runs many lanes (one program over many inputs, or one program per lane): with numba
the lanes run in parallel on worker threads (the kernel releases the GIL), each lane to its end
with its own syscalls; without numba, one after another.
Both paths share the trap constructors below, which build rv-ref's exact Trap objects.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .assembler import Program
from .errors import Trap
from .isa import WRITES_RD, Decoded, IllegalInstruction, decode
from .machine import (
    A0,
    A1,
    A2,
    A7,
    MASK,
    SP,
    Limits,
    RunResult,
    SyscallIO,
    check_access,
    initial_sp,
    load_memory,
)

PATHS = ("python", "numba")


@functools.cache
def available_paths() -> tuple[str, ...]:
    """The paths this installation can run: "python" always, "numba" when numba is installed."""
    try:
        found = importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):  # e.g. sys.modules["numba"] = None, as to disable it
        found = False
    return PATHS if found else ("python",)


def resolve_path(path: str) -> str:
    """The path to run: "auto" -> numba when importable, else python; a named path must be available."""
    if path == "auto":
        return available_paths()[-1]
    if path not in PATHS:
        raise ValueError(f"unknown rv-fast path {path!r} (known: auto, {', '.join(PATHS)})")
    if path not in available_paths():
        raise ValueError(
            f"rv-fast path {path!r} needs the 'numba' package, which is not installed "
            "(pip install numba, or pip install isabench[fast])"
        )
    return path


# -- rv-ref's traps, built once for both paths -------------------------------------------------


def _step_limit_trap(program: Program, pc: int, max_steps: int) -> Trap:
    return Trap("step_limit", pc, f"step limit of {max_steps} reached", program.lines.get(pc))


def _fetch_trap(program: Program, pc: int, last_pc: int | None) -> Trap:
    came_from = f" after pc 0x{last_pc:08x}" if last_pc is not None else ""
    return Trap(
        "memory_fault", pc,
        f"instruction fetch from 0x{pc:08x}{came_from}: code is fetched from aligned "
        f"addresses in .text (0x{program.text_start:08x}..0x{program.text_end:08x})",
        program.lines.get(last_pc),  # type: ignore[arg-type]  # None -> None, as in rv-ref
    )  # fmt: skip


def _illegal_trap(program: Program, pc: int, message: str) -> Trap:
    return Trap("illegal_instruction", pc, message, program.lines.get(pc))


def _breakpoint_trap(program: Program, pc: int) -> Trap:
    return Trap("breakpoint", pc, "ebreak executed", program.lines.get(pc))


def _result(io: SyscallIO, retired: int, trap: Trap | None) -> RunResult:
    return RunResult(output=bytes(io.output), exit_code=io.exit_code, retired_instructions=retired,
                     trap=trap, stderr=bytes(io.stderr))  # fmt: skip


def _fetchable(program: Program, pc: int) -> bool:
    return pc % 4 == 0 and program.text_start <= pc < program.text_end


def _text_words(program: Program) -> list[int]:
    """The words at the fetchable addresses of .text as loaded (text is read-only, so this is what
    every fetch sees). A last word may reach past text_end into whatever the image holds there."""
    start = program.text_start
    end = start + (program.text_end - start + 3) // 4 * 4
    image = bytearray(end - start)
    for address, data in program.segments:
        low, high = max(address, start), min(address + len(data), end)
        if low < high:
            image[low - start : high - start] = data[low - address : high - address]
    return [int.from_bytes(image[i : i + 4], "little") for i in range(0, len(image), 4)]


def _decode_text(program: Program) -> list[Decoded | str]:
    """Each text word decoded, or the IllegalInstruction message for an undecodable word."""
    out: list[Decoded | str] = []
    for word in _text_words(program):
        try:
            out.append(decode(word))
        except IllegalInstruction as err:
            out.append(str(err))
    return out


class _ProgramCache:
    """Per-Program translations, dropped when the Program is (Programs are unhashable)."""

    def __init__(self, build: Callable[[Program], object]):
        self.build = build
        self.entries: dict[int, object] = {}
        self.lock = threading.Lock()

    def get(self, program: Program):
        key = id(program)
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                entry = self.build(program)
                self.entries[key] = entry
                weakref.finalize(program, self.entries.pop, key, None)
            return entry


class _Exit(Exception):
    """Raised by the syscall helper when the program exits (the run is over)."""


# ==============================================================================================
# The Python path: guest code translated to Python source
# ==============================================================================================

M32 = "4294967295"  # spelled out in the generated code: a constant, not a name lookup
SIGN = "2147483648"


def _signed(x: str) -> str:
    return f"(({x} ^ {SIGN}) - {SIGN})"


# Each register-writing instruction once: the value written to rd, as a Python expression over
# {a} (rs1), {b} (rs2), {i} (the signed immediate), {u} (the immediate as 32 bits) and {pc}.
# Registers always hold 0 <= value < 2**32; x0 reads as the literal 0.
PY_VALUE: dict[str, str] = {
    "lui": "{u}",
    "auipc": f"({{pc}} + {{i}}) & {M32}",
    "addi": f"({{a}} + {{i}}) & {M32}",
    "slti": f"1 if ({{a}} ^ {SIGN}) < ({{u}} ^ {SIGN}) else 0",
    "sltiu": "1 if {a} < {u} else 0",
    "xori": "{a} ^ {u}",
    "ori": "{a} | {u}",
    "andi": "{a} & {u}",
    "slli": f"({{a}} << {{i}}) & {M32}",
    "srli": "{a} >> {i}",
    "srai": f"({_signed('{a}')} >> {{i}}) & {M32}",
    "add": f"({{a}} + {{b}}) & {M32}",
    "sub": f"({{a}} - {{b}}) & {M32}",
    "sll": f"({{a}} << ({{b}} & 31)) & {M32}",
    "slt": f"1 if ({{a}} ^ {SIGN}) < ({{b}} ^ {SIGN}) else 0",
    "sltu": "1 if {a} < {b} else 0",
    "xor": "{a} ^ {b}",
    "srl": "{a} >> ({b} & 31)",
    "sra": f"({_signed('{a}')} >> ({{b}} & 31)) & {M32}",
    "or": "{a} | {b}",
    "and": "{a} & {b}",
    "mul": f"({{a}} * {{b}}) & {M32}",
    "mulh": f"(({_signed('{a}')} * {_signed('{b}')}) >> 32) & {M32}",
    "mulhsu": f"(({_signed('{a}')} * {{b}}) >> 32) & {M32}",
    "mulhu": "({a} * {b}) >> 32",
    "div": "_div({a}, {b})",
    "divu": f"{{a}} // {{b}} if {{b}} else {M32}",
    "rem": "_rem({a}, {b})",
    "remu": "{a} % {b} if {b} else {a}",
}
# Identities that save work on common idioms (mv, nop-like immediates).
PY_IDENTITY_WHEN_ZERO_IMM = {"addi", "xori", "ori", "slli", "srli", "srai"}

# Branch conditions (taken when true).
PY_BRANCH: dict[str, str] = {
    "beq": "{a} == {b}",
    "bne": "{a} != {b}",
    "blt": f"({{a}} ^ {SIGN}) < ({{b}} ^ {SIGN})",
    "bge": f"({{a}} ^ {SIGN}) >= ({{b}} ^ {SIGN})",
    "bltu": "{a} < {b}",
    "bgeu": "{a} >= {b}",
}

# Loads: width, sign flag for the helper, the read of an in-bounds address {a}, and the local
# holding the upper bound ({a} < bound <=> {a} + width <= memory size). Words and halves are
# read through memoryviews cast to the width, one view per misalignment (mw[k] starts at byte
# k), so any in-bounds address is one index: mw[a & 3][a >> 2]. Views use the host byte order,
# little-endian on every supported host.
PY_LOAD: dict[str, tuple[int, int, str, str]] = {
    "lw": (4, 0, "mw[{a} & 3][{a} >> 2]", "LW"),
    "lh": (2, 1, f"msh[{{a}} & 1][{{a}} >> 1] & {M32}", "LH"),
    "lhu": (2, 0, "mh[{a} & 1][{a} >> 1]", "LH"),
    "lb": (1, 1, f"msb[{{a}}] & {M32}", "LB"),
    "lbu": (1, 0, "mem[{a}]", "LB"),
}
# Stores: width, the write of {v} at an in-bounds address {a}, and the upper bound.
PY_STORE: dict[str, tuple[int, str, str]] = {
    "sw": (4, "mw[{a} & 3][{a} >> 2] = {v}", "LW"),
    "sh": (2, "mh[{a} & 1][{a} >> 1] = {v} & 65535", "LH"),
    "sb": (1, "mem[{a}] = {v} & 255", "LB"),
}


def _div(a: int, b: int) -> int:
    """RISC-V div on 32-bit register values: toward zero, /0 -> -1, overflow -> dividend."""
    if b == 0:
        return 0xFFFF_FFFF
    sa, sb = a - ((a & 0x8000_0000) << 1), b - ((b & 0x8000_0000) << 1)
    q = abs(sa) // abs(sb)
    return (q if (sa < 0) == (sb < 0) else -q) & 0xFFFF_FFFF


def _rem(a: int, b: int) -> int:
    """RISC-V rem: the sign of the dividend, x % 0 -> x, overflow -> 0."""
    if b == 0:
        return a
    sa, sb = a - ((a & 0x8000_0000) << 1), b - ((b & 0x8000_0000) << 1)
    q = abs(sa) // abs(sb)
    return (sa - sb * (q if (sa < 0) == (sb < 0) else -q)) & 0xFFFF_FFFF


def _reg(n: int) -> str:
    return f"r{n}" if n else "0"


def _left(i: int) -> str:
    """Steps left before the i-th instruction of the current path."""
    return f"fuel - {i}" if i else "fuel"


@dataclass(frozen=True)
class TraceLimits:
    """How far one trace may grow: instructions on one path, taken-arm nesting, and a total
    budget of translated instructions (a loop trace gets the large one, others the small)."""

    max_path: int = 96
    max_depth: int = 10
    loop_budget: int = 160
    plain_budget: int = 24


FAST_TRACES = TraceLimits()
SINGLE_STEPS = TraceLimits(max_path=1, max_depth=1, loop_budget=1, plain_budget=1)


class _TraceBuilder:
    """Python source for the trace (a tree of paths) that starts at `head`."""

    def __init__(self, tr: _PyTranslation, head: int, budget: int, limits: TraceLimits):
        self.tr = tr
        self.head = head
        self.budget = budget
        self.limits = limits
        self.lines: list[tuple[int, str]] = []
        self.longest = 0  # the most instructions one pass can retire: the fuel it needs
        self.exits: set[int] = set()
        self.loops = False
        self.on_path: set[int] = set()

    def emit(self, indent: int, text: str) -> None:
        self.lines.append((indent, text))

    def goto(self, target: int, retired: int, indent: int) -> None:
        """End a path that retired `retired` instructions and continues at `target`."""
        self.longest = max(self.longest, retired)
        self.emit(indent, f"fuel -= {retired}")
        if target == self.head:
            self.loops = True
            self.emit(indent, "continue")
        else:
            self.exits.add(target)
            self.emit(indent, f"pc = {target:#x}")
            self.emit(indent, "break")

    def stub(self, indent: int, retired: int, raise_expr: str) -> None:
        """End a path with a trap; the helper raises step_limit instead when no fuel is left."""
        self.longest = max(self.longest, retired)
        self.emit(indent, f"raise {raise_expr}")

    def path(self, pc: int, i: int, depth: int, indent: int, prev: int | None, stop: bool) -> None:
        """Translate from `pc`, the i-th instruction of this path, until every path ends."""
        tr, limits = self.tr, self.limits
        added: list[int] = []
        try:
            while True:
                if not tr.fetchable(pc):
                    last = "None" if prev is None else f"{prev:#x}"
                    self.stub(indent, i, f"nof({pc:#x}, {last}, {_left(i)})")
                    return
                if i > 0 and (stop or pc == self.head or pc in self.on_path
                              or self.budget <= 0 or i >= limits.max_path):  # fmt: skip
                    self.goto(pc, i, indent)
                    return
                self.on_path.add(pc)
                added.append(pc)
                self.budget -= 1
                d = tr.decoded[(pc - tr.text_start) >> 2]
                if isinstance(d, str):  # an undecodable word: a trap when (and only if) reached
                    self.stub(indent, i, f"ill({pc:#x}, {_left(i)})")
                    return
                m = d.mnemonic
                if m in PY_BRANCH:
                    target = (pc + d.imm) & MASK
                    a, b = _reg(d.rs1), _reg(d.rs2)
                    condition = PY_BRANCH[m].format(a=a, b=b)
                    if d.rs1 == 0 and d.rs2 == 0:  # constant: a jump, or no jump at all
                        prev, pc, i = pc, target if eval(condition) else pc + 4, i + 1
                        continue
                    self.emit(indent, f"if {condition}:")
                    self.path(target, i + 1, depth + 1, indent + 1, pc,
                              stop=depth + 1 >= limits.max_depth)  # fmt: skip
                elif m == "jal":
                    if d.rd:
                        self.emit(indent, f"r{d.rd} = {(pc + 4) & MASK:#x}")
                    prev, pc, i = pc, (pc + d.imm) & MASK, i + 1
                    continue
                elif m == "jalr":  # the target is known at run time only: back to the dispatcher
                    self.emit(indent, f"pc = ({_reg(d.rs1)} + {d.imm}) & 4294967294")
                    if d.rd:
                        self.emit(indent, f"r{d.rd} = {(pc + 4) & MASK:#x}")
                    self.longest = max(self.longest, i + 1)
                    self.emit(indent, f"fuel -= {i + 1}")
                    self.emit(indent, f"lpc = {pc:#x}")
                    self.emit(indent, "break")
                    return
                elif m == "ebreak":
                    self.stub(indent, i, f"brk({pc:#x}, {_left(i)})")
                    return
                else:
                    for line in self.tr.straight_line(d, pc, i):
                        self.emit(indent, line)
                prev, pc, i = pc, pc + 4, i + 1
        finally:
            self.on_path.difference_update(added)


class _PyTranslation:
    """One Program's translations to Python: the fast one (traces) and, built on demand, the
    single-step one used for the last steps before the step limit."""

    def __init__(self, program: Program):
        # What translation needs of the Program, copied: the cache must not keep it alive.
        self.name = program.name
        self.text_start, self.text_end = program.text_start, program.text_end
        self.rw_start = program.rw_start
        self.decoded = _decode_text(program)
        self.roots = self.static_roots(program)
        self._functions: dict[bool, Callable] = {}
        self._lock = threading.Lock()
        self.trace_lengths: dict[int, int] = {}

    def fetchable(self, pc: int) -> bool:
        return pc % 4 == 0 and self.text_start <= pc < self.text_end

    def static_roots(self, program: Program) -> set[int]:
        """Where execution can enter other than by a translated edge: the entry point, the
        labels in .text (jalr targets are almost always labels), and the return points."""
        roots = {program.entry, *program.symbols.values()}
        for index, d in enumerate(self.decoded):
            if isinstance(d, Decoded) and d.mnemonic in ("jal", "jalr") and d.rd:
                roots.add(program.text_start + 4 * index + 4)
        return {pc for pc in roots if self.fetchable(pc)}

    def add_root(self, pc: int) -> None:
        """A pc reached by jalr that has no trace yet: retranslate with it as a leader."""
        with self._lock:
            self.roots.add(pc)
            self._functions.pop(False, None)

    def function(self, single_step: bool) -> Callable:
        """The translated function: traces, or (single_step) one trace per instruction."""
        fn = self._functions.get(single_step)
        if fn is None:
            with self._lock:  # runs in several threads may share a translation
                fn = self._functions.get(single_step) or self.compile(single_step)
                self._functions[single_step] = fn
        return fn

    # -- straight-line instructions ---------------------------------------------------------
    def straight_line(self, d: Decoded, pc: int, i: int) -> list[str]:
        """The Python statements of an instruction that falls through to pc + 4."""
        m = d.mnemonic
        if m in PY_VALUE:
            if not d.rd:
                return []  # no effect (and none of these can trap)
            if m in PY_IDENTITY_WHEN_ZERO_IMM and d.imm == 0:
                return [f"r{d.rd} = {_reg(d.rs1)}"]
            a, b = _reg(d.rs1), _reg(d.rs2) if d.fmt == "R" else "0"
            value = PY_VALUE[m].format(a=a, b=b, i=d.imm, u=d.imm & MASK, pc=pc)
            if a == "0" and b == "0":  # a constant: fold it now
                value = str(eval(value, {"_div": _div, "_rem": _rem}))
            return [f"r{d.rd} = {value}"]
        # The address is not masked: an unmasked value outside [0, 2**32) fails the bounds test
        # exactly when the masked one would (the helpers mask it for the fault message).
        lines, a = [], f"r{d.rs1}"
        if d.imm or not d.rs1:
            lines, a = [f"a = {_reg(d.rs1)} + {d.imm}"], "a"
        if m in PY_LOAD:
            width, signed, read, bound = PY_LOAD[m]
            target = f"r{d.rd}" if d.rd else "_"
            slow = f"ld({a}, {width}, {signed}, {pc:#x}, {_left(i)})"
            return lines + [f"if 65535 < {a} < {bound}:", f"    {target} = {read.format(a=a)}",
                            "else:", f"    {target} = {slow}"]  # fmt: skip
        if m in PY_STORE:
            width, write, bound = PY_STORE[m]
            v = _reg(d.rs2)
            low = self.rw_start
            return lines + [f"if {low} <= {a} < {bound}:", f"    {write.format(a=a, v=v)}",
                            "else:", f"    st({a}, {width}, {v}, {pc:#x}, {_left(i)})"]  # fmt: skip
        if m == "ecall":
            return [f"r10 = sc(r10, r11, r12, r17, {pc:#x}, {_left(i)})"]
        raise AssertionError(f"no translation for {m}")  # pragma: no cover

    # -- the whole function -------------------------------------------------------------------
    def trace(self, head: int, limits: TraceLimits) -> _TraceBuilder:
        builder = _TraceBuilder(self, head, limits.loop_budget, limits)
        builder.path(head, 0, 0, 0, None, stop=False)
        if not builder.loops and limits.plain_budget < limits.loop_budget:
            builder = _TraceBuilder(self, head, limits.plain_budget, limits)
            builder.path(head, 0, 0, 0, None, stop=False)
        return builder

    def compile(self, single_step: bool) -> Callable:
        if single_step:
            limits = SINGLE_STEPS
            work = [self.text_start + 4 * k for k in range(len(self.decoded))]
        else:
            limits, work = FAST_TRACES, sorted(self.roots)
        traces: dict[int, _TraceBuilder] = {}
        while work:  # every static exit of a trace is a leader with a trace of its own
            head = work.pop()
            if head not in traces:
                traces[head] = builder = self.trace(head, limits)
                work.extend(builder.exits - traces.keys())
        if not single_step:
            self.trace_lengths = {head: t.longest for head, t in traces.items()}
        regs = ", ".join(f"r{n}" for n in range(1, 32))
        out = [
            f"def _translated(pc, fuel, lpc, R, {', '.join(TRANSLATED_ARGS)}):",
            f"    _, {regs} = R",
            "    while True:",
        ]

        def dispatch(heads: list[int], indent: int) -> None:
            pad = "    " * indent
            if not heads:  # nothing in .text can be fetched (e.g. a misaligned entry, no labels)
                out.append(f"{pad}return 0, pc, fuel, lpc, ({regs})")
                return
            if len(heads) > 3:
                middle = len(heads) // 2
                out.append(f"{pad}if pc < {heads[middle]:#x}:")
                dispatch(heads[:middle], indent + 1)
                out.append(f"{pad}else:")
                dispatch(heads[middle:], indent + 1)
                return
            for k, head in enumerate(heads):
                t = traces[head]
                out.append(f"{pad}{'if' if k == 0 else 'elif'} pc == {head:#x}:")
                out.append(f"{pad}    while True:")
                if t.longest:
                    out.append(f"{pad}        if fuel < {t.longest}:")
                    out.append(f"{pad}            return 1, pc, fuel, lpc, ({regs})")
                out.extend(f"{pad}        {'    ' * ind}{text}" for ind, text in t.lines)
            out.append(f"{pad}else:")
            out.append(f"{pad}    return 0, pc, fuel, lpc, ({regs})")

        dispatch(sorted(traces), 2)
        source = "\n".join(out) + "\n"
        namespace: dict = {"_div": _div, "_rem": _rem}
        kind = "steps" if single_step else "traces"
        exec(compile(source, f"<rv-fast {kind} of {self.name}>", "exec"), namespace)
        fn = namespace["_translated"]
        fn.source = source  # for a reader who wants to see what the guest became
        return fn


_PY_TRANSLATIONS = _ProgramCache(_PyTranslation)


def python_translation(program: Program) -> _PyTranslation:
    """The cached Python translation of a program (its `.function(False).source` is readable)."""
    return _PY_TRANSLATIONS.get(program)  # type: ignore[return-value]


# What the translated function gets besides pc, fuel, the last jalr's pc and the registers:
# memory (bytearray) and its views, the upper bounds for 4/2/1-byte accesses, then the helpers
# (syscall, slow load, slow store, illegal instruction, breakpoint, fetch fault).
TRANSLATED_ARGS = ("mem", "mw", "mh", "msb", "msh", "LW", "LH", "LB", "sc", "ld", "st", "ill", "brk", "nof")


def _views(memory: bytearray, width: int, fmt: str) -> tuple[memoryview, ...]:
    """Views of memory as `width`-byte items, view k starting at byte k (k < width)."""
    view = memoryview(memory)
    return tuple(view[k : k + (len(memory) - k) // width * width].cast(fmt) for k in range(width))


class _PythonRun:
    """One run on the Python path: the memory, the syscall world and the helpers that the
    translated code calls for everything off its fast path (they know the exact count)."""

    def __init__(self, program: Program, stdin: bytes, limits: Limits):
        if sys.byteorder != "little":  # pragma: no cover - the word views assume it
            raise RuntimeError("the rv-fast python path needs a little-endian host")
        self.program = program
        self.limits = limits
        self.memory = load_memory(program, limits)
        self.io = SyscallIO(stdin, limits)
        self.retired = 0
        self.sys_regs = [0] * 32

    def stopped(self, left: int) -> None:
        """Record the count at a stop: `left` steps were left before the stopping instruction."""
        self.retired = self.limits.max_steps - left

    def step_limit(self, pc: int, left: int) -> Trap | None:
        """rv-ref checks the step limit before each fetch: the trap when no step is left."""
        if left > 0:
            return None
        return _step_limit_trap(self.program, pc, self.limits.max_steps)

    # -- the helpers the translated code calls -----------------------------------------------
    def syscall(self, a0: int, a1: int, a2: int, a7: int, pc: int, left: int) -> int:
        """ecall: SyscallIO does the work; returns the new a0 (exit raises _Exit)."""
        regs = self.sys_regs
        regs[A0], regs[A1], regs[A2], regs[A7] = a0, a1, a2, a7
        self.stopped(left)
        self.io.ecall(regs, self.memory, self.program, pc)  # a Trap propagates: not retired
        if self.io.exit_code is not None:
            self.retired += 1
            raise _Exit
        return regs[A0]

    def load(self, address: int, width: int, signed: int, pc: int, left: int) -> int:
        """A load the fast path did not take: it faults (check_access raises rv-ref's trap)."""
        address &= MASK
        self.stopped(left)
        check_access(self.program, self.memory, pc, address, width, write=False)
        value = int.from_bytes(self.memory[address : address + width], "little")  # (kept exact anyway)
        return (value - ((value << 1) & (1 << (8 * width))) if signed else value) & MASK

    def store(self, address: int, width: int, value: int, pc: int, left: int) -> None:
        """A store the fast path did not take: it faults."""
        address &= MASK
        self.stopped(left)
        check_access(self.program, self.memory, pc, address, width, write=True)
        self.memory[address : address + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(width, "little")

    def illegal(self, pc: int, left: int) -> Trap:
        self.stopped(left)
        message = python_translation(self.program).decoded[(pc - self.program.text_start) >> 2]
        return self.step_limit(pc, left) or _illegal_trap(self.program, pc, str(message))

    def breakpoint(self, pc: int, left: int) -> Trap:
        self.stopped(left)
        return self.step_limit(pc, left) or _breakpoint_trap(self.program, pc)

    def no_fetch(self, pc: int, last_pc: int | None, left: int) -> Trap:
        self.stopped(left)
        return self.step_limit(pc, left) or _fetch_trap(self.program, pc, last_pc)

    # -- the driver -----------------------------------------------------------------------------
    def run(self) -> RunResult:
        program, memory = self.program, self.memory
        translation = python_translation(program)
        size = len(memory)
        args = (memory, _views(memory, 4, "I"), _views(memory, 2, "H"), memoryview(memory).cast("b"),
                _views(memory, 2, "h"), size - 3, size - 1, size, self.syscall, self.load, self.store,
                self.illegal, self.breakpoint, self.no_fetch)  # fmt: skip
        regs = [0] * 32
        regs[SP] = initial_sp(self.limits)
        pc, fuel, last_pc = program.entry, self.limits.max_steps, None
        single_step = False
        trap = None
        try:
            while True:
                fn = translation.function(single_step)
                status, pc, fuel, last_pc, values = fn(pc, fuel, last_pc, regs, *args)
                regs = [0, *values]
                if status == 1:  # not enough fuel for the next trace
                    if single_step:  # not enough for one instruction: the step limit
                        self.stopped(fuel)
                        raise self.step_limit(pc, fuel)  # type: ignore[misc]
                    single_step = True
                elif fuel <= 0:  # a pc without a trace, and no step left to fetch it
                    self.stopped(fuel)
                    raise self.step_limit(pc, fuel)  # type: ignore[misc]
                elif translation.fetchable(pc):  # a jalr to an unlabelled address
                    translation.add_root(pc)
                else:
                    raise self.no_fetch(pc, last_pc, fuel)
        except _Exit:
            pass
        except Trap as caught:
            trap = caught
        return _result(self.io, self.retired, trap)


# ==============================================================================================
# The numba path: one JIT-compiled interpreter over a pre-decoded table
# ==============================================================================================

# Opcodes of the table. The register-immediate ALU instructions share the register-register
# opcodes: their second operand is the immediate (as 32 bits) instead of a register (rs2 = -1).
(OP_ADD, OP_SUB, OP_SLL, OP_SLT, OP_SLTU, OP_XOR, OP_SRL, OP_SRA, OP_OR, OP_AND,
 OP_MUL, OP_MULH, OP_MULHSU, OP_MULHU, OP_DIV, OP_DIVU, OP_REM, OP_REMU,
 OP_BEQ, OP_BNE, OP_BLT, OP_BGE, OP_BLTU, OP_BGEU,
 OP_LB, OP_LH, OP_LW, OP_LBU, OP_LHU, OP_SB, OP_SH, OP_SW,
 OP_VALUE, OP_JAL, OP_JALR, OP_ECALL, OP_EBREAK, OP_ILLEGAL, OP_NO_FETCH) = range(39)  # fmt: skip
NB_OPCODES: dict[str, int] = {
    "add": OP_ADD, "sub": OP_SUB, "sll": OP_SLL, "slt": OP_SLT, "sltu": OP_SLTU, "xor": OP_XOR,
    "srl": OP_SRL, "sra": OP_SRA, "or": OP_OR, "and": OP_AND, "mul": OP_MUL, "mulh": OP_MULH,
    "mulhsu": OP_MULHSU, "mulhu": OP_MULHU, "div": OP_DIV, "divu": OP_DIVU, "rem": OP_REM,
    "remu": OP_REMU, "addi": OP_ADD, "slti": OP_SLT, "sltiu": OP_SLTU, "xori": OP_XOR,
    "ori": OP_OR, "andi": OP_AND, "slli": OP_SLL, "srli": OP_SRL, "srai": OP_SRA,
    "beq": OP_BEQ, "bne": OP_BNE, "blt": OP_BLT, "bge": OP_BGE, "bltu": OP_BLTU, "bgeu": OP_BGEU,
    "lb": OP_LB, "lh": OP_LH, "lw": OP_LW, "lbu": OP_LBU, "lhu": OP_LHU,
    "sb": OP_SB, "sh": OP_SH, "sw": OP_SW, "lui": OP_VALUE, "auipc": OP_VALUE,
    "jal": OP_JAL, "jalr": OP_JALR, "ecall": OP_ECALL, "ebreak": OP_EBREAK,
}  # fmt: skip
# Table columns. A row per text word, then sentinel rows, each standing for one fetch fault:
# the fall-through past the end of .text, and every static branch or jump target outside it.
C_OP, C_RD, C_RS1, C_RS2, C_IMM, C_TARGET, C_PC, C_LAST = range(8)
JUNK = 32  # the register that takes writes to x0 (and is never read)
# Why the kernel stopped. Every stop but S_ECALL ends the run.
S_STEP_LIMIT, S_ECALL, S_BREAKPOINT, S_ILLEGAL, S_NO_FETCH, S_LOAD_FAULT, S_STORE_FAULT = range(1, 8)
# The lane state vector: next row, retired, max steps, then what the stop reports.
ST_ROW, ST_RETIRED, ST_MAX_STEPS, ST_PC, ST_ADDRESS, ST_WIDTH, ST_LAST = range(7)
ST_SIZE = 8
MAX_STEPS_CAP = 1 << 62  # a step limit beyond int64 (never reached) is held as this


@dataclass(frozen=True)
class NumbaTable:
    """A program pre-decoded for the numba kernel."""

    code: np.ndarray  # int64 [rows, 8]
    n_text: int  # rows that are text words; the sentinel rows follow
    messages: dict[int, str]  # pc -> IllegalInstruction message of an undecodable word


def _numba_table(program: Program) -> NumbaTable:
    decoded = _decode_text(program)
    start, n_text = program.text_start, len(decoded)
    rows: list[list[int]] = []
    text_stop = start + 4 * n_text  # the first pc past the fetchable words
    sentinels: list[list[int]] = [[OP_NO_FETCH, JUNK, 0, -1, 0, 0, text_stop, text_stop - 4]]
    messages: dict[int, str] = {}
    for index, d in enumerate(decoded):
        pc = start + 4 * index
        row = [OP_ILLEGAL, JUNK, 0, -1, 0, 0, pc, -1]
        rows.append(row)
        if isinstance(d, str):
            messages[pc] = d
            continue
        m, fmt = d.mnemonic, d.fmt
        row[C_OP] = NB_OPCODES[m]
        if fmt in WRITES_RD and d.rd:
            row[C_RD] = d.rd
        row[C_RS1] = d.rs1
        if fmt in ("R", "S", "B"):
            row[C_RS2] = d.rs2
        if m == "lui":
            row[C_IMM] = d.imm & MASK  # the value written
        elif m == "auipc":
            row[C_IMM] = (pc + d.imm) & MASK
        elif m == "jal":
            row[C_IMM] = (pc + 4) & MASK  # the link
        elif fmt in ("I", "IS") and m != "jalr":
            row[C_IMM] = d.imm & MASK  # the second ALU operand, as 32 bits
        else:
            row[C_IMM] = d.imm  # a load/store/jalr offset (branch targets go to C_TARGET)
        if fmt in ("B", "J"):
            target = (pc + d.imm) & MASK
            if _fetchable(program, target):
                row[C_TARGET] = (target - start) >> 2
            else:
                row[C_TARGET] = n_text + len(sentinels)
                sentinels.append([OP_NO_FETCH, JUNK, 0, -1, 0, 0, target, pc])
    code = np.array(rows + sentinels, dtype=np.int64).reshape(-1, 8)
    return NumbaTable(code, n_text, messages)


_NUMBA_TABLES = _ProgramCache(_numba_table)


def _lane_kernel(code, base, text_start, n_text, rw_start, size, regs, mem, mem16, mem32, st):
    """Run one lane from st[ST_ROW] until an ecall, a trap or the step limit (numba-compiled).

    `code` rows of this lane's program start at `base`; memory is mem[:size] (mem16 and mem32
    are views of the same bytes). Returns the stop status; st holds what it reports.
    """
    row_index = st[ST_ROW]
    retired = st[ST_RETIRED]
    limit = st[ST_MAX_STEPS]
    status = 0
    pc = 0
    address = 0
    width = 0
    last = -1
    while True:
        row = base + row_index
        if retired >= limit:
            status = S_STEP_LIMIT
            pc = code[row, C_PC]
            break
        op = code[row, C_OP]
        rd = code[row, C_RD]
        a = regs[code[row, C_RS1]]
        rs2 = code[row, C_RS2]
        imm = code[row, C_IMM]
        b = imm if rs2 < 0 else regs[rs2]
        following = row_index + 1
        if op == OP_ADD:
            regs[rd] = (a + b) & 0xFFFFFFFF
        elif op == OP_SUB:
            regs[rd] = (a - b) & 0xFFFFFFFF
        elif op == OP_SLL:
            regs[rd] = (a << (b & 31)) & 0xFFFFFFFF
        elif op == OP_SLT:
            regs[rd] = 1 if (a ^ 0x80000000) < (b ^ 0x80000000) else 0
        elif op == OP_SLTU:
            regs[rd] = 1 if a < b else 0
        elif op == OP_XOR:
            regs[rd] = a ^ b
        elif op == OP_SRL:
            regs[rd] = a >> (b & 31)
        elif op == OP_SRA:
            regs[rd] = (((a ^ 0x80000000) - 0x80000000) >> (b & 31)) & 0xFFFFFFFF
        elif op == OP_OR:
            regs[rd] = a | b
        elif op == OP_AND:
            regs[rd] = a & b
        elif op == OP_MUL:
            regs[rd] = (a * b) & 0xFFFFFFFF  # wraps in 64 bits: the low 32 are exact
        elif op == OP_MULH:
            product = ((a ^ 0x80000000) - 0x80000000) * ((b ^ 0x80000000) - 0x80000000)  # fits in 63 bits
            regs[rd] = (product >> 32) & 0xFFFFFFFF
        elif op == OP_MULHSU:
            regs[rd] = ((((a ^ 0x80000000) - 0x80000000) * b) >> 32) & 0xFFFFFFFF
        elif op == OP_MULHU:
            regs[rd] = np.int64((np.uint64(a) * np.uint64(b)) >> np.uint64(32))
        elif op == OP_DIV or op == OP_REM:
            sa = (a ^ 0x80000000) - 0x80000000
            sb = (b ^ 0x80000000) - 0x80000000
            if sb == 0:
                q, r = -1, sa
            elif sa == -0x80000000 and sb == -1:
                q, r = sa, 0
            else:
                q = abs(sa) // abs(sb)
                if (sa < 0) != (sb < 0):
                    q = -q
                r = sa - sb * q
            regs[rd] = (q if op == OP_DIV else r) & 0xFFFFFFFF
        elif op == OP_DIVU:
            regs[rd] = a // b if b else 0xFFFFFFFF
        elif op == OP_REMU:
            regs[rd] = a % b if b else a
        elif op == OP_BEQ:
            if a == b:
                following = code[row, C_TARGET]
        elif op == OP_BNE:
            if a != b:
                following = code[row, C_TARGET]
        elif op == OP_BLT:
            if (a ^ 0x80000000) < (b ^ 0x80000000):
                following = code[row, C_TARGET]
        elif op == OP_BGE:
            if (a ^ 0x80000000) >= (b ^ 0x80000000):
                following = code[row, C_TARGET]
        elif op == OP_BLTU:
            if a < b:
                following = code[row, C_TARGET]
        elif op == OP_BGEU:
            if a >= b:
                following = code[row, C_TARGET]
        elif op <= OP_LHU:  # loads
            address = (a + imm) & 0xFFFFFFFF
            width = 4 if op == OP_LW else (2 if op == OP_LH or op == OP_LHU else 1)
            if address < 0x10000 or address + width > size:
                status = S_LOAD_FAULT
                pc = code[row, C_PC]
                break
            if width == 1:
                value = np.int64(mem[address])
            elif width == 2:
                if address & 1:
                    value = np.int64(mem[address]) | (np.int64(mem[address + 1]) << 8)
                else:
                    value = np.int64(mem16[address >> 1])
            elif address & 3:
                value = (np.int64(mem[address]) | (np.int64(mem[address + 1]) << 8)
                         | (np.int64(mem[address + 2]) << 16) | (np.int64(mem[address + 3]) << 24))
            else:
                value = np.int64(mem32[address >> 2])
            if op == OP_LB:
                value = ((value ^ 0x80) - 0x80) & 0xFFFFFFFF
            elif op == OP_LH:
                value = ((value ^ 0x8000) - 0x8000) & 0xFFFFFFFF
            regs[rd] = value
        elif op <= OP_SW:  # stores
            address = (a + imm) & 0xFFFFFFFF
            width = 4 if op == OP_SW else (2 if op == OP_SH else 1)
            if address < rw_start or address + width > size:
                status = S_STORE_FAULT
                pc = code[row, C_PC]
                break
            if width == 4 and not address & 3:
                mem32[address >> 2] = np.uint32(b & 0xFFFFFFFF)
            elif width == 2 and not address & 1:
                mem16[address >> 1] = np.uint16(b & 0xFFFF)
            else:
                for k in range(width):
                    mem[address + k] = np.uint8((b >> (8 * k)) & 0xFF)
        elif op == OP_VALUE:  # lui, auipc: the value was computed when the table was made
            regs[rd] = imm
        elif op == OP_JAL:
            regs[rd] = imm
            following = code[row, C_TARGET]
        elif op == OP_JALR:
            target = (a + imm) & 0xFFFFFFFE
            pc = code[row, C_PC]
            regs[rd] = (pc + 4) & 0xFFFFFFFF
            retired += 1
            offset = target - text_start
            if (target & 3) or offset < 0 or offset >= 4 * n_text:  # retired; the fetch fails
                status = S_STEP_LIMIT if retired >= limit else S_NO_FETCH
                last = pc
                pc = target
                break
            row_index = offset >> 2
            continue
        elif op == OP_ECALL:
            status = S_ECALL
            pc = code[row, C_PC]
            break
        elif op == OP_EBREAK:
            status = S_BREAKPOINT
            pc = code[row, C_PC]
            break
        elif op == OP_ILLEGAL:
            status = S_ILLEGAL
            pc = code[row, C_PC]
            break
        else:  # OP_NO_FETCH: a sentinel row
            status = S_NO_FETCH
            pc = code[row, C_PC]
            last = code[row, C_LAST]
            break
        retired += 1
        row_index = following
    st[ST_ROW] = row_index
    st[ST_RETIRED] = retired
    st[ST_PC] = pc
    st[ST_ADDRESS] = address
    st[ST_WIDTH] = width
    st[ST_LAST] = last
    return status


@dataclass(frozen=True)
class _Kernels:
    numba: object
    lane: Callable


_KERNELS: _Kernels | None = None
_KERNELS_LOCK = threading.Lock()


def _jit(numba, fn: Callable, **options) -> Callable:
    """njit with the on-disk cache where it can be written (numba raises at decoration when no
    cache location is writable: then compile per process)."""
    try:
        return numba.njit(cache=True, nogil=True, **options)(fn)
    except Exception:  # no writable cache directory (NUMBA_CACHE_DIR can name one)
        return numba.njit(nogil=True, **options)(fn)


def numba_kernels() -> _Kernels:
    """The numba kernel, compiled (or loaded from the cache) once per process."""
    global _KERNELS
    with _KERNELS_LOCK:
        if _KERNELS is None:
            resolve_path("numba")
            import numba

            _KERNELS = _Kernels(numba, _jit(numba, _lane_kernel))
        return _KERNELS


class _ArrayMemory:
    """A numpy uint8 array seen as the bytearray that SyscallIO and check_access expect."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray):
        self.array = array

    def __len__(self) -> int:
        return self.array.shape[0]

    def __getitem__(self, key: slice) -> bytes:
        return self.array[key].tobytes()

    def __setitem__(self, key: slice, data: bytes) -> None:
        self.array[key] = np.frombuffer(data, dtype=np.uint8)


def _new_memory(program: Program, limits: Limits, out: np.ndarray | None = None) -> np.ndarray:
    """The loaded image in a zeroed numpy array (np.zeros pages are mapped lazily)."""
    limits.check(program)
    memory = np.zeros(limits.memory_size, dtype=np.uint8) if out is None else out
    for address, data in program.segments:
        memory[address : address + len(data)] = np.frombuffer(data, dtype=np.uint8)
    return memory


def _start_trap(program: Program, limits: Limits) -> Trap | None:
    """The trap before the first instruction, when the entry point cannot be fetched."""
    if _fetchable(program, program.entry):
        return None
    if limits.max_steps <= 0:
        return _step_limit_trap(program, program.entry, limits.max_steps)
    return _fetch_trap(program, program.entry, None)


def _service(program: Program, table: NumbaTable, io: SyscallIO, limits: Limits, regs: np.ndarray,
             memory: np.ndarray, st: np.ndarray, status: int) -> tuple[bool, Trap | None]:  # fmt: skip
    """Handle one kernel stop: perform an ecall (the lane may go on), or build the trap.
    Returns (finished, trap)."""
    pc = int(st[ST_PC])
    if status == S_ECALL:
        values = regs[:32].tolist()
        try:
            io.ecall(values, _ArrayMemory(memory), program, pc)  # type: ignore[arg-type]
        except Trap as trap:
            return True, trap
        regs[A0] = values[A0]
        st[ST_RETIRED] += 1
        st[ST_ROW] += 1
        return io.exit_code is not None, None
    if status == S_STEP_LIMIT:
        return True, _step_limit_trap(program, pc, limits.max_steps)
    if status == S_NO_FETCH:
        last = int(st[ST_LAST])
        return True, _fetch_trap(program, pc, last if last >= 0 else None)
    if status == S_ILLEGAL:
        return True, _illegal_trap(program, pc, table.messages[pc])
    if status == S_BREAKPOINT:
        return True, _breakpoint_trap(program, pc)
    try:
        check_access(program, _ArrayMemory(memory), pc, int(st[ST_ADDRESS]), int(st[ST_WIDTH]),
                     write=status == S_STORE_FAULT)  # type: ignore[arg-type]  # fmt: skip
    except Trap as trap:
        return True, trap
    raise AssertionError(f"kernel reported a fault that check_access allows (status {status})")


class _NumbaRun:
    """One run on the numba path."""

    def __init__(self, program: Program, stdin: bytes, limits: Limits):
        self.program = program
        self.limits = limits
        self.memory = _new_memory(program, limits)
        self.io = SyscallIO(stdin, limits)

    def run(self) -> RunResult:
        program, limits, memory = self.program, self.limits, self.memory
        trap = _start_trap(program, limits)
        if trap is not None:
            return _result(self.io, 0, trap)
        kernels = numba_kernels()
        table: NumbaTable = _NUMBA_TABLES.get(program)  # type: ignore[assignment]
        regs = np.zeros(JUNK + 1, dtype=np.int64)
        regs[SP] = initial_sp(limits)
        st = np.zeros(ST_SIZE, dtype=np.int64)
        st[ST_ROW] = (program.entry - program.text_start) >> 2
        st[ST_MAX_STEPS] = min(limits.max_steps, MAX_STEPS_CAP)
        mem16, mem32 = memory.view(np.uint16), memory.view(np.uint32)
        finished = False
        while not finished:
            status = kernels.lane(table.code, 0, program.text_start, table.n_text, program.rw_start,
                                  len(memory), regs, memory, mem16, mem32, st)  # fmt: skip
            finished, trap = _service(program, table, self.io, limits, regs, memory, st, status)
        return _result(self.io, int(st[ST_RETIRED]), trap)


# ==============================================================================================
# The public API
# ==============================================================================================


class FastMachine:
    """Runs one Program on one input with rv-fast. `run()` returns a RunResult (it never raises
    a Trap); afterwards `.memory` is the final address space (a bytearray on the python path, a
    numpy uint8 array on the numba path), for `machine.written_bytes`."""

    def __init__(self, program: Program, stdin: bytes = b"", limits: Limits | None = None,
                 path: str = "auto"):  # fmt: skip
        self.program = program
        self.limits = limits or Limits()
        self.path = resolve_path(path)
        runner = _NumbaRun if self.path == "numba" else _PythonRun
        self._runner: _PythonRun | _NumbaRun = runner(program, stdin, self.limits)
        self.memory: bytearray | np.ndarray = self._runner.memory

    def run(self) -> RunResult:
        return self._runner.run()


def run(program: Program, stdin: bytes = b"", limits: Limits | None = None, path: str = "auto") -> RunResult:
    """Run a program on rv-fast (the same RunResult as rv-ref's `ref.run`)."""
    return FastMachine(program, stdin, limits, path).run()


class ManyResults(list):
    """`run_many`'s answer: the lanes' RunResults in lane order (a plain list of them), with
    `.memories[i]`, lane i's final memory (for `machine.written_bytes(program_i, memories[i])`)."""

    def __init__(self, results: Sequence[RunResult], memories: Sequence):
        super().__init__(results)
        self.memories = list(memories)


def run_many(
    program_or_programs: Program | Sequence[Program],
    stdins: Sequence[bytes],
    limits: Limits | Sequence[Limits] | None = None,
    threads: int | None = None,
    path: str = "auto",
) -> ManyResults:
    """Run many lanes: lane i runs program i (or the one program) on stdins[i] under limits
    (one Limits for all lanes, or one per lane). Each lane's result equals rv-ref's.

    With numba the lanes run in parallel on `threads` worker threads (default: numba's thread
    count): each worker takes the next lane and runs it to its end, the kernel (which releases
    the GIL) until an ecall or a stop, Python servicing the syscall, the kernel again. Without
    numba (or path="python") the lanes run one after another on the python path.
    """
    lanes = len(stdins)
    if isinstance(program_or_programs, Program):
        programs = [program_or_programs] * lanes
    else:
        programs = list(program_or_programs)
        if len(programs) != lanes:
            raise ValueError(f"got {len(programs)} programs for {lanes} inputs")
    if limits is None or isinstance(limits, Limits):
        lane_limits = [limits or Limits()] * lanes
    else:
        lane_limits = list(limits)
        if len(lane_limits) != lanes:
            raise ValueError(f"got {len(lane_limits)} limits for {lanes} inputs")
    if resolve_path(path) == "python":
        lanes_in = zip(programs, stdins, lane_limits, strict=True)
        machines = [FastMachine(p, s, lim, "python") for p, s, lim in lanes_in]
        return ManyResults([m.run() for m in machines], [m.memory for m in machines])
    return _run_many_numba(programs, list(stdins), lane_limits, threads)


def _run_many_numba(programs: list[Program], stdins: list[bytes], lane_limits: list[Limits],
                    threads: int | None) -> ManyResults:  # fmt: skip
    """Each lane runs to its end on one worker thread (the kernel releases the GIL; servicing a
    syscall takes it briefly), the workers taking lanes in order as they finish. There is no
    barrier between lanes: a lane's syscalls never wait for the other lanes (with a parallel
    kernel per syscall round they did, and under oversubscribed cores each round could cost
    milliseconds of spinning)."""
    lanes = len(stdins)
    for program, lim in zip(programs, lane_limits, strict=True):
        lim.check(program)
    sizes = [lim.memory_size for lim in lane_limits]
    width = max(sizes) if lanes else 16
    memory = np.zeros((lanes, width), dtype=np.uint8)  # lazily mapped pages: untouched ones cost nothing
    mem16, mem32 = memory.view(np.uint16), memory.view(np.uint32)
    results: list[RunResult | None] = [None] * lanes
    pending = []
    for lane, (program, lim) in enumerate(zip(programs, lane_limits, strict=True)):
        _new_memory(program, lim, memory[lane])
        trap = _start_trap(program, lim)
        if trap is None:
            pending.append(lane)
        else:
            results[lane] = _result(SyscallIO(stdins[lane], lim), 0, trap)
    if pending:
        kernels = numba_kernels()
        numba = kernels.numba
        workers = threads if threads is not None else numba.get_num_threads()  # type: ignore[attr-defined]
        workers = max(1, min(workers, len(pending)))
        work = iter(pending)
        lock = threading.Lock()
        errors: list[BaseException] = []

        def worker() -> None:
            while not errors:
                with lock:
                    lane = next(work, None)
                if lane is None:
                    return
                program, lim = programs[lane], lane_limits[lane]
                table: NumbaTable = _NUMBA_TABLES.get(program)  # type: ignore[assignment]
                io = SyscallIO(stdins[lane], lim)
                regs = np.zeros(JUNK + 1, dtype=np.int64)
                regs[SP] = initial_sp(lim)
                st = np.zeros(ST_SIZE, dtype=np.int64)
                st[ST_ROW] = (program.entry - program.text_start) >> 2
                st[ST_MAX_STEPS] = min(lim.max_steps, MAX_STEPS_CAP)
                lane_memory = memory[lane, : lim.memory_size]
                finished, trap = False, None
                while not finished:
                    status = kernels.lane(table.code, 0, program.text_start, table.n_text, program.rw_start,
                                          lim.memory_size, regs, memory[lane], mem16[lane], mem32[lane],
                                          st)  # fmt: skip
                    finished, trap = _service(program, table, io, lim, regs, lane_memory, st, status)
                results[lane] = _result(io, int(st[ST_RETIRED]), trap)

        def guarded() -> None:
            try:
                worker()
            except BaseException as err:  # re-raised in the caller's thread
                errors.append(err)

        if workers == 1:
            worker()
        else:
            pool = [threading.Thread(target=guarded, name=f"rv-fast lanes {k}") for k in range(workers)]
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join()
            if errors:
                raise errors[0]
    memories = [memory[lane, : lim.memory_size] for lane, lim in enumerate(lane_limits)]
    return ManyResults(results, memories)  # type: ignore[arg-type]
