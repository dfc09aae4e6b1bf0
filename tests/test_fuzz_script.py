"""scripts/fuzz.py, the one command for the fuzz campaigns: one-line errors, a reproduced case."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[1] / "scripts" / "fuzz.py"


def fuzz(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "args", [["--campaigns", "nope"], ["--campaigns", ","], ["--cases", "x"], ["--seed", "-1"], ["--bogus"]]
)
def test_bad_arguments_are_one_line_with_status_2(args: list[str]) -> None:
    done = fuzz(*args)
    assert done.returncode == 2
    assert (
        done.stderr.count("\n") == 1
        and done.stderr.startswith("fuzz.py: ")
        and "Traceback" not in done.stderr
    )


def test_one_case_alone_writes_its_state_and_the_summary(tmp_path: Path) -> None:
    done = fuzz("--campaigns", "cli", "--only", "7", "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())["campaigns"]["cli"]
    assert summary["cases"] == 1 and summary["findings"] == 0 and summary["rows"] >= 50
    assert json.loads((tmp_path / "cli.json").read_text())["cases_run"] == 1
    assert not (tmp_path / ".cli-work").exists() or not any((tmp_path / ".cli-work").iterdir())
    again = fuzz("--campaigns", "cli", "--resume", "--seed", "2", "--out", str(tmp_path))
    assert again.returncode == 2 and "was run with seed 1" in again.stderr
