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

_BLANK = re.compile(r"\s*\Z")
_LOCAL_REF = re.compile(r"[0-9]+[bf]")
_CHAR_BODY = re.compile(r"'(\\(?:[0-7]{1,3}|x[0-9a-fA-F]+|.)|[^\\'])")

LocalLabelResolver = Callable[[str, int], str]

MAX_NESTING = 64  # parentheses, unary operators and %hi/%lo inside one another
MAX_BITS = 1024  # no literal, and no value while evaluating, may be wider than this
MAX_DECIMAL_DIGITS = 400  # a decimal literal longer than this is wider than MAX_BITS anyway


class ExprOverflow(ArithmeticError):
    """An expression's value grew past MAX_BITS (no field or directive can hold it)."""


def char_value(body: str) -> int:
    """Value of the text between the quotes of a character literal (escapes included).

    Raises ValueError for `\\x` without hex digits."""
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
        if _BLANK.match(text, pos):  # (a match, not a slice: long lines stay linear)
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
        self.nesting = 0

    def nest(self, col: int) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise AsmSyntaxError(f"expression nested too deeply (more than {MAX_NESTING} levels)",
                                 col=col)  # fmt: skip

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

    PRECEDENCE = {op: level + 1 for level, ops in enumerate(LEVELS) for op in ops}

    def parse(self, min_precedence: int = 1):
        """Precedence climbing over LEVELS, left-associative: the same trees as one recursive
        function per level, with a call per operand instead of one per level per operand."""
        left = self.unary()
        tokens, precedence = self.tokens, self.PRECEDENCE
        while self.i < len(tokens):
            kind, op, _ = tokens[self.i]
            level = precedence.get(op, 0) if kind == "op" else 0
            if level < min_precedence:
                break
            self.i += 1
            left = Binary(op, left, self.parse(level + 1))
        return left

    def unary(self):
        kind, text, col = self.take()
        if kind in ("op", "reloc") and text in ("-", "~", "+", "(", "%hi", "%lo"):
            self.nest(col)
            tree = self.nested(kind, text)
            self.nesting -= 1
            return tree
        if kind == "num":
            if _LOCAL_REF.fullmatch(text):  # 1b, 1f (and 0b: no binary digits follow)
                return Sym(self.resolve_local(text, col), col)
            if len(text) > MAX_DECIMAL_DIGITS and text[:2].lower() not in ("0x", "0b"):
                raise AsmSyntaxError(f"number too large ({len(text)} digits)", col=col)
            value = self.number(text, col)
            if value.bit_length() > MAX_BITS:
                raise AsmSyntaxError(f"number too large (more than {MAX_BITS} bits)", col=col)
            return Num(value)
        if kind == "char":
            if len(text) < 2 or (text.endswith("'") and len(text) == 2):
                raise AsmSyntaxError(f"bad character literal {text}", col=col)
            body = _CHAR_BODY.match(text).group(1)  # `'\''` and GNU's unclosed `'\'` are both 39
            try:
                return Num(char_value(body))
            except ValueError:
                raise AsmSyntaxError(f"bad character literal {text}", col=col) from None
        if kind == "sym":
            return Sym(text, col)
        if kind == "end":
            raise AsmSyntaxError("missing operand", col=col)
        raise AsmSyntaxError(f"unexpected '{text}'", col=col)

    def nested(self, kind: str, text: str):
        """What follows a unary operator, an opening parenthesis or %hi/%lo."""
        if kind == "op" and text in "-~+":
            operand = self.unary()
            return operand if text == "+" else Unary(text, operand)
        if kind == "op":  # "("
            inner = self.parse()
            self.expect(")")
            return inner
        self.expect("(")
        inner = self.parse()
        self.expect(")")
        return Reloc(text[1:], inner)

    @staticmethod
    def number(text: str, col: int) -> int:
        if text.lower().startswith("0x"):
            return int(text, 16)
        if text.lower().startswith("0b"):
            return int(text[2:], 2)
        if len(text) > 1 and text.startswith("0"):  # GNU as reads a leading 0 as octal
            try:
                return int(text, 8)
            except ValueError:
                raise AsmSyntaxError(f"bad octal number '{text}'", col=col) from None
        return int(text)


_PLAIN_DECIMAL = re.compile(r"[1-9][0-9]{0,17}|0")
_PLAIN_SYMBOL = re.compile(r"[A-Za-z_.$][A-Za-z0-9_.$]*")


def parse_expr(text: str, col0: int, resolve_local: LocalLabelResolver) -> Expr:
    """Parse one operand expression that starts at column col0 of its line."""
    if _PLAIN_DECIMAL.fullmatch(text):  # the common operands, without the tokenizer
        return Num(int(text))
    if _PLAIN_SYMBOL.fullmatch(text):
        return Sym(text, col0)
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


def _truncating_div(a: int, b: int) -> int:
    """a / b rounded toward zero (C semantics), exactly, for integers of any size."""
    q = abs(a) // abs(b)
    return -q if (a < 0) != (b < 0) else q


def _apply(op: str, a: int, b: int) -> int:
    if op in ("/", "%") and b == 0:
        raise ZeroDivisionError("division by zero in expression")
    if op == "/":
        return _truncating_div(a, b)
    if op == "%":
        return a - _truncating_div(a, b) * b
    return {
        "+": a + b, "-": a - b, "*": a * b, "&": a & b, "|": a | b, "^": a ^ b,
        "<<": a << (b & 63), ">>": a >> (b & 63),
    }[op]  # fmt: skip


def _bounded(value: int) -> int:
    if value.bit_length() > MAX_BITS:
        raise ExprOverflow(f"expression value too large (more than {MAX_BITS} bits)")
    return value


def evaluate(tree: Expr, lookup: Callable[[Sym], int]) -> int:
    """Evaluate with `lookup` giving each symbol's value (it raises for unknown ones).

    Iterative, so a long chain such as 1+1+...+1 does not exhaust Python's stack. Raises
    ZeroDivisionError for / or % by zero and ExprOverflow for a value wider than MAX_BITS.
    """
    values: list[int] = []
    work: list[tuple[bool, object]] = [(False, tree)]
    while work:
        done, node = work.pop()
        if isinstance(node, Num):
            values.append(node.value)
        elif isinstance(node, Sym):
            values.append(lookup(node))
        elif not done:
            work.append((True, node))
            if isinstance(node, Binary):
                work.append((False, node.right))
                work.append((False, node.left))
            else:
                work.append((False, node.operand))
        elif isinstance(node, Unary):
            v = values.pop()
            values.append(-v if node.op == "-" else ~v)
        elif isinstance(node, Reloc):
            v = values.pop() & 0xFFFF_FFFF
            values.append(hi20(v) if node.kind == "hi" else lo12(v))
        else:
            b, a = values.pop(), values.pop()
            values.append(_bounded(_apply(node.op, a, b)))
    return values[0]


def symbols_in(tree: Expr) -> list[Sym]:
    """Every symbol an expression refers to, left to right."""
    found, work = [], [tree]
    while work:
        node = work.pop()
        if isinstance(node, Sym):
            found.append(node)
        elif isinstance(node, Unary | Reloc):
            work.append(node.operand)
        elif isinstance(node, Binary):
            work += [node.right, node.left]
    return found
