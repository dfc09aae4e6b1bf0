"""The `isabench` command as a user meets it: a subprocess, bytes in, bytes and status out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).parents[1] / "src" / "isabench" / "rv" / "samples"


def isabench(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "isabench", *args], input=stdin,
                          capture_output=True, timeout=120)  # fmt: skip


def write(tmp_path: Path, text: str, name: str = "p.s") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_run_passes_bytes_through_and_writes_stats(tmp_path: Path) -> None:
    stats = tmp_path / "stats.json"
    done = isabench("rv", "run", str(SAMPLES / "uppercase.s"), "--stats-json", str(stats),
                    stdin=b"abc\xffxyz\n")  # fmt: skip
    assert done.returncode == 0
    assert done.stdout == b"ABC\xffXYZ\n"
    record = json.loads(stats.read_text())
    assert record["exit_code"] == 0 and record["trap"] is None
    assert record["retired_instructions"] > 0 and record["wall_s"] > 0


def test_exit_status_is_the_programs(tmp_path: Path) -> None:
    program = write(tmp_path, "_start:\n  li a0, 300\n  li a7, 93\n  ecall\n")
    assert isabench("rv", "run", program).returncode == 300 & 0xFF


def test_trap_is_one_line_with_status_125(tmp_path: Path) -> None:
    program = write(tmp_path, "_start:\n  nop\n  lw a0, 0(zero)\n")
    stats = tmp_path / "stats.json"
    done = isabench("rv", "run", program, "--stats-json", str(stats))
    assert done.returncode == 125
    assert done.stderr.decode().count("\n") == 1
    assert done.stderr.decode().startswith("trap: memory_fault at pc 0x00010078 (")
    assert f"{program}:3" in done.stderr.decode()
    trap = json.loads(stats.read_text())["trap"]
    assert trap["kind"] == "memory_fault" and trap["pc"] == 0x10078 and trap["line"].endswith(":3")


def test_step_limit_flag(tmp_path: Path) -> None:
    program = write(tmp_path, "_start:\n1: j 1b\n")
    done = isabench("rv", "run", program, "--max-steps", "100")
    assert done.returncode == 125
    assert b"step_limit" in done.stderr and b"Traceback" not in done.stderr


def test_assembly_error_is_one_line_with_status_126(tmp_path: Path) -> None:
    program = write(tmp_path, "_start:\n  addi a0, a0, 5000\n")
    done = isabench("rv", "run", program)
    assert done.returncode == 126
    assert done.stderr.decode() == (
        f"isabench: {program}:2:16: error: immediate 5000 out of range for 'addi': "
        "must be in -2048..2047\n"
    )


@pytest.mark.parametrize(("args", "status", "words"), [
    (["rv", "run", "/nonexistent/p.s"], 127, "no such file"),
    (["rv", "run", "{tmp}"], 127, "is a directory"),
    (["rv", "run", "{prog}", "--memory", "4096"], 2, "too small"),
    (["rv", "run", "{prog}", "--memory", "lots"], 2, "not a size in bytes"),
    (["rv", "run", "{prog}", "--trace", "/nonexistent/dir/t.txt"], 127, "cannot write the trace"),
    (["rv", "frobnicate"], 2, "invalid choice"),
])  # fmt: skip
def test_user_errors_are_one_line(tmp_path: Path, args, status, words) -> None:
    prog = write(tmp_path, "_start:\n  li a7, 93\n  ecall\n")
    args = [a.format(tmp=tmp_path, prog=prog) for a in args]
    done = isabench(*args)
    assert done.returncode == status
    assert words in done.stderr.decode()
    assert b"Traceback" not in done.stderr


def test_trace_flag_writes_jsonl(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    done = isabench("rv", "run", str(SAMPLES / "uppercase.s"), "--trace", str(trace), stdin=b"a")
    assert done.returncode == 0
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    assert records[-1]["syscall"] == {"syscall": "exit", "status": 0}


def test_asm_prints_the_expanded_listing(tmp_path: Path) -> None:
    program = write(tmp_path, "_start:\n  li a0, 0x12345678\n  call f\nf: ret\n")
    done = isabench("rv", "asm", program, "--symbols")
    assert done.returncode == 0
    lines = done.stdout.decode().splitlines()
    assert lines[0].split()[:4] == ["00010074", "12345537", "lui", "a0,"]
    assert "addi a0, a0, 1656" in lines[1] and lines[1].rstrip().endswith("2: li a0, 0x12345678")
    assert "auipc ra" in lines[2] and "jalr ra, 8(ra)" in lines[3]
    assert lines[-1] == "00010084  f"


def test_demo_runs() -> None:
    done = isabench("demo")
    assert done.returncode == 0, done.stderr
    assert b"A FINITE INSTRUCTION SET, MEASURED" in done.stdout


def test_tasks_list_json_names_every_task() -> None:
    done = isabench("tasks", "list", "--json")
    assert done.returncode == 0
    rows = json.loads(done.stdout)
    assert len(rows) == 22 and {"name", "category", "sizes", "description"} <= set(rows[0])


def test_tasks_sample_json_is_deterministic() -> None:
    args = ("tasks", "sample", "caesar", "--size", "8", "--count", "3", "--seed", "4", "--json")
    first, second = isabench(*args), isabench(*args)
    assert first.returncode == 0 and first.stdout == second.stdout
    items = json.loads(first.stdout)
    assert [item["index"] for item in items] == [0, 1, 2]
    assert all(item["input"].strip() in item["instruction"] for item in items)


def test_tasks_show_marks_heldout_templates() -> None:
    done = isabench("tasks", "show", "rle")
    assert done.returncode == 0
    assert done.stdout.count(b"held-out") == 2 and done.stdout.count(b"train   ") >= 4


def test_tasks_program_prints_the_source() -> None:
    done = isabench("tasks", "program", "gcd")
    assert done.returncode == 0 and b"_start:" in done.stdout


def test_tasks_check_reports_sizes_and_counts() -> None:
    done = isabench("tasks", "check", "vowels", "parity", "--count", "3", "--json")
    assert done.returncode == 0
    rows = json.loads(done.stdout)
    assert {row["task"] for row in rows} == {"vowels", "parity"}
    assert all(row["failed"] == 0 and row["retired_mean"] > 0 for row in rows)


@pytest.mark.parametrize(("args", "words"), [
    (["tasks", "show", "nope"], "unknown task 'nope'"),
    (["tasks", "sample", "add", "--size", "0"], "size 0 is out of range"),
    (["tasks", "sample", "add", "--size", "3", "--seed", "-2"], "seed must be a non-negative integer"),
    (["tasks", "sample", "add", "--size", "x"], "invalid int value"),
    (["tasks", "check", "nope"], "unknown task 'nope'"),
    (["tasks", "check", "add", "--count", "0"], "--count must be at least 1"),
])  # fmt: skip
def test_task_errors_are_one_line_with_status_2(args, words) -> None:
    done = isabench(*args)
    assert done.returncode == 2
    assert words in done.stderr.decode() and b"Traceback" not in done.stderr


@pytest.mark.parametrize("executor", ["fast", "fast-python", "batch"])
def test_rv_run_executors_agree_with_ref(tmp_path: Path, executor: str) -> None:
    stats = {}
    for name in ("ref", executor):
        path = tmp_path / f"{name}.json"
        args = ["--executor", name, "--stats-json", str(path)]
        done = isabench("rv", "run", str(SAMPLES / "uppercase.s"), *args, stdin=b"mixed Case\n")
        assert done.returncode == 0 and done.stdout == b"MIXED CASE\n"
        stats[name] = json.loads(path.read_text())
    assert stats[executor]["retired_instructions"] == stats["ref"]["retired_instructions"]
    assert stats[executor]["executor"].startswith(("rv-fast", "rv-batch"))
    trap = write(tmp_path, ".text\n.globl _start\n_start:\n  lw a0, 0(zero)\n")
    done = isabench("rv", "run", trap, "--executor", executor)
    assert done.returncode == 125 and b"memory_fault" in done.stderr


def test_rv_run_trace_needs_the_reference_executor(tmp_path: Path) -> None:
    args = ["--executor", "fast", "--trace", str(tmp_path / "t")]
    done = isabench("rv", "run", str(SAMPLES / "uppercase.s"), *args)
    assert done.returncode == 2 and b"--trace needs --executor ref" in done.stderr
