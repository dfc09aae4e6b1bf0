"""openai: systems against a real HTTP server started here on 127.0.0.1 that fails on purpose:
errors become records (with their attempts), the run goes on, and --resume asks again for
exactly the items whose error may pass; the API key never reaches a file."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

pytest.importorskip("openai")
pytest.importorskip("fastapi")

from fastapi import FastAPI, Request  # noqa: E402
from fastapi.responses import JSONResponse, StreamingResponse  # noqa: E402

from isabench.harness.plan import PlanError, build_plan  # noqa: E402
from isabench.harness.records import SUPERSEDED, read_manifest, read_records  # noqa: E402
from isabench.harness.runner import Runner  # noqa: E402
from isabench.lm.backends.openai import OpenAIBackend  # noqa: E402
from isabench.lm.backends.serve import ServerThread  # noqa: E402

ANSWER = ["hel", "lo ", "wor", "ld"]  # what the server streams when it answers
SECRET = "sk-isabench-test-0123456789"


def fault_app() -> FastAPI:
    """An OpenAI-style chat endpoint whose behaviour the test sets through app.state: answer
    ("ok"), always 500, or stall past the client's timeout; `script` lists statuses to give first."""
    app = FastAPI()
    app.state.mode, app.state.script, app.state.keys = "ok", [], set()

    @app.get("/v1/models")
    async def models():
        return {"object": "list", "data": [{"id": "fake", "object": "model", "owned_by": "test"}]}

    @app.post("/v1/chat/completions")
    async def chat(request: Request):
        await request.json()
        app.state.keys.add(request.headers.get("authorization"))
        status = app.state.script.pop(0) if app.state.script else 500 if app.state.mode == "500" else 200
        if status != 200:
            return JSONResponse(
                {"error": {"message": "injected", "type": "server_error"}}, status_code=status
            )
        if app.state.mode == "stall":
            await asyncio.sleep(2.0)  # bounded: longer than the client waits, then it answers

        async def chunks():
            for piece in ANSWER:
                delta = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                yield f"data: {json.dumps({'object': 'chat.completion.chunk', **delta})}\n\n"
            end = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            yield f"data: {json.dumps({'object': 'chat.completion.chunk', **end})}\n\n"
            usage = {"prompt_tokens": 9, "completion_tokens": len(ANSWER), "total_tokens": 9 + len(ANSWER)}
            last = {"object": "chat.completion.chunk", "choices": [], "usage": usage}
            yield f"data: {json.dumps(last)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(chunks(), media_type="text/event-stream")

    return app


@pytest.fixture
def server():
    app = fault_app()
    with ServerThread(app) as running:
        running.app = app
        yield running


def plan_for(url: str, items: int = 4, **options):
    spec = f"openai:{url}#fake"
    options = {"retries": 1, "backoff_s": 0.01, "timeout_s": 0.5, "batch_size": items, **options}
    return build_plan(overrides={"systems": [spec], "tasks": ["add"], "sizes": {"add": [2]}, "items": items,
                                 "options": {spec: options}})  # fmt: skip


def test_answers_are_streamed_and_measured(server, tmp_path) -> None:
    Runner.start(plan_for(server.url), tmp_path / "run", progress=False).run()
    records = read_records(tmp_path / "run")
    assert len(records) == 4 and {r["system"] for r in records} == {"openai:fake"}
    for record in records:
        assert record["error"] is None and record["output"] == "".join(ANSWER)
        assert (record["tokens_in"], record["tokens_out"]) == (9, len(ANSWER))
        assert 0 < record["ttft_s"] < record["lane_latency_s"]
        assert record["tpot_s"] == pytest.approx((record["lane_latency_s"] - record["ttft_s"]) / 3)
        assert record["detail"]["tokens_source"] == "server usage" and record["detail"]["attempts"] == 1
        assert len(record["detail"]["itl_s"]) == len(ANSWER) - 1
        assert record["ops"] is None  # the server's model size was not given: no FLOPs, never guessed
    info = read_manifest(tmp_path / "run")["systems"]["openai:fake@cpu"]
    assert info["model"] == "fake" and "unknown" in info["flops"]


def test_given_parameters_give_flops(server, tmp_path) -> None:
    Runner.start(plan_for(server.url, parameters=1000), tmp_path / "run", progress=False).run()
    for record in read_records(tmp_path / "run"):
        assert record["ops"] == 2 * 1000 * (9 + len(ANSWER) - 1)


def test_500_becomes_records_then_resume_asks_again(server, tmp_path) -> None:
    server.app.state.mode = "500"
    run = tmp_path / "run"
    Runner.start(plan_for(server.url), run, progress=False).run()
    failed = read_records(run)
    assert len(failed) == 4
    for record in failed:
        error = record["error"]
        assert (error["kind"], error["http_status"], error["attempts"], error["retry"]) == (
            "http_status",
            500,
            2,
            True,
        )
        assert record["correct"] is False
    assert read_manifest(run)["status"] == "incomplete"

    server.app.state.mode = "ok"
    Runner.resume(run, progress=False).run()
    records = read_records(run)
    assert sorted(r["index"] for r in records) == [0, 1, 2, 3]  # every item exactly once
    assert all(r["error"] is None for r in records)
    assert read_manifest(run)["status"] == "complete"
    superseded = [json.loads(line) for line in (run / SUPERSEDED).read_text().splitlines()]
    assert [r["index"] for r in superseded] == [r["index"] for r in failed]  # kept, not lost


@pytest.mark.parametrize(
    ("script", "attempts", "error"),
    [
        ([500, 503], 3, None),  # passing faults: retried until answered
        ([429], 2, None),
        ([500, 500, 500], 3, ("http_status", 500, True)),  # retries = 2 spent: an error that may pass
        ([400], 1, ("http_status", 400, False)),  # the request itself is wrong: not retried
    ],
)
def test_retries_with_back_off(server, script, attempts, error) -> None:
    backend = OpenAIBackend("cpu", {"base_url": server.url, "retries": 2, "backoff_s": 0.01})
    backend.load()
    try:
        server.app.state.script = list(script)
        (generation,) = backend.generate(["Add 1 and 2."], 8)
    finally:
        backend.close()
    if error is None:
        assert generation.error is None and generation.text == "".join(ANSWER)
        assert generation.detail["attempts"] == attempts
    else:
        got = generation.error
        assert (got["kind"], got["http_status"], got["retry"], got["attempts"]) == (
            *error[:2],
            error[2],
            attempts,
        )


def test_a_stall_becomes_timeout_records(server, tmp_path) -> None:
    server.app.state.mode = "stall"
    run = tmp_path / "run"
    Runner.start(plan_for(server.url, items=2, timeout_s=0.3), run, progress=False).run()
    for record in read_records(run):
        assert record["error"]["kind"] == "timeout" and record["error"]["attempts"] == 2
        assert record["error"]["retry"] is True


def test_api_key_is_sent_and_never_written(server, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ISABENCH_TEST_KEY", SECRET)
    run = tmp_path / "run"
    Runner.start(plan_for(server.url, api_key_env="ISABENCH_TEST_KEY"), run, progress=False).run()
    assert f"Bearer {SECRET}" in server.app.state.keys
    for path in run.iterdir():
        assert SECRET not in path.read_text(), path.name
    assert read_manifest(run)["systems"]["openai:fake@cpu"]["api_key_env"] == "ISABENCH_TEST_KEY"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"api_key_env": "ISABENCH_NO_SUCH_VARIABLE"}, "ISABENCH_NO_SUCH_VARIABLE"),
        ({"api": "responses"}, "api must be"),
        ({"concurrency": 0}, "concurrency must be"),
        ({"timeout_s": -1}, "timeout_s must be"),
        ({"hf_config": "x", "parameters": 5}, "not both"),
        ({"colour": "red"}, "unknown option"),
    ],
)
def test_bad_options_are_one_line_errors(server, tmp_path, options, message) -> None:
    with pytest.raises(PlanError, match=message) as caught:
        Runner.start(plan_for(server.url, **options), tmp_path / "run", progress=False).run()
    assert "\n" not in str(caught.value)


def test_unreachable_server_is_a_one_line_error(tmp_path) -> None:
    with ServerThread(fault_app()) as running:
        url = running.url  # a port that was just free, now closed again
    done = subprocess.run(
        [sys.executable, "-m", "isabench", "run", "--systems", f"openai:{url}#fake", "--tasks", "add",
         "--sizes", "2", "--items", "1", "--out", str(tmp_path / "run"), "--no-progress"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "unreachable" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
