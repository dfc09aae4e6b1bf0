"""`isabench serve`: the OpenAI-compatible server over lm-builtin, tested through real HTTP on
127.0.0.1 with the official openai client (and raw httpx for malformed requests)."""

from __future__ import annotations

import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch

openai = pytest.importorskip("openai")
httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from isabench.lm.backends.serve import BackgroundServer, ServeError  # noqa: E402
from isabench.lm.checkpoint import save_model  # noqa: E402
from isabench.lm.generate import Runtime  # noqa: E402
from isabench.lm.model import ModelConfig, Transformer  # noqa: E402
from isabench.lm.paths import DEFAULT_CHECKPOINT  # noqa: E402
from isabench.lm.tokenizer import ASSISTANT, EOS, USER, encode_text  # noqa: E402
from isabench.tasks import TASKS  # noqa: E402

MODEL = "lm-builtin"
PROMPTS = [item.instruction for task in TASKS.values() for item in task.items(task.sizes[2], 1, seed=3)]
FINISH = {"eos": "stop", "stop": "stop", "max_new_tokens": "length"}


def random_model(seed: int = 0) -> Transformer:
    """A small random model (larger init than training: its greedy outputs vary, rarely <eos>)."""
    torch.manual_seed(seed)
    model = Transformer(ModelConfig(dim=64, n_layers=2, n_heads=4, ffn_dim=176, max_seq_len=256))
    with torch.no_grad():
        for param in model.parameters():
            if param.dim() == 2:
                param.mul_(4.0)
    return model


class Intercepted:
    """Stands in for a runtime's InferenceModel (`runtime.fast`): `before()` runs ahead of each
    forward pass, everything else is the model's. `with Intercepted(runtime, before):`"""

    def __init__(self, runtime: Runtime, before):
        self.runtime, self.inner, self.before = runtime, runtime.fast, before
        runtime.fast = self

    def __call__(self, *args, **kwargs):
        self.before()
        return self.inner(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def remove(self) -> None:
        self.runtime.fast = self.inner

    def __enter__(self) -> Intercepted:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class Gate:
    """Holds the server's decode loop at its n-th forward pass (the runtime's InferenceModel
    call) until `release()` (or `until()` holds), so a test can act while a decode call is in
    progress."""

    def __init__(self, runtime: Runtime, at_call: int = 1, until=None, timeout: float = 10.0):
        self.at_call, self.until, self.timeout = at_call, until, timeout
        self.calls = 0
        self.event = threading.Event()
        self.released_in_time = None
        self.intercepted = Intercepted(runtime, self._hook)

    def _hook(self) -> None:
        self.calls += 1
        if self.calls != self.at_call:
            return
        deadline = time.monotonic() + self.timeout
        while not self.event.is_set() and time.monotonic() < deadline:
            if self.until is not None and self.until():
                self.event.set()
            self.event.wait(0.005)
        self.released_in_time = self.event.is_set()

    def release(self) -> None:
        self.event.set()

    def __enter__(self) -> Gate:
        return self

    def __exit__(self, *exc) -> None:
        self.release()
        self.intercepted.remove()


@pytest.fixture(scope="module")
def reference() -> Runtime:
    """The shipped model decoded in-process: what the server must answer."""
    return Runtime.from_checkpoint(DEFAULT_CHECKPOINT)


@pytest.fixture(scope="module")
def server():
    with BackgroundServer(Runtime.from_checkpoint(DEFAULT_CHECKPOINT)) as running:
        yield running


@pytest.fixture(scope="module")
def client(server):
    with openai.OpenAI(base_url=server.base_url, api_key="none", max_retries=0, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def random_checkpoint(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("serve") / "random"
    save_model(random_model(), folder)
    return folder


@pytest.fixture(scope="module")
def random_server(random_checkpoint):
    with BackgroundServer(Runtime.from_checkpoint(random_checkpoint)) as running:
        yield running


def post(server, path: str, body) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(
        server.base_url + path, content=content, headers={"content-type": "application/json"}, timeout=30
    )


def test_health_and_models(server, client) -> None:
    health = httpx.get(server.root + "/health", timeout=10)
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    with httpx.Client(timeout=10) as session:  # no ~40 ms Nagle/delayed-ACK stalls per request
        times = []
        for _ in range(15):
            start = time.perf_counter()
            session.get(server.root + "/health")
            times.append(time.perf_counter() - start)
    assert sorted(times)[7] < 0.02
    assert [m.id for m in client.models.list()] == [MODEL]
    listing = httpx.get(server.base_url + "/models", timeout=10).json()
    assert listing["object"] == "list" and listing["data"][0]["object"] == "model"


def test_completions_equal_the_runtime(client, reference) -> None:
    prompts = PROMPTS[:8]
    expected = [reference.generate([p], max_new_tokens=24)[0] for p in prompts]
    for prompt, want in zip(prompts, expected, strict=True):
        got = client.completions.create(model=MODEL, prompt=prompt, max_tokens=24)
        assert got.choices[0].text == want.text
        assert got.choices[0].finish_reason == FINISH[want.stopped]
        assert got.usage.prompt_tokens == want.tokens_in
        assert got.usage.completion_tokens == want.tokens_out  # <eos> counted
        assert got.usage.total_tokens == want.tokens_in + want.tokens_out
    # max_tokens left out: what the context leaves; a list of prompts: one choice each
    both = client.completions.create(model=MODEL, prompt=prompts[:2])
    assert [c.text for c in sorted(both.choices, key=lambda c: c.index)] == [e.text for e in expected[:2]]
    assert both.usage.completion_tokens == sum(e.tokens_out for e in expected[:2])


def test_chat_equals_the_runtime(client, reference) -> None:
    for prompt in PROMPTS[8:12]:
        want = reference.generate([prompt], max_new_tokens=24)[0]
        got = client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": prompt}], max_tokens=24
        )
        assert got.choices[0].message.content == want.text and got.choices[0].message.role == "assistant"
        assert (got.usage.prompt_tokens, got.usage.completion_tokens) == (want.tokens_in, want.tokens_out)
        assert got.choices[0].finish_reason == FINISH[want.stopped]
    # several turns are rendered as the chat template renders them
    turns = [("user", PROMPTS[0]), ("assistant", "11146"), ("user", PROMPTS[1])]
    ids = []
    for role, content in turns:
        ids += [USER, *encode_text(content)] if role == "user" else [ASSISTANT, *encode_text(content), EOS]
    want = reference.generate([[*ids, ASSISTANT]], max_new_tokens=16)[0]
    got = client.chat.completions.create(
        model=MODEL, max_completion_tokens=16, messages=[{"role": r, "content": c} for r, c in turns]
    )
    assert got.choices[0].message.content == want.text
    assert got.usage.prompt_tokens == len(ids) + 1 == want.tokens_in


def test_streams_equal_the_runtime_and_arrive_as_decoded(server, client, reference) -> None:
    prompt = PROMPTS[9]  # a 16-token answer
    want = reference.generate([prompt], max_new_tokens=24)[0]
    assert want.tokens_out > 8
    with Gate(server.batcher.runtime, at_call=3) as gate:  # decoding waits after two tokens
        stream = client.completions.create(
            model=MODEL, prompt=prompt, max_tokens=24, stream=True, stream_options={"include_usage": True}
        )
        chunks = []
        for chunk in stream:
            if chunk.choices and chunk.choices[0].text and not gate.event.is_set():
                gate.release()  # the first text came while the decode call was still held
            chunks.append(chunk)
    assert gate.released_in_time
    texts = [c.choices[0].text for c in chunks if c.choices and c.choices[0].text]
    assert len(texts) > 1 and "".join(texts) == want.text
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    usage = chunks[-1]
    assert usage.choices == [] and usage.usage.completion_tokens == want.tokens_out
    assert usage.usage.prompt_tokens == want.tokens_in

    chat = list(
        client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": prompt}], max_tokens=24, stream=True
        )
    )
    assert chat[0].choices[0].delta.role == "assistant"
    contents = [c.choices[0].delta.content for c in chat if c.choices[0].delta.content]
    assert len(contents) > 1 and "".join(contents) == want.text
    assert chat[-1].choices[0].finish_reason == "stop" and chat[-1].usage is None


def test_concurrent_requests_are_batched(server, client, reference) -> None:
    prompts = PROMPTS[:16]
    budgets = [8 + i % 5 * 4 for i in range(16)]
    alone = [reference.generate([p], max_new_tokens=b)[0] for p, b in zip(prompts, budgets, strict=True)]
    stats = server.batcher.stats
    before_calls, before_rows = stats["decode_calls"], stats["rows"]

    def ask(i: int):
        if i % 2:
            return client.completions.create(model=MODEL, prompt=prompts[i], max_tokens=budgets[i])
        return client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": prompts[i]}], max_tokens=budgets[i]
        )

    # the first decode call is held until all 16 requests have arrived: the rest wait together
    with Gate(server.batcher.runtime, until=lambda: stats["rows"] - before_rows >= 16) as gate:
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(ask, range(16)))
    assert gate.released_in_time
    for i, (answer, want) in enumerate(zip(answers, alone, strict=True)):
        choice = answer.choices[0]
        assert (choice.text if i % 2 else choice.message.content) == want.text
        assert answer.usage.completion_tokens == want.tokens_out
        assert choice.finish_reason == FINISH[want.stopped]
    calls = stats["decode_calls"] - before_calls
    assert calls < 16 and calls <= 3 and stats["largest_batch"] >= 8  # the held call, then the rest


def test_a_short_prompt_batched_with_a_long_one_gets_its_budget(random_server, random_checkpoint) -> None:
    reference = Runtime.from_checkpoint(random_checkpoint)
    long_prompt, short_prompt = "x" * 200, "Say something."
    want_long = reference.generate([long_prompt], max_new_tokens=4)[0]
    want_short = reference.generate([short_prompt], max_new_tokens=120)[0]
    assert want_short.tokens_out == 120  # the random model does not stop by itself
    stats = random_server.batcher.stats
    before_rows, before_calls = stats["rows"], stats["decode_calls"]
    with Gate(random_server.batcher.runtime, until=lambda: stats["rows"] - before_rows >= 3):
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            first = pool.submit(
                post, random_server, "/completions", {"model": MODEL, "prompt": "warm", "max_tokens": 2}
            )
            time.sleep(0.2)  # the two below queue up behind the held call and are batched together
            long = pool.submit(
                post, random_server, "/completions", {"model": MODEL, "prompt": long_prompt, "max_tokens": 4}
            )
            short = pool.submit(
                post,
                random_server,
                "/completions",
                {"model": MODEL, "prompt": short_prompt, "max_tokens": 120},
            )
            responses = [f.result().json() for f in (first, long, short)]
    assert stats["decode_calls"] - before_calls == 2  # the held call, then long and short together
    assert responses[1]["choices"][0]["text"] == want_long.text
    assert responses[2]["choices"][0]["text"] == want_short.text
    assert responses[2]["usage"]["completion_tokens"] == 120
    assert responses[2]["choices"][0]["finish_reason"] == "length"


def test_stop_strings_and_max_tokens(server, client, reference) -> None:
    # the first battery prompt the model answers with 12 characters or more; the stop strings
    # are cut from its own answer, so the test holds for any shipped model
    wants = reference.generate(PROMPTS, max_new_tokens=24)
    prompt, text = next((p, w.text) for p, w in zip(PROMPTS, wants, strict=True) if len(w.text) >= 12)

    def cut(*stops: str) -> str:
        found = [text.find(stop) for stop in stops if stop in text]
        return text[: min(found)]

    got = client.completions.create(model=MODEL, prompt=prompt, max_tokens=24, stop=text[3:5])
    assert got.choices[0].text == cut(text[3:5]) and got.choices[0].finish_reason == "stop"
    assert got.usage.completion_tokens == len(cut(text[3:5])) + 2  # decoding stopped at the stop string
    stops = ["\x00\x00", text[9:11], text[5:8]]
    got = client.completions.create(model=MODEL, prompt=prompt, max_tokens=24, stop=stops)
    assert got.choices[0].text == cut(*stops) and got.choices[0].finish_reason == "stop"
    got = client.completions.create(model=MODEL, prompt=prompt, max_tokens=5)
    assert got.choices[0].text == text[:5] and got.choices[0].finish_reason == "length"
    assert got.usage.completion_tokens == 5
    # streamed: text that could start a stop string is held back, never sent past the cut; the
    # first stop string begins like the answer's 7th and 8th characters but never completes
    stops = [text[6:8] + "\x07", text[6:10]]
    stream = client.completions.create(model=MODEL, prompt=prompt, max_tokens=24, stop=stops, stream=True)
    chunks = [c.choices[0] for c in stream]
    assert "".join(c.text for c in chunks) == cut(*stops)
    assert chunks[-1].finish_reason == "stop"
    chat = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": prompt}], stop=text[6], max_tokens=24
    )
    assert chat.choices[0].message.content == cut(text[6]) and chat.choices[0].finish_reason == "stop"


def test_a_client_that_leaves_mid_stream_stops_its_row(random_server) -> None:
    stats = random_server.batcher.stats
    before = stats["stopped_rows"]
    slow = Intercepted(random_server.batcher.runtime, lambda: time.sleep(0.005))
    try:  # 200 tokens take a second at least: the row is still being decoded when the client leaves
        body = {"model": MODEL, "prompt": "Talk.", "max_tokens": 200, "stream": True}
        with httpx.stream("POST", random_server.base_url + "/completions", json=body, timeout=30) as response:
            assert response.status_code == 200
            next(response.iter_lines())
        deadline = time.monotonic() + 10
        while stats["stopped_rows"] == before and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        slow.remove()
    assert stats["stopped_rows"] == before + 1
    after = post(random_server, "/completions", {"model": MODEL, "prompt": "Again.", "max_tokens": 3}).json()
    assert after["usage"]["completion_tokens"] == 3


ERROR_CASES = [
    ("/completions", {"model": "gpt-4", "prompt": "hi"}, 404, "model_not_found"),
    ("/completions", b"{not json", 400, None),
    ("/completions", b"[1, 2]", 400, None),
    ("/completions", {"model": MODEL, "prompt": "hi", "max_tokens": -3}, 400, None),
    ("/completions", {"model": MODEL, "prompt": "hi", "max_tokens": 0}, 400, None),
    ("/completions", {"model": MODEL, "prompt": "hi", "temperature": 0.7}, 400, None),
    ("/completions", {"model": MODEL, "prompt": "hi", "n": 2}, 400, None),
    ("/completions", {"model": MODEL, "prompt": 5}, 400, None),
    ("/completions", {"model": MODEL}, 400, None),
    ("/completions", {"prompt": "hi"}, 400, None),
    ("/completions", {"model": MODEL, "prompt": "hi", "max_tokens": "5"}, 400, None),
    ("/completions", {"model": MODEL, "prompt": "hi", "max_tokens": 2.5}, 400, None),
    ("/completions", {"model": MODEL, "prompt": "hi", "stream": "yes"}, 400, None),
    ("/completions", {"model": MODEL, "prompt": "hi", "stop": 3}, 400, None),
    ("/completions", {"model": MODEL, "prompt": "x" * 300}, 400, "context_length_exceeded"),
    (
        "/chat/completions",
        {
            "model": MODEL,
            "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}],
        },
        400,
        None,
    ),
    ("/chat/completions", {"model": MODEL, "messages": "hi"}, 400, None),
    ("/chat/completions", {"model": MODEL, "messages": [{"role": "user", "content": 7}]}, 400, None),
    (
        "/chat/completions",
        {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "temperature": 1},
        400,
        None,
    ),
]


@pytest.mark.parametrize(("path", "body", "status", "code"), ERROR_CASES)
def test_bad_requests_get_openai_errors(server, path, body, status, code) -> None:
    response = post(server, path, body)
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error" and error["message"]
    assert "Traceback" not in response.text
    if code is not None:
        assert error["code"] == code


def test_error_messages_and_typed_client_errors(server, client) -> None:
    too_long = post(server, "/completions", {"model": MODEL, "prompt": "x" * 240, "max_tokens": 30}).json()
    assert "256" in too_long["error"]["message"] and "272" in too_long["error"]["message"]
    assert too_long["error"]["code"] == "context_length_exceeded"
    greedy = post(server, "/completions", {"model": MODEL, "prompt": "hi", "temperature": 0.7}).json()
    assert "greedi" in greedy["error"]["message"] and greedy["error"]["param"] == "temperature"
    missing = httpx.get(server.root + "/no/such/path", timeout=10)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    with pytest.raises(openai.NotFoundError) as err:
        client.completions.create(model="gpt-4", prompt="hi")
    assert err.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError):
        client.completions.create(model=MODEL, prompt="hi", temperature=0.7)
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model=MODEL, messages=[{"role": "system", "content": "hi"}])
    with pytest.raises(openai.BadRequestError):
        client.completions.create(model=MODEL, prompt="hi", max_tokens=-1)


def test_background_server_reports_a_port_in_use(reference) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(ServeError, match="in use"):
            BackgroundServer(reference, port=taken.getsockname()[1]).start()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "isabench", "serve", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def test_cli_serves_until_terminated(random_checkpoint) -> None:
    port = _free_port()
    process = _cli("--port", str(port), "--checkpoint", str(random_checkpoint), "--threads", "1")
    try:
        deadline, health = time.monotonic() + 60, None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert health is not None and health.json() == {"status": "ok"}
        answer = httpx.post(
            f"http://127.0.0.1:{port}/v1/completions",
            timeout=10,
            json={"model": MODEL, "prompt": "hi", "max_tokens": 2},
        ).json()
        assert answer["usage"]["completion_tokens"] == 2
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    stderr = process.stderr.read()
    assert process.returncode == 0, stderr
    assert f"isabench serve: lm-builtin on http://127.0.0.1:{port}/v1" in stderr
    assert "Traceback" not in stderr


def test_cli_port_in_use_is_a_one_line_error(random_checkpoint) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        process = _cli(
            "--port", str(taken.getsockname()[1]), "--checkpoint", str(random_checkpoint), "--threads", "1"
        )
        try:
            _, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    assert process.returncode != 0
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "in use" in lines[0] and lines[0].startswith("isabench: "), stderr
