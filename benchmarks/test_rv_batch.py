"""rv-batch throughput: aggregate retired instructions per second vs batch size, CPU and CUDA.

Every lane runs benchmarks/programs/loop.s on the same count; larger batches get fewer
iterations per lane so that a round stays within seconds. `extra_info` carries the batch size,
device, retired instructions and the rate. Each round's lanes are checked against rv-ref: the
output of rv-ref's run on the same input, and the count from the linear model fitted on rv-ref
(and equal to rv-ref's count there).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from isabench.rv.assembler import assemble_file
from isabench.rv.batch import run_batch
from isabench.rv.fast import available_paths, run_many
from isabench.rv.machine import Limits
from isabench.rv.ref import run

LOOP = Path(__file__).parent / "programs" / "loop.s"
LIMITS = Limits(memory_size=128 * 1024)  # 64 KiB mapped per lane: 4 GiB at 65536 lanes
BATCHES = [1, 16, 256, 4096, 65536]
TARGET_INSTRUCTIONS = 400_000_000  # per round, split over the lanes (a 65536-lane round: ~10 s)
MAX_ITERATIONS = 2000  # per lane (small batches are bound by steps, not lanes)
NO_CUDA = "no GPU: torch.cuda.is_available() is False"
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason=NO_CUDA)
DEVICES = ["cpu", pytest.param("cuda", marks=CUDA)]


def count_input(iterations: int) -> bytes:
    """The loop's input: zero-padded, so every count parses in the same instructions."""
    return f"{iterations:010d}\n".encode()


def iterations_for(batch: int) -> int:
    return max(1, min(MAX_ITERATIONS, TARGET_INSTRUCTIONS // (10 * batch)))


@pytest.fixture(scope="module")
def loop_program():
    return assemble_file(LOOP)


@pytest.fixture(scope="module")
def count_model(loop_program):
    """Retired instructions = fixed + per_iteration * N, fitted on rv-ref."""
    counts = {n: run(loop_program, count_input(n), LIMITS).retired_instructions for n in (100, 200)}
    per_iteration = (counts[200] - counts[100]) // 100
    return counts[100] - 100 * per_iteration, per_iteration


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("batch", BATCHES)
def test_rv_batch_speed(benchmark, loop_program, count_model, device: str, batch: int) -> None:
    iterations = iterations_for(batch)
    stdin = count_input(iterations)
    expected = run(loop_program, stdin, LIMITS)  # rv-ref on the same input
    fixed, per_iteration = count_model
    assert expected.retired_instructions == fixed + per_iteration * iterations
    run_batch(loop_program, [count_input(1)] * batch, LIMITS, device, compile=True)  # compiles

    def round_():
        results = run_batch(loop_program, [stdin] * batch, LIMITS, device, compile=True)
        if device == "cuda":
            torch.cuda.synchronize()
        return results

    results = benchmark.pedantic(round_, rounds=2, iterations=1)
    assert results.compiled
    for lane in results:
        assert (lane.output, lane.exit_code, lane.trap) == (expected.output, 0, None)
        assert lane.retired_instructions == fixed + per_iteration * iterations
    retired = results.retired_instructions
    benchmark.extra_info.update(
        executor="rv-batch", engine="torch", ops_unit="insn", device=device, batch_size=batch,
        iterations_per_lane=iterations, lockstep_steps=results.steps,
        retired_instructions=retired, instructions_per_s=retired / benchmark.stats.stats.mean,
        threads=torch.get_num_threads(),
        gpu=torch.cuda.get_device_name(0) if device == "cuda" else None,
    )  # fmt: skip


NUMBA_BATCHES = [1, 16, 256, 4096]  # memory is the whole address space per lane on this engine
NUMBA_MAX_ITERATIONS = 1_000_000  # no lockstep here: lanes run long without costing more per step


@pytest.mark.skipif("numba" not in available_paths(), reason="engine numba needs the numba package")
@pytest.mark.parametrize("batch", NUMBA_BATCHES)
def test_rv_batch_numba_speed(benchmark, loop_program, count_model, batch: int) -> None:
    """rv-batch's CPU engine where numba is installed: rv-fast's run_many, lanes across cores."""
    iterations = max(1, min(NUMBA_MAX_ITERATIONS, TARGET_INSTRUCTIONS // (10 * batch)))
    stdin = count_input(iterations)
    expected = run(loop_program, stdin, LIMITS)
    fixed, per_iteration = count_model
    run_many(loop_program, [count_input(1)] * batch, LIMITS, path="numba")  # compiles (or loads the cache)
    results = benchmark.pedantic(run_many, args=(loop_program, [stdin] * batch, LIMITS),
                                 kwargs={"path": "numba"}, rounds=2, iterations=1)  # fmt: skip
    for lane in results:
        assert (lane.output, lane.exit_code, lane.trap) == (expected.output, 0, None)
        assert lane.retired_instructions == fixed + per_iteration * iterations
    retired = sum(lane.retired_instructions for lane in results)
    benchmark.extra_info.update(
        executor="rv-batch", engine="numba", ops_unit="insn", device="cpu", batch_size=batch,
        iterations_per_lane=iterations, retired_instructions=retired,
        instructions_per_s=retired / benchmark.stats.stats.mean, threads=torch.get_num_threads(),
    )  # fmt: skip
