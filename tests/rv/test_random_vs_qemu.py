"""Property test: random straight-line ALU programs print the same registers on rv-ref and qemu.

Many random blocks go into one program, so each hypothesis example costs one qemu run.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isabench.rv import gnu
from isabench.rv.assembler import assemble
from isabench.rv.isa import ABI_NAMES, SPECS
from isabench.rv.ref import run

# Every register but zero, sp and t6 (t6 holds the dump buffer's address).
REGS = [name for name in ABI_NAMES if name not in ("zero", "sp", "t6")]
R_OPS = [m for m, spec in SPECS.items() if spec.fmt == "R"]
I_OPS = [m for m, spec in SPECS.items() if spec.fmt == "I" and m != "jalr"]
SHIFT_OPS = [m for m, spec in SPECS.items() if spec.fmt == "IS"]

reg = st.sampled_from(REGS)
word = st.one_of(
    st.integers(-(1 << 31), (1 << 32) - 1),
    st.sampled_from([0, 1, -1, 31, 32, 33, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x800, -2048]),
)
operation = st.one_of(
    st.builds(lambda m, d, a, b: f"{m} {d}, {a}, {b}", st.sampled_from(R_OPS), reg, reg, reg),
    st.builds(lambda m, d, a, i: f"{m} {d}, {a}, {i}", st.sampled_from(I_OPS), reg, reg,
              st.integers(-2048, 2047)),
    st.builds(lambda m, d, a, i: f"{m} {d}, {a}, {i}", st.sampled_from(SHIFT_OPS), reg, reg,
              st.integers(0, 31)),
    st.builds(lambda m, d, i: f"{m} {d}, {i}", st.sampled_from(["lui", "auipc"]), reg,
              st.integers(0, 0xFFFFF)),
    st.builds(lambda d, v: f"li {d}, {v}", reg, word),
)
block = st.tuples(st.lists(st.tuples(reg, word), min_size=3, max_size=8),
                  st.lists(operation, min_size=1, max_size=25))


def program_text(blocks) -> str:
    lines = ["  .globl _start", "  .text", "_start:", "  la t6, dump"]
    for inits, ops in blocks:
        lines += [f"  li {r}, {v}" for r, v in inits]
        lines += [f"  {op}" for op in ops]
        lines += [f"  sw x{i}, {4 * i}(t6)" for i in range(1, 31) if i != 2]  # sp differs
        lines += ["  li a0, 1", "  mv a1, t6", "  li a2, 124", "  li a7, 64", "  ecall"]
    lines += ["  li a0, 0", "  li a7, 93", "  ecall", "  .bss", "dump: .space 128"]
    return "\n".join(lines) + "\n"


@pytest.mark.gnu
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(blocks=st.lists(block, min_size=1, max_size=12))
def test_random_alu_programs_match_qemu(tmp_path_factory, gnu_tools, blocks) -> None:
    source = program_text(blocks)
    expected = gnu.run_qemu(gnu.build(source, tmp_path_factory.mktemp("alu")))
    ours = run(assemble(source, "random.s"))
    assert ours.trap is None
    assert ours.output == expected.output
    assert (ours.exit_code, ours.retired_instructions) == (
        expected.exit_code, expected.retired_instructions,
    )
