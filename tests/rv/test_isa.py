"""Encoding and decoding are inverse; words outside the subset are illegal instructions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from isabench.rv.isa import SPECS, Decoded, IllegalInstruction, decode, encode

IMMEDIATE_RANGES = {
    "I": (-2048, 2047, 1), "L": (-2048, 2047, 1), "S": (-2048, 2047, 1), "IS": (0, 31, 1),
    "B": (-4096, 4094, 2), "J": (-(1 << 20), (1 << 20) - 2, 2), "U": (-(1 << 19), (1 << 19) - 1, 1),
}  # fmt: skip


@st.composite
def instructions(draw) -> Decoded:
    spec = draw(st.sampled_from(sorted(SPECS.values(), key=lambda s: s.mnemonic)))
    reg = st.integers(0, 31)
    rd, rs1, rs2 = draw(reg), draw(reg), draw(reg)
    fmt = spec.fmt
    imm = 0
    if fmt in IMMEDIATE_RANGES:
        low, high, step = IMMEDIATE_RANGES[fmt]
        imm = draw(st.integers(low // step, high // step)) * step
        if fmt == "U":
            imm <<= 12
    fields = {
        "R": dict(rd=rd, rs1=rs1, rs2=rs2), "I": dict(rd=rd, rs1=rs1, imm=imm),
        "L": dict(rd=rd, rs1=rs1, imm=imm), "IS": dict(rd=rd, rs1=rs1, imm=imm),
        "S": dict(rs1=rs1, rs2=rs2, imm=imm), "B": dict(rs1=rs1, rs2=rs2, imm=imm),
        "U": dict(rd=rd, imm=imm), "J": dict(rd=rd, imm=imm), "SYS": {},
    }[fmt]  # fmt: skip
    return Decoded(spec.mnemonic, fmt, **fields)


@given(instructions())
def test_decode_inverts_encode(insn: Decoded) -> None:
    imm = insn.imm >> 12 if insn.fmt == "U" else insn.imm
    word = encode(insn.mnemonic, insn.rd, insn.rs1, insn.rs2, imm)
    assert decode(word) == insn


@pytest.mark.parametrize("word", [
    0x00000000,  # all zeros: not an instruction
    0xFFFFFFFF,
    0x04004033,  # OP with funct7=2: neither base nor M
    0x40001013 | (1 << 25),  # slli with a nonzero high funct7 bit
    0x0000100F,  # fence.i (not in the subset)
    0x00000007,  # flw (F extension)
    0x10500073,  # wfi
    0x00003003,  # ld (RV64)
])  # fmt: skip
def test_words_outside_the_subset_are_illegal(word: int) -> None:
    with pytest.raises(IllegalInstruction):
        decode(word)
