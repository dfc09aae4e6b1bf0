"""Throughput of rv-batch vs batch size: aggregate retired instructions per second on loop.s.

Usage: python3 scripts/rv_batch_speed.py --device cuda --batches 1 4096 65536 --out speed.json
Every lane runs benchmarks/programs/loop.s on the same iteration count, sized so that a batch
retires about --target-instructions in all (at most --max-iterations per lane). Each batch size
is first run once with 1 iteration per lane (the warm-up: torch.compile compiles there), then
timed over --rounds runs (the best is kept). Every lane's output, exit code and retired count
is checked against rv-ref's for the same input; the script exits 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import torch  # noqa: E402

from isabench.rv import ref  # noqa: E402
from isabench.rv.assembler import assemble_file  # noqa: E402
from isabench.rv.batch import run_batch  # noqa: E402
from isabench.rv.machine import Limits  # noqa: E402

LOOP = ROOT / "benchmarks" / "programs" / "loop.s"


def count_input(iterations: int) -> bytes:
    """loop.s's input: zero-padded, so every count parses in the same instructions."""
    return f"{iterations:010d}\n".encode()


def device_name(device: str) -> str:
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return platform.processor() or platform.machine()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 16, 256, 4096, 65536])
    parser.add_argument("--target-instructions", type=float, default=2e8)
    parser.add_argument("--max-iterations", type=int, default=2000)
    parser.add_argument("--memory-size", type=int, default=128 * 1024)
    parser.add_argument("--check-every", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--compile", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: as is)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    program = assemble_file(LOOP)
    limits = Limits(memory_size=args.memory_size)
    rows, all_match = [], True
    for batch in args.batches:
        iterations = max(1, min(args.max_iterations, int(args.target_instructions / (10 * batch))))
        stdin = count_input(iterations)
        expected = ref.run(program, stdin, limits)
        start = time.perf_counter()
        run_batch(program, [count_input(1)] * batch, limits, args.device, args.check_every,
                  compile=args.compile)  # fmt: skip
        warmup_s = time.perf_counter() - start
        best = None
        for _ in range(args.rounds):
            if args.device.startswith("cuda"):
                torch.cuda.synchronize()
            start = time.perf_counter()
            results = run_batch(program, [stdin] * batch, limits, args.device, args.check_every,
                                compile=args.compile)  # fmt: skip
            seconds = time.perf_counter() - start
            if best is None or seconds < best[0]:
                best = (seconds, results)
        seconds, results = best
        mismatches = sum(
            (r.output, r.exit_code, r.retired_instructions, r.trap)
            != (expected.output, expected.exit_code, expected.retired_instructions, expected.trap)
            for r in results
        )  # fmt: skip
        all_match &= mismatches == 0
        retired = results.retired_instructions
        row = {
            "device": args.device, "batch_size": batch, "iterations_per_lane": iterations,
            "compiled": args.compile, "check_every": args.check_every,
            "memory_size": args.memory_size, "steps": results.steps, "checks": results.checks,
            "syscalls": results.syscalls, "retired_instructions": retired, "seconds": seconds,
            "warmup_seconds": warmup_s, "instructions_per_s": retired / seconds,
            "stepping_seconds": results.stepping_seconds,
            "stepping_instructions_per_s": retired / results.stepping_seconds,
            "lane_steps_per_s": batch * results.steps / seconds,
            "rv_ref_retired_per_lane": expected.retired_instructions,
            "lanes_equal_to_rv_ref": mismatches == 0, "mismatched_lanes": mismatches,
        }  # fmt: skip
        rows.append(row)
        print(json.dumps(row), flush=True)
    report = {
        "executor": "rv-batch", "program": "benchmarks/programs/loop.s", "device": args.device,
        "device_name": device_name(args.device), "torch": torch.__version__,
        "threads": torch.get_num_threads(), "batch_sizes": args.batches,
        "instructions_per_s": {str(r["batch_size"]): r["instructions_per_s"] for r in rows},
        "all_lanes_equal_to_rv_ref": all_match, "rows": rows,
    }  # fmt: skip
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}; all lanes equal to rv-ref: {all_match}")
    return 0 if all_match else 1


if __name__ == "__main__":
    sys.exit(main())
