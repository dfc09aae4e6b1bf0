"""Errors a user of the register machine can cause: bad assembly, and traps while running."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceLine:
    """Where an instruction or directive came from."""

    file: str
    line: int
    text: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def printable(text: str) -> str:
    """`text` with every unprintable character (line breaks, controls, lone surrogates from
    undecodable bytes, ...) written as its Python escape, so a message stays one printable line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class AssemblyError(Exception):
    """A problem in assembly source, reported as `file:line:col: error: message`.

    The message quotes source text with unprintable characters escaped (see `printable`), so the
    report is always one line that can be printed.
    """

    def __init__(self, message: str, file: str = "<input>", line: int = 0, col: int = 1):
        message = printable(message)
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.col = col

    def __str__(self) -> str:
        return f"{printable(self.file)}:{self.line}:{self.col}: error: {self.message}"


class AsmSyntaxError(AssemblyError):
    """The line cannot be parsed (stray characters, unbalanced parentheses, bad literal)."""


class UnknownMnemonic(AssemblyError):
    """The instruction is not in the supported RV32IM subset."""


class OperandCountError(AssemblyError):
    """An instruction or directive got the wrong number of operands."""


class BadRegister(AssemblyError):
    """An operand that must be a register is not a register name."""


class ImmediateOutOfRange(AssemblyError):
    """A constant does not fit the field it is encoded in."""


class UndefinedSymbol(AssemblyError):
    """A label or constant is used but never defined."""


class DuplicateSymbol(AssemblyError):
    """A label or constant is defined twice."""


class UnsupportedDirective(AssemblyError):
    """A directive outside the supported subset."""


class BranchOutOfRange(AssemblyError):
    """A branch or jump target is further than the instruction can reach."""


@dataclass
class Trap(Exception):
    """The machine stopped abnormally: kind, pc, source line and a message a person can act on.

    Kinds: memory_fault, illegal_instruction, unknown_syscall, breakpoint, step_limit.
    """

    kind: str
    pc: int
    message: str
    source: SourceLine | None = None

    def __str__(self) -> str:
        where = f" ({self.source})" if self.source else ""
        return f"trap: {self.kind} at pc 0x{self.pc:08x}{where}: {self.message}"

    def as_dict(self) -> dict:
        """The trap as the JSON object that --stats-json and records carry."""
        return {
            "kind": self.kind,
            "pc": self.pc,
            "line": str(self.source) if self.source else None,
            "message": self.message,
        }


TRAP_KINDS = (
    "memory_fault", "illegal_instruction", "unknown_syscall", "breakpoint", "step_limit",
    "output_limit",
)
