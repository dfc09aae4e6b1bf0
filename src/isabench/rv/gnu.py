"""The real thing: GNU binutils for RISC-V and qemu-riscv32, used as the peer and the oracle.

Programs are assembled with `as -march=rv32im -mabi=ilp32`, linked `ld -m elf32lriscv
--no-relax` (relaxation would rewrite `la` and change counts), and run under qemu-riscv32.
qemu's retired-instruction count is the number of `Trace` lines of `-singlestep -d exec,nochain`.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

AS = "riscv64-unknown-elf-as"
LD = "riscv64-unknown-elf-ld"
QEMU = "qemu-riscv32"
TOOLS = (AS, LD, QEMU)
DEBIAN_PACKAGES = "binutils-riscv64-unknown-elf qemu-user"


class ToolchainError(RuntimeError):
    """GNU as/ld or qemu is missing, or rejected a program."""


def missing_tools() -> list[str]:
    """The GNU/qemu commands that are not on PATH."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


@dataclass
class QemuResult:
    output: bytes
    exit_code: int  # negative: killed by that signal
    retired_instructions: int | None
    wall_s: float | None = None


def build(source: str | Path, workdir: Path, name: str = "prog") -> Path:
    """Assemble and link a program (a .s path, or source text) into a static rv32im ELF."""
    workdir.mkdir(parents=True, exist_ok=True)
    if isinstance(source, Path):
        source_path = source
    else:
        source_path = workdir / f"{name}.s"
        source_path.write_text(source)
    obj, elf = workdir / f"{name}.o", workdir / name
    for cmd in (
        [AS, "-march=rv32im", "-mabi=ilp32", str(source_path), "-o", str(obj)],
        [LD, "-m", "elf32lriscv", "--no-relax", str(obj), "-o", str(elf)],
    ):
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0 or done.stderr.strip():
            raise ToolchainError(f"{' '.join(cmd[:1])}: {done.stderr.strip()}")
    return elf


def run_qemu(elf: Path, stdin: bytes = b"", count: bool = True, timeout: float = 120) -> QemuResult:
    """Run an ELF under qemu-riscv32; with count, also count retired instructions."""
    import time

    cmd = [QEMU]
    log = None
    if count:
        log = Path(tempfile.mkstemp(prefix="isabench-qemu-", suffix=".log")[1])
        cmd += ["-singlestep", "-d", "exec,nochain", "-D", str(log)]
    cmd.append(str(elf))
    with tempfile.TemporaryFile() as stdin_file:  # a file, not a pipe: reads return all they can
        stdin_file.write(stdin)
        stdin_file.seek(0)
        start = time.perf_counter()
        done = subprocess.run(cmd, stdin=stdin_file, capture_output=True, timeout=timeout)
        wall = time.perf_counter() - start
    retired = None
    if log is not None:
        with open(log, "rb") as f:
            retired = sum(1 for line in f if line.startswith(b"Trace"))
        log.unlink()
    return QemuResult(done.stdout, done.returncode, retired, wall)


def elf_image(elf: Path) -> list[tuple[int, bytes]]:
    """The (address, bytes) of each loadable segment's file contents."""
    data = elf.read_bytes()
    phoff, = struct.unpack_from("<I", data, 28)
    phentsize, phnum = struct.unpack_from("<HH", data, 42)
    segments = []
    for i in range(phnum):
        p_type, offset, vaddr, _, filesz, _, _, _ = struct.unpack_from(
            "<8I", data, phoff + i * phentsize
        )
        if p_type == 1:  # PT_LOAD
            segments.append((vaddr, data[offset : offset + filesz]))
    return segments


def elf_symbols(elf: Path) -> dict[str, int]:
    """Label addresses from the ELF's symbol table (what `nm` prints)."""
    done = subprocess.run(
        ["riscv64-unknown-elf-nm", str(elf)], capture_output=True, text=True, check=True
    )
    symbols = {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3:
            symbols[parts[2]] = int(parts[0], 16)
    return symbols
