"""openai: against `isabench serve` (a real server process on 127.0.0.1, started and stopped
here): the same answers as lm-builtin in-process, whatever the concurrency, and a server killed
mid-run costs nothing that --resume cannot fill, each item exactly once."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("openai")
pytest.importorskip("fastapi")

from isabench.harness.plan import build_plan  # noqa: E402
from isabench.harness.records import read_manifest, read_records  # noqa: E402
from isabench.harness.runner import Runner  # noqa: E402
from isabench.lm.paths import DEFAULT_CHECKPOINT  # noqa: E402
from tests.servers import ServerProcess, free_port  # noqa: E402

TASKS = ["add", "sort", "uppercase"]
SIZE = 2
ITEMS = 8


class ServeProcess(ServerProcess):
    """`python -m isabench serve` on 127.0.0.1:port with the shipped checkpoint, one thread."""

    def __init__(self, port: int, log: Path):
        self.url = f"http://127.0.0.1:{port}/v1"
        command = [sys.executable, "-m", "isabench", "serve", "--checkpoint", str(DEFAULT_CHECKPOINT),
                   "--host", "127.0.0.1", "--port", str(port), "--threads", "1"]  # fmt: skip
        super().__init__(command, f"http://127.0.0.1:{port}/health", log)


@pytest.fixture(scope="module")
def serve(tmp_path_factory):
    with ServeProcess(free_port(), tmp_path_factory.mktemp("serve") / "serve.log") as server:
        yield server


def plan(*systems: str, items: int = ITEMS, options: dict | None = None):
    sizes = {task: [SIZE] for task in TASKS}
    return build_plan(overrides={"systems": list(systems), "tasks": TASKS, "sizes": sizes, "items": items,
                                 "options": options or {}})  # fmt: skip


def answers(run_dir, system: str) -> dict:
    return {(r["task"], r["index"]): (r["output"], r["tokens_in"], r["tokens_out"])
            for r in read_records(run_dir) if r["system"] == system}  # fmt: skip


@pytest.fixture(scope="module")
def in_process(tmp_path_factory) -> dict:
    """lm-builtin's own answers, in this process, one thread."""
    run = tmp_path_factory.mktemp("builtin") / "run"
    Runner.start(plan("lm-builtin", options={"lm-builtin": {"threads": 1}}), run, progress=False).run()
    return answers(run, "lm-builtin")


@pytest.mark.parametrize("concurrency", [1, 16])
def test_same_answers_as_in_process(serve, in_process, tmp_path, concurrency) -> None:
    spec = f"openai:{serve.url}#lm-builtin"
    options = {spec: {"concurrency": concurrency, "batch_size": 16}}
    Runner.start(plan(spec, options=options), tmp_path / "run", progress=False).run()
    assert answers(tmp_path / "run", "openai:lm-builtin") == in_process
    for record in read_records(tmp_path / "run"):
        assert record["error"] is None and record["detail"]["tokens_source"] == "server usage"
        if record["tokens_out"] > 1:
            assert 0 < record["ttft_s"] < record["lane_latency_s"]


def test_completions_api_gives_the_same_answers(serve, in_process, tmp_path) -> None:
    spec = f"openai:{serve.url}#lm-builtin"
    Runner.start(plan(spec, options={spec: {"api": "completions"}}), tmp_path / "run", progress=False).run()
    assert answers(tmp_path / "run", "openai:lm-builtin") == in_process


def test_flops_from_the_served_models_config(serve, tmp_path) -> None:
    """hf_config names the export of the served checkpoint: FLOPs equal lm-builtin's own."""
    pytest.importorskip("transformers")
    from isabench.lm.hf import export_hf

    exported = export_hf(DEFAULT_CHECKPOINT, tmp_path / "hf")
    spec = f"openai:{serve.url}#lm-builtin"
    systems = ("lm-builtin", spec)
    options = {"lm-builtin": {"threads": 1}, spec: {"hf_config": str(exported)}}
    Runner.start(plan(*systems, items=3, options=options), tmp_path / "run", progress=False).run()
    by = {(r["system"], r["task"], r["index"]): r for r in read_records(tmp_path / "run")}
    for task in TASKS:
        for index in range(3):
            ours, served = by["lm-builtin", task, index], by["openai:lm-builtin", task, index]
            assert served["ops"] == ours["ops"]
            assert served["arch_bytes"] == ours["arch_bytes"]


def test_server_killed_mid_run_then_resume(in_process, tmp_path) -> None:
    port = free_port()
    server = ServeProcess(port, tmp_path / "serve.log")
    spec = f"openai:{server.url}#lm-builtin"
    options = {spec: {"concurrency": 2, "batch_size": 2, "retries": 1, "backoff_s": 0.01, "timeout_s": 5}}
    run = tmp_path / "run"
    records = run / "records.jsonl"

    def kill_after_some_records() -> None:  # bounded: gives up after 120 s
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if records.exists() and len(records.read_bytes().splitlines()) >= 4:
                server.kill()
                return
            time.sleep(0.005)

    killer = threading.Thread(target=kill_after_some_records)
    killer.start()
    try:
        Runner.start(plan(spec, options=options), run, progress=False).run()
    finally:
        killer.join()
    first = read_records(run)
    assert len(first) == len(TASKS) * ITEMS  # the run went on to the end
    errors = [r for r in first if r["error"] is not None]
    assert errors, "the server was killed after the run ended: nothing was tested"
    assert {r["error"]["kind"] for r in errors} == {"connection"}
    assert all(r["error"]["retry"] for r in errors)
    assert read_manifest(run)["status"] == "incomplete"

    server = ServeProcess(port, tmp_path / "serve-again.log")  # the plan's URL: the same port
    try:
        Runner.resume(run, progress=False).run()
    finally:
        server.stop()
    records_now = read_records(run)
    keys = [(r["task"], r["index"]) for r in records_now]
    assert len(keys) == len(set(keys)) == len(TASKS) * ITEMS  # every item exactly once
    assert all(r["error"] is None for r in records_now)
    assert answers(run, "openai:lm-builtin") == in_process
    manifest = read_manifest(run)
    assert manifest["status"] == "complete"
    assert manifest["sessions"][-1]["items_asked_again"] == len(errors)
