"""Throughput and latency of `isabench serve` on CPU against lm-builtin's runtime in-process.

The workload is battery instructions: every task at its first three default sizes, ITEMS_PER_CELL
items each (198 requests), with the harness's answer budget per cell (the longest expected answer
in bytes + 8, see `lm.evaluate.max_answer_tokens`). The model is the shipped checkpoint, fp32,
with one torch thread count for everything, chosen as `isabench serve --threads auto` chooses it
(`generate.choose_threads`) and recorded as `threads`.

Systems, each decoding the same prompts greedily with the same budgets (and checked to give the
same answers):
  - in-process, batched: `Runtime.generate(prompts, budgets, batch_size=64)`;
  - in-process, one at a time: one `Runtime.generate` call per prompt (per-request latency);
  - the server: `isabench serve` started as its own process on 127.0.0.1 (`--threads` the same
    count, `--max-batch 64`), asked by clients here at concurrency 1, 8 and 64: each of that many
    client tasks sends its next request when its previous one is answered (non-streamed
    /v1/completions). The client is the official AsyncOpenAI (what the harness's openai backend
    uses) at all three, and httpx's AsyncClient, a leaner HTTP path, at 1 and 64. (httpx's
    AsyncClient spends several times more CPU per request at 64 connections than at one; on two
    cores that CPU is taken from the server, so its concurrency-64 figure measures the client.)

The client runs on the same cores as the server (and the in-process runs on the same cores as
the idle server): on a small machine the client's own CPU time is taken from decoding.

`extra_info` carries requests_per_s, tokens_per_s (completion tokens, <eos> counted, per second),
p50/p90 request latency and, for the server, its decode calls, mean batch and the seconds per
round it spent decoding (inside `Runtime.generate`). The last test, test_serve_summary, records
for each client the two comparisons: the server's throughput at concurrency 64 as a fraction of
in-process batched throughput (target >= 0.70), and the p50 over
prompts of the latency the HTTP path adds at concurrency 1 over in-process one-at-a-time decoding
of the same prompt (target <= 2 ms), with the part of it spent inside the server (queue, decode
loop: from the `timings` the server returns) apart from the HTTP part (client and server).

Run with `pytest benchmarks/test_serve.py --benchmark-json=PATH`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")
openai = pytest.importorskip("openai")

from isabench.lm.evaluate import max_answer_tokens  # noqa: E402
from isabench.lm.generate import Runtime, choose_threads  # noqa: E402

DEVICE = os.environ.get("ISABENCH_BENCH_DEVICE", "cpu")  # scripts/device_backends.sh sets cuda
from isabench.lm.paths import DEFAULT_CHECKPOINT  # noqa: E402
from isabench.tasks import TASKS  # noqa: E402

ITEMS_PER_CELL = 3
BATCH = 64
ROUNDS = 3
MODEL = "lm-builtin"
TARGET_FRACTION = 0.70
TARGET_ADDED_MS = 2.0
RESULTS: dict[str, dict] = {}  # what the summary compares, filled by the tests above it


@pytest.fixture(scope="module")
def workload() -> tuple[list[str], list[int]]:
    """Instructions and their budgets, interleaved across tasks and sizes."""
    cells = []
    for task in TASKS.values():
        for size in task.sizes[:3]:
            items = task.items(size, ITEMS_PER_CELL, seed=0)
            cells.append([(item.instruction, max_answer_tokens(items)) for item in items])
    rows = [cell[i] for i in range(ITEMS_PER_CELL) for cell in cells]
    return [p for p, _ in rows], [b for _, b in rows]


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    runtime = Runtime.from_checkpoint(DEFAULT_CHECKPOINT, DEVICE, "fp32")
    if DEVICE == "cpu":
        runtime.set_threads(choose_threads(runtime.model))
    runtime.generate(["warm-up"], max_new_tokens=2)
    return runtime


@pytest.fixture(scope="module")
def expected(runtime, workload) -> list[str]:
    prompts, budgets = workload
    return [g.text for g in runtime.generate(prompts, budgets, batch_size=BATCH)]


class _Subprocess:
    """`isabench serve` as its own process (its own interpreter: the client's work here does not
    compete with it for a GIL), with the runtime's thread count."""

    def __init__(self, threads: int):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.root = f"http://127.0.0.1:{self.port}"
        self.base_url = self.root + "/v1"
        command = [
            sys.executable,
            "-m",
            "isabench",
            "serve",
            "--port",
            str(self.port),
            "--threads",
            str(threads),
            "--max-batch",
            str(BATCH),
            "--model-name",
            MODEL,
            "--checkpoint",
            str(DEFAULT_CHECKPOINT),
            "--device",
            DEVICE,
            "--dtype",
            "fp32",
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(self.root + "/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"isabench serve did not start: {self.process.stderr.read()}")

    @property
    def stats(self) -> dict:
        return httpx.get(self.root + "/stats", timeout=10).json()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(runtime):
    running = _Subprocess(runtime.threads)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def record(
    benchmark, runtime: Runtime, key: str, requests: int, tokens: int, latencies: list[float], **info
) -> None:
    stats = benchmark.stats  # None under --benchmark-disable
    mean = stats.stats.mean if stats else None
    benchmark.extra_info.update(
        system=key,
        requests=requests,
        completion_tokens=tokens,
        threads=runtime.threads,
        requests_per_s=requests / mean if mean else None,
        tokens_per_s=tokens / mean if mean else None,
        p50_latency_s=percentile(latencies, 0.5),
        p90_latency_s=percentile(latencies, 0.9),
        **info,
    )
    RESULTS[key] = dict(benchmark.extra_info)


def test_inprocess_batched(benchmark, runtime, workload, expected) -> None:
    prompts, budgets = workload
    out = {}

    def decode():
        start = time.perf_counter()
        out["gens"] = runtime.generate(prompts, budgets, batch_size=BATCH)
        out["wall"] = time.perf_counter() - start

    benchmark.pedantic(decode, rounds=ROUNDS, iterations=1)
    gens = out["gens"]
    assert [g.text for g in gens] == expected
    record(
        benchmark,
        runtime,
        "in-process batched",
        len(prompts),
        sum(g.tokens_out for g in gens),
        [g.latency_s for g in gens],
        batch_size=BATCH,
    )


def test_inprocess_one_at_a_time(benchmark, runtime, workload, expected) -> None:
    prompts, budgets = workload
    latencies: list[list[float]] = [[] for _ in prompts]
    out = {}

    def decode():
        gens = []
        for i, (prompt, budget) in enumerate(zip(prompts, budgets, strict=True)):
            start = time.perf_counter()
            gens += runtime.generate([prompt], [budget], batch_size=1)
            latencies[i].append(time.perf_counter() - start)
        out["gens"] = gens

    benchmark.pedantic(decode, rounds=ROUNDS, iterations=1)
    gens = out["gens"]
    assert [g.text for g in gens] == expected
    per_prompt = [statistics.median(x) for x in latencies]
    record(
        benchmark,
        runtime,
        "in-process one at a time",
        len(prompts),
        sum(g.tokens_out for g in gens),
        per_prompt,
        batch_size=1,
    )
    RESULTS["in-process one at a time"]["per_prompt_latency_s"] = per_prompt


def _client(kind: str, server, concurrency: int):
    if kind == "openai":
        return openai.AsyncOpenAI(base_url=server.base_url, api_key="none", max_retries=0, timeout=120)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=120)


async def _ask(kind: str, client, prompt: str, budget: int) -> tuple[str, int, float]:
    """The answer, its completion tokens and the server's own latency (queued to last token)."""
    if kind == "openai":
        answer = await client.completions.create(model=MODEL, prompt=prompt, max_tokens=budget)
        server_s = answer.model_extra["timings"][0]["latency_s"]
        return answer.choices[0].text, answer.usage.completion_tokens, server_s
    response = await client.post(
        "/completions", json={"model": MODEL, "prompt": prompt, "max_tokens": budget}
    )
    response.raise_for_status()
    body = response.json()
    return body["choices"][0]["text"], body["usage"]["completion_tokens"], body["timings"][0]["latency_s"]


async def _run(kind: str, client, concurrency: int, prompts, budgets, latencies) -> list:
    """Every prompt once, `concurrency` client tasks each sending its next request when answered."""
    answers: list = [None] * len(prompts)
    order = iter(range(len(prompts)))

    async def worker() -> None:
        for i in order:
            start = time.perf_counter()
            answers[i] = await _ask(kind, client, prompts[i], budgets[i])
            latencies[i].append(time.perf_counter() - start)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return answers


@pytest.mark.parametrize(
    ("kind", "concurrency"), [("openai", 1), ("openai", 8), ("openai", 64), ("httpx", 1), ("httpx", 64)]
)
def test_server(benchmark, runtime, server, loop, workload, expected, kind, concurrency) -> None:
    prompts, budgets = workload
    client = _client(kind, server, concurrency)
    warm: list[list[float]] = [[] for _ in prompts]
    loop.run_until_complete(_run(kind, client, concurrency, prompts[:concurrency], budgets, warm))
    latencies: list[list[float]] = [[] for _ in prompts]
    out = {}
    before = server.stats

    def serve_all():
        out["answers"] = loop.run_until_complete(_run(kind, client, concurrency, prompts, budgets, latencies))

    benchmark.pedantic(serve_all, rounds=ROUNDS, iterations=1)
    loop.run_until_complete(client.close() if kind == "openai" else client.aclose())
    after = server.stats
    answers = out["answers"]
    assert [text for text, _, _ in answers] == expected
    calls = after["decode_calls"] - before["decode_calls"]
    rows = after["rows_decoded"] - before["rows_decoded"]
    per_prompt = [statistics.median(x) for x in latencies]
    key = f"server {kind} concurrency {concurrency}"
    record(
        benchmark,
        runtime,
        key,
        len(prompts),
        sum(n for _, n, _ in answers),
        per_prompt,
        client=kind,
        concurrency=concurrency,
        max_batch=BATCH,
        decode_calls_per_round=calls / ROUNDS,
        mean_batch=rows / calls,
        decode_s_per_round=(after["decode_s"] - before["decode_s"]) / ROUNDS,
        p50_server_latency_s=percentile([s for _, _, s in answers], 0.5),
    )
    RESULTS[key]["per_prompt_latency_s"] = per_prompt
    RESULTS[key]["server_latency_s"] = [s for _, _, s in answers]


def test_serve_summary(benchmark) -> None:
    """The comparisons, from the tests above (run them in the same session)."""
    needed = [
        "in-process batched",
        "in-process one at a time",
        "server httpx concurrency 1",
        "server httpx concurrency 64",
        "server openai concurrency 1",
        "server openai concurrency 64",
    ]
    if any(key not in RESULTS or RESULTS[key]["requests_per_s"] is None for key in needed):
        pytest.skip("needs the other benchmarks of this file, timed, in the same session")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    batched = RESULTS["in-process batched"]["requests_per_s"]
    alone = RESULTS["in-process one at a time"]["per_prompt_latency_s"]
    summary = {
        "threads": RESULTS["in-process batched"]["threads"],
        "target_fraction": TARGET_FRACTION,
        "target_added_p50_ms": TARGET_ADDED_MS,
        "in_process_batched_requests_per_s": batched,
        "in_process_one_at_a_time_requests_per_s": RESULTS["in-process one at a time"]["requests_per_s"],
    }
    for kind in ("openai", "httpx"):
        served = RESULTS[f"server {kind} concurrency 64"]["requests_per_s"]
        fraction = served / batched
        one = RESULTS[f"server {kind} concurrency 1"]["per_prompt_latency_s"]
        added_ms = 1e3 * statistics.median(s - a for s, a in zip(one, alone, strict=True))
        inside = RESULTS[f"server {kind} concurrency 1"]["server_latency_s"]
        inside_ms = 1e3 * statistics.median(s - a for s, a in zip(inside, alone, strict=True))
        summary[kind] = {
            "concurrency_64_requests_per_s": served,
            "concurrency_64_fraction_of_batched": fraction,
            "concurrency_64_target_met": fraction >= TARGET_FRACTION,
            "concurrency_1_p50_added_ms": added_ms,
            "concurrency_1_p50_latency_ms": 1e3 * RESULTS[f"server {kind} concurrency 1"]["p50_latency_s"],
            "in_process_one_at_a_time_p50_latency_ms": 1e3 * statistics.median(alone),
            "concurrency_1_target_met": added_ms <= TARGET_ADDED_MS,
            # of the added latency, what the server's queue and decode loop add (the rest is HTTP)
            "concurrency_1_p50_added_inside_server_ms": inside_ms,
        }
    benchmark.extra_info.update(system="serve summary", **summary)
    print(summary)
