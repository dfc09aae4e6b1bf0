"""Traps and limits on rv-ref: each is a clean Trap with kind, pc, source line and message."""

from __future__ import annotations

import pytest

from isabench.rv.assembler import assemble
from isabench.rv.errors import TRAP_KINDS
from isabench.rv.machine import Limits, LimitsError
from isabench.rv.ref import run

EXIT = "  li a7, 93\n  ecall\n"

# (source, trap kind, line of the trapping instruction, words in the message)
TRAPS = [
    ("_start:\n  li t0, 0x100\n  lw a0, 0(t0)\n", "memory_fault", 3, "read of 4 byte(s) at 0x00000100"),
    ("_start:\n  la t0, _start\n  sw a0, 0(t0)\n", "memory_fault", 3, "text segment is read-only"),
    ("_start:\n  li t0, -4\n  sb a0, 0(t0)\n", "memory_fault", 3, "write of 1 byte(s) at 0xfffffffc"),
    ("_start:\n  mv t0, sp\n  lw a0, 0(t0)\n", "memory_fault", 3, "read of 4 byte(s)"),
    ("_start:\n  li t0, 0x20000\n  jr t0\n", "memory_fault", 3, "instruction fetch from 0x00020000"),
    ("_start:\n  la t0, _start\n  jalr x0, 2(t0)\n", "memory_fault", 3, "instruction fetch"),
    ("_start:\n  nop\n", "memory_fault", 2, "instruction fetch"),  # runs off the end of .text
    ("_start:\n  j 1f\n1: .word 0xffffffff\n", "illegal_instruction", 3, "0xffffffff"),
    ("_start:\n  j 1f\n1: .word 0x00200073\n", "illegal_instruction", 3, "system instruction"),
    ("_start:\n  ebreak\n", "breakpoint", 2, "ebreak"),
    ("_start:\n  li a7, 56\n  ecall\n", "unknown_syscall", 3, "a7=56"),
    ("_start:\n  li a0, 0\n  li a1, 0x100\n  li a2, 4\n  li a7, 63\n  ecall\n",
     "memory_fault", 6, "write of"),  # read() into unmapped memory (with input available)
    ("_start:\n  li a0, 1\n  li a1, 0x100\n  li a2, 4\n  li a7, 64\n  ecall\n",
     "memory_fault", 6, "read of 4 byte(s)"),  # write() from unmapped memory
    ("_start:\n1: j 1b\n", "step_limit", 2, "step limit of 1000 reached"),
]


@pytest.mark.parametrize(("source", "kind", "line", "words"), TRAPS,
                         ids=[f"{t[1]}-{i}" for i, t in enumerate(TRAPS)])
def test_trap(source: str, kind: str, line: int, words: str) -> None:
    program = assemble(source, "trap.s")
    result = run(program, b"input", Limits(max_steps=1000))
    assert result.trap is not None
    assert result.trap.kind == kind
    assert result.trap.source is not None and result.trap.source.line == line
    assert words in result.trap.message
    assert str(result.trap).startswith(f"trap: {kind} at pc 0x{result.trap.pc:08x} (trap.s:{line})")
    assert result.exit_code is None


def test_every_trap_kind_is_exercised() -> None:
    assert {kind for _, kind, _, _ in TRAPS} | {"output_limit"} == set(TRAP_KINDS)


def test_step_limit_is_exact() -> None:
    """A program that retires N instructions passes with max_steps=N and traps with N-1."""
    program = assemble("_start:\n  li a0, 7\n  li a7, 93\n  ecall\n")
    assert run(program, limits=Limits(max_steps=3)).exit_code == 7
    trapped = run(program, limits=Limits(max_steps=2))
    assert trapped.trap.kind == "step_limit"
    assert trapped.retired_instructions == 2
    assert trapped.trap.pc == program.entry + 8  # the ecall that was not allowed to run


def test_trapping_instruction_is_not_retired_and_output_is_kept() -> None:
    source = ("_start:\n  la a1, msg\n  li a0, 1\n  li a2, 3\n  li a7, 64\n  ecall\n"
              "  lw a0, 0(zero)\n  .data\nmsg: .ascii \"hi\\n\"\n")  # fmt: skip
    result = run(assemble(source))
    assert result.output == b"hi\n"
    assert result.trap.kind == "memory_fault"
    assert result.retired_instructions == 6  # la is 2 instructions; the faulting lw is not counted


def test_output_limit() -> None:
    source = "_start:\n  la a1, _start\n  li a2, 64\n  li a7, 64\n1: li a0, 1\n  ecall\n  j 1b\n"
    result = run(assemble(source), limits=Limits(max_output_bytes=1000))
    assert result.trap.kind == "output_limit"
    assert len(result.output) == 960


def test_memory_size_sets_stack_top_and_bounds() -> None:
    source = "_start:\n  addi sp, sp, -4\n  sw sp, 0(sp)\n  lw a0, 0(sp)\n  srli a0, a0, 12\n" + EXIT
    result = run(assemble(source), limits=Limits(memory_size=0x40000))
    assert result.trap is None
    assert result.exit_code == ((0x40000 - 4) >> 12) & 0xFF


@pytest.mark.parametrize("memory_size", [0x10000, 0x10010, 1 << 32, 0x40001])
def test_memory_size_that_cannot_work_is_an_error(memory_size: int) -> None:
    with pytest.raises(LimitsError):
        run(assemble("_start:\n" + EXIT), limits=Limits(memory_size=memory_size))


def test_read_returns_what_is_left_then_zero() -> None:
    source = ("_start:\n  la s0, buf\n1: li a0, 0\n  mv a1, s0\n  li a2, 4\n  li a7, 63\n  ecall\n"
              "  add s1, s1, a0\n  addi s2, s2, 1\n  bnez a0, 1b\n"
              "  slli a0, s1, 4\n  or a0, a0, s2\n" + EXIT + "  .bss\nbuf: .space 4\n")  # fmt: skip
    result = run(assemble(source), b"abcdefghij")  # reads 4, 4, 2, then 0
    assert result.exit_code == (10 << 4) | 4


@pytest.mark.parametrize(("fd", "syscall"), [(5, 63), (0, 64), (3, 64)])
def test_bad_file_descriptor_returns_ebadf(fd: int, syscall: int) -> None:
    source = f"_start:\n  li a0, {fd}\n  la a1, _start\n  li a2, 1\n  li a7, {syscall}\n  ecall\n"
    result = run(assemble(source + "  neg a0, a0\n" + EXIT))
    assert result.exit_code == 9  # EBADF
