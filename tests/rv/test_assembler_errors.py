"""Assembly errors: each is a typed exception with file, line, column and an actionable message."""

from __future__ import annotations

import pytest

from isabench.rv.assembler import assemble
from isabench.rv.errors import (
    AsmSyntaxError,
    BadRegister,
    BranchOutOfRange,
    DuplicateSymbol,
    ImmediateOutOfRange,
    OperandCountError,
    UndefinedSymbol,
    UnknownMnemonic,
    UnsupportedDirective,
)

# (source, exception, line, column, words the message must contain)
CASES = [
    ("  foo a0, a1", UnknownMnemonic, 1, 3, "unknown instruction 'foo'"),
    ("  fadd.s f0, f1, f2", UnknownMnemonic, 1, 3, "not in RV32IM"),
    ("  add a0, a1", OperandCountError, 1, 11, "takes 3 operand(s), got 2"),
    ("  ecall a0", OperandCountError, 1, 9, "takes 0 operand(s), got 1"),
    ("  addi q0, a1, 1", BadRegister, 1, 8, "'q0' is not a register"),
    ("  lw a0, 4(q9)", BadRegister, 1, 12, "'q9' is not a register"),
    ("  addi a0, a1, 2048", ImmediateOutOfRange, 1, 16, "must be in -2048..2047"),
    ("  addi a0, a1, -2049", ImmediateOutOfRange, 1, 16, "must be in -2048..2047"),
    ("  slli a0, a0, 32", ImmediateOutOfRange, 1, 16, "must be in 0..31"),
    ("  lui a0, 0x100000", ImmediateOutOfRange, 1, 11, "must be in 0..1048575"),
    ("  li a0, 0x100000000", ImmediateOutOfRange, 1, 10, "does not fit in 32 bits"),
    ("  .byte 256", ImmediateOutOfRange, 1, 9, "must be in -128..255"),
    ("  .half -32769", ImmediateOutOfRange, 1, 9, "must be in -32768..65535"),
    ("  .align 17", ImmediateOutOfRange, 1, 10, "must be in 0..16"),
    ("  j nowhere", UndefinedSymbol, 1, 5, "undefined symbol 'nowhere'"),
    ("  la a0, nothing", UndefinedSymbol, 1, 10, "undefined symbol 'nothing'"),
    ("  li a0, LATER\n  .equ LATER, 3", UndefinedSymbol, 1, 10, "defined above this line"),
    ("  j 1f", UndefinedSymbol, 1, 5, "'1f': no '1:' below"),
    ("  j 1b", UndefinedSymbol, 1, 5, "'1b': no '1:' above"),
    ("x:\n  nop\nx:", DuplicateSymbol, 3, 1, "'x' is already defined (first defined at line 1)"),
    ("  .equ N, 1\nN: nop", DuplicateSymbol, 2, 1, "'N' is already defined"),
    ("  .macro m", UnsupportedDirective, 1, 3, "unsupported directive '.macro'"),
    ("  .section .sdata", UnsupportedDirective, 1, 12, "unsupported section '.sdata'"),
    ("  beq a0, a1, far\n  .space 5000\nfar: nop", BranchOutOfRange, 1, 15, "-4096..4094"),
    ("  jal far\n  .space 1048576\nfar: nop", BranchOutOfRange, 1, 7, "-1048576..1048574"),
    ("  addi a0, a0, (1", AsmSyntaxError, 1, 18, "expected ')'"),
    ("  addi a0, a0, 1 2", AsmSyntaxError, 1, 18, "unexpected '2'"),
    ('  .ascii "abc', AsmSyntaxError, 1, 10, "string in double quotes"),
    ("  .bss\n  .word 1", AsmSyntaxError, 2, 3, "only .space/.zero/.align may go in .bss"),
    ("  .data\n_start: .word 0", AsmSyntaxError, 2, 1, "_start must be a label in .text"),
    ("  li a0, 1/0", AsmSyntaxError, 1, 10, "division by zero"),
    ("  sw a0, sym\nsym: .word 0", OperandCountError, 1, 10, "needs a scratch register"),
    ("  @@", AsmSyntaxError, 1, 3, "expected an instruction"),
]


@pytest.mark.parametrize(("source", "error", "line", "col", "words"), CASES,
                         ids=[c[0].strip().splitlines()[0] for c in CASES])
def test_error_is_typed_and_located(source, error, line, col, words) -> None:
    with pytest.raises(error) as caught:
        assemble(source, "prog.s")
    err = caught.value
    assert (err.file, err.line, err.col) == ("prog.s", line, col)
    assert words in err.message
    assert str(err).startswith(f"prog.s:{line}:{col}: error: ")
    assert "\n" not in str(err)
