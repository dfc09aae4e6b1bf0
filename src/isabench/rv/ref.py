"""rv-ref: the reference interpreter, written to be read. Decode is kept apart from execute:
each opcode is one small method, and the tracer sees every retired instruction.
"""

from __future__ import annotations

from collections.abc import Callable

from .assembler import Program
from .errors import Trap
from .isa import WRITES_RD, Decoded, IllegalInstruction, decode, sign_extend
from .machine import (
    MASK,
    SP,
    Limits,
    RunResult,
    SyscallIO,
    check_access,
    initial_sp,
    load_memory,
)
from .trace import TraceStep

INT_MIN = -(1 << 31)
LOAD_WIDTHS = {"lb": (1, True), "lh": (2, True), "lw": (4, True), "lbu": (1, False),
               "lhu": (2, False)}  # fmt: skip
STORE_WIDTHS = {"sb": 1, "sh": 2, "sw": 4}


def s32(value: int) -> int:
    """The signed reading of a 32-bit register value."""
    return sign_extend(value, 32)


def _div_toward_zero(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


class ReferenceMachine:
    """Runs one Program on one input. `run()` returns a RunResult; it never raises a Trap."""

    def __init__(
        self,
        program: Program,
        stdin: bytes = b"",
        limits: Limits | None = None,
        tracer: Callable[[TraceStep], None] | None = None,
    ):
        self.program = program
        self.limits = limits or Limits()
        self.memory = load_memory(program, self.limits)
        self.regs = [0] * 32
        self.regs[SP] = initial_sp(self.limits)
        self.pc = program.entry
        self.io = SyscallIO(stdin, self.limits)
        self.retired = 0
        self.tracer = tracer
        self._decoded: dict[int, tuple[Decoded, Callable[[Decoded], int | None]]] = {}
        self._last_syscall: dict | None = None
        self.last_pc: int | None = None  # the last retired instruction, for fetch faults

    # -- the loop ------------------------------------------------------------------------------
    def run(self) -> RunResult:
        try:
            while self.io.exit_code is None:
                self.step()
            trap = None
        except Trap as caught:
            trap = caught
        return RunResult(
            output=bytes(self.io.output),
            exit_code=self.io.exit_code,
            retired_instructions=self.retired,
            trap=trap,
            stderr=bytes(self.io.stderr),
        )

    def step(self) -> None:
        """Fetch, decode, execute and retire one instruction."""
        if self.retired >= self.limits.max_steps:
            raise self.trap("step_limit", f"step limit of {self.limits.max_steps} reached")
        pc = self.pc
        decoded, execute = self.fetch(pc)
        regs = self.regs
        store_address = (regs[decoded.rs1] + decoded.imm) & MASK if decoded.fmt == "S" else None
        next_pc = execute(decoded)
        self.retired += 1
        self.last_pc = pc
        self.pc = (pc + 4) & MASK if next_pc is None else next_pc
        if self.tracer is not None:
            self.tracer(self.trace_step(pc, decoded, store_address))

    def fetch(self, pc: int) -> tuple[Decoded, Callable[[Decoded], int | None]]:
        """Decode the word at pc (cached: .text is read-only) and pick its execute method."""
        cached = self._decoded.get(pc)
        if cached is not None:
            return cached
        program = self.program
        if pc % 4 or not program.text_start <= pc < program.text_end:
            came_from = f" after pc 0x{self.last_pc:08x}" if self.last_pc is not None else ""
            raise Trap(
                "memory_fault", pc,
                f"instruction fetch from 0x{pc:08x}{came_from}: code is fetched from aligned "
                f"addresses in .text (0x{program.text_start:08x}..0x{program.text_end:08x})",
                program.lines.get(self.last_pc),  # the jump (or last instruction) that led here
            )  # fmt: skip
        word = int.from_bytes(self.memory[pc : pc + 4], "little")
        try:
            decoded = decode(word)
        except IllegalInstruction as err:
            raise self.trap("illegal_instruction", str(err)) from None
        entry = (decoded, getattr(self, "op_" + decoded.mnemonic))
        self._decoded[pc] = entry
        return entry

    def trap(self, kind: str, message: str) -> Trap:
        return Trap(kind, self.pc, message, self.program.lines.get(self.pc))

    def trace_step(self, pc: int, d: Decoded, store_address: int | None) -> TraceStep:
        step = TraceStep(
            step=self.retired - 1, pc=pc, source=self.program.lines.get(pc), text=d.text()
        )
        if d.fmt in WRITES_RD and d.rd != 0:
            step.rd, step.rd_value = d.rd, self.regs[d.rd]
        if store_address is not None:
            width = STORE_WIDTHS[d.mnemonic]
            step.mem_addr, step.mem_width = store_address, width
            step.mem_value = int.from_bytes(
                self.memory[store_address : store_address + width], "little"
            )
        if d.mnemonic == "ecall":
            step.syscall = self._last_syscall
        return step

    # -- helpers -------------------------------------------------------------------------------
    def set(self, rd: int, value: int) -> None:
        """Write a register; x0 stays zero."""
        if rd:
            self.regs[rd] = value & MASK

    def load(self, address: int, width: int, signed: bool) -> int:
        check_access(self.program, self.memory, self.pc, address, width, write=False)
        value = int.from_bytes(self.memory[address : address + width], "little")
        return sign_extend(value, 8 * width) if signed else value

    def store(self, address: int, width: int, value: int) -> None:
        check_access(self.program, self.memory, self.pc, address, width, write=True)
        self.memory[address : address + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(
            width, "little"
        )

    # -- U and J formats -----------------------------------------------------------------------
    def op_lui(self, d: Decoded) -> None:
        self.set(d.rd, d.imm)

    def op_auipc(self, d: Decoded) -> None:
        self.set(d.rd, self.pc + d.imm)

    def op_jal(self, d: Decoded) -> int:
        self.set(d.rd, self.pc + 4)
        return (self.pc + d.imm) & MASK

    def op_jalr(self, d: Decoded) -> int:
        target = (self.regs[d.rs1] + d.imm) & MASK & ~1  # read rs1 before writing rd
        self.set(d.rd, self.pc + 4)
        return target

    # -- branches: taken -> target, not taken -> fall through -----------------------------------
    def _branch(self, d: Decoded, taken: bool) -> int | None:
        return (self.pc + d.imm) & MASK if taken else None

    def op_beq(self, d: Decoded) -> int | None:
        return self._branch(d, self.regs[d.rs1] == self.regs[d.rs2])

    def op_bne(self, d: Decoded) -> int | None:
        return self._branch(d, self.regs[d.rs1] != self.regs[d.rs2])

    def op_blt(self, d: Decoded) -> int | None:
        return self._branch(d, s32(self.regs[d.rs1]) < s32(self.regs[d.rs2]))

    def op_bge(self, d: Decoded) -> int | None:
        return self._branch(d, s32(self.regs[d.rs1]) >= s32(self.regs[d.rs2]))

    def op_bltu(self, d: Decoded) -> int | None:
        return self._branch(d, self.regs[d.rs1] < self.regs[d.rs2])

    def op_bgeu(self, d: Decoded) -> int | None:
        return self._branch(d, self.regs[d.rs1] >= self.regs[d.rs2])

    # -- loads and stores ----------------------------------------------------------------------
    def _load(self, d: Decoded) -> None:
        width, signed = LOAD_WIDTHS[d.mnemonic]
        self.set(d.rd, self.load((self.regs[d.rs1] + d.imm) & MASK, width, signed))

    op_lb = op_lh = op_lw = op_lbu = op_lhu = _load

    def _store(self, d: Decoded) -> None:
        address = (self.regs[d.rs1] + d.imm) & MASK
        self.store(address, STORE_WIDTHS[d.mnemonic], self.regs[d.rs2])

    op_sb = op_sh = op_sw = _store

    # -- register-immediate ----------------------------------------------------------------------
    def op_addi(self, d: Decoded) -> None:
        self.set(d.rd, self.regs[d.rs1] + d.imm)

    def op_slti(self, d: Decoded) -> None:
        self.set(d.rd, int(s32(self.regs[d.rs1]) < d.imm))

    def op_sltiu(self, d: Decoded) -> None:  # the immediate is sign-extended, then compared unsigned
        self.set(d.rd, int(self.regs[d.rs1] < (d.imm & MASK)))

    def op_xori(self, d: Decoded) -> None:
        self.set(d.rd, self.regs[d.rs1] ^ (d.imm & MASK))

    def op_ori(self, d: Decoded) -> None:
        self.set(d.rd, self.regs[d.rs1] | (d.imm & MASK))

    def op_andi(self, d: Decoded) -> None:
        self.set(d.rd, self.regs[d.rs1] & (d.imm & MASK))

    def op_slli(self, d: Decoded) -> None:
        self.set(d.rd, self.regs[d.rs1] << d.imm)

    def op_srli(self, d: Decoded) -> None:
        self.set(d.rd, self.regs[d.rs1] >> d.imm)

    def op_srai(self, d: Decoded) -> None:
        self.set(d.rd, s32(self.regs[d.rs1]) >> d.imm)

    # -- register-register (shift amounts use the low 5 bits of rs2) -----------------------------
    def op_add(self, d: Decoded) -> None:
        self.set(d.rd, self.regs[d.rs1] + self.regs[d.rs2])

    def op_sub(self, d: Decoded) -> None:
        self.set(d.rd, self.regs[d.rs1] - self.regs[d.rs2])

    def op_sll(self, d: Decoded) -> None:
        self.set(d.rd, self.regs[d.rs1] << (self.regs[d.rs2] & 31))

    def op_slt(self, d: Decoded) -> None:
        self.set(d.rd, int(s32(self.regs[d.rs1]) < s32(self.regs[d.rs2])))

    def op_sltu(self, d: Decoded) -> None:
        self.set(d.rd, int(self.regs[d.rs1] < self.regs[d.rs2]))

    def op_xor(self, d: Decoded) -> None:
        self.set(d.rd, self.regs[d.rs1] ^ self.regs[d.rs2])

    def op_srl(self, d: Decoded) -> None:
        self.set(d.rd, self.regs[d.rs1] >> (self.regs[d.rs2] & 31))

    def op_sra(self, d: Decoded) -> None:
        self.set(d.rd, s32(self.regs[d.rs1]) >> (self.regs[d.rs2] & 31))

    def op_or(self, d: Decoded) -> None:
        self.set(d.rd, self.regs[d.rs1] | self.regs[d.rs2])

    def op_and(self, d: Decoded) -> None:
        self.set(d.rd, self.regs[d.rs1] & self.regs[d.rs2])

    # -- M extension ---------------------------------------------------------------------------
    def op_mul(self, d: Decoded) -> None:
        self.set(d.rd, self.regs[d.rs1] * self.regs[d.rs2])

    def op_mulh(self, d: Decoded) -> None:
        self.set(d.rd, (s32(self.regs[d.rs1]) * s32(self.regs[d.rs2])) >> 32)

    def op_mulhsu(self, d: Decoded) -> None:
        self.set(d.rd, (s32(self.regs[d.rs1]) * self.regs[d.rs2]) >> 32)

    def op_mulhu(self, d: Decoded) -> None:
        self.set(d.rd, (self.regs[d.rs1] * self.regs[d.rs2]) >> 32)

    def op_div(self, d: Decoded) -> None:
        a, b = s32(self.regs[d.rs1]), s32(self.regs[d.rs2])
        if b == 0:
            self.set(d.rd, -1)  # division by zero: all ones, no trap
        elif a == INT_MIN and b == -1:
            self.set(d.rd, INT_MIN)  # overflow: the dividend
        else:
            self.set(d.rd, _div_toward_zero(a, b))

    def op_divu(self, d: Decoded) -> None:
        a, b = self.regs[d.rs1], self.regs[d.rs2]
        self.set(d.rd, a // b if b else MASK)

    def op_rem(self, d: Decoded) -> None:
        a, b = s32(self.regs[d.rs1]), s32(self.regs[d.rs2])
        if b == 0:
            self.set(d.rd, a)
        elif a == INT_MIN and b == -1:
            self.set(d.rd, 0)
        else:
            self.set(d.rd, a - b * _div_toward_zero(a, b))

    def op_remu(self, d: Decoded) -> None:
        a, b = self.regs[d.rs1], self.regs[d.rs2]
        self.set(d.rd, a % b if b else a)

    # -- system --------------------------------------------------------------------------------
    def op_ecall(self, d: Decoded) -> None:
        self._last_syscall = self.io.ecall(self.regs, self.memory, self.program, self.pc)

    def op_ebreak(self, d: Decoded) -> None:
        raise self.trap("breakpoint", "ebreak executed")


def run(
    program: Program,
    stdin: bytes = b"",
    limits: Limits | None = None,
    tracer: Callable[[TraceStep], None] | None = None,
) -> RunResult:
    """Run a program on rv-ref."""
    return ReferenceMachine(program, stdin, limits, tracer).run()
