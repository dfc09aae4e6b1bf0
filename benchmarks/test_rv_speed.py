"""Executor speed: instructions per second of rv-ref and of qemu-riscv32 on the same loop.

Run with `pytest benchmarks/ --benchmark-json=PATH`; `extra_info` carries the retired
instruction count and the rate, so the JSON feeds the report.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from isabench.rv import gnu
from isabench.rv.assembler import assemble_file
from isabench.rv.ref import run

LOOP = Path(__file__).parent / "programs" / "loop.s"
REF_ITERATIONS = 1_000_000  # about 10 M retired instructions
QEMU_ITERATIONS = 30_000_000  # about 300 M: long enough that qemu's start-up is small


@pytest.fixture(scope="module")
def loop_program():
    return assemble_file(LOOP)


@pytest.fixture(scope="module")
def loop_elf(tmp_path_factory, gnu_tools) -> Path:
    return gnu.build(LOOP, tmp_path_factory.mktemp("loop"))


def count_input(iterations: int) -> bytes:
    """The loop's input: zero-padded, so every count parses in the same instructions."""
    return f"{iterations:010d}\n".encode()


@pytest.fixture(scope="module")
def ref_result(loop_program):
    """rv-ref's run at REF_ITERATIONS, the output qemu must reproduce."""
    return run(loop_program, count_input(REF_ITERATIONS))


@pytest.fixture(scope="module")
def count_model(loop_program, loop_elf):
    """Retired instructions = fixed + per_iteration * N, fitted on qemu's own counts and
    checked against rv-ref's at the same N."""
    counts = {}
    for n in (1000, 2000):
        peer = gnu.run_qemu(loop_elf, count_input(n))
        ours = run(loop_program, count_input(n))
        assert (peer.output, peer.retired_instructions) == (ours.output, ours.retired_instructions)
        counts[n] = peer.retired_instructions
    per_iteration = (counts[2000] - counts[1000]) // 1000
    fixed = counts[1000] - 1000 * per_iteration
    return fixed, per_iteration


def test_rv_ref_speed(benchmark, loop_program, count_model, ref_result) -> None:
    stdin = count_input(REF_ITERATIONS)
    result = benchmark.pedantic(run, args=(loop_program, stdin), rounds=3, iterations=1)
    assert result.output == ref_result.output
    fixed, per_iteration = count_model
    assert result.retired_instructions == fixed + per_iteration * REF_ITERATIONS
    assert result.retired_instructions >= 10_000_000
    benchmark.extra_info.update(
        executor="rv-ref", ops_unit="insn", retired_instructions=result.retired_instructions,
        instructions_per_s=result.retired_instructions / benchmark.stats.stats.mean,
    )  # fmt: skip


@pytest.mark.parametrize("iterations", [REF_ITERATIONS, QEMU_ITERATIONS])
def test_qemu_speed(benchmark, loop_elf, count_model, ref_result, iterations) -> None:
    peer = benchmark.pedantic(gnu.run_qemu, args=(loop_elf, count_input(iterations)),
                              kwargs={"count": False}, rounds=3, iterations=1)  # fmt: skip
    assert peer.exit_code == 0
    if iterations == REF_ITERATIONS:  # the same run as rv-ref's: the same checksum
        assert peer.output == ref_result.output
    fixed, per_iteration = count_model
    retired = fixed + per_iteration * iterations
    benchmark.extra_info.update(
        executor="qemu-riscv32", ops_unit="insn", retired_instructions=retired,
        instructions_per_s=retired / benchmark.stats.stats.mean,
    )  # fmt: skip
