"""The runner: the three files, every field, errors as records, resume after SIGKILL, shards."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from isabench.harness import systems as systems_module
from isabench.harness.measure import RaplMeter
from isabench.harness.plan import Plan, build_plan
from isabench.harness.records import RunDirError, read_manifest, read_records
from isabench.harness.runner import Runner, merge
from isabench.harness.systems import Outcome, System

RECORD_FIELDS = {
    "format",
    "run_id",
    "system",
    "device",
    "task",
    "size",
    "seed",
    "index",
    "heldout",
    "mode",
    "template",
    "input",
    "expected",
    "output",
    "correct",
    "correct_flexible",
    "error",
    "latency_s",
    "cpu_time_s",
    "ops",
    "ops_unit",
    "tokens_in",
    "tokens_out",
    "ttft_s",
    "tpot_s",
    "lane_latency_s",
    "arch_bytes",
    "arch_detail",
    "peak_rss_bytes",
    "peak_device_bytes",
    "energy_j",
    "energy_source",
    "batch_size",
    "batch",
    "threads",
    "detail",
    "time",
}


def run_plan(tmp_path: Path, name: str = "run", shard=None, **plan) -> tuple[Path, list[dict]]:
    run_dir = tmp_path / name
    Runner.start(build_plan(None, None, plan), run_dir, shard, progress=False).run()
    return run_dir, read_records(run_dir)


def by_item(records: list[dict]) -> dict[tuple, dict[str, dict]]:
    """(task, index) -> {system: record}: the same item's records side by side."""
    out: dict[tuple, dict[str, dict]] = {}
    for r in records:
        out.setdefault((r["task"], r["index"]), {})[r["system"]] = r
    return out


def isabench(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "isabench", *args], capture_output=True, text=True, timeout=timeout
    )


def test_a_run_writes_manifest_records_and_summary(tmp_path: Path) -> None:
    run_dir, records = run_plan(
        tmp_path,
        systems=["rv-ref", "lm-builtin"],
        tasks=["add", "reverse_string"],
        sizes={"add": [2], "reverse_string": [4]},
        items=3,
    )
    assert len(records) == 2 * 2 * 3
    for record in records:
        assert set(record) == RECORD_FIELDS
        assert record["latency_s"] > 0 and record["cpu_time_s"] >= 0 and record["peak_rss_bytes"] > 0
        assert record["energy_j"] is None or record["energy_source"] in ("rapl", "nvml")
    machine = [r for r in records if r["system"] == "rv-ref"]
    model = [r for r in records if r["system"] == "lm-builtin"]
    assert all(r["correct"] and r["ops_unit"] == "insn" and r["ops"] > 0 for r in machine)
    assert {r["mode"] for r in machine} == {None} and {r["mode"] for r in model} == {"direct"}
    assert not (run_dir / "compile.jsonl").exists()  # no compile mode, no compile records
    assert all(
        r["arch_bytes"] == r["arch_detail"]["program_bytes"] + r["arch_detail"]["written_bytes"]
        for r in machine
    )
    for r in model:
        assert r["ops_unit"] == "flop" and r["ops"] > 0 and r["tokens_in"] > 0 and r["tokens_out"] >= 1
        assert r["arch_bytes"] == r["arch_detail"]["param_bytes"] + r["arch_detail"]["kv_cache_bytes"]
        assert r["batch"]["size"] == 3 and r["latency_s"] == pytest.approx(r["batch"]["latency_s"] / 3)
        assert 0 < r["ttft_s"] <= r["lane_latency_s"]
        if r["tokens_out"] > 1:
            assert r["tpot_s"] == pytest.approx((r["lane_latency_s"] - r["ttft_s"]) / (r["tokens_out"] - 1))
    manifest = read_manifest(run_dir)
    assert manifest["status"] == "complete" and manifest["items_recorded"] == 12
    env = manifest["sessions"][0]["environment"]
    assert {"python", "torch", "numpy", "cpu", "cpu_count", "torch_threads", "commit"} <= set(env)
    assert manifest["systems"]["lm-builtin@cpu"]["threads"] >= 1
    assert manifest["harness_overhead"]["latency_p50_s"] > 0
    summary = (run_dir / "summary.csv").read_text().splitlines()
    assert len(summary) == 1 + 4
    header = summary[0].split(",")
    lm_row = dict(
        zip(
            header,
            next(line for line in summary if line.startswith("lm-builtin,cpu,add")).split(","),
            strict=True,
        )
    )
    assert lm_row["baseline"] == "rv-ref" and float(lm_row["ratio_ops"]) > 1


class Flaky(System):
    """A test system: right answers, except one exception, one timeout and one out-of-memory."""

    name = "flaky"
    kind = "machine"
    ops_unit = "insn"

    def run(self, task, items):
        index = items[0].index
        if index == 1:
            raise RuntimeError("boom")
        if index == 2:
            time.sleep(5)
        if index == 3:
            raise MemoryError("no room")
        return [Outcome(output=item.expected, ops=1) for item in items]


class Unprepared(System):
    name = "unprepared"

    def prepare(self, task):
        raise OSError("cannot build")

    def run(self, task, items):
        raise AssertionError("never called")


def test_failures_become_records_and_the_run_goes_on(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(systems_module.SYSTEMS, "flaky", Flaky)
    monkeypatch.setitem(systems_module.SYSTEMS, "unprepared", Unprepared)
    run_dir, records = run_plan(
        tmp_path,
        systems=["flaky", "unprepared"],
        tasks=["add"],
        sizes={"add": [2]},
        items=6,
        item_timeout_s=0.3,
    )
    by = {(r["system"], r["index"]): r for r in records}
    assert len(by) == 12
    assert by["flaky", 0]["correct"] and by["flaky", 0]["error"] is None
    assert by["flaky", 1]["error"] == {"kind": "exception", "message": "RuntimeError: boom"}
    assert by["flaky", 2]["error"]["kind"] == "timeout"
    assert by["flaky", 3]["error"]["kind"] == "oom"
    assert by["flaky", 4]["correct"] and by["flaky", 5]["correct"]
    assert all(by["unprepared", i]["error"]["kind"] == "prepare" for i in range(6))
    assert not any(r["correct"] for r in records if r["error"])
    rows = {
        line.split(",")[0]: line.split(",") for line in (run_dir / "summary.csv").read_text().splitlines()
    }
    header = rows["system"]
    flaky = dict(zip(header, rows["flaky"], strict=True))
    assert (flaky["n"], flaky["errors"], flaky["correct"]) == ("6", "3", "3")


def test_machine_traps_and_model_context_overflow_are_error_records(tmp_path: Path) -> None:
    _, records = run_plan(
        tmp_path,
        systems=["rv-ref", "lm-builtin"],
        tasks=["sort"],
        sizes={"sort": [64]},
        items=2,
        max_steps=100,
    )
    machine = [r for r in records if r["system"] == "rv-ref"]
    model = [r for r in records if r["system"] == "lm-builtin"]
    assert all(r["error"]["kind"] == "trap" and r["error"]["trap"]["kind"] == "step_limit" for r in machine)
    assert all(r["ops"] == 100 and not r["correct"] for r in machine)
    assert all(r["error"]["kind"] == "context_overflow" and "256" in r["error"]["message"] for r in model)


def test_run_killed_with_sigkill_resumes_with_every_item_recorded_once(tmp_path: Path) -> None:
    run_dir = tmp_path / "killed"
    args = [
        "run",
        "--systems",
        "rv-ref",
        "--tasks",
        "mul,sort",
        "--sizes",
        "64",
        "--items",
        "60",
        "--out",
        str(run_dir),
        "--no-progress",
    ]
    proc = subprocess.Popen([sys.executable, "-m", "isabench", *args], stderr=subprocess.PIPE)
    records = run_dir / "records.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not records.exists() or records.read_bytes().count(b"\n") < 10):
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = records.read_bytes().count(b"\n")
    assert 10 <= before < 120, "the run was not killed mid-way"
    assert read_manifest(run_dir)["status"] == "running"
    done = isabench("run", "--resume", str(run_dir), "--no-progress")
    assert done.returncode == 0, done.stderr
    keys = [(r["task"], r["index"]) for r in read_records(run_dir)]
    assert len(keys) == len(set(keys)) == 120
    manifest = read_manifest(run_dir)
    assert manifest["status"] == "complete" and len(manifest["sessions"]) == 2
    assert manifest["sessions"][1]["items_before"] == before
    assert all(r["correct"] for r in read_records(run_dir))


def test_resume_repairs_a_cut_last_line(tmp_path: Path) -> None:
    run_dir, records = run_plan(tmp_path, systems=["rv-ref"], tasks=["add"], sizes={"add": [2]}, items=4)
    lines = (run_dir / "records.jsonl").read_bytes().splitlines(keepends=True)
    (run_dir / "records.jsonl").write_bytes(b"".join(lines[:2]) + lines[2][:40])  # killed mid-write
    assert len(read_records(run_dir)) == 2
    Runner.resume(run_dir, progress=False).run()
    assert sorted(r["index"] for r in read_records(run_dir)) == [0, 1, 2, 3]


def test_damaged_run_folders_give_one_line_errors(tmp_path: Path) -> None:
    run_dir, _ = run_plan(tmp_path, systems=["rv-ref"], tasks=["add"], sizes={"add": [2]}, items=2)
    with (run_dir / "records.jsonl").open("a") as handle:
        handle.write("{not json}\n")
    with pytest.raises(RunDirError, match=r"records.jsonl:3: not a JSON record"):
        read_records(run_dir)
    done = isabench("run", "--resume", str(run_dir))
    assert done.returncode == 127 and done.stderr.count("\n") == 1 and "records.jsonl:3" in done.stderr
    done = isabench("run", "--resume", str(tmp_path / "nowhere"))
    assert done.returncode == 127 and "no such run folder" in done.stderr
    (tmp_path / "run" / "manifest.json").write_text("{")
    with pytest.raises(RunDirError, match="manifest.json:1: not valid JSON"):
        read_manifest(run_dir)
    with pytest.raises(RunDirError, match="already holds a run"):
        Runner.start(Plan(), run_dir)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--systems", "rv-ref,nope"], "unknown system 'nope'"),
        (["--tasks", "add", "--sizes", "5000"], "size 5000 is out of range"),
        (["--tasks", "add", "--sizes", "four"], "--sizes takes integers"),
        (["--shard", "3/2"], "--shard 3/2"),
        (["--resume", "x", "--items", "3"], "--resume continues the run as planned"),
    ],
)
def test_cli_plan_errors(args: list[str], message: str, tmp_path: Path) -> None:
    done = isabench("run", "--out", str(tmp_path / "r"), *args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr and "Traceback" not in done.stderr


def test_shards_merge_into_the_whole_plan(tmp_path: Path) -> None:
    plan = {
        "systems": ["rv-ref", "empty"],
        "tasks": ["add", "sort", "gcd"],
        "sizes": {"add": [2, 4]},
        "items": 2,
    }
    shards = [run_plan(tmp_path, f"s{i}", (i, 3), **plan)[0] for i in (1, 2, 3)]
    whole = build_plan(None, None, plan)
    merged = tmp_path / "merged"
    merge(shards, merged)
    keys = sorted((r["system"], r["task"], r["size"], r["index"]) for r in read_records(merged))
    expected = sorted((c.system, c.task, c.size, i) for c in whole.cells() for i in c.indices)
    assert keys == expected
    manifest = read_manifest(merged)
    assert manifest["status"] == "complete" and manifest["shards_merged"] == [[1, 3], [2, 3], [3, 3]]
    assert (merged / "summary.csv").read_text().count("\n") == 1 + len(whole.cells())
    other = run_plan(tmp_path, "other", None, **{**plan, "items": 3})[0]
    with pytest.raises(RunDirError, match="different plans"):
        merge([shards[0], other], tmp_path / "bad")
    partial = tmp_path / "partial"
    merge(shards[:2], partial)
    assert read_manifest(partial)["status"] == "incomplete"


def test_rapl_counter_is_read_with_wraparound(tmp_path: Path) -> None:
    package = tmp_path / "intel-rapl:0"
    package.mkdir()
    (package / "energy_uj").write_text("999000000\n")
    (package / "max_energy_range_uj").write_text("1000000000\n")
    (tmp_path / "intel-rapl:0:0").mkdir()  # a sub-domain: inside the package, not added again
    meter = RaplMeter(tmp_path)
    before = meter.read()
    (package / "energy_uj").write_text("2000000\n")
    assert meter.joules(before, meter.read()) == pytest.approx(3.0)
    with pytest.raises(OSError):
        RaplMeter(tmp_path / "nothing")


def test_energy_is_null_without_a_counter(tmp_path: Path) -> None:
    if Path("/sys/class/powercap").is_dir() and any(Path("/sys/class/powercap").glob("intel-rapl:*")):
        pytest.skip("this machine has a RAPL counter")
    _, records = run_plan(tmp_path, systems=["rv-ref"], tasks=["add"], sizes={"add": [2]}, items=2)
    assert all(r["energy_j"] is None and r["energy_source"] is None for r in records)
    manifest = read_manifest(tmp_path / "run")
    assert "no energy counter" in manifest["energy"]["cpu"]


def test_qemu_system_agrees_with_rv_ref(tmp_path: Path, gnu_tools) -> None:
    _, records = run_plan(
        tmp_path, systems=["rv-ref", "qemu"], tasks=["add", "sort"], sizes={"add": [8], "sort": [8]}, items=3
    )
    by = by_item(records)
    assert len(by) == 6
    for pair in by.values():
        assert pair["qemu"]["output"] == pair["rv-ref"]["output"] == pair["rv-ref"]["expected"]
        assert pair["qemu"]["ops"] == pair["rv-ref"]["ops"] > 0


def test_rv_fast_system_agrees_with_rv_ref(tmp_path: Path) -> None:
    _, records = run_plan(
        tmp_path, systems=["rv-ref", "rv-fast"], tasks=["mul", "rle", "collatz"], items=3,
        sizes={"mul": [16], "rle": [32], "collatz": [6]},
    )  # fmt: skip
    by = by_item(records)
    assert len(by) == 9
    for pair in by.values():
        fast, ref = pair["rv-fast"], pair["rv-ref"]
        assert fast["correct"] and ref["correct"]
        assert (fast["output"], fast["ops"], fast["arch_bytes"]) == (
            ref["output"],
            ref["ops"],
            ref["arch_bytes"],
        )


@pytest.mark.parametrize("engine", ["torch", "numba"])
def test_rv_batch_system_agrees_with_rv_ref(tmp_path: Path, engine: str) -> None:
    from isabench.rv.fast import available_paths

    if engine == "numba" and "numba" not in available_paths():
        pytest.skip("engine numba needs the numba package")
    options = {"rv-batch": {"engine": engine, "batch_size": 4, "compile": False}}
    _, records = run_plan(tmp_path, systems=["rv-ref", "rv-batch"], tasks=["sort", "gcd"], items=5,
                          sizes={"sort": [16], "gcd": [6]}, options=options)  # fmt: skip
    by = by_item(records)
    assert len(by) == 10
    for pair in by.values():
        batch, ref = pair["rv-batch"], pair["rv-ref"]
        assert batch["correct"] and ref["correct"]
        assert (batch["output"], batch["ops"], batch["arch_bytes"]) == (
            ref["output"],
            ref["ops"],
            ref["arch_bytes"],
        )
        assert batch["batch"]["system"]["engine"] == engine and batch["batch_size"] in (4, 1)
