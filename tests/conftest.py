"""Shared test fixtures: the GNU/qemu oracle, skipped without it except under CI."""

from __future__ import annotations

import os

import pytest

from isabench.rv import gnu


@pytest.fixture(scope="session")
def gnu_tools() -> None:
    """Require GNU binutils for RISC-V and qemu-riscv32: skip without them, fail under CI=true."""
    missing = gnu.missing_tools()
    if missing:
        message = (
            f"missing {', '.join(missing)}: install the Debian packages {gnu.DEBIAN_PACKAGES}"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
