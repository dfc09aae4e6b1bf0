"""Cases the executor fuzz campaign (`isabench.fuzz.executors`) found, one row each: every
executor must agree with rv-ref on them (and none may raise).

A row: (id, source, stdins, limits, what the case was about). `check` runs the program on rv-ref,
rv-fast (each available path), run_many (each path, all stdins as lanes, two Program objects of
the same source so that the lanes span two programs) and rv-batch on CPU.
"""

from __future__ import annotations

import pytest

from isabench.fuzz.executors import Case, ExecutorCampaign
from isabench.rv import fast
from isabench.rv.assembler import assemble
from isabench.rv.machine import Limits
from isabench.rv.ref import ReferenceMachine

SMALL = Limits(max_steps=3000, memory_size=0x20000, max_output_bytes=1 << 16)

# Found as an exception: with the entry point misaligned and no fetchable label, the python
# path's translation had no trace at all, and its dispatcher was generated as a bare `else:`
# (SyntaxError in the generated source). Now an empty dispatcher returns at once and the run
# ends in rv-ref's fetch fault.
MISALIGNED_ENTRY_NO_LABELS = """\
  .globl _start
  .text
  sb a6, 8(s2)
  srl a6, t5, a1
  .half 0
_start:
  la s2, buf
  li a0, 0
  la a1, buf
  li a2, 11
  li a7, 63
  ecall
  li a7, 93
  ecall
  .data
buf: .space 16
"""

# The same with nothing before the entry but the half-word: no instruction is ever fetched.
MISALIGNED_ENTRY_ONLY = "  .text\n  .half 0\n_start:\n  li a7, 93\n  ecall\n"

# Found as a hang (a case past its 2 s deadline): run_many on numba launched one parallel
# kernel per syscall round, all lanes waiting at a barrier for the slowest; with the cores
# oversubscribed (other processes, torch's OpenMP threads) each round could cost milliseconds
# of spinning, and a lane doing an ecall every few instructions took seconds. Now each lane runs
# to its end on a worker thread, syscalls serviced without waiting for the other lanes. The row
# keeps the shape of that case: a counted loop with a write to stdout and to stderr per pass.
SYSCALL_EVERY_FEW_STEPS = """\
  .globl _start
  .text
_start:
  la s2, buf
  li t5, 10
  li a0, 1
  la a1, rod
  addi a1, a1, 8
  li a2, 6
  li a7, 64
  ecall
L0:
  lbu t5, 17(s2)
  sw ra, 60(s2)
  li a0, 2
  la a1, buf
  addi a1, a1, 46
  li a2, 4
  li a7, 64
  ecall
  li a0, 0
  mv a1, s2
  li a2, 3
  li a7, 63
  ecall
  auipc t6, 0
  jalr ra, -40(t6)
  li a0, 153
  li a7, 93
  ecall
  .section .rodata
rod: .word 0x64636261, 0x0a676665, 0x80000000, -1
  .data
buf: .word 65535, -1973980226, 3219883987, 3375144424, 4294967295, 1904124243, -1010390638, 3989486150
  .word -1660928952, 2, 3525964082, -271014858, 2147483647, -2097923206, 2626406973, 2147483649
  .bss
bss: .space 256
"""

ROWS = [
    ("misaligned_entry_no_labels", MISALIGNED_ENTRY_NO_LABELS, [b'Be"', b"", b"m\xff.", b"B"], SMALL),
    ("misaligned_entry_only", MISALIGNED_ENTRY_ONLY, [b"", b"x"], SMALL),
    ("misaligned_entry_no_steps", MISALIGNED_ENTRY_ONLY, [b""], Limits(max_steps=0, memory_size=0x20000)),
    ("syscall_every_few_steps", SYSCALL_EVERY_FEW_STEPS, [b"abcdef" * 50, b"", b"xyz", b"q"],
     Limits(max_steps=3000, memory_size=0x20000, max_output_bytes=8)),
    ("syscall_every_few_steps_unbounded", SYSCALL_EVERY_FEW_STEPS, [b"abcdef" * 50, b"", b"xyz"],
     Limits(max_steps=20_000, memory_size=0x24FF0, max_output_bytes=1 << 16)),
]  # fmt: skip


@pytest.fixture(scope="module")
def campaign() -> ExecutorCampaign:
    """The campaign's own checker, without qemu (its setup only warms the kernels)."""
    checker = ExecutorCampaign(qemu_every=0)
    checker.setup(None)  # type: ignore[arg-type]  # no work folder: qemu is off
    yield checker
    checker.teardown()


@pytest.mark.parametrize(("source", "stdins", "limits"), [row[1:] for row in ROWS],
                         ids=[row[0] for row in ROWS])  # fmt: skip
def test_executors_agree(
    campaign: ExecutorCampaign, source: str, stdins: list[bytes], limits: Limits
) -> None:
    findings = campaign.check(Case(source, stdins, limits), 0, batch=True, trace=True)
    assert not findings, "\n".join(f"{f.kind}: {f.message}" for f in findings)


@pytest.mark.parametrize("path", fast.available_paths())
def test_misaligned_entry_is_rv_refs_fetch_fault(path: str) -> None:
    program = assemble(MISALIGNED_ENTRY_ONLY, "entry.s")
    want = ReferenceMachine(program, b"", SMALL).run()
    assert want.trap is not None and want.trap.kind == "memory_fault" and want.retired_instructions == 0
    assert fast.run(program, b"", SMALL, path) == want


def test_run_many_lanes_do_not_wait_for_each_other() -> None:
    """Many syscall-heavy lanes on two threads give each lane rv-ref's result."""
    if "numba" not in fast.available_paths():
        pytest.skip("rv-fast path 'numba' needs numba (not installed)")
    program = assemble(SYSCALL_EVERY_FEW_STEPS, "syscalls.s")
    stdins = [bytes([k]) * k for k in range(24)]
    limits = Limits(max_steps=20_000, memory_size=0x20000)
    results = fast.run_many(program, stdins, limits, threads=2, path="numba")
    for stdin, got in zip(stdins, results, strict=True):
        assert got == ReferenceMachine(program, stdin, limits).run()
