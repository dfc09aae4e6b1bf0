"""A GNU-as-compatible assembler for isabench's RV32IM subset, with GNU ld's static layout.

Pseudo-instructions expand exactly as GNU as 2.40 expands them for rv32im, and sections are
placed where `ld -m elf32lriscv --no-relax` places them, so a program's addresses and dynamic
instruction counts match the real toolchain's.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import expr as ex
from .errors import (
    AsmSyntaxError,
    AssemblyError,
    BadRegister,
    BranchOutOfRange,
    DuplicateSymbol,
    ImmediateOutOfRange,
    OperandCountError,
    SourceLine,
    UndefinedSymbol,
    UnknownMnemonic,
    UnsupportedDirective,
)
from .isa import REGISTER_NUMBERS, SPECS, decode, encode

# GNU ld's static layout for elf32lriscv: the first page holds the ELF and program headers.
IMAGE_BASE = 0x10000
ELF_HEADER_BYTES = 52
PROGRAM_HEADER_BYTES = 32
PAGE = 0x1000
NOP = 0x00000013

SECTIONS = ("text", "rodata", "data", "bss")
SECTION_NAMES = {".text": "text", ".rodata": "rodata", ".data": "data", ".bss": "bss"}
DEFAULT_SECTION_ALIGN = {"text": 4, "rodata": 1, "data": 1, "bss": 1}

RA, T1 = 1, 6
ZERO = 0

# Pseudo-instructions that are one real instruction with operands rearranged:
# name -> (real mnemonic, operand kinds (r = register, t = target), (rd, rs1, rs2, imm)).
# In the template an int is the index of the written operand; a string is a fixed register;
# for imm, a string "=N" is the constant N.
ALIASES: dict[str, tuple[str, str, tuple]] = {
    "mv": ("addi", "rr", (0, 1, "zero", "=0")),
    "not": ("xori", "rr", (0, 1, "zero", "=-1")),
    "neg": ("sub", "rr", (0, "zero", 1, None)),
    "seqz": ("sltiu", "rr", (0, 1, "zero", "=1")),
    "snez": ("sltu", "rr", (0, "zero", 1, None)),
    "sltz": ("slt", "rr", (0, 1, "zero", None)),
    "sgtz": ("slt", "rr", (0, "zero", 1, None)),
    "sgt": ("slt", "rrr", (0, 2, 1, None)),
    "sgtu": ("sltu", "rrr", (0, 2, 1, None)),
    "beqz": ("beq", "rt", ("zero", 0, "zero", 1)),
    "bnez": ("bne", "rt", ("zero", 0, "zero", 1)),
    "blez": ("bge", "rt", ("zero", "zero", 0, 1)),
    "bgez": ("bge", "rt", ("zero", 0, "zero", 1)),
    "bltz": ("blt", "rt", ("zero", 0, "zero", 1)),
    "bgtz": ("blt", "rt", ("zero", "zero", 0, 1)),
    "bgt": ("blt", "rrt", ("zero", 1, 0, 2)),
    "ble": ("bge", "rrt", ("zero", 1, 0, 2)),
    "bgtu": ("bltu", "rrt", ("zero", 1, 0, 2)),
    "bleu": ("bgeu", "rrt", ("zero", 1, 0, 2)),
    "j": ("jal", "t", ("zero", "zero", "zero", 0)),
    "jr": ("jalr", "r", ("zero", 0, "zero", "=0")),
    "ret": ("jalr", "", ("zero", "ra", "zero", "=0")),
    "nop": ("addi", "", ("zero", "zero", "zero", "=0")),
}
# Register-register instructions that GNU as also accepts with an immediate third operand.
IMMEDIATE_FORMS = {"add": "addi", "and": "andi", "or": "ori", "xor": "xori", "slt": "slti",
                   "sltu": "sltiu", "sll": "slli", "srl": "srli", "sra": "srai"}  # fmt: skip
PSEUDOS = set(ALIASES) | {"li", "la", "lla", "call", "tail"}
DATA_WIDTHS = {".byte": 1, ".half": 2, ".2byte": 2, ".short": 2, ".word": 4, ".4byte": 4,
               ".long": 4}  # fmt: skip
SUPPORTED_DIRECTIVES = (
    ".text .data .bss .section .globl .global .word .half .byte .ascii .asciz .string "
    ".space .zero .align .p2align .equ .set"
)

_OCTAL_ESCAPE = re.compile(r"[0-7]{1,3}")
_HEX_ESCAPE = re.compile(r"[0-9a-fA-F]+")
IMAGE_LIMIT = 64 << 20  # bytes of all sections together (4x the default memory_size)
LINE_RANGE_BYTES = 1024  # data in .text bigger than this is looked up by range, not per word
MAX_EQU_DEPTH = 64  # .equ symbols defined in terms of not-yet-folded .equ symbols, nested

_LABEL = re.compile(r"\s*([A-Za-z_.$][A-Za-z0-9_.$]*|[0-9]+)\s*:")
_MEM_OPERAND = re.compile(r"^(.*)\(\s*([A-Za-z0-9]+)\s*\)\s*$")


@dataclass
class Insn:
    """One real instruction to encode once addresses are known."""

    mnemonic: str
    rd: int = 0
    rs1: int = 0
    rs2: int = 0
    imm: ex.Expr | None = None
    imm_kind: str = "none"  # imm12 shamt uimm20 branch jump pcrel_hi pcrel_lo none
    imm_col: int = 1
    pcrel_base: int | None = None  # for pcrel_lo: index of the paired auipc item


@dataclass
class Item:
    """Something placed in a section: an instruction, data, padding. Offset set on placement."""

    kind: str  # insn data ascii space align
    source: SourceLine
    size: int = 0
    offset: int = 0
    insn: Insn | None = None
    width: int = 0
    exprs: list = field(default_factory=list)
    raw: bytes = b""
    fill: int = 0
    align: int = 1


class LineTable(dict):
    """Address -> SourceLine of every word in .text. Large data blocks in .text (a big .space)
    are kept as address ranges rather than one entry per word; `get`, `[]` and `in` see both."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ranges: list[tuple[int, int, SourceLine]] = []  # (start, end), ascending

    def add_range(self, start: int, end: int, source: SourceLine) -> None:
        self.ranges.append((start, end, source))

    def _in_range(self, address: int) -> SourceLine | None:
        k = bisect.bisect_right(self.ranges, (address, float("inf"))) - 1
        if k >= 0 and self.ranges[k][0] <= address < self.ranges[k][1] and address % 4 == 0:
            return self.ranges[k][2]
        return None

    def __missing__(self, address):
        source = self._in_range(address) if isinstance(address, int) else None
        if source is None:
            raise KeyError(address)
        return source

    def get(self, address, default=None):
        try:
            return self[address]
        except KeyError:
            return default

    def __contains__(self, address) -> bool:
        return super().__contains__(address) or (isinstance(address, int) and self._in_range(address)
                                                 is not None)  # fmt: skip


@dataclass(frozen=True)
class ListingRow:
    """One instruction word of the assembled program, with its source."""

    address: int
    word: int
    text: str
    source: SourceLine


@dataclass
class Program:
    """An assembled program: its memory image, entry point, symbols and line table."""

    name: str
    entry: int
    text_start: int
    text_end: int
    segments: list[tuple[int, bytes]]  # (address, bytes) of the loaded image, bss excluded
    bss_start: int
    bss_end: int
    rw_start: int  # first address of the writable data segment's pages
    image_end: int  # end of the image (bss included)
    symbols: dict[str, int]
    lines: dict[int, SourceLine]
    listing: list[ListingRow]

    @property
    def program_bytes(self) -> int:
        """Bytes the program occupies in memory: text, read-only data, data and bss."""
        return sum(len(b) for _, b in self.segments) + (self.bss_end - self.bss_start)


_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)  # after the opening quote
_SCAN: dict[str, re.Pattern] = {}


def _unquoted(text: str, wanted: str):
    """Yield (index, char) for each character of `wanted` outside string and character literals.

    It jumps from one quote or wanted character to the next with a regex, so a long line costs
    little more than reading it once.
    """
    scan = _SCAN.get(wanted)
    if scan is None:
        scan = _SCAN[wanted] = re.compile("[" + re.escape(wanted + "\"'") + "]")
    i, n = 0, len(text)
    while i < n:
        m = scan.search(text, i)
        if not m:
            return
        i, c = m.start(), m.group()
        if c == '"':
            i = _STRING_REST.match(text, i + 1).end()
        elif c == "'":
            # A character literal: skip past its closing quote (GNU allows it unclosed).
            i += 2 if text[i + 1 : i + 2] == "\\" else 1
            if text[i + 1 : i + 2] == "'":
                i += 1
            i += 1
        else:
            yield i, c
            i += 1


def _split_operands(text: str, col0: int) -> list[tuple[str, int]]:
    """Split on top-level commas, keeping each operand's column."""
    cuts, depth = [], 0
    for i, c in _unquoted(text, "(),"):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if c == "," and depth == 0:
            cuts.append(i)
    if not text.strip():
        return []
    result, start = [], 0
    for end in [*cuts, len(text)]:
        operand = text[start:end]
        result.append((operand.strip(), col0 + start + len(operand) - len(operand.lstrip())))
        start = end + 1
    return result


def _strip_comment(line: str) -> str:
    """Drop a `#` comment that is not inside a string or character literal."""
    for i, c in _unquoted(line, "#"):
        if c == "#":
            return line[:i]
    return line


def _char_bytes(c: str, col: int) -> bytes:
    """A string's character as bytes: UTF-8, and a byte that was not UTF-8 (decoded with
    surrogateescape) is that byte again; any other lone surrogate cannot be written."""
    try:
        return c.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:
        raise AsmSyntaxError(f"character {c!r} in string cannot be encoded", col=col) from None


def _parse_string(text: str, col: int) -> bytes:
    """Bytes of a double-quoted string literal with C escapes."""
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise AsmSyntaxError(f"expected a string in double quotes, got {text!r}", col=col)
    body, out, i = text[1:-1], bytearray(), 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            n = body[i + 1]
            if n in "01234567":
                m = _OCTAL_ESCAPE.match(body, i + 1)
                out.append(int(m.group(0), 8) & 0xFF)
                i += 1 + len(m.group(0))
                continue
            if n == "x":
                m = _HEX_ESCAPE.match(body, i + 2)
                if not m:
                    raise AsmSyntaxError("bad \\x escape in string", col=col)
                out.append(int(m.group(0), 16) & 0xFF)
                i += 2 + len(m.group(0))
                continue
            if n in ex.ESCAPES:
                out.append(ex.ESCAPES[n])
            else:  # an unknown escape is the character itself, as in GNU as (`\é` is é's bytes)
                out += _char_bytes(n, col + i + 2)
            i += 2
            continue
        if c == '"':
            raise AsmSyntaxError("unescaped quote inside string", col=col + i + 1)
        out += _char_bytes(c, col + i + 1)
        i += 1
    return bytes(out)


class Assembler:
    """Turns source text into a Program. One instance assembles one source."""

    def __init__(self, source: str, name: str = "<input>"):
        self.source = source
        self.name = name
        self.sections: dict[str, list[Item]] = {s: [] for s in SECTIONS}
        self.sizes: dict[str, int] = dict.fromkeys(SECTIONS, 0)
        self.align: dict[str, int] = dict(DEFAULT_SECTION_ALIGN)
        self.current = "text"
        self.labels: dict[str, tuple[str, int, SourceLine, int]] = {}  # name->(sect, off, src, col)
        self.label_items: dict[str, int] = {}  # name -> moves[its section] when defined
        self.moves: dict[str, int] = dict.fromkeys(SECTIONS, 0)  # items that start a new place
        self.equs: dict[str, tuple[ex.Expr, SourceLine, int]] = {}
        self.local_counts: dict[str, int] = {}
        self.text_worst_case_extra = 0  # bytes GNU as reserves for .align in text, beyond need
        self.line = SourceLine(name, 0)
        self.addresses: dict[str, int] = {}
        self.statement_col = 1  # column of the current directive or instruction

    # -- errors -------------------------------------------------------------------------------
    def error(self, cls: type[AssemblyError], message: str, col: int = 0) -> AssemblyError:
        return cls(message, self.name, self.line.line, col or self.statement_col)

    def located(self, err: AssemblyError) -> AssemblyError:
        """Attach this line's file and number to an error raised without them."""
        err.file, err.line = self.name, self.line.line
        return err

    # -- pass 1: read lines -------------------------------------------------------------------
    def assemble(self) -> Program:
        # Only "\n" ends a line, as for GNU as and editors (str.splitlines also splits at \r,
        # \f, \v, \x1c-\x1e, \x85, \u2028, \u2029, which would shift every later line number).
        for number, raw in enumerate(self.source.split("\n"), start=1):
            self.line = SourceLine(self.name, number, raw.strip())
            try:
                self.read_line(_strip_comment(raw))
            except AssemblyError as err:
                if err.line == 0:
                    raise self.located(err) from None
                raise
        return self.link()

    def read_line(self, text: str) -> None:
        pos = 0
        while True:
            m = _LABEL.match(text, pos)
            if not m:
                break
            self.define_label(m.group(1), m.start(1) + 1)
            pos = m.end()
        rest = text[pos:]
        if not rest.strip():
            return
        stripped = rest.lstrip()
        col = pos + (len(rest) - len(stripped)) + 1
        m = re.match(r"[A-Za-z_.][A-Za-z0-9_.]*", stripped)
        if not m:
            raise self.error(AsmSyntaxError, f"expected an instruction, got '{stripped[:20]}'", col)
        word = m.group(0)
        self.statement_col = col
        operands = _split_operands(stripped[len(word) :], col + len(word))
        if word.startswith("."):
            self.directive(word.lower(), operands, col)
        else:
            self.instruction(word.lower(), operands, col)

    def define_label(self, name: str, col: int) -> None:
        if name.isdigit():
            self.local_counts[name] = self.local_counts.get(name, 0) + 1
            name = f".L{name}\x02{self.local_counts[name]}"
        earlier = self.labels.get(name) or self.equs.get(name)
        here = (self.current, self.sizes[self.current])
        if name in self.labels and self.labels[name][:2] == here \
                and self.label_items[name] == self.moves[self.current]:
            return  # GNU as lets a label be defined again at the very same place
        if earlier is not None:
            first = earlier[-2]  # the SourceLine of the first definition
            raise self.error(
                DuplicateSymbol,
                f"symbol '{name}' is already defined (first defined at line {first.line})",
                col,
            )
        self.labels[name] = (self.current, self.sizes[self.current], self.line, col)
        self.label_items[name] = self.moves[self.current]

    def resolve_local(self, ref: str, col: int) -> str:
        number, direction = ref[:-1], ref[-1]
        count = self.local_counts.get(number, 0)
        if direction == "b":
            if count == 0:
                raise self.error(UndefinedSymbol, f"local label '{ref}': no '{number}:' above", col)
            return f".L{number}\x02{count}"
        return f".L{number}\x02{count + 1}"

    def expr(self, text: str, col: int) -> ex.Expr:
        if not text:
            raise self.error(AsmSyntaxError, "missing operand", col)
        return ex.parse_expr(text, col, self.resolve_local)

    def place(self, item: Item) -> None:
        section = self.current
        if section == "bss" and item.kind in ("insn", "data", "ascii"):
            raise self.error(AsmSyntaxError, "only .space/.zero/.align may go in .bss")
        if item.kind == "align":
            offset = self.sizes[section]
            if section == "text" and item.align > 4 and 0 < offset % item.align < 4:
                # GNU as reserves align-4 bytes of nops for ld to trim; from 1-3 bytes past a
                # boundary ld needs more and fails ("N bytes required for alignment").
                raise self.error(AsmSyntaxError, f"cannot align .text to {item.align} bytes "
                                 f"{offset % item.align} byte(s) past a boundary (GNU ld cannot "
                                 "either: put the data after the code or align it to 4 first)")  # fmt: skip
            if section == "text" and offset % 4:
                item.raw = b"\0" * (4 - offset % 4)
                offset += len(item.raw)
            pad = -offset % item.align
            item.size = len(item.raw) + pad
            self.align[section] = max(self.align[section], item.align)
            if section == "text" and item.align > 4:
                self.text_worst_case_extra += (item.align - 4) - pad
        if sum(self.sizes.values()) + item.size > IMAGE_LIMIT:
            raise self.error(ImmediateOutOfRange, f"the program would be larger than {IMAGE_LIMIT >> 20} MiB "
                             f"(all sections together)")  # fmt: skip
        # For GNU as a label may be defined again where nothing has been placed since: an empty
        # item keeps the place, but an .align that makes ld's alignment fragment does not.
        if item.size or (item.kind == "align" and (section != "text" or item.align > 4)):
            self.moves[section] += 1
        item.offset = self.sizes[section]
        self.sizes[section] += item.size
        self.sections[section].append(item)

    # -- directives ---------------------------------------------------------------------------
    def directive(self, name: str, operands: list[tuple[str, int]], col: int) -> None:
        if name in (".text", ".data", ".bss"):
            self.expect_count(name, operands, 0, col)
            self.current = name[1:]
        elif name == ".section":
            if not operands:
                raise self.error(OperandCountError, ".section needs a section name", col)
            section = SECTION_NAMES.get(operands[0][0])
            if section is None:
                supported = ", ".join(SECTION_NAMES)
                raise self.error(
                    UnsupportedDirective,
                    f"unsupported section '{operands[0][0]}' (supported: {supported})",
                    operands[0][1],
                )
            self.current = section
        elif name in (".globl", ".global"):
            self.expect_count(name, operands, 1, col)
        elif name in DATA_WIDTHS:
            if not operands:
                raise self.error(OperandCountError, f"{name} needs at least one value", col)
            width = DATA_WIDTHS[name]
            exprs = [(self.expr(t, c), c) for t, c in operands]
            self.place(Item("data", self.line, size=width * len(exprs), width=width, exprs=exprs))
        elif name in (".ascii", ".asciz", ".string"):
            if not operands:
                raise self.error(OperandCountError, f"{name} needs a string", col)
            data = bytearray()
            for text, c in operands:
                data += _parse_string(text, c) + (b"\0" if name != ".ascii" else b"")
            self.place(Item("ascii", self.line, size=len(data), raw=bytes(data)))
        elif name in (".space", ".zero", ".skip"):
            if not 1 <= len(operands) <= 2:
                raise self.error(OperandCountError, f"{name} takes a size and an optional fill", col)
            size = self.constant(operands[0], 0, 1 << 24)
            fill = self.constant(operands[1], -128, 255) if len(operands) == 2 else 0
            self.place(Item("space", self.line, size=size, fill=fill & 0xFF))
        elif name in (".align", ".p2align"):
            if not 1 <= len(operands) <= 3:
                raise self.error(OperandCountError, f"{name} takes a power of two", col)
            power = self.constant(operands[0], 0, 16)
            fill = self.constant(operands[1], -128, 255) if len(operands) > 1 else 0
            self.place(Item("align", self.line, align=1 << power, fill=fill & 0xFF))
        elif name in (".equ", ".set"):
            self.expect_count(name, operands, 2, col)
            symbol, scol = operands[0]
            if not re.fullmatch(r"[A-Za-z_.$][A-Za-z0-9_.$]*", symbol):
                raise self.error(AsmSyntaxError, f"bad symbol name '{symbol}'", scol)
            if symbol in self.labels or (name == ".equ" and symbol in self.equs):
                raise self.error(DuplicateSymbol, f"symbol '{symbol}' is already defined", scol)
            tree = self.expr(*operands[1])
            if all(s.name in self.equs for s in ex.symbols_in(tree)):
                # A constant now: fold it, so `.set V, V+1` uses the old V. If one of those
                # symbols is itself label-relative or refers ahead (`.equ X, lbl+1`), GNU as
                # keeps the expression for later, and so do we.
                try:
                    tree = ex.Num(self.constant_value(tree, operands[1][1], operands[1][0]))
                except (ImmediateOutOfRange, UndefinedSymbol):
                    pass
            self.equs[symbol] = (tree, self.line, scol)
        else:
            raise self.error(
                UnsupportedDirective,
                f"unsupported directive '{name}' (supported: {SUPPORTED_DIRECTIVES})",
                col,
            )

    def expect_count(self, what: str, operands: list, n: int, col: int) -> None:
        if len(operands) != n:
            raise self.error(
                OperandCountError, f"'{what}' takes {n} operand(s), got {len(operands)}", col
            )

    def constant(self, operand: tuple[str, int], low: int, high: int) -> int:
        """An operand that must be a constant known now (only earlier .equ symbols allowed)."""
        text, col = operand
        value = self.constant_value(self.expr(text, col), col, text)
        if not low <= value <= high:
            raise self.error(
                ImmediateOutOfRange, f"value {value} out of range: must be in {low}..{high}", col
            )
        return value

    def constant_value(self, tree: ex.Expr, col: int, text: str, seen=()) -> int:
        def lookup(sym: ex.Sym) -> int:
            if len(seen) >= MAX_EQU_DEPTH:
                raise self.error(AsmSyntaxError, f"symbol definitions nested more than {MAX_EQU_DEPTH} "
                                 f"deep at '{_shown(sym.name)}'", sym.col)  # fmt: skip
            if sym.name in self.equs and sym.name not in seen:
                equ_tree = self.equs[sym.name][0]
                return self.constant_value(equ_tree, col, text, (*seen, sym.name))
            raise self.error(
                ImmediateOutOfRange if sym.name in self.labels else UndefinedSymbol,
                f"'{text}' must be a constant defined above this line ('{_shown(sym.name)}' is not)",
                sym.col,
            )

        try:
            return ex.evaluate(tree, lookup)
        except (ZeroDivisionError, ex.ExprOverflow) as err:
            raise self.error(AsmSyntaxError, str(err), col) from None

    # -- instructions -------------------------------------------------------------------------
    def reg(self, operand: tuple[str, int]) -> int:
        text, col = operand
        number = REGISTER_NUMBERS.get(text.lower())
        if number is None:
            raise self.error(BadRegister, f"'{text}' is not a register (x0-x31 or an ABI name)", col)
        return number

    def emit(self, insn: Insn) -> int:
        """Place one real instruction; return its index in the current section."""
        self.place(Item("insn", self.line, size=4, insn=insn))
        return len(self.sections[self.current]) - 1

    def operand_count(self, mnemonic: str, operands: list, *allowed: int, col: int) -> None:
        if len(operands) not in allowed:
            want = " or ".join(str(n) for n in allowed)
            raise self.error(
                OperandCountError,
                f"'{mnemonic}' takes {want} operand(s), got {len(operands)}",
                operands[-1][1] if operands else col,
            )

    def memory_operand(self, operand: tuple[str, int]) -> tuple[int, ex.Expr, int] | None:
        """`imm(reg)` or `(reg)` -> (reg, imm expr, imm column); None for a bare symbol."""
        text, col = operand
        m = _MEM_OPERAND.match(text)
        if not m:
            return None
        if m.group(2).lower() not in REGISTER_NUMBERS:
            raise self.error(BadRegister, f"'{m.group(2)}' is not a register (x0-x31 or an ABI "
                             "name)", col + m.start(2))  # fmt: skip
        base = REGISTER_NUMBERS[m.group(2).lower()]
        offset_text = m.group(1).strip()
        return base, (self.expr(offset_text, col) if offset_text else ex.Num(0)), col

    def pc_relative_pair(self, rd_hi: int, target: ex.Expr, col: int, second: Insn) -> None:
        """auipc + a second instruction using %pcrel_lo relative to that auipc (la, call, ...)."""
        auipc_index = self.emit(Insn("auipc", rd=rd_hi, imm=target, imm_kind="pcrel_hi",
                                     imm_col=col))  # fmt: skip
        second.imm, second.imm_kind, second.imm_col = target, "pcrel_lo", col
        second.pcrel_base = auipc_index
        self.emit(second)

    def instruction(self, m: str, ops: list[tuple[str, int]], col: int) -> None:
        if m in ALIASES:
            return self.alias(m, ops, col)
        if m == "li":
            self.operand_count(m, ops, 2, col=col)
            rd = self.reg(ops[0])
            value = self.constant_value(self.expr(*ops[1]), ops[1][1], ops[1][0])
            if not -(1 << 31) <= value <= 0xFFFF_FFFF:
                raise self.error(
                    ImmediateOutOfRange,
                    f"li constant {value} does not fit in 32 bits "
                    f"(must be in {-(1 << 31)}..{0xFFFFFFFF})",
                    ops[1][1],
                )
            value = ex.lo12(value) + (ex.hi20(value) << 12)  # same value, as GNU splits it
            lower, upper = ex.lo12(value), ex.hi20(value)
            base = ZERO
            if upper:
                self.emit(Insn("lui", rd=rd, imm=ex.Num(upper), imm_kind="uimm20"))
                base = rd
            if lower or not upper:
                self.emit(Insn("addi", rd=rd, rs1=base, imm=ex.Num(lower), imm_kind="imm12"))
            return None
        if m in ("la", "lla"):
            self.operand_count(m, ops, 2, col=col)
            rd = self.reg(ops[0])
            self.pc_relative_pair(rd, self.expr(*ops[1]), ops[1][1], Insn("addi", rd=rd, rs1=rd))
            return None
        if m in ("call", "tail"):
            self.operand_count(m, ops, 1, col=col)
            link, scratch = (RA, RA) if m == "call" else (ZERO, T1)
            self.pc_relative_pair(scratch, self.expr(*ops[0]), ops[0][1],
                                  Insn("jalr", rd=link, rs1=scratch))  # fmt: skip
            return None
        spec = SPECS.get(m)
        if spec is None:
            raise self.error(UnknownMnemonic, f"unknown instruction '{m}' (not in RV32IM)", col)
        fmt = spec.fmt
        if fmt == "R":
            self.operand_count(m, ops, 3, col=col)
            rd, rs1 = self.reg(ops[0]), self.reg(ops[1])
            if m in IMMEDIATE_FORMS and ops[2][0].lower() not in REGISTER_NUMBERS:
                return self.instruction(IMMEDIATE_FORMS[m], ops, col)
            self.emit(Insn(m, rd=rd, rs1=rs1, rs2=self.reg(ops[2])))
        elif fmt in ("I", "IS") and m != "jalr":
            self.operand_count(m, ops, 3, col=col)
            kind = "shamt" if fmt == "IS" else "imm12"
            self.emit(Insn(m, rd=self.reg(ops[0]), rs1=self.reg(ops[1]), imm=self.expr(*ops[2]),
                           imm_kind=kind, imm_col=ops[2][1]))  # fmt: skip
        elif m == "jalr":
            self.jalr(ops, col)
        elif fmt in ("L", "S"):
            self.load_store(m, fmt, ops, col)
        elif fmt == "B":
            self.operand_count(m, ops, 3, col=col)
            self.emit(Insn(m, rs1=self.reg(ops[0]), rs2=self.reg(ops[1]), imm=self.expr(*ops[2]),
                           imm_kind="branch", imm_col=ops[2][1]))  # fmt: skip
        elif fmt == "U":
            self.operand_count(m, ops, 2, col=col)
            self.emit(Insn(m, rd=self.reg(ops[0]), imm=self.expr(*ops[1]), imm_kind="uimm20",
                           imm_col=ops[1][1]))  # fmt: skip
        elif fmt == "J":
            self.operand_count(m, ops, 1, 2, col=col)
            rd = self.reg(ops[0]) if len(ops) == 2 else RA
            self.emit(Insn("jal", rd=rd, imm=self.expr(*ops[-1]), imm_kind="jump",
                           imm_col=ops[-1][1]))  # fmt: skip
        else:  # ecall, ebreak
            self.operand_count(m, ops, 0, col=col)
            self.emit(Insn(m))
        return None

    def alias(self, m: str, ops: list[tuple[str, int]], col: int) -> None:
        """A pseudo-instruction that is one real instruction (mv, bnez, j, ret, ...)."""
        real, kinds, (rd, rs1, rs2, imm) = ALIASES[m]
        self.operand_count(m, ops, len(kinds), col=col)

        def register(slot: int | str) -> int:
            return REGISTER_NUMBERS[slot] if isinstance(slot, str) else self.reg(ops[slot])

        insn = Insn(real, rd=register(rd), rs1=register(rs1), rs2=register(rs2))
        if isinstance(imm, int):  # a branch or jump target operand
            insn.imm, insn.imm_col = self.expr(*ops[imm]), ops[imm][1]
            insn.imm_kind = "branch" if SPECS[real].fmt == "B" else "jump"
        elif imm is not None:
            insn.imm, insn.imm_kind = ex.Num(int(imm[1:])), "imm12"
        self.emit(insn)

    def jalr(self, ops: list[tuple[str, int]], col: int) -> None:
        """jalr rs | jalr rd, rs | jalr rd, imm(rs) | jalr rd, rs, imm."""
        self.operand_count("jalr", ops, 1, 2, 3, col=col)
        if len(ops) == 1:
            mem = self.memory_operand(ops[0])
            rs1, imm, icol = mem if mem else (self.reg(ops[0]), ex.Num(0), ops[0][1])
            self.emit(Insn("jalr", rd=RA, rs1=rs1, imm=imm, imm_kind="imm12", imm_col=icol))
            return
        rd = self.reg(ops[0])
        if len(ops) == 3:
            rs1, imm, icol = self.reg(ops[1]), self.expr(*ops[2]), ops[2][1]
        else:
            mem = self.memory_operand(ops[1])
            rs1, imm, icol = mem if mem else (self.reg(ops[1]), ex.Num(0), ops[1][1])
        self.emit(Insn("jalr", rd=rd, rs1=rs1, imm=imm, imm_kind="imm12", imm_col=icol))

    def load_store(self, m: str, fmt: str, ops: list[tuple[str, int]], col: int) -> None:
        """lw rd, imm(rs) | lw rd, sym (auipc+lw) | sw rs2, imm(rs) | sw rs2, sym, rt."""
        self.operand_count(m, ops, 2, 3, col=col)
        data_reg = self.reg(ops[0])
        mem = self.memory_operand(ops[1]) if len(ops) == 2 else None
        if mem:
            base, imm, icol = mem
            if fmt == "L":
                insn = Insn(m, rd=data_reg, rs1=base, imm=imm, imm_kind="imm12", imm_col=icol)
            else:
                insn = Insn(m, rs1=base, rs2=data_reg, imm=imm, imm_kind="imm12", imm_col=icol)
            self.emit(insn)
            return
        target = self.expr(*ops[1])
        if fmt == "L":
            if len(ops) != 2:
                raise self.error(OperandCountError, f"'{m}' takes 2 operands", ops[-1][1])
            self.pc_relative_pair(data_reg, target, ops[1][1], Insn(m, rd=data_reg, rs1=data_reg))
        else:
            if len(ops) != 3:
                raise self.error(
                    OperandCountError,
                    f"'{m}' with a symbol needs a scratch register: {m} rs, symbol, rt",
                    ops[-1][1],
                )
            scratch = self.reg(ops[2])
            self.pc_relative_pair(scratch, target, ops[1][1], Insn(m, rs1=scratch, rs2=data_reg))

    # -- pass 2: lay out and encode -----------------------------------------------------------
    def check_equ_loops(self) -> None:
        """A .equ/.set symbol that reaches itself through other such symbols is an error even if
        unused, as for GNU as ("symbol definition loop")."""
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        for root in self.equs:
            if root in state:
                continue
            path = [(root, iter(ex.symbols_in(self.equs[root][0])))]
            state[root] = 1
            while path:
                name, refs = path[-1]
                sym = next(refs, None)
                if sym is None:
                    state[name] = 2
                    path.pop()
                elif sym.name in self.equs and state.get(sym.name) == 1:
                    _, self.line, _ = self.equs[name]
                    raise self.error(UndefinedSymbol, f"'{sym.name}' is defined in terms of itself "
                                     f"(a loop through .equ/.set)", sym.col)  # fmt: skip
                elif sym.name in self.equs and sym.name not in state:
                    state[sym.name] = 1
                    path.append((sym.name, iter(ex.symbols_in(self.equs[sym.name][0]))))

    def link(self) -> Program:
        self.check_equ_loops()
        sizes, align = self.sizes, self.align
        has_writable = sizes["data"] > 0 or sizes["bss"] > 0
        headers = 1 + 1 + (1 if has_writable else 0)  # RISCV_ATTRIBUTES, text LOAD, data LOAD
        base = {}
        text_start = _align_up(IMAGE_BASE + ELF_HEADER_BYTES + PROGRAM_HEADER_BYTES * headers,
                               align["text"])  # fmt: skip
        base["text"] = text_start
        # GNU as rounds the text section (with worst-case .align padding) up to its alignment;
        # ld then deletes the padding .align did not need.
        worst = sizes["text"] + self.text_worst_case_extra
        text_size = _align_up(worst, align["text"]) - self.text_worst_case_extra
        base["rodata"] = _align_up(text_start + text_size, align["rodata"])
        text_segment_end = base["rodata"] + sizes["rodata"]
        data_start = self.data_segment_start(text_segment_end)
        base["data"] = _align_up(data_start, align["data"])
        base["bss"] = _align_up(base["data"] + sizes["data"], align["bss"])
        self.addresses = {
            name: base[sect] + off for name, (sect, off, _, _) in self.labels.items()
        }

        lines = LineTable()
        listing: list[ListingRow] = []
        images = {}
        for sect in ("text", "rodata", "data"):
            out = bytearray()
            items = self.sections[sect]
            for item in items:
                address = base[sect] + item.offset
                self.line = item.source
                if sect == "text":  # data in .text gets a source line too, for traps
                    if item.kind != "insn" and item.size > LINE_RANGE_BYTES:  # (16 MiB of .space
                        lines.add_range(address & ~3, address + item.size, item.source)  # is 4M words)
                    else:
                        for word_address in range(address & ~3, address + item.size, 4):
                            lines[word_address] = item.source
                if item.kind == "insn":
                    word = self.encode_insn(item.insn, address, items, base[sect])
                    out += word.to_bytes(4, "little")
                    lines[address] = item.source
                    listing.append(ListingRow(address, word, decode(word).text(), item.source))
                elif item.kind == "data":
                    for tree, col in item.exprs:
                        value = self.value(tree, col)
                        low, high = -(1 << (8 * item.width - 1)), (1 << (8 * item.width)) - 1
                        if not low <= value <= high:
                            raise self.error(
                                ImmediateOutOfRange,
                                f"value {value} does not fit in {item.width} byte(s) "
                                f"(must be in {low}..{high})",
                                col,
                            )
                        out += (value & ((1 << (8 * item.width)) - 1)).to_bytes(item.width, "little")
                elif item.kind == "ascii":
                    out += item.raw
                elif item.kind == "space":
                    out += bytes([item.fill]) * item.size
                elif item.kind == "align":
                    pad = item.size - len(item.raw)
                    if sect == "text":
                        out += item.raw + NOP.to_bytes(4, "little") * (pad // 4)
                    else:
                        out += bytes([item.fill]) * pad
            images[sect] = bytes(out)

        text_image = images["text"] + b"\0" * (base["rodata"] - text_start - len(images["text"]))
        segments = [(text_start, text_image + images["rodata"])]
        if sizes["data"]:
            segments.append((base["data"], images["data"]))
        entry = self.addresses.get("_start", text_start)
        if "_start" in self.labels and self.labels["_start"][0] != "text":
            _, _, src, scol = self.labels["_start"]
            self.line = src
            raise self.error(AsmSyntaxError, "_start must be a label in .text", scol)
        bss_end = base["bss"] + sizes["bss"]
        image_end = max(bss_end, text_segment_end, base["data"] + sizes["data"])
        symbols = {
            name: addr for name, addr in self.addresses.items() if not name.startswith(".L")
        }
        return Program(
            name=self.name, entry=entry, text_start=text_start,
            text_end=text_start + len(images["text"]), segments=segments,
            bss_start=base["bss"], bss_end=bss_end,
            rw_start=(data_start & ~(PAGE - 1)) if has_writable else _align_up(image_end, PAGE),
            image_end=image_end, symbols=symbols, lines=lines, listing=listing,
        )  # fmt: skip

    def data_segment_start(self, text_segment_end: int) -> int:
        """Where ld's DATA_SEGMENT_ALIGN puts the writable segment.

        First choice: the next page plus the text end's offset within its page (so the file
        needs no padding). If the data segment laid out that way straddles a page boundary but
        would fit in as few pages starting at a page boundary, ld starts it on the page instead.
        """
        dot = text_segment_end
        first_choice = _align_up(dot, PAGE) + (dot & (PAGE - 1))
        data = _align_up(first_choice, self.align["data"])
        bss = _align_up(data + self.sizes["data"], self.align["bss"])
        end = _align_up(bss + self.sizes["bss"], 4)
        head = -first_choice & (PAGE - 1)
        tail = end & (PAGE - 1)
        if head and tail and first_choice // PAGE != end // PAGE and head + tail <= PAGE:
            return _align_up(dot, PAGE)
        return first_choice

    def value(self, tree: ex.Expr, col: int, seen: tuple = ()) -> int:
        """Evaluate an expression once every label has an address."""

        def lookup(sym: ex.Sym) -> int:
            if sym.name in self.addresses:
                return self.addresses[sym.name]
            if len(seen) >= MAX_EQU_DEPTH:
                raise self.error(AsmSyntaxError, f"symbol definitions nested more than {MAX_EQU_DEPTH} "
                                 f"deep at '{_shown(sym.name)}'", sym.col)  # fmt: skip
            if sym.name in self.equs and sym.name not in seen:
                return self.value(self.equs[sym.name][0], col, (*seen, sym.name))
            if sym.name.startswith(".L") and "\x02" in sym.name:
                number = sym.name[2:].split("\x02")[0]
                raise self.error(
                    UndefinedSymbol, f"local label '{number}f': no '{number}:' below", sym.col
                )
            if sym.name in seen:
                raise self.error(UndefinedSymbol, f"'{sym.name}' is defined in terms of itself",
                                 sym.col)  # fmt: skip
            raise self.error(UndefinedSymbol, f"undefined symbol '{sym.name}'", sym.col)

        try:
            return ex.evaluate(tree, lookup)
        except (ZeroDivisionError, ex.ExprOverflow) as err:
            raise self.error(AsmSyntaxError, str(err), col) from None

    def encode_insn(self, insn: Insn, address: int, items: list[Item], section_base: int) -> int:
        kind, col = insn.imm_kind, insn.imm_col
        imm = 0
        if kind != "none":
            value = self.value(insn.imm, col)
            if kind == "imm12":
                imm = self.check(value, -2048, 2047, insn.mnemonic, col)
            elif kind == "shamt":
                imm = self.check(value, 0, 31, insn.mnemonic, col)
            elif kind == "uimm20":
                imm = self.check(value, 0, 0xFFFFF, insn.mnemonic, col)
            elif kind in ("branch", "jump"):
                imm = value - address
                reach = 4096 if kind == "branch" else 1 << 20
                if not -reach <= imm < reach:
                    raise self.error(
                        BranchOutOfRange,
                        f"target of '{insn.mnemonic}' is {imm} bytes away; it reaches "
                        f"{-reach}..{reach - 2}" + (" (use j or jal for far targets)"
                                                    if kind == "branch" else ""),
                        col,
                    )  # fmt: skip
                if imm % 2:
                    raise self.error(BranchOutOfRange, "branch target must be 2-byte aligned", col)
            elif kind == "pcrel_hi":
                imm = ex.hi20(value - address)
            elif kind == "pcrel_lo":
                auipc_address = section_base + items[insn.pcrel_base].offset
                imm = ex.lo12(value - auipc_address)
        return encode(insn.mnemonic, insn.rd, insn.rs1, insn.rs2, imm)

    def check(self, value: int, low: int, high: int, mnemonic: str, col: int) -> int:
        if not low <= value <= high:
            raise self.error(
                ImmediateOutOfRange,
                f"immediate {value} out of range for '{mnemonic}': must be in {low}..{high}",
                col,
            )
        return value


def _shown(name: str) -> str:
    """A symbol as the source wrote it: the internal name of local label 1 is shown as `1`."""
    return name[2:].split("\x02")[0] if name.startswith(".L") and "\x02" in name else name


def _align_up(value: int, alignment: int) -> int:
    return (value + alignment - 1) // alignment * alignment


def assemble(source: str, name: str = "<input>") -> Program:
    """Assemble source text into a Program, or raise an AssemblyError."""
    return Assembler(source, name).assemble()


def assemble_file(path: str | Path) -> Program:
    """Assemble a .s file; errors name the file as given."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise AssemblyError(f"not UTF-8 text: {err.reason}", str(path), 0, 1) from None
    return assemble(source, str(path))
