"""Executor speed: instructions per second of rv-ref, rv-fast (each available path, and its
multi-lane run_many) and qemu-riscv32 on the same loop.

Run with `pytest benchmarks/ --benchmark-json=PATH`; `extra_info` carries the retired
instruction count and the rate, so the JSON feeds the report.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from isabench.rv import fast, gnu
from isabench.rv.assembler import assemble_file
from isabench.rv.machine import Limits
from isabench.rv.ref import run

LOOP = Path(__file__).parent / "programs" / "loop.s"
REF_ITERATIONS = 1_000_000  # about 10 M retired instructions
QEMU_ITERATIONS = 30_000_000  # about 300 M: long enough that qemu's start-up is small
# rv-fast: the python path at about 30 M retired instructions, numba at qemu's 300 M.
FAST_ITERATIONS = {"python": 3_000_000, "numba": QEMU_ITERATIONS}
MANY_LANES, MANY_ITERATIONS = 8, 3_000_000  # run_many: 8 lanes of about 30 M each
LONG = Limits(max_steps=10**12)  # the default step limit (50 M) would stop the long runs
FAST_PATHS = [
    pytest.param(path, marks=pytest.mark.skipif(
        path not in fast.available_paths(), reason=f"rv-fast path {path!r} needs numba (not installed)"))
    for path in fast.PATHS
]  # fmt: skip


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


@pytest.mark.parametrize("path", FAST_PATHS)
def test_rv_fast_speed(benchmark, loop_program, count_model, ref_result, path) -> None:
    # Equal to rv-ref on rv-ref's own run (this also compiles what the path compiles).
    same = fast.run(loop_program, count_input(REF_ITERATIONS), path=path)
    assert (same.output, same.retired_instructions, same.trap) == (
        ref_result.output, ref_result.retired_instructions, None)
    iterations = FAST_ITERATIONS[path]
    stdin = count_input(iterations)
    result = benchmark.pedantic(fast.run, args=(loop_program, stdin, LONG, path), rounds=3, iterations=1)
    fixed, per_iteration = count_model
    assert result.trap is None and result.exit_code == 0
    assert result.retired_instructions == fixed + per_iteration * iterations
    assert len(result.output) == 9
    benchmark.extra_info.update(
        executor="rv-fast", path=path, ops_unit="insn", retired_instructions=result.retired_instructions,
        instructions_per_s=result.retired_instructions / benchmark.stats.stats.mean,
    )  # fmt: skip


@pytest.mark.skipif("numba" not in fast.available_paths(), reason="run_many in parallel needs numba")
@pytest.mark.parametrize("threads", [1, 2])
def test_rv_fast_run_many_speed(benchmark, loop_program, count_model, threads) -> None:
    """Aggregate rate of run_many (numba, lanes in parallel) over MANY_LANES lanes of the loop."""
    stdins = [count_input(MANY_ITERATIONS + lane) for lane in range(MANY_LANES)]
    fast.run_many(loop_program, [count_input(10)], LONG, threads=threads)  # compile outside the timing
    options = {"threads": threads, "path": "numba"}
    results = benchmark.pedantic(fast.run_many, args=(loop_program, stdins, LONG), kwargs=options,
                                 rounds=3, iterations=1)  # fmt: skip
    fixed, per_iteration = count_model
    for lane, result in enumerate(results):
        assert result.trap is None and result.exit_code == 0
        assert result.retired_instructions == fixed + per_iteration * (MANY_ITERATIONS + lane)
    retired = sum(result.retired_instructions for result in results)
    benchmark.extra_info.update(
        executor="rv-fast run_many", path="numba", threads=threads, lanes=MANY_LANES, ops_unit="insn",
        retired_instructions=retired, instructions_per_s=retired / benchmark.stats.stats.mean,
    )  # fmt: skip
