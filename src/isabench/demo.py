"""`isabench demo`: the machine's sample programs on rv-ref (and qemu-riscv32 when installed),
then a first side-by-side of the two sides on a few battery items.

The full, measured comparison is `isabench run` (the harness); this is a quick look.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import TextIO

from .rv import gnu
from .rv.assembler import assemble_file
from .rv.ref import run

SAMPLES = Path(__file__).parent / "rv" / "samples"
SIDE_BY_SIDE = [("add", 4), ("sort", 4), ("palindrome", 4), ("fib", 8), ("uppercase", 4)]  # trained sizes
SAMPLE_INPUTS = {
    "uppercase.s": b"a finite instruction set, measured\n",
    "sum_squares.s": b"20000\n",
}


def main(out: TextIO) -> int:
    """The machine's samples, then both sides on a few battery items."""
    status = machine_samples(out)
    return side_by_side(out) or status


def side_by_side(out: TextIO) -> int:
    """The same input bytes to the RISC-V program and to lm-builtin: answers and costs."""
    from .lm.generate import Runtime
    from .lm.paths import DEFAULT_CHECKPOINT
    from .tasks import get_task
    from .tasks.check import run_item

    if not (DEFAULT_CHECKPOINT / "model.safetensors").exists():
        out.write("(no shipped lm-builtin checkpoint: side-by-side skipped)\n")
        return 1
    runtime = Runtime.from_checkpoint(DEFAULT_CHECKPOINT)
    out.write("\n== the same input bytes, both sides (lm-builtin on cpu, fp32, "
              f"{runtime.threads} threads)\n")  # fmt: skip
    runtime.generate(["warm-up"], max_new_tokens=2)
    for name, size in SIDE_BY_SIDE:
        task = get_task(name)
        item = task.item(size, seed=2026, index=0)
        start = time.perf_counter()
        machine = run_item(task, item)
        machine_s = time.perf_counter() - start
        answer = runtime.generate([item.instruction], max_new_tokens=len(item.expected) + 8)[0]
        out.write(f"-- {name} (size {size}): input {item.input.strip()!r}, expected "
                  f"{item.expected.strip()!r}\n")  # fmt: skip
        out.write(f"   machine  {machine.output.decode().strip()!r:<24} "
                  f"{'right' if machine.passed else 'WRONG'}  {machine.retired_instructions:>12,} "
                  f"instructions  {machine_s * 1e3:8.1f} ms\n")  # fmt: skip
        out.write(f"   model    {answer.text.strip()!r:<24} "
                  f"{'right' if task.score(answer.text, item) else 'WRONG'}  {answer.flops:>12,} "
                  f"FLOPs         {answer.latency_s * 1e3:8.1f} ms\n")  # fmt: skip
    return 0


def machine_samples(out: TextIO) -> int:
    """Run each sample; print its output, retired instructions and speed; compare with qemu."""
    have_qemu = not gnu.missing_tools()
    if not have_qemu:
        out.write(f"(qemu comparison skipped: install {gnu.DEBIAN_PACKAGES})\n")
    status = 0
    for name, stdin in SAMPLE_INPUTS.items():
        path = SAMPLES / name
        program = assemble_file(path)
        start = time.perf_counter()
        result = run(program, stdin)
        wall = time.perf_counter() - start
        out.write(f"== {name}  input {stdin!r}\n")
        out.write(f"   output  {result.output!r}\n")
        rate = result.retired_instructions / wall / 1e6 if wall else float("nan")
        out.write(
            f"   rv-ref  {result.retired_instructions:,} instructions in {wall * 1e3:.1f} ms "
            f"({rate:.2f} M instructions/s), exit {result.exit_code}\n"
        )
        if result.trap is not None:
            out.write(f"   {result.trap}\n")
            status = 1
        if have_qemu:
            with tempfile.TemporaryDirectory() as tmp:
                peer = gnu.run_qemu(gnu.build(path, Path(tmp)), stdin)
            same = (peer.output, peer.exit_code, peer.retired_instructions) == (
                result.output, result.exit_code, result.retired_instructions,
            )  # fmt: skip
            out.write(
                f"   qemu    {peer.retired_instructions:,} instructions, exit {peer.exit_code}: "
                f"{'identical output, exit code and count' if same else 'DIFFERENT'}\n"
            )
            status = status or (0 if same else 1)
    return status
