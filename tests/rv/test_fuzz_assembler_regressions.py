"""Every case the assembler fuzz campaign (src/isabench/fuzz/assembler.py) found, kept as a row:
source -> "assembles", or (error class, line, words the message must contain). Each error must
also be one printable line `fuzz.s:LINE:COL: error: ...`."""

from __future__ import annotations

import time

import pytest

from isabench.fuzz.assembler import AssemblerCampaign
from isabench.rv.assembler import assemble
from isabench.rv.errors import (
    AsmSyntaxError,
    BadRegister,
    DuplicateSymbol,
    ImmediateOutOfRange,
    OperandCountError,
    UndefinedSymbol,
    UnknownMnemonic,
)

OK = "assembles"
DEEP = "(" * 200 + "1" + ")" * 200
CHAIN = "1" + "+1" * 5000  # evaluated left-deep: once a RecursionError
EQU_CHAIN = "".join(f"  .equ e{i}, e{i + 1}+1\n" for i in range(300)) + "  .equ e300, top\ntop: .word e0\n"
SQUARES = "  .equ q0, 3\n" + "".join(f"  .equ q{i}, q{i - 1}*q{i - 1}+3\n" for i in range(1, 40))

# (why, source, expected)
CASES = [
    # Line numbers: only "\n" ends a line (str.splitlines also split at these, so errors named
    # lines past the end of the file).
    ("form feed is not a line break", "  nop # a\x0cb\n  bad", (UnknownMnemonic, 2, "'bad'")),
    ("\\r alone is not a line break", "  nop # a\r b\n  bad", (UnknownMnemonic, 2, "'bad'")),
    ("\\u2028 is not a line break", "\u2028  .space 0x10000000, 1", (ImmediateOutOfRange, 1, "0..16777216")),
    ("\\x85 is not a line break", "  nop\x85\n  lw a0", (OperandCountError, 2, "got 1")),
    ("CRLF line endings still assemble", "_start:\r\n  li a0, 1\r\n  ret\r\n", OK),
    # Messages quoting source text escape what cannot be printed (NUL, DEL, BOM, ESC, lone
    # surrogates from undecodable bytes), so the report is one printable, encodable line.
    ("NUL in a statement", "  \x00li a0, 42", (AsmSyntaxError, 1, "got '\\x00li a0, 42'")),
    ("DEL in a register", "  addi t1\x7f, a0, 1", (BadRegister, 1, "'t1\\x7f'")),
    ("BOM before an instruction", "\ufeff addi t3, t2, -9", (AsmSyntaxError, 1, "\\ufeff")),
    ("undecodable byte", b"  \xff\xfe".decode("utf-8", "surrogateescape"), (AsmSyntaxError, 1, "\\udcff")),
    ("undecodable byte in a section name", "  .section .te\udc80xt", (Exception, 1, "\\udc80")),
    ("internal local-label name not shown", "  li a0, 0f", (UndefinedSymbol, 1, "('0' is not)")),
    # Strings: a byte that was not UTF-8 is that byte again; a lone surrogate is an error.
    ("undecodable byte in .ascii", '  .ascii "a\udcffb"', OK),
    ("escaped non-ASCII character in .ascii", '  .ascii "\\\u00e9\\\U0001f600"', OK),
    ("lone surrogate in .ascii", '  .ascii "a\ud800b"', (AsmSyntaxError, 1, "cannot be encoded")),
    # Deep expressions: a typed error or a value, not a RecursionError.
    ("200 nested parentheses", f"  li a0, {DEEP}", (AsmSyntaxError, 1, "nested too deeply")),
    ("2000 unary minus signs", "  li a0, " + "-" * 2000 + "1", (AsmSyntaxError, 1, "nested too deeply")),
    ("64 nested parentheses are fine", "  li a0, " + "(" * 64 + "1" + ")" * 64, OK),
    ("a 5001-term sum", f"  .word {CHAIN}", OK),
    ("300 .equ symbols, each in terms of the next", EQU_CHAIN, (AsmSyntaxError, 302, "nested more than 64")),
    # Literals.
    ("0b alone is local label 0 backward", "0:\n  j 0b", OK),
    ("0b without a label 0", "  addi a0, a0, 0b", (UndefinedSymbol, 1, "'0b': no '0:' above")),
    ("\\x without hex digits", "  li a0, '\\x'", (AsmSyntaxError, 1, "bad character literal")),
    ("escaped quote, GNU's unclosed form", "  li a0, '\\'", OK),
    ("a 5000-digit decimal", "  li a0, " + "1" * 5000, (AsmSyntaxError, 1, "number too large")),
    ("a 1200-bit hex literal", "  .word 0x" + "f" * 300, (AsmSyntaxError, 1, "number too large")),
    # Arithmetic on big values: exact, bounded.
    ("exact division of a 64-bit value", "  .equ Q, 0x7fffffffffffffff / 0x100000000\n  li a0, Q", OK),
    ("squaring .equ chain", SQUARES, (AsmSyntaxError, 11, "more than 1024 bits")),
    ("huge quotient", "  .word (1<<1000)/3", (ImmediateOutOfRange, 1, "does not fit in 4 byte(s)")),
    # Size: .space in .text is one line-table range, and the image is capped.
    ("16 MiB .space in .text", "_start: nop\n  .space 0x1000000, 1\n  nop", OK),
    ("five 16 MiB .bss blocks", "  .bss\n" + "  .space 0x1000000\n" * 5, (ImmediateOutOfRange, 6, "64 MiB")),
    ("2e9 bytes of .space", "  .space 2000000000", (ImmediateOutOfRange, 1, "0..16777216")),
    # Long lines: comments and commas are found with a regex scan, not a character at a time
    # (a 1.4 MB line took 4 s, past the campaign's 1 s deadline).
    ("a 420 kB line", "  andi x15, " + "1-1-0x800-'a'-" * 30000 + "1, 2, 3, 4",
     (OperandCountError, 1, "got 5")),
    ("a 12000-operand .word", "  .word " + ",".join(["1"] * 12000), OK),
    # GNU as agrees.
    ("a label repeated at the same place", "    .globl _start\n_start:\n_start:\n  nop", OK),
    ("a label repeated after code", "x: nop\nx: nop", (DuplicateSymbol, 2, "already defined")),
    ("a label repeated after .align", "x:\n  .align 4\nx: nop", (DuplicateSymbol, 3, "already defined")),
    (".equ of a label-relative .equ", "  .equ X, lbl+1\n  .equ Y, X+1\nlbl: .word Y", OK),
    (".align 4 one byte past a boundary in .text", "_start:\n  .byte 1\n  .align 4\nx: nop",
     (AsmSyntaxError, 3, "cannot align .text to 16 bytes 1 byte(s) past")),
    (".align 4 five bytes past a boundary in .text",
     "_start:\n" + "  .byte 1\n" * 5 + "  .align 4\nx: nop", OK),
    (".align 2 one byte past in .text", "_start:\n  .byte 1\n  .align 2\nx: nop", OK),
    ("a label repeated across .align 2 that pads nothing", "L4: .align 2\nL4: .align 2\n  nop", OK),
    ("a label repeated across .space 0", "x:\n  .space 0\nx: nop", OK),
    ("a label repeated across .align 2 in .data", "  .data\nx:\n  .align 2\nx: .word 1",
     (DuplicateSymbol, 4, "already defined")),
    (".set of itself with no earlier value", "  .set K7, K7 + 1",
     (UndefinedSymbol, 1, "'K7' is defined in terms of itself")),
    (".set of itself, given a value below", "  .set V, V + 1\n  .set V, 1\n  li a0, V", OK),
    (".set of itself after a value", "  .set K7, 1\n  .set K7, K7 + 1\n  li a0, K7", OK),
    (".equ loop, used", "  .equ a, b\n  .equ b, a\n  .word a",
     (UndefinedSymbol, 2, "defined in terms of itself")),
    (".equ loop, unused", "  .equ a, b\n  .equ b, c\n  .equ c, a", (UndefinedSymbol, 3, "a loop through")),
    (".equ chain, no loop", "  .equ a, b\n  .equ b, c\n  .equ c, 4\n  .word a, b, c", OK),
]


@pytest.mark.parametrize(("why", "source", "expected"), CASES, ids=[c[0] for c in CASES])
def test_fuzz_regression(why, source, expected) -> None:
    start = time.monotonic()
    if expected == OK:
        assemble(source, name="fuzz.s")
    else:
        error, line, words = expected
        with pytest.raises(error) as caught:
            assemble(source, name="fuzz.s")
        text = str(caught.value)
        assert text.startswith(f"fuzz.s:{line}:"), text
        assert words in text, text
    assert time.monotonic() - start < 1.0, "slower than the campaign's per-case deadline"
    findings, _ = AssemblerCampaign(gnu_every=0).check(source, 0)
    assert findings == [], findings


def test_label_redefined_in_place_has_one_address() -> None:
    with pytest.raises(DuplicateSymbol):  # a repeat after an instruction is still an error
        assemble("_start:\n_start:\n  nop\n_start:\n  ret", name="fuzz.s")
    assert assemble("a:\na:\n  nop").symbols["a"] == assemble("a:\n  nop").symbols["a"]


def test_big_text_space_keeps_source_lines() -> None:
    program = assemble("_start: nop\n  .space 0x1000000, 1\n  .word 7\n  nop", name="fuzz.s")
    base = program.text_start
    assert program.lines.get(base).line == 1
    assert program.lines.get(base + 4).line == 2
    assert program.lines.get(base + 0x1000000).line == 2
    assert (base + 0x1000000 + 4) in program.lines and program.lines[base + 0x1000000 + 4].line == 3
    assert program.lines.get(base + 0x1000000 + 8).line == 4
    assert program.lines.get(base + 0x1000000 + 12) is None
