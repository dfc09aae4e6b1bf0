"""rv-fast against rv-ref, on every available path: the same RunResult (output, stderr, exit code,
retired instructions, trap kind/pc/source/message) and the same written_bytes of the final memory.

Every test runs on each path of `fast.PATHS`; a path that is not installed (numba) is skipped
with the reason, not left out.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isabench.rv import fast
from isabench.rv.assembler import Program, assemble, assemble_file
from isabench.rv.errors import TRAP_KINDS
from isabench.rv.isa import mnemonics
from isabench.rv.machine import Limits, LimitsError, RunResult, written_bytes
from isabench.rv.ref import ReferenceMachine
from isabench.tasks import TASKS
from tests.rv.test_traps_and_limits import TRAPS

CORPUS = Path(__file__).parent / "corpus"
CORPUS_PROGRAMS = sorted(CORPUS.glob("*.s"))
LOOP = Path(__file__).parents[2] / "benchmarks" / "programs" / "loop.s"
EXIT = "  li a7, 93\n  ecall\n"
SMALL = Limits(max_steps=100_000, memory_size=0x40000)  # small memory: cheap runs, reachable top

PATHS = [
    pytest.param(path, marks=pytest.mark.skipif(
        path not in fast.available_paths(), reason=f"rv-fast path {path!r} needs numba (not installed)"))
    for path in fast.PATHS
]  # fmt: skip


@functools.cache
def corpus_program(path: Path) -> Program:
    return assemble_file(path)


@functools.cache
def task_program(name: str) -> Program:
    return assemble_file(TASKS[name].program_path)


def reference(program: Program, stdin: bytes, limits: Limits | None) -> tuple:
    machine = ReferenceMachine(program, stdin, limits)
    result = machine.run()
    return result, written_bytes(program, machine.memory)


def assert_same(program: Program, stdin: bytes = b"", limits: Limits | None = None, *, path: str,
                expected: tuple | None = None) -> RunResult:  # fmt: skip
    """rv-fast on `path` equals rv-ref on this program, input and limits."""
    want, want_written = expected or reference(program, stdin, limits)
    machine = fast.FastMachine(program, stdin, limits, path)
    got = machine.run()
    assert got == want
    assert str(got.trap) == str(want.trap)
    assert written_bytes(program, machine.memory) == want_written
    return got


# -- programs: the corpus, the battery, the benchmark loop --------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("source", CORPUS_PROGRAMS, ids=lambda p: p.stem)
def test_corpus(source: Path, path: str) -> None:
    stdin = source.with_suffix(".in").read_bytes() if source.with_suffix(".in").exists() else b""
    assert_same(corpus_program(source), stdin, path=path)


@functools.cache
def battery_reference(name: str, size: int, index: int) -> tuple[bytes, tuple]:
    item = TASKS[name].item(size, seed=7, index=index)
    stdin = item.input.encode()
    return stdin, reference(task_program(name), stdin, SMALL)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", list(TASKS))
def test_battery(name: str, path: str) -> None:
    """Each battery program on items at its smallest, middle and largest default size."""
    sizes = TASKS[name].sizes
    for size in sorted({sizes[0], sizes[len(sizes) // 2], sizes[-1]}):
        for index in range(2):
            stdin, expected = battery_reference(name, size, index)
            result = assert_same(task_program(name), stdin, SMALL, path=path, expected=expected)
            assert result.trap is None and result.exit_code == 0


@pytest.mark.parametrize("path", PATHS)
def test_loop_benchmark_program(path: str) -> None:
    assert_same(assemble_file(LOOP), b"0000000300\n", path=path)


# -- traps, limits, syscalls --------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("source", "kind"), [(t[0], t[1]) for t in TRAPS],
                         ids=[f"{t[1]}-{i}" for i, t in enumerate(TRAPS)])  # fmt: skip
def test_trap_kinds(source: str, kind: str, path: str) -> None:
    result = assert_same(assemble(source, "trap.s"), b"input", Limits(max_steps=1000), path=path)
    assert result.trap.kind == kind


OUTPUT_LIMIT = "_start:\n  la a1, _start\n  li a2, 64\n  li a7, 64\n1: li a0, 1\n  ecall\n  j 1b\n"


@pytest.mark.parametrize("path", PATHS)
def test_every_trap_kind_including_output_limit(path: str) -> None:
    kinds = set()
    for source, *_ in TRAPS:
        kinds.add(assert_same(assemble(source), b"x", Limits(max_steps=1000), path=path).trap.kind)
    limited = assert_same(assemble(OUTPUT_LIMIT), limits=Limits(max_output_bytes=1000), path=path)
    kinds.add(limited.trap.kind)
    assert len(limited.output) == 960
    assert kinds == set(TRAP_KINDS)


# Odd corners: loads and stores at every alignment and at the ends of memory, EBADF, stderr,
# an undecodable word that is never reached, a jalr into an address with no label.
CORNERS = {
    "unaligned": "_start:\n  la s0, buf\n  li t0, 0x80fffe01\n  sw t0, 1(s0)\n  sh t0, 7(s0)\n"
                 "  lw a0, 1(s0)\n  lh a1, 7(s0)\n  lhu a2, 7(s0)\n  lb a3, 4(s0)\n  lbu a4, 4(s0)\n"
                 "  lw a5, 3(s0)\n  lh a6, 3(s0)\n  add a0, a0, a1\n  add a0, a0, a2\n  add a0, a0, a3\n"
                 "  add a0, a0, a4\n  add a0, a0, a5\n  add a0, a0, a6\n" + EXIT
                 + "  .data\nbuf: .space 16\n",
    "top_of_memory": "_start:\n  li t0, -1\n  sw t0, -4(sp)\n  sh t0, -2(sp)\n  sb t0, -1(sp)\n"
                     "  lw a0, -4(sp)\n  lhu a1, -2(sp)\n  lw a0, -3(sp)\n" + EXIT,
    "store_past_top": "_start:\n  sh a0, -1(sp)\n" + EXIT,
    "load_past_top": "_start:\n  lhu a0, -1(sp)\n" + EXIT,
    "read_at_floor": "_start:\n  li t0, 0x10000\n  lw a0, 0(t0)\n  lb a1, -1(t0)\n" + EXIT,
    "store_into_rodata": "_start:\n  la t0, msg\n  sb a0, 0(t0)\n" + EXIT
                         + "  .section .rodata\nmsg: .byte 1\n",
    "ebadf_and_stderr": "_start:\n  li a0, 2\n  la a1, msg\n  li a2, 3\n  li a7, 64\n  ecall\n"
                        "  li a0, 7\n  li a7, 63\n  ecall\n  mv s0, a0\n  li a0, 9\n  li a7, 64\n  ecall\n"
                        "  add a0, a0, s0\n" + EXIT + "  .data\nmsg: .ascii \"err\"\n",
    "read_into_text": "_start:\n  li a0, 0\n  la a1, _start\n  li a2, 4\n  li a7, 63\n  ecall\n" + EXIT,
    "zero_length_io": "_start:\n  li a0, 1\n  li a1, 4\n  li a2, 0\n  li a7, 64\n  ecall\n"
                      "  li a0, 0\n  li a7, 63\n  ecall\n" + EXIT,
    "exit_group": "_start:\n  li a0, 300\n  li a7, 94\n  ecall\n",
    "unreached_illegal_word": "_start:\n  li a0, 3\n" + EXIT + "  .word 0xffffffff\n  .word 0\n",
    "jalr_unlabelled": "_start:\n  auipc t0, 0\n  jalr ra, 16(t0)\n  li a0, 5\n" + EXIT
                       + "  li a0, 9\n  addi a0, a0, 1\n  jr ra\n",
    "jalr_misaligned": "_start:\n  auipc t0, 0\n  jalr ra, 14(t0)\n" + EXIT,
    "jalr_into_data": "_start:\n  la t0, buf\n  jr t0\n  .data\nbuf: .word 0x13\n",
    "branch_out_of_text": "_start:\n  li t0, 1\n  bnez t0, 1f\n  nop\n1:\n",
    "text_ends_mid_word": "_start:\n  j 1f\n  .byte 1\n  .align 2\n1: li a0, 2\n  j 2f\n2: .byte 0x93\n"
                          "  .section .rodata\n  .byte 0x05, 0x10, 0x00\n",  # the last word reaches rodata
    "x0_writes": "_start:\n  li a0, 4\n  addi zero, zero, 5\n  lw zero, 0(sp)\n  add a0, a0, zero\n" + EXIT,
    "x0_load_faults": "_start:\n  lw zero, 0(zero)\n" + EXIT,
    "self_loop_branch": "_start:\n  li t0, 50\n1: addi t0, t0, -1\n  bnez t0, 1b\n  beq zero, zero, 2f\n"
                        "  ebreak\n2: bne zero, zero, 1b\n  mv a0, t0\n" + EXIT,
    "division_edges": "_start:\n  li t0, 0x80000000\n  li t1, -1\n  div a0, t0, t1\n  rem a1, t0, t1\n"
                      "  div a2, t0, zero\n  rem a3, t1, zero\n  divu a4, t0, zero\n  remu a5, t0, zero\n"
                      "  li t2, -7\n  li t3, 2\n  div a6, t2, t3\n  rem a7, t2, t3\n  xor a0, a0, a1\n"
                      "  xor a0, a0, a2\n  xor a0, a0, a3\n  xor a0, a0, a4\n  xor a0, a0, a5\n"
                      "  xor a0, a0, a6\n  xor a0, a0, a7\n  li a7, 93\n  ecall\n",
}  # fmt: skip


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", list(CORNERS))
def test_corners(name: str, path: str) -> None:
    assert_same(assemble(CORNERS[name], f"{name}.s"), b"abcdefgh", SMALL, path=path)


def entry_outside_text() -> Program:
    """A Program whose entry cannot be fetched (the assembler never makes one)."""
    program = assemble("_start:\n" + EXIT)
    return dataclasses.replace(program, entry=program.text_end)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("entry", ["outside", "misaligned"])
def test_entry_that_cannot_be_fetched(path: str, entry: str) -> None:
    program = entry_outside_text()
    if entry == "misaligned":
        program = dataclasses.replace(program, entry=program.text_start + 2)
    assert_same(program, path=path)
    assert_same(program, limits=Limits(max_steps=0), path=path)


@pytest.mark.parametrize("path", PATHS)
def test_limits_that_cannot_work_raise_like_rv_ref(path: str) -> None:
    with pytest.raises(LimitsError):
        fast.run(assemble("_start:\n" + EXIT), limits=Limits(memory_size=0x10010), path=path)


# A loop with a call, a data-dependent branch, a load/store and a write per iteration: sweeping
# max_steps over every value up to the exact count puts the limit inside every block, on every
# branch, jump, call, return and ecall.
SWEEP = """_start:
  li s0, 6
  la s1, buf
1: mv a0, s0
  call f
  andi t0, s0, 1
  beqz t0, 2f
  sw a0, 0(s1)
  lw t1, 0(s1)
  add s2, s2, t1
2: li a0, 1
  mv a1, s1
  li a2, 1
  li a7, 64
  ecall
  addi s0, s0, -1
  bnez s0, 1b
  mv a0, s2
  li a7, 93
  ecall
f: slli a0, a0, 1
  addi a0, a0, 3
  ret
  .data
buf: .word 0x41424344
"""


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("source", ["sweep", "loop"])
def test_step_limit_sweep(source: str, path: str) -> None:
    """Every max_steps from 0 to the exact count + 1: traps at the same step, pc and line."""
    program = assemble(SWEEP, "sweep.s") if source == "sweep" else assemble_file(LOOP)
    stdin = b"" if source == "sweep" else b"0000000020\n"
    count = ReferenceMachine(program, stdin).run().retired_instructions
    for max_steps in range(count + 2):
        result = assert_same(program, stdin, Limits(max_steps=max_steps, memory_size=0x40000), path=path)
        assert (result.trap is None) == (max_steps >= count)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", ["collatz", "sort", "mul"])
def test_step_limit_edges_on_battery(name: str, path: str) -> None:
    """N - 1, N, N + 1 around the exact count, and limits inside the long hot loops."""
    stdin = TASKS[name].item(TASKS[name].sizes[-1], seed=3).input.encode()
    program = task_program(name)
    count = ReferenceMachine(program, stdin, SMALL).run().retired_instructions
    for max_steps in (count - 1, count, count + 1, count // 2, count // 3 + 1, 97, 1000):
        assert_same(program, stdin, Limits(max_steps=max_steps, memory_size=SMALL.memory_size), path=path)


# -- random programs ------------------------------------------------------------------------

ALU_REGS = ["t0", "t1", "t2", "a0", "a1", "a2", "a3", "s0", "s1", "t4", "t5"]
R_OPS, I_OPS, SHIFT_OPS = mnemonics("R"), mnemonics("I", but=("jalr",)), mnemonics("IS")
LOADS, STORES, BRANCHES = mnemonics("L"), mnemonics("S"), mnemonics("B")

reg = st.sampled_from(ALU_REGS)
any_reg = st.sampled_from([*ALU_REGS, "zero"])
edge = st.one_of(
    st.integers(-(1 << 31), (1 << 32) - 1),
    st.sampled_from([0, 1, -1, 2, 31, 32, 33, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x800, -2048,
                     0x7FF, 0xFFFF, 0x8000, 0x80, 0xFF]),
)  # fmt: skip
alu = st.one_of(
    st.builds("{} {}, {}, {}".format, st.sampled_from(R_OPS), reg, any_reg, any_reg),
    st.builds("{} {}, {}, {}".format, st.sampled_from(I_OPS), reg, any_reg, st.integers(-2048, 2047)),
    st.builds("{} {}, {}, {}".format, st.sampled_from(SHIFT_OPS), reg, any_reg, st.integers(0, 31)),
    st.builds("{} {}, {}".format, st.sampled_from(["lui", "auipc"]), reg, st.integers(0, 0xFFFFF)),
    st.builds("li {}, {}".format, reg, edge),
)


def dump_program(ops: list[str]) -> str:
    """Straight-line ops, then every register written to stdout, then exit."""
    lines = ["_start:", "  la t6, dump", *[f"  {op}" for op in ops]]
    lines += [f"  sw x{i}, {4 * i}(t6)" for i in range(1, 31) if i != 2]
    lines += ["  li a0, 1", "  mv a1, t6", "  li a2, 124", "  li a7, 64", "  ecall", EXIT, "  .bss",
              "dump: .space 128"]  # fmt: skip
    return "\n".join(lines) + "\n"


RANDOM = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("path", PATHS)
@RANDOM
@given(ops=st.lists(alu, min_size=1, max_size=60))
def test_random_straight_line_alu(path: str, ops: list[str]) -> None:
    assert_same(assemble(dump_program(ops), "alu.s"), limits=SMALL, path=path)


def control_program(draw) -> str:
    """A random program with labels, branches both ways, jumps, calls, indirect jumps (some to
    unlabelled or misaligned addresses), loads and stores (some faulting), syscalls and the odd
    trap: it may exit, trap, or run into the step limit."""
    n = draw(st.integers(3, 30))
    labels = draw(st.lists(st.integers(0, n), min_size=1, max_size=6))
    target = st.integers(0, len(labels) - 1).map(lambda k: f"L{k}")
    offset = st.integers(-12, 40)
    piece = st.one_of(
        alu, alu, alu,
        st.builds("{} {}, {}(s2)".format, st.sampled_from(LOADS), reg, offset),
        st.builds("{} {}, {}(s2)".format, st.sampled_from(STORES), any_reg, offset),
        st.builds("{} {}, {}(sp)".format, st.sampled_from(LOADS + STORES), reg, st.integers(-8, 4)),
        st.builds("{} {}, {}, {}".format, st.sampled_from(BRANCHES), any_reg, any_reg, target),
        st.builds("{} {}, {}, {}".format, st.sampled_from(BRANCHES), any_reg, any_reg, target),
        st.builds("addi {0}, {0}, -1\n  bnez {0}, {1}".format, reg, target),  # a counted loop
        st.builds("j {}".format, target),
        st.builds("jal ra, {}".format, target),
        st.builds("la t3, {}\n  jalr {}, {}(t3)".format, target, st.sampled_from(["zero", "ra"]),
                  st.sampled_from([0, 0, 4, 8, 2, -4])),
        st.builds("li a0, {}\n  mv a1, s2\n  li a2, {}\n  li a7, {}\n  ecall".format,
                  st.sampled_from([0, 1, 2, 5]), st.integers(0, 12), st.sampled_from([63, 64, 64])),
        st.sampled_from(["ebreak", ".word 0xffffffff", "li a7, 99\n  ecall", "li a7, 93\n  ecall",
                         "lw a0, 0(a3)", "sb a0, 3(t1)", "jalr zero, 0(ra)"]),  # often faults
    )  # fmt: skip
    body = draw(st.lists(piece, min_size=n, max_size=n))
    lines = ["_start:", "  la s2, buf"]
    for index, op in enumerate(body + [EXIT.strip()]):
        lines += [f"L{k}:" for k, at in enumerate(labels) if at == index]
        lines.append(f"  {op}")
    lines += [f"L{k}:" for k, at in enumerate(labels) if at > n]
    lines += ["  .data", "buf: .word 0x80000001, -1, 0x7fff8000, 3, 0x12345678, 0, 0, 0, 0"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("path", PATHS)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_control_flow(path: str, data) -> None:
    source = control_program(data.draw)
    max_steps = data.draw(st.sampled_from([0, 1, 2, 5, 17, 64, 200, 500, 3000, 3000, 3000]))
    memory = data.draw(st.sampled_from([0x20000, 0x40000]))
    stdin = data.draw(st.binary(max_size=20))
    assert_same(assemble(source, "random.s"), stdin, Limits(max_steps=max_steps, memory_size=memory,
                                                                max_output_bytes=40), path=path)  # fmt: skip


@pytest.mark.parametrize("path", PATHS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_step_limit_edges(path: str, data) -> None:
    """N - 1, N and N + 1 around a random program's exact count."""
    program = assemble(control_program(data.draw), "random.s")
    limits = Limits(max_steps=3000, memory_size=0x20000)
    count = ReferenceMachine(program, b"abc", limits).run().retired_instructions
    for max_steps in {max(count - 1, 0), count, count + 1}:
        assert_same(program, b"abc", Limits(max_steps=max_steps, memory_size=0x20000), path=path)


# -- run_many -----------------------------------------------------------------------------------


def mixed_lanes() -> tuple[list[Program], list[bytes], list[Limits]]:
    """Battery lanes, plus lanes that trap, hit the step limit, overflow their output, exit at
    once, or never start (the entry cannot be fetched), with per-lane limits."""
    programs, stdins, limits = [], [], []
    for k, name in enumerate(["add", "sort", "collatz", "palindrome", "fib", "rle"]):
        task = TASKS[name]
        for index in range(2):
            programs.append(task_program(name))
            stdins.append(task.item(task.sizes[-1 - index], seed=5, index=index).input.encode())
            limits.append(Limits(max_steps=10_000 if k == 1 and index else 200_000,
                                 memory_size=0x40000 if k % 2 else 0x80000))  # fmt: skip
    extra = [
        (assemble(TRAPS[0][0]), b"", SMALL),
        (assemble("_start:\n1: j 1b\n"), b"", Limits(max_steps=777, memory_size=0x20000)),
        (assemble(OUTPUT_LIMIT), b"", Limits(max_output_bytes=300, memory_size=0x20000)),
        (assemble("_start:\n  li a0, 3\n" + EXIT), b"", SMALL),
        (entry_outside_text(), b"", SMALL),
        (assemble(SWEEP), b"", Limits(max_steps=50, memory_size=0x20000)),
    ]
    for program, stdin, lim in extra:
        programs.append(program)
        stdins.append(stdin)
        limits.append(lim)
    return programs, stdins, limits


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("threads", [1, 2])
def test_run_many_mixed_lanes(path: str, threads: int) -> None:
    programs, stdins, limits = mixed_lanes()
    results = fast.run_many(programs, stdins, limits, threads=threads, path=path)
    assert len(results) == len(results.memories) == len(programs)
    outcomes = set()
    for program, stdin, lim, result, memory in zip(programs, stdins, limits, results, results.memories,
                                                  strict=True):  # fmt: skip
        want, want_written = reference(program, stdin, lim)
        assert result == want
        assert written_bytes(program, memory) == want_written
        outcomes.add(result.trap.kind if result.trap else "exit")
    assert {"exit", "step_limit", "memory_fault", "output_limit"} <= outcomes


@pytest.mark.parametrize("path", PATHS)
def test_run_many_one_program_many_inputs(path: str) -> None:
    task = TASKS["gcd"]
    stdins = [item.input.encode() for item in task.items(task.sizes[-1], 12, seed=9)]
    results = fast.run_many(task_program("gcd"), stdins, SMALL, path=path)
    for stdin, result in zip(stdins, results, strict=True):
        assert result == reference(task_program("gcd"), stdin, SMALL)[0]


def test_run_many_checks_lengths() -> None:
    program = assemble("_start:\n" + EXIT)
    with pytest.raises(ValueError, match="programs"):
        fast.run_many([program], [b"", b""], path="python")
    with pytest.raises(ValueError, match="limits"):
        fast.run_many(program, [b"", b""], [SMALL], path="python")


# -- the API ----------------------------------------------------------------------------------


def test_paths() -> None:
    assert fast.available_paths()[0] == "python"
    assert set(fast.available_paths()) <= set(fast.PATHS)
    assert fast.resolve_path("auto") == fast.available_paths()[-1]
    with pytest.raises(ValueError, match="unknown"):
        fast.resolve_path("gpu")


def test_numba_path_without_numba_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setattr(fast, "available_paths", lambda: ("python",))
    assert fast.resolve_path("auto") == "python"
    with pytest.raises(ValueError, match="numba"):
        fast.FastMachine(assemble("_start:\n" + EXIT), path="numba")


def test_translation_is_readable_python() -> None:
    source = fast.python_translation(assemble_file(LOOP)).function(False).source
    compile(source, "<check>", "exec")
    assert "while True:" in source and "fuel -=" in source
