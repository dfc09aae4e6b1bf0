"""The tracer: one record per retired instruction, written as JSONL or as a readable listing.

It is what a person debugging a program reads, and what the "LM as CPU" mode trains and
scores on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import IO

from .errors import SourceLine, Trap
from .isa import ABI_NAMES


@dataclass
class TraceStep:
    """What one retired instruction did."""

    step: int
    pc: int
    source: SourceLine | None
    text: str
    rd: int | None = None
    rd_value: int | None = None
    mem_addr: int | None = None
    mem_value: int | None = None
    mem_width: int | None = None
    syscall: dict | None = None

    def as_dict(self) -> dict:
        record: dict = {
            "step": self.step,
            "pc": self.pc,
            "line": self.source.line if self.source else None,
            "insn": self.text,
        }
        if self.rd is not None:
            record["rd"] = ABI_NAMES[self.rd]
            record["rd_value"] = self.rd_value
        if self.mem_addr is not None:
            record["mem_addr"] = self.mem_addr
            record["mem_value"] = self.mem_value
            record["mem_width"] = self.mem_width
        if self.syscall is not None:
            record["syscall"] = self.syscall
        return record

    def listing_line(self) -> str:
        where = str(self.source) if self.source else "?"
        effects = []
        if self.rd is not None:
            effects.append(f"{ABI_NAMES[self.rd]}=0x{self.rd_value:08x}")
        if self.mem_addr is not None:
            digits = 2 * (self.mem_width or 4)
            effects.append(f"mem[0x{self.mem_addr:08x}]=0x{self.mem_value:0{digits}x}")
        if self.syscall is not None:
            effects.append(" ".join(f"{k}={v}" for k, v in self.syscall.items()))
        source_text = self.source.text if self.source else ""
        return (
            f"{self.step:>8} 0x{self.pc:08x} {where:<18} {self.text:<28} "
            f"{'  '.join(effects):<34} | {source_text}"
        ).rstrip()


class TraceWriter:
    """Writes TraceSteps to a stream as they happen, in `jsonl` or `text` format."""

    def __init__(self, stream: IO[str], fmt: str = "jsonl"):
        if fmt not in ("jsonl", "text"):
            raise ValueError(f"unknown trace format '{fmt}' (use jsonl or text)")
        self.stream = stream
        self.fmt = fmt

    def __call__(self, step: TraceStep) -> None:
        if self.fmt == "jsonl":
            self.stream.write(json.dumps(step.as_dict()) + "\n")
        else:
            self.stream.write(step.listing_line() + "\n")

    def finish(self, trap: Trap | None) -> None:
        """Record how the run ended when it ended in a trap."""
        if trap is None:
            return
        if self.fmt == "jsonl":
            self.stream.write(json.dumps({"trap": trap.as_dict()}) + "\n")
        else:
            self.stream.write(str(trap) + "\n")
