"""The RV32IM instruction set that isabench's machine runs: registers, encodings, decoding.

Encoding and decoding are pure functions of 32-bit words so that the assembler's output can be
compared byte for byte with GNU as, and the machine can decode whatever sits in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

XLEN_MASK = 0xFFFF_FFFF

ABI_NAMES = (
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
    "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
    "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
)  # fmt: skip

REGISTER_NUMBERS: dict[str, int] = {name: i for i, name in enumerate(ABI_NAMES)}
REGISTER_NUMBERS.update({f"x{i}": i for i in range(32)})
REGISTER_NUMBERS["fp"] = 8


@dataclass(frozen=True)
class InstructionSpec:
    """How one real instruction is encoded: its format and fixed fields."""

    mnemonic: str
    fmt: str  # R, I, IS (shift-immediate), L (load), S, B, U, J, SYS
    opcode: int
    funct3: int = 0
    funct7: int = 0


def _specs() -> dict[str, InstructionSpec]:
    table: list[InstructionSpec] = [
        InstructionSpec("lui", "U", 0b0110111),
        InstructionSpec("auipc", "U", 0b0010111),
        InstructionSpec("jal", "J", 0b1101111),
        InstructionSpec("jalr", "I", 0b1100111, 0b000),
    ]
    for name, f3 in (("beq", 0), ("bne", 1), ("blt", 4), ("bge", 5), ("bltu", 6), ("bgeu", 7)):
        table.append(InstructionSpec(name, "B", 0b1100011, f3))
    for name, f3 in (("lb", 0), ("lh", 1), ("lw", 2), ("lbu", 4), ("lhu", 5)):
        table.append(InstructionSpec(name, "L", 0b0000011, f3))
    for name, f3 in (("sb", 0), ("sh", 1), ("sw", 2)):
        table.append(InstructionSpec(name, "S", 0b0100011, f3))
    for name, f3 in (("addi", 0), ("slti", 2), ("sltiu", 3), ("xori", 4), ("ori", 6), ("andi", 7)):
        table.append(InstructionSpec(name, "I", 0b0010011, f3))
    for name, f3, f7 in (("slli", 1, 0), ("srli", 5, 0), ("srai", 5, 0b0100000)):
        table.append(InstructionSpec(name, "IS", 0b0010011, f3, f7))
    for name, f3, f7 in (
        ("add", 0, 0), ("sub", 0, 0b0100000), ("sll", 1, 0), ("slt", 2, 0), ("sltu", 3, 0),
        ("xor", 4, 0), ("srl", 5, 0), ("sra", 5, 0b0100000), ("or", 6, 0), ("and", 7, 0),
        ("mul", 0, 1), ("mulh", 1, 1), ("mulhsu", 2, 1), ("mulhu", 3, 1),
        ("div", 4, 1), ("divu", 5, 1), ("rem", 6, 1), ("remu", 7, 1),
    ):  # fmt: skip
        table.append(InstructionSpec(name, "R", 0b0110011, f3, f7))
    table.append(InstructionSpec("ecall", "SYS", 0b1110011))
    table.append(InstructionSpec("ebreak", "SYS", 0b1110011))
    return {spec.mnemonic: spec for spec in table}


SPECS: dict[str, InstructionSpec] = _specs()


def mnemonics(fmt: str, *, but: tuple[str, ...] = ()) -> list[str]:
    """The mnemonics of one operand format ("R", "I", "IS", "L", "S", "B", ...), in SPECS order."""
    return [m for m, spec in SPECS.items() if spec.fmt == fmt and m not in but]

# Formats whose instruction writes register rd (used by the tracer and the executors).
WRITES_RD = frozenset({"R", "I", "IS", "L", "U", "J"})


@dataclass(frozen=True)
class Decoded:
    """One decoded instruction: mnemonic, register fields and the sign-extended immediate."""

    mnemonic: str
    fmt: str
    rd: int = 0
    rs1: int = 0
    rs2: int = 0
    imm: int = 0

    def text(self) -> str:
        """The instruction in assembler syntax with ABI register names, as a listing shows it."""
        r = ABI_NAMES
        m, f = self.mnemonic, self.fmt
        if f == "R":
            return f"{m} {r[self.rd]}, {r[self.rs1]}, {r[self.rs2]}"
        if f in ("I", "IS"):
            if m == "jalr":
                return f"{m} {r[self.rd]}, {self.imm}({r[self.rs1]})"
            return f"{m} {r[self.rd]}, {r[self.rs1]}, {self.imm}"
        if f == "L":
            return f"{m} {r[self.rd]}, {self.imm}({r[self.rs1]})"
        if f == "S":
            return f"{m} {r[self.rs2]}, {self.imm}({r[self.rs1]})"
        if f == "B":
            return f"{m} {r[self.rs1]}, {r[self.rs2]}, pc{self.imm:+d}"
        if f == "U":
            return f"{m} {r[self.rd]}, 0x{(self.imm >> 12) & 0xFFFFF:x}"
        if f == "J":
            return f"{m} {r[self.rd]}, pc{self.imm:+d}"
        return m


def sign_extend(value: int, bits: int) -> int:
    """Interpret the low `bits` bits of value as a two's-complement number."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def encode(mnemonic: str, rd: int = 0, rs1: int = 0, rs2: int = 0, imm: int = 0) -> int:
    """Encode one real instruction; the caller has already range-checked imm."""
    spec = SPECS[mnemonic]
    op, f3, f7, fmt = spec.opcode, spec.funct3, spec.funct7, spec.fmt
    if fmt == "R":
        return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op
    if fmt in ("I", "L"):
        return ((imm & 0xFFF) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op
    if fmt == "IS":
        return (f7 << 25) | ((imm & 0x1F) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op
    if fmt == "S":
        return (
            (((imm >> 5) & 0x7F) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12)
            | ((imm & 0x1F) << 7) | op
        )  # fmt: skip
    if fmt == "B":
        return (
            (((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3F) << 25) | (rs2 << 20) | (rs1 << 15)
            | (f3 << 12) | (((imm >> 1) & 0xF) << 8) | (((imm >> 11) & 1) << 7) | op
        )  # fmt: skip
    if fmt == "U":
        return ((imm & 0xFFFFF) << 12) | (rd << 7) | op
    if fmt == "J":
        return (
            (((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3FF) << 21) | (((imm >> 11) & 1) << 20)
            | (((imm >> 12) & 0xFF) << 12) | (rd << 7) | op
        )  # fmt: skip
    # SYS: ecall is all zero fields, ebreak has imm 1.
    return ((1 if mnemonic == "ebreak" else 0) << 20) | op


class IllegalInstruction(Exception):
    """The word is not an instruction of the supported RV32IM subset."""


_BY_FIELDS: dict[tuple[int, int, int], str] = {}
for _spec in SPECS.values():
    if _spec.fmt in ("R", "IS"):
        _BY_FIELDS[(_spec.opcode, _spec.funct3, _spec.funct7)] = _spec.mnemonic
    elif _spec.fmt in ("I", "L", "S", "B"):
        _BY_FIELDS[(_spec.opcode, _spec.funct3, -1)] = _spec.mnemonic


def decode(word: int) -> Decoded:
    """Decode a 32-bit word, or raise IllegalInstruction."""
    opcode = word & 0x7F
    rd = (word >> 7) & 0x1F
    funct3 = (word >> 12) & 0x7
    rs1 = (word >> 15) & 0x1F
    rs2 = (word >> 20) & 0x1F
    funct7 = word >> 25
    if opcode == 0b0110111:  # lui
        return Decoded("lui", "U", rd=rd, imm=sign_extend(word & 0xFFFFF000, 32))
    if opcode == 0b0010111:  # auipc
        return Decoded("auipc", "U", rd=rd, imm=sign_extend(word & 0xFFFFF000, 32))
    if opcode == 0b1101111:  # jal
        imm = (
            (((word >> 31) & 1) << 20) | (((word >> 21) & 0x3FF) << 1)
            | (((word >> 20) & 1) << 11) | (((word >> 12) & 0xFF) << 12)
        )  # fmt: skip
        return Decoded("jal", "J", rd=rd, imm=sign_extend(imm, 21))
    if opcode == 0b1100111 and funct3 == 0:  # jalr
        return Decoded("jalr", "I", rd=rd, rs1=rs1, imm=sign_extend(word >> 20, 12))
    if opcode == 0b1110011:  # ecall / ebreak (all other fields zero)
        if word == 0x00000073:
            return Decoded("ecall", "SYS")
        if word == 0x00100073:
            return Decoded("ebreak", "SYS")
        raise IllegalInstruction(f"unsupported system instruction 0x{word:08x}")
    if opcode in (0b0110011,) or (opcode == 0b0010011 and funct3 in (1, 5)):
        name = _BY_FIELDS.get((opcode, funct3, funct7))
        if name is None:
            raise IllegalInstruction(f"illegal instruction 0x{word:08x}")
        if opcode == 0b0010011:  # shift by immediate
            return Decoded(name, "IS", rd=rd, rs1=rs1, imm=rs2)
        return Decoded(name, "R", rd=rd, rs1=rs1, rs2=rs2)
    name = _BY_FIELDS.get((opcode, funct3, -1))
    if name is None:
        raise IllegalInstruction(f"illegal instruction 0x{word:08x}")
    fmt = SPECS[name].fmt
    if fmt in ("I", "L"):
        return Decoded(name, fmt, rd=rd, rs1=rs1, imm=sign_extend(word >> 20, 12))
    if fmt == "S":
        imm = (funct7 << 5) | rd
        return Decoded(name, "S", rs1=rs1, rs2=rs2, imm=sign_extend(imm, 12))
    # B
    imm = (
        (((word >> 31) & 1) << 12) | (((word >> 25) & 0x3F) << 5)
        | (((word >> 8) & 0xF) << 1) | (((word >> 7) & 1) << 11)
    )  # fmt: skip
    return Decoded(name, "B", rs1=rs1, rs2=rs2, imm=sign_extend(imm, 13))
