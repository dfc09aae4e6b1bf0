"""`isabench demo`: the bundled sample programs on rv-ref, and on qemu-riscv32 when installed."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import TextIO

from . import gnu
from .assembler import assemble_file
from .ref import run

SAMPLES = Path(__file__).parent / "samples"
SAMPLE_INPUTS = {
    "uppercase.s": b"a finite instruction set, measured\n",
    "sum_squares.s": b"20000\n",
}


def main(out: TextIO) -> int:
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
