"""Constant expressions in assembly operands: numbers, characters, symbols, %hi/%lo, operators.

Expressions are parsed when a line is read (so errors carry a column) and evaluated once every
label has an address.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .errors import AsmSyntaxError

ESCAPES = {"n": 10, "t": 9, "r": 13, "0": 0, "\\": 92, "'": 39, '"': 34, "a": 7, "b": 8,
           "f": 12, "v": 11}  # fmt: skip


@dataclass(frozen=True)
class Num:
    value: int


@dataclass(frozen=True)
class Sym:
    name: str
    col: int


@dataclass(frozen=True)
class Unary:
    op: str
    operand: object


@dataclass(frozen=True)
class Binary:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Reloc:
    """%hi(expr) or %lo(expr): the upper 20 / sign-extended lower 12 bits of an address."""

    kind: str
    operand: object


Expr = Num | Sym | Unary | Binary | Reloc

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+[bf](?![0-9A-Za-z_])|[0-9]+)
    | (?P<char>'(?:\\(?:[0-7]{1,3}|x[0-9a-fA-F]+|.)|[^\\'])'?)
    | (?P<reloc>%(?:hi|lo))
    | (?P<sym>[A-Za-z_.$][A-Za-z0-9_.$]*)
    | (?P<op><<|>>|[-+*/%&|^~()])
    )""",
    re.VERBOSE,
)

LocalLabelResolver = Callable[[str, int], str]


def char_value(body: str) -> int:
    """Value of the text between the quotes of a character literal (escapes included)."""
    if body.startswith("\\"):
        rest = body[1:]
        if rest[:1] in "01234567" and rest:
            return int(rest, 8) & 0xFF
        if rest[:1] == "x":
            return int(rest[1:], 16) & 0xFF
        if rest in ESCAPES:
            return ESCAPES[rest]
        return ord(rest)
    return ord(body)


def tokenize(text: str, col0: int) -> list[tuple[str, str, int]]:
    """Split an expression into (kind, text, column) tokens."""
    tokens = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            bad = text[pos:].strip()[:20]
            col = col0 + pos + (len(text[pos:]) - len(text[pos:].lstrip()))
            raise AsmSyntaxError(f"cannot read expression at '{bad}'", col=col)
        kind = m.lastgroup or ""
        start = m.start(kind)
        tokens.append((kind, m.group(kind), col0 + start))
        pos = m.end()
    return tokens


class _Parser:
    """Recursive-descent parser with C-like precedence (| ^ & << >> + - * / %)."""

    LEVELS = (("|",), ("^",), ("&",), ("<<", ">>"), ("+", "-"), ("*", "/", "%"))

    def __init__(self, tokens, resolve_local: LocalLabelResolver, end_col: int):
        self.tokens = tokens
        self.i = 0
        self.resolve_local = resolve_local
        self.end_col = end_col

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "", self.end_col)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, text: str):
        kind, t, col = self.take()
        if t != text:
            raise AsmSyntaxError(f"expected '{text}'", col=col)

    def parse(self, level: int = 0):
        if level == len(self.LEVELS):
            return self.unary()
        left = self.parse(level + 1)
        while self.peek()[0] == "op" and self.peek()[1] in self.LEVELS[level]:
            op = self.take()[1]
            left = Binary(op, left, self.parse(level + 1))
        return left

    def unary(self):
        kind, text, col = self.take()
        if kind == "op" and text in "-~+":
            operand = self.unary()
            return operand if text == "+" else Unary(text, operand)
        if kind == "op" and text == "(":
            inner = self.parse()
            self.expect(")")
            return inner
        if kind == "num":
            if text[-1] in "bf" and not text.lower().startswith(("0x", "0b")):
                return Sym(self.resolve_local(text, col), col)
            if text.lower().startswith("0x"):
                return Num(int(text, 16))
            if text.lower().startswith("0b"):
                return Num(int(text[2:], 2))
            if len(text) > 1 and text.startswith("0"):  # GNU as reads a leading 0 as octal
                try:
                    return Num(int(text, 8))
                except ValueError:
                    raise AsmSyntaxError(f"bad octal number '{text}'", col=col) from None
            return Num(int(text))
        if kind == "char":
            if len(text) < 2 or (text.endswith("'") and len(text) == 2):
                raise AsmSyntaxError(f"bad character literal {text}", col=col)
            body = text[1:-1] if text.endswith("'") and len(text) > 2 else text[1:]
            return Num(char_value(body))
        if kind == "sym":
            return Sym(text, col)
        if kind == "reloc":
            self.expect("(")
            inner = self.parse()
            self.expect(")")
            return Reloc(text[1:], inner)
        if kind == "end":
            raise AsmSyntaxError("missing operand", col=col)
        raise AsmSyntaxError(f"unexpected '{text}'", col=col)


def parse_expr(text: str, col0: int, resolve_local: LocalLabelResolver) -> Expr:
    """Parse one operand expression that starts at column col0 of its line."""
    tokens = tokenize(text, col0)
    parser = _Parser(tokens, resolve_local, col0 + len(text))
    tree = parser.parse()
    if parser.i != len(tokens):
        kind, t, col = parser.peek()
        raise AsmSyntaxError(f"unexpected '{t}' in expression", col=col)
    return tree


def hi20(value: int) -> int:
    """%hi: the value lui must load so that adding %lo gives `value`."""
    return ((value + 0x800) >> 12) & 0xFFFFF


def lo12(value: int) -> int:
    """%lo: the sign-extended low 12 bits that complete %hi."""
    low = value & 0xFFF
    return low - 0x1000 if low & 0x800 else low


def evaluate(tree: Expr, lookup: Callable[[Sym], int]) -> int:
    """Evaluate with `lookup` giving each symbol's value (it raises for unknown ones)."""
    if isinstance(tree, Num):
        return tree.value
    if isinstance(tree, Sym):
        return lookup(tree)
    if isinstance(tree, Unary):
        v = evaluate(tree.operand, lookup)
        return -v if tree.op == "-" else ~v
    if isinstance(tree, Reloc):
        v = evaluate(tree.operand, lookup) & 0xFFFF_FFFF
        return hi20(v) if tree.kind == "hi" else lo12(v)
    a = evaluate(tree.left, lookup)
    b = evaluate(tree.right, lookup)
    op = tree.op
    if op in ("/", "%") and b == 0:
        raise ZeroDivisionError("division by zero in expression")
    if op == "/":
        return int(a / b)  # C semantics: truncate toward zero
    if op == "%":
        return a - int(a / b) * b
    return {
        "+": a + b, "-": a - b, "*": a * b, "&": a & b, "|": a | b, "^": a ^ b,
        "<<": a << (b & 63), ">>": a >> (b & 63),
    }[op]  # fmt: skip


def symbols_in(tree: Expr) -> list[Sym]:
    """Every symbol an expression refers to."""
    if isinstance(tree, Sym):
        return [tree]
    if isinstance(tree, Unary | Reloc):
        return symbols_in(tree.operand)
    if isinstance(tree, Binary):
        return symbols_in(tree.left) + symbols_in(tree.right)
    return []
