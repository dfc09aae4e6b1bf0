"""What every executor of the register machine shares: limits, memory image, syscalls, results.

Memory map (a static executable as GNU ld lays it out, see assembler.py):
  [0, 0x10000)                      unmapped: any access is a memory fault
  [0x10000, rw_start)               ELF headers, .text, .rodata: read-only, code fetched from .text
  [rw_start, memory_size)           .data, .bss, then free space and the stack: read-write
The stack pointer starts at memory_size (the top) and grows down.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .assembler import PAGE, Program
from .errors import Trap

DEFAULT_MAX_STEPS = 50_000_000
DEFAULT_MEMORY_SIZE = 16 * 1024 * 1024
DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024

SYS_READ, SYS_WRITE, SYS_EXIT, SYS_EXIT_GROUP = 63, 64, 93, 94
EBADF = 9
SYSCALL_NAMES = {SYS_READ: "read", SYS_WRITE: "write", SYS_EXIT: "exit", SYS_EXIT_GROUP: "exit"}
SP, A0, A1, A2, A7 = 2, 10, 11, 12, 17
MASK = 0xFFFF_FFFF


class LimitsError(ValueError):
    """A limit that cannot work (memory smaller than the program, a step limit below 1)."""


@dataclass(frozen=True)
class Limits:
    """Fuel and memory for one run."""

    max_steps: int = DEFAULT_MAX_STEPS
    memory_size: int = DEFAULT_MEMORY_SIZE
    max_output_bytes: int = DEFAULT_MAX_OUTPUT

    def check(self, program: Program) -> None:
        """Raise LimitsError where these limits cannot hold this program."""
        if self.max_steps < 0:
            raise LimitsError(f"max steps must be >= 0, got {self.max_steps}")
        need = _page_up(program.image_end) + PAGE
        if self.memory_size < need:
            raise LimitsError(
                f"memory size {self.memory_size} is too small for {program.name}: it needs at "
                f"least {need} bytes (image ends at 0x{program.image_end:x}, plus a stack page)"
            )
        if self.memory_size > 0x8000_0000 or self.memory_size % 16:
            raise LimitsError(
                f"memory size must be a multiple of 16 and at most 2 GiB, got {self.memory_size}"
            )


@dataclass
class RunResult:
    """What a run produced and what it cost."""

    output: bytes
    exit_code: int | None  # the low 8 bits of exit's a0, as a process exit status
    retired_instructions: int
    trap: Trap | None = None
    stderr: bytes = b""

    def stats(self, wall_s: float) -> dict:
        """The --stats-json object."""
        return {
            "retired_instructions": self.retired_instructions,
            "exit_code": self.exit_code,
            "trap": self.trap.as_dict() if self.trap else None,
            "wall_s": wall_s,
            "output_bytes": len(self.output),
        }


def _page_up(value: int) -> int:
    return (value + PAGE - 1) // PAGE * PAGE


def load_memory(program: Program, limits: Limits) -> bytearray:
    """A zeroed address space of limits.memory_size bytes with the program image copied in."""
    limits.check(program)
    memory = bytearray(limits.memory_size)
    for address, data in program.segments:
        memory[address : address + len(data)] = data
    return memory


def initial_sp(limits: Limits) -> int:
    """The stack pointer at entry: the top of memory (16-byte aligned)."""
    return limits.memory_size


@dataclass
class SyscallIO:
    """The three syscalls' world: input bytes to read, output bytes written, the exit status."""

    stdin: bytes
    limits: Limits
    read_pos: int = 0
    output: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    exit_code: int | None = None

    def ecall(self, regs: list[int], memory: bytearray, program: Program, pc: int) -> dict:
        """Perform the syscall named by a7; update a0. Returns a small record for the tracer."""
        number = regs[A7]
        if number == SYS_READ:
            fd, buf, count = regs[A0], regs[A1], regs[A2]
            if fd != 0:
                regs[A0] = (-EBADF) & MASK
                return {"syscall": "read", "fd": fd, "ret": -EBADF}
            chunk = self.stdin[self.read_pos : self.read_pos + count]
            if chunk:
                check_access(program, memory, pc, buf, len(chunk), write=True)
                memory[buf : buf + len(chunk)] = chunk
            self.read_pos += len(chunk)
            regs[A0] = len(chunk)
            return {"syscall": "read", "fd": 0, "addr": buf, "ret": len(chunk)}
        if number == SYS_WRITE:
            fd, buf, count = regs[A0], regs[A1], regs[A2]
            if fd not in (1, 2):
                regs[A0] = (-EBADF) & MASK
                return {"syscall": "write", "fd": fd, "ret": -EBADF}
            if count:
                check_access(program, memory, pc, buf, count, write=False)
            sink = self.output if fd == 1 else self.stderr
            if len(sink) + count > self.limits.max_output_bytes:
                raise Trap(
                    "output_limit", pc,
                    f"output would exceed {self.limits.max_output_bytes} bytes",
                    program.lines.get(pc),
                )  # fmt: skip
            sink += memory[buf : buf + count]
            regs[A0] = count
            return {"syscall": "write", "fd": fd, "addr": buf, "ret": count}
        if number in (SYS_EXIT, SYS_EXIT_GROUP):
            self.exit_code = regs[A0] & 0xFF
            return {"syscall": "exit", "status": self.exit_code}
        raise Trap(
            "unknown_syscall", pc,
            f"unknown syscall a7={number} (supported: 63 read, 64 write, 93 exit)",
            program.lines.get(pc),
        )  # fmt: skip


def written_bytes(program: Program, memory) -> int:
    """Bytes of the address space a run changed, counted in whole 4 KiB pages.

    A page counts when its final contents differ from the loaded image (a page written back to
    its original bytes does not count). `memory` is the final address space as any buffer of
    bytes (bytearray, numpy uint8 array). Together with program.program_bytes this is the
    machine's architectural footprint in the records (`arch_bytes`).
    """
    import numpy as np

    final = np.frombuffer(memory, dtype=np.uint8)
    pages = len(final) // PAGE
    view = final[: pages * PAGE].reshape(pages, PAGE)
    changed = view.max(axis=1) != 0  # the image outside the segments starts as zeros
    segments = [(address, data) for address, data in program.segments if data]
    if segments:
        first = min(address for address, _ in segments) // PAGE
        last = max(-(-(address + len(data)) // PAGE) for address, data in segments)
        loaded = np.zeros((last - first) * PAGE, dtype=np.uint8)
        for address, data in segments:
            offset = address - first * PAGE
            loaded[offset : offset + len(data)] = np.frombuffer(data, dtype=np.uint8)
        changed[first:last] = (view[first:last] != loaded.reshape(-1, PAGE)).any(axis=1)
    return int(changed.sum()) * PAGE


def check_access(
    program: Program, memory: bytearray, pc: int, address: int, size: int, write: bool
) -> None:
    """Raise a memory_fault Trap unless [address, address+size) is mapped for this access."""
    low = program.rw_start if write else 0x10000
    if address < low or address + size > len(memory):
        what = "write" if write else "read"
        if write and 0x10000 <= address < program.rw_start and address + size <= len(memory):
            reason = "the text segment is read-only"
        else:
            reason = f"mapped memory is 0x10000..0x{len(memory):x}"
        raise Trap(
            "memory_fault", pc,
            f"{what} of {size} byte(s) at 0x{address & MASK:08x}: {reason}",
            program.lines.get(pc),
        )  # fmt: skip
