"""The tracer: one record per retired instruction with pc, line, text, register and memory writes."""

from __future__ import annotations

import io
import json

from isabench.rv.assembler import assemble
from isabench.rv.ref import run
from isabench.rv.trace import TraceWriter

SOURCE = """\
_start:
  li t0, 5
  la t1, cell
  sw t0, 0(t1)
  li a0, 0
  li a7, 93
  ecall
  .data
cell: .word 0
"""


def test_trace_records_every_retired_instruction() -> None:
    steps = []
    result = run(assemble(SOURCE, "t.s"), tracer=steps.append)
    assert len(steps) == result.retired_instructions == 7
    assert [s.step for s in steps] == list(range(7))
    assert [s.source.line for s in steps] == [2, 3, 3, 4, 5, 6, 7]
    first = steps[0]
    assert (first.text, first.rd, first.rd_value) == ("addi t0, zero, 5", 5, 5)
    store = steps[3]
    assert store.rd is None
    assert (store.mem_value, store.mem_width) == (5, 4)
    assert store.mem_addr == assemble(SOURCE).symbols["cell"]
    assert steps[-1].syscall == {"syscall": "exit", "status": 0}


def test_jsonl_and_text_formats() -> None:
    for fmt in ("jsonl", "text"):
        stream = io.StringIO()
        writer = TraceWriter(stream, fmt)
        result = run(assemble(SOURCE, "t.s"), tracer=writer)
        writer.finish(result.trap)
        lines = stream.getvalue().splitlines()
        assert len(lines) == 7
        if fmt == "jsonl":
            records = [json.loads(line) for line in lines]
            assert records[0] == {"step": 0, "pc": 0x10094, "line": 2, "insn": "addi t0, zero, 5",
                                  "rd": "t0", "rd_value": 5}  # fmt: skip
            assert records[3]["mem_value"] == 5
        else:
            assert "t.s:2" in lines[0] and "t0=0x00000005" in lines[0] and "li t0, 5" in lines[0]


def test_trace_ends_with_the_trap() -> None:
    stream = io.StringIO()
    writer = TraceWriter(stream, "jsonl")
    result = run(assemble("_start:\n  ebreak\n", "t.s"), tracer=writer)
    writer.finish(result.trap)
    last = json.loads(stream.getvalue().splitlines()[-1])
    assert last["trap"]["kind"] == "breakpoint"
    assert last["trap"]["line"] == "t.s:2"
