"""Every battery program under GNU as + ld + qemu-riscv32: same output and same retired
instruction count as rv-ref."""

from __future__ import annotations

from pathlib import Path

import pytest

from isabench.rv import gnu
from isabench.tasks import TASKS
from isabench.tasks.check import run_item


@pytest.mark.gnu
@pytest.mark.parametrize("name", list(TASKS))
def test_program_matches_qemu(name: str, tmp_path: Path, gnu_tools) -> None:
    task = TASKS[name]
    elf = gnu.build(task.program_path, tmp_path)
    sizes = {task.sizes[0], task.sizes[len(task.sizes) // 2], task.sizes[-1]}
    for size in sorted(sizes):
        for item in task.items(size, 2, seed=7):
            ours = run_item(task, item)
            peer = gnu.run_qemu(elf, item.input.encode())
            assert ours.passed, (item.input, ours.output, ours.trap)
            assert peer.output == ours.output and peer.exit_code == 0
            assert peer.retired_instructions == ours.retired_instructions, item.input
