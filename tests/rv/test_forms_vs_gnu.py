"""Byte-for-byte comparison with GNU as + ld for every operand form and for random layouts."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isabench.rv import gnu
from isabench.rv.assembler import assemble, assemble_file

FORMS = sorted((Path(__file__).parent / "forms").glob("*.s"))


def assert_same_image(ours, elf: Path) -> None:
    """Our segments and label addresses equal what GNU ld wrote."""
    theirs = dict(gnu.elf_image(elf))
    (text_address, text_bytes), *rest = ours.segments
    gnu_base = min(theirs)
    assert theirs[gnu_base][text_address - gnu_base :] == text_bytes
    assert [(a, d) for a, d in theirs.items() if a != gnu_base and d] == rest
    gnu_symbols = gnu.elf_symbols(elf)
    assert {name: gnu_symbols.get(name) for name in ours.symbols} == ours.symbols


@pytest.mark.gnu
@pytest.mark.parametrize("source", FORMS, ids=lambda p: p.stem)
def test_operand_forms_encode_like_gnu(source: Path, tmp_path: Path, gnu_tools) -> None:
    assert_same_image(assemble_file(source), gnu.build(source, tmp_path))


def _layout_source(text_insns, text_aligns, rodata, data, data_align, bss, bss_align) -> str:
    lines = ["  .globl _start", "  .text", "_start:"]
    for i, (count, align) in enumerate(zip(text_insns, text_aligns, strict=True)):
        lines += ["  nop"] * count + [f"  .align {align}", f"t{i}:"]
    lines += ["  li a7, 93", "  ecall"]
    if rodata:
        lines += ["  .section .rodata", "ro:"] + [f"  .byte {rodata}"] * rodata
    if data:
        lines += ["  .data", f"  .align {data_align}", "d0:", f"  .space {data}", "d1: .byte 1"]
    if bss:
        lines += ["  .bss", f"  .align {bss_align}", "b0:", f"  .space {bss}", "b1:"]
    return "\n".join(lines) + "\n"


@pytest.mark.gnu
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text_insns=st.lists(st.integers(0, 40), min_size=1, max_size=3),
    aligns=st.lists(st.integers(0, 6), min_size=3, max_size=3),
    rodata=st.integers(0, 9),
    data=st.integers(0, 9000),
    data_align=st.integers(0, 12),
    bss=st.integers(0, 9000),
    bss_align=st.integers(0, 12),
)
def test_random_layouts_match_ld(tmp_path_factory, gnu_tools, text_insns, aligns, rodata, data,
                                 data_align, bss, bss_align) -> None:
    source = _layout_source(text_insns, aligns[: len(text_insns)], rodata, data, data_align,
                            bss, bss_align)  # fmt: skip
    elf = gnu.build(source, tmp_path_factory.mktemp("layout"))
    assert_same_image(assemble(source, "layout.s"), elf)
