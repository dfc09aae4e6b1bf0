"""`isabench serve`: lm-builtin behind an OpenAI-compatible HTTP server (FastAPI on uvicorn).

Endpoints: `GET /health`, `GET /v1/models`, `POST /v1/completions`, `POST /v1/chat/completions`
(streamed as server-sent events or not) and `GET /stats` (the batcher's counters).

Prompt formats. lm-builtin knows one format only: `<user>` instruction `<assistant>`, answered with
bytes and `<eos>`. So a completion's `prompt` is taken as the user's instruction and wrapped as one
user turn (`<user>` prompt `<assistant>`); it is not continued as raw text. A list of prompt
strings gives one choice per prompt. A chat's messages are rendered as `lm.hf.CHAT_TEMPLATE`
renders them: `<user>`content for a user turn, `<assistant>`content`<eos>` for an assistant turn,
then `<assistant>` to answer; any other role (system, tool, ...) is a 400 error.

Decoding is greedy: `temperature` absent or 0; a positive temperature is a 400 error, as are
`n` other than 1, logprobs, echo and penalties. `max_tokens` (chat: also `max_completion_tokens`)
defaults to what the context leaves after the prompt; prompt plus max_tokens beyond the context is
a 400 `context_length_exceeded`. `stop` (a string or a list) cuts the output before the first stop
string, with finish_reason "stop" (as for `<eos>`); "length" means max_tokens was reached.
Token counts in `usage` count `<eos>` as a completion token, as the runtime does.

Batching. Requests go into one queue; one worker thread takes every waiting row (up to
`max_batch`) and decodes them as one `Runtime.generate` call with one token budget per row, while
the event loop keeps serving HTTP. Tokens come back from the decode loop through `on_token`,
gathered per decode step into one `loop.call_soon_threadsafe` call, so a stream's chunks leave as
they are decoded and a row's answer is sent as soon as the row ends, not when its batch ends.
A stream whose client goes away stops its row through `on_token` at the next step.

Each non-streamed response carries the server's own timings for its rows under `timings`
(seconds queued, to the first token and to the last, decode calls and batch size).
"""

from __future__ import annotations

import asyncio
import codecs
import collections
import contextlib
import json
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response, StreamingResponse

from ..generate import Runtime
from ..tokenizer import ASSISTANT, EOS, USER, encode_prompt, encode_text

DEFAULT_MODEL_NAME = "lm-builtin"


class ServeError(RuntimeError):
    """The server cannot start (the address is in use, the host cannot be bound)."""


class RequestError(Exception):
    """A bad request, answered with an OpenAI-style JSON error."""

    def __init__(
        self,
        status: int,
        message: str,
        param: str | None = None,
        code: str | None = None,
        kind: str = "invalid_request_error",
    ):
        super().__init__(message)
        self.status, self.message, self.param, self.code, self.kind = status, message, param, code, kind


def _json(value, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status, headers=headers, media_type="application/json")


def error_response(
    status: int,
    message: str,
    param: str | None = None,
    code: str | None = None,
    kind: str = "invalid_request_error",
) -> Response:
    return _json({"error": {"message": message, "type": kind, "param": param, "code": code}}, status)


# --------------------------------------------------------------------------------------------
# The batcher: one worker thread, one Runtime.generate call at a time


class _Row:
    """One prompt of one request: its token ids, budget, stop strings and what it has produced.
    Written by the worker thread; the event loop reads what the worker has published."""

    __slots__ = (
        "job",
        "index",
        "prompt",
        "max_tokens",
        "stops",
        "tokens",
        "buf",
        "finish",
        "cut",
        "safe",
        "released",
        "decoder",
        "delivered",
        "cancelled",
        "t_submit",
        "t_start",
        "t_first",
        "t_done",
        "calls",
        "batch_size",
    )

    def __init__(self, job: _Job, index: int, prompt: list[int], max_tokens: int, stops: list[bytes]):
        self.job, self.index, self.prompt, self.max_tokens, self.stops = job, index, prompt, max_tokens, stops
        self.tokens: list[int] = []
        self.buf = bytearray()  # the byte tokens produced (special tokens are not text)
        self.finish: str | None = None  # "stop" or "length" once finished
        self.cut = 0  # bytes of buf that are the answer, once finished
        self.safe = 0  # bytes of buf that may be streamed (no stop string can start in them)
        self.released = 0  # bytes of buf already streamed (event loop side)
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace") if job.stream else None
        self.delivered = False
        self.cancelled = False
        self.t_submit = time.perf_counter()
        self.t_start = self.t_first = self.t_done = None
        self.calls = 0
        self.batch_size = 0

    def text(self) -> str:
        return bytes(self.buf[: self.cut]).decode("utf-8", errors="replace")

    def held_back(self) -> int:
        """Bytes at the end of buf that could be the start of a stop string."""
        hold = 0
        for stop in self.stops:
            for k in range(min(len(stop) - 1, len(self.buf)), hold, -1):
                if self.buf.endswith(stop[:k]):
                    hold = k
                    break
        return hold

    def timings(self) -> dict:
        return {
            "queued_s": self.t_start - self.t_submit,
            "ttft_s": self.t_first - self.t_submit,
            "latency_s": self.t_done - self.t_submit,
            "decode_calls": self.calls,
            "batch_size": self.batch_size,
        }


class _Job:
    """One HTTP request: its rows, and how the event loop hears of them (a future when the
    response is sent whole, a queue of (index, text, finish_reason) when it is streamed)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, stream: bool):
        self.loop, self.stream = loop, stream
        self.rows: list[_Row] = []
        self.left = 0
        self.done = loop.create_future()
        self.events: asyncio.Queue | None = asyncio.Queue() if stream else None

    def cancel(self) -> None:
        for row in self.rows:
            row.cancelled = True


class Batcher:
    """The request queue and the one worker that decodes what is waiting as one batch."""

    def __init__(self, runtime: Runtime, max_batch: int = 64):
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        self.runtime, self.max_batch = runtime, max_batch
        self.context = runtime.config.max_seq_len
        self.pending: collections.deque[_Row] = collections.deque()
        self.cond = threading.Condition()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.closed = False
        self.stats = {
            "requests": 0,
            "rows": 0,
            "decode_calls": 0,
            "rows_decoded": 0,
            "largest_batch": 0,
            "cancelled_rows": 0,
            "stopped_rows": 0,
            "decode_errors": 0,
            "decode_s": 0.0,  # seconds spent inside Runtime.generate
        }

    def start(self, loop: asyncio.AbstractEventLoop, thread: bool = True) -> None:
        """Deliver results to `loop`; with `thread`, decode on a thread of our own, else the caller
        runs `work()` on a thread of its choosing."""
        if self.loop is None:
            self.loop, self.closed = loop, False
            if thread:
                self.thread = threading.Thread(target=self.work, name="isabench-serve-decode", daemon=True)
                self.thread.start()

    def close(self, timeout: float = 30.0) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        if self.thread is not None:
            self.thread.join(timeout)
            self.thread = None

    def submit(self, job: _Job, prompts: list[list[int]], max_tokens: list[int], stops: list[bytes]) -> None:
        if self.loop is None:  # an app served without its lifespan
            self.start(asyncio.get_running_loop())
        job.rows = [
            _Row(job, i, p, m, stops) for i, (p, m) in enumerate(zip(prompts, max_tokens, strict=True))
        ]
        job.left = len(job.rows)
        self.stats["requests"] += 1
        self.stats["rows"] += len(job.rows)
        with self.cond:
            self.pending.extend(job.rows)
            self.cond.notify()

    # worker thread ---------------------------------------------------------------------------

    def _take(self, alive: Callable[[], bool] | None) -> list[_Row] | None:
        with self.cond:
            while True:
                while not self.pending and not self.closed:
                    self.cond.wait(0.5 if alive else None)
                    if alive is not None and not alive():
                        return None
                if self.closed:
                    return None
                batch = []
                while self.pending and len(batch) < self.max_batch:
                    row = self.pending.popleft()
                    if row.cancelled:
                        self.stats["cancelled_rows"] += 1
                    else:
                        batch.append(row)
                if batch:
                    return batch

    def work(self, alive: Callable[[], bool] | None = None) -> None:
        """Decode what is waiting, batch after batch, until `close()` (or until `alive()` is false)."""
        while (batch := self._take(alive)) is not None:
            try:
                self._decode(batch)
            except Exception as err:  # noqa: BLE001 - a failed call must not end the worker
                self.stats["decode_errors"] += 1
                message = f"decoding failed: {type(err).__name__}: {err}"
                self.loop.call_soon_threadsafe(self._fail, [r for r in batch if r.finish is None], message)

    def _decode(self, batch: list[_Row]) -> None:
        prompts = [row.prompt for row in batch]
        limits = [row.max_tokens for row in batch]  # requests were checked to fit the context
        active = [True] * len(batch)
        calls = [0] * len(batch)
        state = {"last": len(batch) - 1, "events": []}
        now = time.perf_counter()
        for row in batch:
            row.t_start = row.t_start or now
            row.calls += 1
            row.batch_size = max(row.batch_size, len(batch))
        loop, deliver = self.loop, self._deliver

        def on_token(i: int, token: int) -> bool:
            row = batch[i]
            stop = row.cancelled
            if stop:  # its client has gone: no more tokens for it
                self.stats["stopped_rows"] += 1
            else:
                row.tokens.append(token)
                if row.t_first is None:
                    row.t_first = time.perf_counter()
                if token == EOS:
                    row.finish, row.cut = "stop", len(row.buf)
                elif token < 256:
                    row.buf.append(token)
                    ends = [len(row.buf) - len(s) for s in row.stops if row.buf.endswith(s)]
                    if ends:  # the earliest of the stop strings that end here
                        row.finish, row.cut, stop = "stop", min(ends), True
                if row.finish is None and len(row.tokens) >= row.max_tokens:
                    row.finish, row.cut = "length", len(row.buf)
                if row.finish is not None:
                    row.t_done = time.perf_counter()
                    row.safe = row.cut
                    state["events"].append(row)
                elif row.job.stream:
                    safe = len(row.buf) - (row.held_back() if row.stops else 0)
                    if safe > row.safe:
                        row.safe = safe
                        state["events"].append(row)
            calls[i] += 1
            if stop or row.finish is not None or calls[i] >= limits[i]:
                active[i] = False
            if i == state["last"]:  # the step's last live row: publish the step at once
                if state["events"]:
                    loop.call_soon_threadsafe(deliver, state["events"])
                    state["events"] = []
                last = i
                while last >= 0 and not active[last]:
                    last -= 1
                state["last"] = last
            return stop

        self.stats["decode_calls"] += 1
        self.stats["rows_decoded"] += len(batch)
        self.stats["largest_batch"] = max(self.stats["largest_batch"], len(batch))
        start = time.perf_counter()
        try:
            self.runtime.generate(prompts, limits, batch_size=len(batch), on_token=on_token)
        finally:
            self.stats["decode_s"] += time.perf_counter() - start
            if state["events"]:  # rows that finished in the last step (or before a failure)
                loop.call_soon_threadsafe(deliver, state["events"])
        unfinished = [row for row in batch if row.finish is None and not row.cancelled]
        if unfinished:  # not expected (requests are checked to fit): answer rather than leave them waiting
            loop.call_soon_threadsafe(self._fail, unfinished, "decoding ended before the answer did")

    # event loop ------------------------------------------------------------------------------

    @staticmethod
    def _deliver(rows: list[_Row]) -> None:
        for row in rows:
            job = row.job
            if row.delivered:
                continue
            final = row.finish is not None
            if job.stream and (row.safe > row.released or final):
                text = row.decoder.decode(bytes(row.buf[row.released : row.safe]), final)
                row.released = row.safe
                if text:
                    job.events.put_nowait((row.index, text, None))
            if final:
                row.delivered = True
                if job.stream:
                    job.events.put_nowait((row.index, None, row.finish))
                job.left -= 1
                if job.left == 0 and not job.done.done():
                    job.done.set_result(None)

    @staticmethod
    def _fail(rows: list[_Row], message: str) -> None:
        for row in rows:
            job = row.job
            if job.stream:
                job.events.put_nowait((row.index, None, RequestError(500, message, kind="server_error")))
            elif not job.done.done():
                job.done.set_exception(RequestError(500, message, kind="server_error"))


# --------------------------------------------------------------------------------------------
# Request parsing


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPE_NAMES = {
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    list: "an array",
    dict: "an object",
}


def _get(data: dict, name: str, kind: type, required: bool = False):
    """data[name] checked to be of `kind` (None when absent or null, unless required)."""
    value = data.get(name)
    if value is None:
        if required:
            raise RequestError(
                400, f"Missing required parameter: '{name}'.", name, "missing_required_parameter"
            )
        return None
    ok = {int: _is_int, float: _is_number, bool: lambda v: isinstance(v, bool)}.get(
        kind, lambda v: isinstance(v, kind)
    )(value)
    if not ok:
        raise RequestError(
            400,
            f"Invalid type for '{name}': expected {_TYPE_NAMES[kind]}, got "
            f"{type(value).__name__} {json.dumps(value)[:40]}.",
            name,
            "invalid_type",
        )
    return value


def _unsupported(message: str, param: str) -> RequestError:
    return RequestError(400, message, param, "unsupported_parameter")


class _Params:
    """What both endpoints share: budget, stop strings, streaming."""

    def __init__(self, data: dict, model_name: str, chat: bool):
        model = _get(data, "model", str, required=True)
        if model != model_name:
            raise RequestError(
                404,
                f"The model '{model}' does not exist; this server serves '{model_name}'.",
                "model",
                "model_not_found",
            )
        temperature = _get(data, "temperature", float)
        if temperature is not None and temperature != 0:
            raise _unsupported(
                f"temperature {temperature} asks for sampling, but this server decodes greedily "
                "(give temperature 0 or leave it out).",
                "temperature",
            )
        n = _get(data, "n", int)
        if n is not None and n != 1:
            raise _unsupported(
                f"n={n}: greedy decoding has one answer per prompt; only n=1 is supported.", "n"
            )
        for name in ("presence_penalty", "frequency_penalty"):
            value = _get(data, name, float)
            if value:
                raise _unsupported(f"{name} is not supported (greedy decoding only).", name)
        name = (
            "max_completion_tokens"
            if chat and data.get("max_completion_tokens") is not None
            else "max_tokens"
        )
        self.max_tokens_param = name
        self.prompt_param = "messages" if chat else "prompt"
        self.max_tokens = _get(data, name, int)
        if self.max_tokens is not None and self.max_tokens < 1:
            raise RequestError(
                400, f"{name} must be at least 1, got {self.max_tokens}.", name, "invalid_value"
            )
        stop = data.get("stop")
        if stop is None:
            stops = []
        elif isinstance(stop, str):
            stops = [stop]
        elif isinstance(stop, list) and all(isinstance(s, str) for s in stop):
            stops = stop
        else:
            raise RequestError(
                400,
                "Invalid type for 'stop': expected a string or an array of strings.",
                "stop",
                "invalid_type",
            )
        self.stops = [s.encode() for s in stops if s]
        self.stream = bool(_get(data, "stream", bool))
        options = _get(data, "stream_options", dict) or {}
        include = options.get("include_usage")
        if include is not None and not isinstance(include, bool):
            raise RequestError(
                400,
                "Invalid type for 'stream_options.include_usage': expected a boolean.",
                "stream_options.include_usage",
                "invalid_type",
            )
        if options and not self.stream:
            raise RequestError(
                400, "stream_options is only allowed when stream is true.", "stream_options", "invalid_value"
            )
        self.include_usage = bool(include)

    def budgets(self, prompts: list[list[int]], context: int) -> list[int]:
        budgets = []
        for ids in prompts:
            asked = self.max_tokens if self.max_tokens is not None else context - len(ids)
            if len(ids) + max(asked, 1) > context:
                if self.max_tokens is None:
                    message = (
                        f"This model's maximum context length is {context} tokens, but the prompt has "
                        f"{len(ids)} tokens, which leaves no room for an answer."
                    )
                else:
                    message = (
                        f"This model's maximum context length is {context} tokens, but {len(ids) + asked} "
                        f"were asked for: {len(ids)} in the prompt and {asked} in the completion "
                        f"({self.max_tokens_param})."
                    )
                param = self.max_tokens_param if self.max_tokens is not None else self.prompt_param
                raise RequestError(400, message, param, "context_length_exceeded")
            budgets.append(asked)
        return budgets


def completion_prompts(data: dict) -> list[list[int]]:
    """The token ids of a completion request's prompt(s): each one user turn."""
    prompt = data.get("prompt")
    if isinstance(prompt, str):
        return [encode_prompt(prompt)]
    if isinstance(prompt, list) and prompt and all(isinstance(p, str) for p in prompt):
        return [encode_prompt(p) for p in prompt]
    if prompt is None:
        raise RequestError(
            400, "Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter"
        )
    raise RequestError(
        400,
        "Invalid type for 'prompt': expected a string or a non-empty array of strings "
        "(lm-builtin takes instructions as text, not token ids).",
        "prompt",
        "invalid_type",
    )


def chat_prompt(data: dict) -> list[int]:
    """The token ids of a chat, rendered as lm.hf.CHAT_TEMPLATE renders it."""
    messages = data.get("messages")
    if messages is None:
        raise RequestError(
            400, "Missing required parameter: 'messages'.", "messages", "missing_required_parameter"
        )
    if not isinstance(messages, list) or not messages:
        raise RequestError(
            400,
            "Invalid type for 'messages': expected a non-empty array of messages.",
            "messages",
            "invalid_type",
        )
    ids: list[int] = []
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict):
            raise RequestError(400, f"Invalid type for '{where}': expected an object.", where, "invalid_type")
        role = message.get("role")
        if not isinstance(role, str):
            raise RequestError(
                400, f"Missing or invalid '{where}.role': expected a string.", f"{where}.role", "invalid_type"
            )
        if role not in ("user", "assistant"):
            raise RequestError(
                400,
                f"{where}.role is '{role}': lm-builtin knows only user and assistant turns.",
                f"{where}.role",
                "invalid_value",
            )
        content = message.get("content")
        if isinstance(content, list):  # content parts: text only
            if not all(
                isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str)
                for p in content
            ):
                raise RequestError(
                    400,
                    f"{where}.content: only text parts are supported.",
                    f"{where}.content",
                    "invalid_value",
                )
            content = "".join(p["text"] for p in content)
        if not isinstance(content, str):
            raise RequestError(
                400,
                f"Invalid type for '{where}.content': expected a string.",
                f"{where}.content",
                "invalid_type",
            )
        if role == "user":
            ids += [USER, *encode_text(content)]
        else:
            ids += [ASSISTANT, *encode_text(content), EOS]
    return [*ids, ASSISTANT]


# --------------------------------------------------------------------------------------------
# The app


class _EventStream(StreamingResponse):
    """A stream whose generator is closed however the stream ends, so a client that goes away
    always cancels its rows."""

    async def stream_response(self, send) -> None:
        try:
            await super().stream_response(send)
        finally:
            await self.body_iterator.aclose()


def _sse(value) -> bytes:
    return b"data: " + json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"


def create_app(
    runtime: Runtime, model_name: str = DEFAULT_MODEL_NAME, max_batch: int = 64, decode_thread: bool = True
) -> FastAPI:
    """The server's FastAPI app over `runtime`; `app.state.batcher.stats` counts decode calls.
    With decode_thread False the caller runs `app.state.batcher.work()` once the app has started."""
    batcher = Batcher(runtime, max_batch)
    created = int(time.time())
    context = runtime.config.max_seq_len

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        batcher.start(asyncio.get_running_loop(), thread=decode_thread)
        try:
            yield
        finally:
            batcher.close()

    app = FastAPI(title="isabench serve", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.batcher = batcher
    app.state.model_name = model_name

    @app.exception_handler(RequestError)
    async def _request_error(request: Request, err: RequestError) -> Response:
        return error_response(err.status, err.message, err.param, err.code, err.kind)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, err: StarletteHTTPException) -> Response:
        if err.status_code == 404:
            return error_response(
                404, f"No such path: {request.method} {request.url.path}.", None, "not_found"
            )
        return error_response(err.status_code, str(err.detail), None, None)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, err: RequestValidationError) -> Response:
        first = (err.errors() or [{}])[0]
        param = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or None
        return error_response(
            400, f"Invalid request: {first.get('msg', 'bad parameters')}.", param, "invalid_type"
        )

    @app.exception_handler(Exception)
    async def _server_error(request: Request, err: Exception) -> Response:
        return error_response(500, f"The server failed: {type(err).__name__}.", None, None, "server_error")

    @app.get("/health")
    async def health() -> Response:
        return _json({"status": "ok"})

    @app.get("/stats")
    async def stats() -> Response:
        return _json(
            {
                "model": model_name,
                "max_batch": max_batch,
                "queued_rows": len(batcher.pending),
                **batcher.stats,
            }
        )

    @app.get("/v1/models")
    async def models() -> Response:
        return _json(
            {
                "object": "list",
                "data": [
                    {
                        "id": model_name,
                        "object": "model",
                        "created": created,
                        "owned_by": "isabench",
                        "context_length": context,
                    }
                ],
            }
        )

    @app.get("/v1/models/{name:path}")
    async def model(name: str) -> Response:
        if name != model_name:
            raise RequestError(404, f"The model '{name}' does not exist.", "model", "model_not_found")
        return _json(
            {
                "id": model_name,
                "object": "model",
                "created": created,
                "owned_by": "isabench",
                "context_length": context,
            }
        )

    async def body_of(request: Request) -> dict:
        raw = await request.body()
        try:
            data = json.loads(raw)
        except ValueError:
            raise RequestError(
                400, "The body of the request is not valid JSON.", None, "invalid_json"
            ) from None
        if not isinstance(data, dict):
            raise RequestError(400, "The body of the request must be a JSON object.", None, "invalid_json")
        return data

    async def answer(prompts: list[list[int]], params: _Params, chat: bool) -> Response:
        budgets = params.budgets(prompts, context)
        job = _Job(asyncio.get_running_loop(), params.stream)
        batcher.submit(job, prompts, budgets, params.stops)
        ident = ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex[:24]
        now = int(time.time())
        if params.stream:
            return _EventStream(
                _stream(job, ident, now, chat, params.include_usage),
                media_type="text/event-stream",
                headers={"cache-control": "no-cache"},
            )
        try:
            await job.done
        except asyncio.CancelledError:
            job.cancel()
            raise
        usage = _usage(job)
        if chat:
            choices = [
                {
                    "index": r.index,
                    "message": {"role": "assistant", "content": r.text()},
                    "logprobs": None,
                    "finish_reason": r.finish,
                }
                for r in job.rows
            ]
        else:
            choices = [
                {"index": r.index, "text": r.text(), "logprobs": None, "finish_reason": r.finish}
                for r in job.rows
            ]
        return _json(
            {
                "id": ident,
                "object": "chat.completion" if chat else "text_completion",
                "created": now,
                "model": model_name,
                "choices": choices,
                "usage": usage,
                "timings": [r.timings() for r in job.rows],
            }
        )

    async def _stream(job: _Job, ident: str, now: int, chat: bool, include_usage: bool):
        head = {
            "id": ident,
            "object": "chat.completion.chunk" if chat else "text_completion",
            "created": now,
            "model": model_name,
        }

        def chunk(index: int, text: str | None, finish: str | None, first: bool = False) -> bytes:
            if chat:
                delta = (
                    {"role": "assistant", "content": ""}
                    if first
                    else {}
                    if text is None
                    else {"content": text}
                )
                choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
            else:
                choice = {"index": index, "text": text or "", "logprobs": None, "finish_reason": finish}
            return _sse({**head, "choices": [choice]})

        try:
            if chat:
                for row in job.rows:
                    yield chunk(row.index, None, None, first=True)
            left = len(job.rows)
            while left:
                index, text, finish = await job.events.get()
                if isinstance(finish, RequestError):
                    yield _sse(
                        {
                            "error": {
                                "message": finish.message,
                                "type": finish.kind,
                                "param": None,
                                "code": None,
                            }
                        }
                    )
                    return
                if text:
                    yield chunk(index, text, None)
                if finish is not None:
                    left -= 1
                    yield chunk(index, None, finish)
            if include_usage:
                yield _sse({**head, "choices": [], "usage": _usage(job)})
            yield b"data: [DONE]\n\n"
        finally:
            if job.left:
                job.cancel()

    @app.post("/v1/completions")
    async def completions(request: Request) -> Response:
        data = await body_of(request)
        params = _Params(data, model_name, chat=False)
        for name in ("echo", "logprobs", "best_of", "suffix"):
            value = data.get(name)
            if value not in (None, False) and not (name == "best_of" and value == 1):
                raise _unsupported(f"{name} is not supported by this server.", name)
        return await answer(completion_prompts(data), params, chat=False)

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        data = await body_of(request)
        params = _Params(data, model_name, chat=True)
        if data.get("logprobs") or data.get("top_logprobs"):
            raise _unsupported("logprobs are not supported by this server.", "logprobs")
        if data.get("tools") or data.get("functions"):
            raise _unsupported("tools are not supported by lm-builtin.", "tools")
        return await answer([chat_prompt(data)], params, chat=True)

    return app


def _usage(job: _Job) -> dict:
    prompt = sum(len(r.prompt) for r in job.rows)
    completion = sum(len(r.tokens) for r in job.rows)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


# --------------------------------------------------------------------------------------------
# Running it


class _Server:
    """Builds the uvicorn server lazily (uvicorn is imported only to serve)."""

    @staticmethod
    def make(app: FastAPI, on_started: Callable[[], None] | None = None):
        import uvicorn

        class Server(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self):  # the caller decides what signals do
                yield

            async def startup(self, sockets=None) -> None:
                await super().startup(sockets)
                if self.started and on_started is not None:
                    on_started()

        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            log_config=None,
            lifespan="on",
            timeout_graceful_shutdown=5,
        )
        return Server(config)


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready socket on host:port (port 0: a free one); ServeError when it cannot be had."""
    try:  # proto IPPROTO_TCP: asyncio then sets TCP_NODELAY on every connection (else ~40 ms stalls)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except socket.gaierror as err:
        raise ServeError(f"cannot resolve host '{host}': {err.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as err:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class ServerThread:
    """Any ASGI app served by uvicorn on host:port (port 0: a free one) on a background thread of
    this process, started and stopped by the caller. `url` is the OpenAI base URL
    (http://host:port/v1), `root` the server's own (http://host:port).

        with ServerThread(app) as server:
            client = openai.OpenAI(base_url=server.url, api_key="none")
    """

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        self.app, self.host, self.port = app, host, port
        self.thread: threading.Thread | None = None
        self.sock: socket.socket | None = None

    def start(self, timeout: float = 30.0) -> ServerThread:
        self.sock = bind(self.host, self.port)
        self.port = self.sock.getsockname()[1]
        self.root = _url(self.sock)
        self.url = self.base_url = self.root + "/v1"
        started = threading.Event()
        self.server = _Server.make(self.app, started.set)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, name="isabench-serve", daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not started.wait(0.05):
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise ServeError(f"the server on {self.root} did not start")
        return self

    def stop(self, timeout: float = 15.0) -> None:
        if self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout)
            if self.thread.is_alive():
                self.server.force_exit = True
                self.thread.join(timeout)
            self.thread = None
        if self.sock is not None:
            self.sock.close()

    def __enter__(self) -> ServerThread:
        return self.start() if self.thread is None else self

    def __exit__(self, *exc) -> None:
        self.stop()


class BackgroundServer(ServerThread):
    """lm-builtin's server over `runtime` as a ServerThread, decoding on a thread of its own (for
    tests and benchmarks); `batcher.stats` counts its decode calls.

        with BackgroundServer(runtime) as server:
            client = openai.OpenAI(base_url=server.url, api_key="none")

    With more than one torch CPU thread, decoding on a thread other than the one that first used
    torch can be several times slower (the OpenMP/MKL thread teams of two threads then outnumber
    the cores); `serve()` (the CLI) therefore decodes on the main thread. Measure speed there."""

    def __init__(
        self,
        runtime: Runtime,
        model_name: str = DEFAULT_MODEL_NAME,
        max_batch: int = 64,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        super().__init__(create_app(runtime, model_name, max_batch), host, port)

    @property
    def batcher(self) -> Batcher:
        return self.app.state.batcher


def serve(
    runtime: Runtime,
    host: str = "127.0.0.1",
    port: int = 8000,
    model_name: str = DEFAULT_MODEL_NAME,
    max_batch: int = 64,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM (call from the main thread). `ready(base_url)` is called
    once the server listens. ServeError when the address cannot be had.

    The HTTP server's event loop runs on a second thread and this (main) thread decodes, on the
    thread that loaded the model: with several torch CPU threads, decoding elsewhere is slower."""
    sock = bind(host, port)
    base_url = _url(sock) + "/v1"
    app = create_app(runtime, model_name, max_batch, decode_thread=False)
    started = threading.Event()

    def on_started() -> None:
        started.set()
        if ready is not None:
            ready(base_url)

    server = _Server.make(app, on_started)

    def stop(signum, frame) -> None:
        if server.should_exit and signum == signal.SIGINT:
            server.force_exit = True
        server.should_exit = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="isabench-serve", daemon=True
    )
    try:
        thread.start()
        while not started.wait(0.05):
            if not thread.is_alive():
                raise ServeError(f"the server on {base_url} did not start")
        app.state.batcher.work(alive=thread.is_alive)  # until the server's shutdown closes the batcher
        thread.join()
    finally:
        server.should_exit = True
        thread.join(30)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
