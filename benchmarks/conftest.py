"""Benchmarks share the GNU/qemu fixture of the test suite."""

from tests.conftest import gnu_tools  # noqa: F401

