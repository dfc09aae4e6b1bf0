"""rv-batch against rv-ref, lane by lane: the same output, stderr, exit code, retired count, trap
(kind, pc, source line, message) and written_bytes, whatever the other lanes do.

The differential tests run on "cpu" and on "cuda" (skipped without a GPU). The corpus test
runs the compiled step (torch.compile); the others run the eager one, and the trap and
step-limit tests both.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isabench.rv.assembler import assemble, assemble_file
from isabench.rv.batch import BatchDeviceError, BatchMemoryError, BatchResults, run_batch
from isabench.rv.isa import ABI_NAMES, SPECS
from isabench.rv.machine import Limits, written_bytes
from isabench.rv.ref import ReferenceMachine
from isabench.tasks import TASKS
from isabench.tasks.check import program_for
from tests.rv.test_traps_and_limits import TRAPS

CORPUS = Path(__file__).parent / "corpus"
CORPUS_PROGRAMS = sorted(CORPUS.glob("*.s"))
SHORT = ("exit_0", "exit_42", "exit_255", "exit_256", "exit_neg1", "read_empty", "read_chunks",
         "local_labels", "align_text", "sections_mix", "rodata_table", "pseudo_branches")  # fmt: skip
NO_CUDA = "no GPU: torch.cuda.is_available() is False"
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason=NO_CUDA)
DEVICES = ["cpu", pytest.param("cuda", marks=CUDA)]
MIB = 1 << 20


def corpus_stdin(path: Path) -> bytes:
    stdin = path.with_suffix(".in")
    return stdin.read_bytes() if stdin.exists() else b""


def reference(program, stdin: bytes, limits: Limits):
    """rv-ref's result and its written_bytes."""
    machine = ReferenceMachine(program, stdin, limits)
    result = machine.run()
    return result, written_bytes(program, machine.memory)


def check_batch(programs, stdins, limits: Limits, device: str, **options) -> BatchResults:
    """Run the lanes on rv-batch and assert each equals rv-ref's run of the same lane."""
    results = run_batch(programs, stdins, limits, device=device, **options)
    if not isinstance(programs, list):
        programs = [programs] * len(stdins)
    assert len(results) == len(stdins)
    for lane, (program, stdin, got) in enumerate(zip(programs, stdins, results, strict=True)):
        want, want_written = reference(program, stdin, limits)
        where = f"lane {lane} ({program.name}, stdin {stdin[:40]!r})"
        assert got.trap == want.trap, where
        assert got.output == want.output, where
        assert got.stderr == want.stderr, where
        assert got.exit_code == want.exit_code, where
        assert got.retired_instructions == want.retired_instructions, where
        assert got.written_bytes == want_written, where
    return results


# -- the corpus: different programs per lane ------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
def test_corpus_batched_as_different_programs_compiled(device: str) -> None:
    programs = [assemble_file(path) for path in CORPUS_PROGRAMS]
    stdins = [corpus_stdin(path) for path in CORPUS_PROGRAMS]
    results = check_batch(programs, stdins, Limits(memory_size=MIB), device, compile=True)
    assert results.steps >= max(r.retired_instructions for r in results)
    assert all(r.trap is None for r in results)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("check_every", [1, 7, 64])
def test_short_corpus_programs_eager(device: str, check_every: int) -> None:
    paths = [CORPUS / f"{name}.s" for name in SHORT]
    programs = [assemble_file(path) for path in paths]
    stdins = [corpus_stdin(path) for path in paths]
    results = check_batch(programs, stdins, Limits(memory_size=MIB), device, check_every=check_every)
    assert results.checks * check_every == results.steps


# -- the battery: one program, many items at several sizes, one batch per program -----------------

BATTERY_LIMITS = Limits(max_steps=1_000_000, memory_size=MIB)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("task_name", sorted(TASKS))
def test_battery_program_on_many_items(device: str, task_name: str) -> None:
    task = TASKS[task_name]
    program = program_for(task.name, str(task.program_path))
    items = [item for size in task.sizes[:4] for item in task.items(size, 4, seed=11)]
    stdins = [item.input.encode() for item in items]
    results = check_batch(program, stdins, BATTERY_LIMITS, device, check_every=16)
    for item, result in zip(items, results, strict=True):
        assert result.output == item.expected.encode()  # and the programs are right


# -- traps next to normal lanes ------------------------------------------------------------------

OUTPUT_LIMIT = "_start:\n  la a1, _start\n  li a2, 64\n  li a7, 64\n1: li a0, 1\n  ecall\n  j 1b\n"
MORE_TRAPS = [
    OUTPUT_LIMIT,
    "_start:\n  li a0, 2\n  la a1, _start\n  li a2, 5\n  li a7, 64\n  ecall\n  ebreak\n",  # stderr
    "_start:\n  li a0, 0\n  la a1, _start\n  li a2, 4\n  li a7, 63\n  ecall\n",  # read into text
    "_start:\n  li a0, 1\n  li a1, 0x10000\n  li a2, -1\n  li a7, 64\n  ecall\n",  # huge write
    "_start:\n  li t0, 0x1fffe\n  lw a0, 0(t0)\n",  # a word that straddles the end of memory
    "_start:\n  li t0, 0x1fffe\n  lh a0, 0(t0)\n  sh a0, 0(t0)\n  li a7, 93\n  ecall\n",  # fits
    "_start:\n  la t0, 1f\n  jr t0\n  nop\n1: .word 0x00000013\n  jalr x0, 0(zero)\n",
    "_start:\n  li a7, 93\n  li a0, 300\n  ecall\n",
]


def trap_programs():
    sources = [source for source, *_ in TRAPS] + MORE_TRAPS
    programs = [assemble(source, f"trap{i}.s") for i, source in enumerate(sources)]
    entry = programs[0]  # misaligned entry points fault at the first fetch, with no line
    programs += [dataclasses.replace(entry, entry=entry.entry + 2),
                 dataclasses.replace(entry, entry=entry.entry + 1)]  # fmt: skip
    normal = [assemble_file(CORPUS / f"{name}.s") for name in ("exit_42", "read_chunks", "local_labels")]
    return programs + normal


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("compile", [False, True])
def test_every_trap_kind_in_a_batch_with_normal_lanes(device: str, compile: bool) -> None:
    programs = trap_programs()
    stdins = [b"input"] * (len(programs) - 2) + [corpus_stdin(CORPUS / "read_chunks.s"), b""]
    limits = Limits(max_steps=1000, memory_size=0x20000, max_output_bytes=1000)
    results = check_batch(programs, stdins, limits, device, check_every=8, compile=compile)
    kinds = {r.trap.kind for r in results if r.trap}
    assert kinds == {"memory_fault", "illegal_instruction", "unknown_syscall", "breakpoint",
                     "step_limit", "output_limit"}  # fmt: skip
    assert sum(r.trap is None for r in results) >= 5


# -- the step limit: exact per lane --------------------------------------------------------------


def padded(nops: int, body: str) -> str:
    return "_start:\n" + "  nop\n" * nops + body


EXIT = "  li a0, 7\n  li a7, 93\n  ecall\n"
WRITE = "  li a0, 1\n  la a1, _start\n  li a2, 4\n  li a7, 64\n  ecall\n" + EXIT


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("check_every", "compile"), [(1, False), (5, False), (64, False), (5, True)])
def test_step_limit_edges_in_one_batch(device: str, check_every: int, compile: bool) -> None:
    limit = 40
    sources = []
    for nops in range(limit - 12, limit + 1):  # counts around the limit, ending in exit or write
        sources += [padded(nops, EXIT), padded(nops, WRITE)]
    programs = [assemble(source, f"edge{i}.s") for i, source in enumerate(sources)]
    results = check_batch(programs, [b""] * len(programs), Limits(max_steps=limit, memory_size=0x20000),
                          device, check_every=check_every, compile=compile)  # fmt: skip
    exact = [r for r in results if r.retired_instructions == limit]
    assert any(r.exit_code == 7 for r in exact)  # exits on its max_steps-th instruction: no trap
    assert any(r.trap is not None and r.trap.kind == "step_limit" for r in exact)


@pytest.mark.parametrize("device", DEVICES)
def test_step_limit_zero_and_long_runs(device: str) -> None:
    program = assemble_file(CORPUS / "loop_hash.s")
    for max_steps in (0, 1, 5000):
        check_batch([program, assemble_file(CORPUS / "exit_0.s")], [b"", b""],
                    Limits(max_steps=max_steps, memory_size=MIB), device)  # fmt: skip


# -- written_bytes -------------------------------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
def test_written_bytes_counts_pages_that_differ_from_the_image(device: str) -> None:
    restore = ("_start:\n  la t0, data\n  lw t1, 0(t0)\n  sw zero, 0(t0)\n  sw t1, 0(t0)\n"
               "  addi sp, sp, -4\n  sw t1, 0(sp)\n" + EXIT
               + "  .data\ndata: .word 0x12345678\n")  # fmt: skip
    change = ("_start:\n  la t0, data\n  sb zero, 1(t0)\n  li t1, 0x40000\n  sb t0, -1(t1)\n" + EXIT
              + "  .data\ndata: .word 0x12345678\n  .bss\n  .space 9000\n")  # fmt: skip
    programs = [assemble(restore, "restore.s"), assemble(change, "change.s")]
    results = check_batch(programs, [b"", b""], Limits(memory_size=0x40010), device)
    assert [r.written_bytes for r in results] == [0, 8192]  # the partial last page never counts


# -- random programs (hypothesis) ----------------------------------------------------------------

REGS = [name for name in ABI_NAMES if name not in ("zero", "sp", "t6", "s0", "s1")]
R_OPS = [m for m, spec in SPECS.items() if spec.fmt == "R"]
I_OPS = [m for m, spec in SPECS.items() if spec.fmt == "I" and m != "jalr"]
SHIFT_OPS = [m for m, spec in SPECS.items() if spec.fmt == "IS"]
EDGES = [0, 1, -1, 2, 31, 32, 33, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF, 0xFFFFFFFE,
         0x800, 0x7FF, -2048, 0x10000, 0xFFFF, 0x8000]  # fmt: skip

reg = st.sampled_from(REGS)
word = st.one_of(st.sampled_from(EDGES), st.integers(-(1 << 31), (1 << 32) - 1))
alu = st.one_of(
    st.builds(lambda m, d, a, b: f"{m} {d}, {a}, {b}", st.sampled_from(R_OPS), reg, reg, reg),
    st.builds(lambda m, d, a, i: f"{m} {d}, {a}, {i}", st.sampled_from(I_OPS), reg, reg,
              st.one_of(st.sampled_from([0, 1, -1, 2047, -2048]), st.integers(-2048, 2047))),
    st.builds(lambda m, d, a, i: f"{m} {d}, {a}, {i}", st.sampled_from(SHIFT_OPS), reg, reg,
              st.integers(0, 31)),
    st.builds(lambda m, d, i: f"{m} {d}, {i}", st.sampled_from(["lui", "auipc"]), reg,
              st.integers(0, 0xFFFFF)),
    st.builds(lambda d, v: f"li {d}, {v}", reg, word),
)  # fmt: skip
DUMP = [f"  sw x{i}, {4 * i}(t6)" for i in range(1, 32) if i != 2]


def finish(lines: list[str]) -> str:
    """Dump the registers and the buffer, exit, and declare the data."""
    lines += ["  la t6, dump", *DUMP, "  li a0, 1", "  mv a1, t6", "  li a2, 128", "  li a7, 64",
              "  ecall", "  li a0, 1", "  la a1, buf", "  li a2, 520", "  li a7, 64", "  ecall",
              "  li a0, 0", "  li a7, 93", "  ecall", "  .data", "buf:"]  # fmt: skip
    lines += [f"  .word {0x9E3779B9 * (i + 1) & 0xFFFFFFFF}" for i in range(130)]
    lines += ["  .bss", "dump: .space 128"]
    return "\n".join(lines) + "\n"


def straight_line(blocks) -> str:
    lines = ["  .globl _start", "  .text", "_start:"]
    for inits, ops in blocks:
        lines += [f"  li {r}, {v}" for r, v in inits] + [f"  {op}" for op in ops]
    return finish(lines)


@pytest.mark.parametrize("device", DEVICES)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lanes=st.lists(st.lists(st.tuples(st.lists(st.tuples(reg, word), max_size=6),
                                         st.lists(alu, min_size=1, max_size=20)),
                               min_size=1, max_size=3),
                      min_size=1, max_size=5),
       check_every=st.sampled_from([1, 3, 16]))  # fmt: skip
def test_random_straight_line_alu_programs(device: str, lanes, check_every: int) -> None:
    programs = [assemble(straight_line(blocks), f"alu{i}.s") for i, blocks in enumerate(lanes)]
    check_batch(programs, [b""] * len(programs), Limits(memory_size=0x20000), device,
                check_every=check_every)  # fmt: skip


LOADS = ["lw", "lh", "lhu", "lb", "lbu"]
STORES = ["sw", "sh", "sb"]
memory_op = st.one_of(
    st.builds(lambda m, a, d, mask, off: f"andi t6, {a}, {mask}\n  add t6, t6, s0\n  {m} {d}, {off}(t6)",
              st.sampled_from(LOADS + STORES), reg, reg, st.sampled_from([0x1FC, 0x1FE, 0x1FF]),
              st.integers(0, 3)),
    st.builds(lambda m, a, d, off: f"{m} {d}, {off}({a})", st.sampled_from(LOADS + STORES), reg, reg,
              st.integers(-2048, 2047)),  # a wild address: most often a memory fault
)  # fmt: skip
branch = st.builds(lambda m, a, b, op: f"{m} {a}, {b}, 1f\n  {op}\n1:",
                   st.sampled_from(["beq", "bne", "blt", "bge", "bltu", "bgeu"]), reg, reg, alu)
body_op = st.one_of(alu, alu, memory_op, memory_op, branch)


def loop_program(inits, iterations: int, body) -> str:
    lines = ["  .globl _start", "  .text", "_start:", "  la s0, buf", f"  li s1, {iterations}"]
    lines += [f"  li {r}, {v}" for r, v in inits]
    lines += ["2:"] + [f"  {op}" for op in body] + ["  addi s1, s1, -1", "  bnez s1, 2b"]
    return finish(lines)


@pytest.mark.parametrize("device", DEVICES)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lanes=st.lists(st.tuples(st.lists(st.tuples(reg, word), max_size=8), st.integers(1, 40),
                                st.lists(body_op, min_size=1, max_size=16)),
                      min_size=1, max_size=6),
       check_every=st.sampled_from([1, 4, 32]))  # fmt: skip
def test_random_branchy_loops_with_loads_and_stores(device: str, lanes, check_every: int) -> None:
    programs = [assemble(loop_program(*lane), f"loop{i}.s") for i, lane in enumerate(lanes)]
    check_batch(programs, [b""] * len(programs), Limits(max_steps=1500, memory_size=0x20000), device,
                check_every=check_every)  # fmt: skip


# -- errors --------------------------------------------------------------------------------------


def test_cuda_without_a_gpu_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(BatchDeviceError, match=r"cuda requested but torch\.cuda\.is_available\(\) is False"):
        run_batch(assemble("_start:\n" + EXIT), [b""], device="cuda")


def test_memory_budget_is_checked_before_allocating() -> None:
    program = assemble("_start:\n" + EXIT)
    message = r"^1000 lanes x 983040 bytes .* = 983040000 bytes exceeds .* 1000000"
    with pytest.raises(BatchMemoryError, match=message):
        run_batch(program, [b""] * 1000, Limits(memory_size=MIB), max_memory_bytes=1_000_000)
    assert run_batch(program, [b""] * 2, Limits(memory_size=MIB), max_memory_bytes=2 * MIB)[0].exit_code == 7


def test_bad_arguments() -> None:
    program = assemble("_start:\n" + EXIT)
    with pytest.raises(ValueError, match="2 programs for 1 inputs"):
        run_batch([program, program], [b""])
    with pytest.raises(ValueError, match="check_every"):
        run_batch(program, [b""], check_every=0)
    assert run_batch(program, []) == []
