"""Differential tests: every corpus program on rv-ref against GNU as + ld + qemu-riscv32.

Same output bytes, exit code and retired-instruction count; same memory image and label
addresses as the real linker produces.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from isabench.rv import gnu
from isabench.rv.assembler import assemble_file
from isabench.rv.ref import run

CORPUS = Path(__file__).parent / "corpus"
PROGRAMS = sorted(CORPUS.glob("*.s"))


def stdin_for(program: Path) -> bytes:
    path = program.with_suffix(".in")
    return path.read_bytes() if path.exists() else b""


@pytest.mark.gnu
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_program_matches_qemu(program: Path, tmp_path: Path, gnu_tools) -> None:
    elf = gnu.build(program, tmp_path)
    expected = gnu.run_qemu(elf, stdin_for(program))
    ours = run(assemble_file(program), stdin_for(program))
    assert ours.trap is None, str(ours.trap)
    assert ours.output == expected.output
    assert ours.exit_code == expected.exit_code
    assert ours.retired_instructions == expected.retired_instructions


@pytest.mark.gnu
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_image_and_symbols_match_gnu_ld(program: Path, tmp_path: Path, gnu_tools) -> None:
    elf = gnu.build(program, tmp_path)
    ours = assemble_file(program)
    theirs = dict(gnu.elf_image(elf))
    # The text segment's file contents start at the ELF header; compare from our text start.
    (text_address, text_bytes), *rest = ours.segments
    gnu_text_base = min(theirs)
    gnu_text = theirs[gnu_text_base][text_address - gnu_text_base :]
    assert text_bytes == gnu_text[: len(text_bytes)]
    assert len(gnu_text) == len(text_bytes)
    for address, data in rest:
        assert theirs.get(address) == data
    gnu_symbols = gnu.elf_symbols(elf)
    for name, address in ours.symbols.items():
        assert gnu_symbols.get(name) == address, name


def test_corpus_is_present() -> None:
    assert len(PROGRAMS) >= 15
