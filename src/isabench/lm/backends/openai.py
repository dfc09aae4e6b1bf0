"""Any OpenAI-compatible server (`openai:<base-url>[#model]`: vLLM, llama.cpp, Ollama, TGI,
`isabench serve`) through the official `openai` client, streamed so that time to first token and
inter-token latencies are measured at the client, as `vllm bench serve` defines them.

Items are independent requests, at most `concurrency` in flight. Connection errors, 429 and 5xx
answers and requests that run past `timeout_s` are retried with exponential back-off; an item
that still fails becomes a Generation with `error` set (kind `connection`, `http_status` or
`timeout`, and `retry: true` so that `isabench run --resume` asks again), never an exception.
"""

from __future__ import annotations

import asyncio
import os
import time
from urllib.parse import urlsplit

from ..generate import Generation
from .base import Backend, BackendError

RETRYABLE_STATUS = {429} | set(range(500, 600))
BACKOFF_CAP_S = 8.0


def _transport_errors() -> tuple[type[BaseException], ...]:
    """The HTTP libraries' transport errors a stream can raise mid-body (the openai client
    wraps those raised before the response starts as APIConnectionError)."""
    found: list[type[BaseException]] = []
    for module in ("httpx2", "httpx"):
        try:
            found.append(__import__(module).TransportError)
        except (ImportError, AttributeError):
            continue
    return tuple(found)


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class OpenAIBackend(Backend):
    """Options: base_url, model (else the server's only model), api = "chat" | "completions",
    concurrency (8), timeout_s (60, per request, whole stream), retries (3), backoff_s (0.5,
    doubled per retry up to 8 s), api_key_env (the environment variable holding the key;
    default OPENAI_API_KEY where set, else no key), hf_config (a folder or config.json of the
    served model: FLOPs, parameter and KV-cache bytes from it) or parameters (N: FLOPs as
    2 N per processed token, attention not counted). Without either, FLOPs are null."""

    family = "openai"
    devices = ("cpu",)  # the client's device; the server's hardware is its own
    default_batch_size = 64
    source_key = "base_url"

    @classmethod
    def split_target(cls, target: str) -> tuple[str, dict]:
        """'http://host:8000/v1#model' -> ('model', {base_url, model}); without #model the label
        is host:port and the model is the one the server lists."""
        url, _, model = target.partition("#")
        if model:
            return model, {"base_url": url, "model": model}
        return urlsplit(url).netloc or url, {"base_url": url}

    def __init__(self, device: str, options: dict):
        super().__init__(device, options)
        self.base_url = str(options.pop("base_url", ""))
        self.model = options.pop("model", None)
        self.api = options.pop("api", "chat")
        self.concurrency = options.pop("concurrency", 8)
        self.timeout_s = options.pop("timeout_s", 60.0)
        self.retries = options.pop("retries", 3)
        self.backoff_s = options.pop("backoff_s", 0.5)
        self.api_key_env = options.pop("api_key_env", None)
        self.hf_config = options.pop("hf_config", None)
        self.parameters = options.pop("parameters", None)
        if urlsplit(self.base_url).scheme not in ("http", "https"):
            raise BackendError(f"base_url must be an http(s) URL, got '{self.base_url}'")
        if self.api not in ("chat", "completions"):
            raise BackendError(f"api must be 'chat' or 'completions', got {self.api!r}")
        for key, value, low in (("concurrency", self.concurrency, 1), ("retries", self.retries, 0)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise BackendError(f"{key} must be an integer >= {low}, got {value!r}")
        for key, value in (("timeout_s", self.timeout_s), ("backoff_s", self.backoff_s)):
            if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
                raise BackendError(f"{key} must be a positive number of seconds, got {value!r}")
        if self.hf_config is not None and self.parameters is not None:
            raise BackendError("give hf_config or parameters, not both")
        if self.parameters is not None and (not isinstance(self.parameters, int) or self.parameters < 1):
            raise BackendError(f"parameters must be a positive integer, got {self.parameters!r}")

    # -- setting up ------------------------------------------------------------------------------
    def _api_key(self) -> str:
        if self.api_key_env is not None:
            if self.api_key_env not in os.environ:
                raise BackendError(f"the environment variable {self.api_key_env} (api_key_env) is not set")
            return os.environ[self.api_key_env]
        return os.environ.get("OPENAI_API_KEY") or "EMPTY"  # servers without authentication ignore it

    def load(self) -> dict:
        try:
            import openai
        except ImportError:
            raise BackendError("needs the openai package (pip install 'isabench[openai]')") from None
        self._openai = openai
        self._transport = _transport_errors()
        self.loop = asyncio.new_event_loop()
        self.client = openai.AsyncOpenAI(
            base_url=self.base_url, api_key=self._api_key(), max_retries=0, timeout=self.timeout_s
        )
        served = self._run(self._list_models())
        if self.model is None:
            if len(served) != 1:
                listed = ", ".join(served) or "none"
                raise BackendError(
                    f"{self.base_url} serves {len(served)} models ({listed}); name one as "
                    f"openai:{self.base_url}#MODEL"
                )
            self.model = served[0]
        elif served and self.model not in served:
            raise BackendError(
                f"{self.base_url} does not serve '{self.model}' (it serves {', '.join(served)})"
            )
        self.costs, costs_rule = self._costs()
        return {
            "base_url": self.base_url,
            "model": self.model,
            "api": self.api,
            "concurrency": self.concurrency,
            "timeout_s": self.timeout_s,
            "retries": self.retries,
            "backoff_s": self.backoff_s,
            "api_key_env": self.api_key_env or ("OPENAI_API_KEY" if "OPENAI_API_KEY" in os.environ else None),
            "served_models": served,
            "flops": costs_rule,
            "client": f"openai {openai.__version__}",
            "timing": "measured at the client: TTFT = request sent to first content chunk; "
            "ITL = gaps between content chunks; latency = request sent to last chunk",
        }

    async def _list_models(self) -> list[str]:
        try:
            page = await self.client.models.list()
        except self._openai.APIStatusError as err:
            raise BackendError(f"{self.base_url}: GET /models answered {err.status_code}") from None
        except (self._openai.APIConnectionError, *self._transport) as err:
            raise BackendError(f"{self.base_url}: unreachable ({_one_line(err)})") from None
        return [model.id for model in page.data]

    def _costs(self):
        if self.hf_config is not None:
            from .hf import ModelCosts

            costs = ModelCosts.from_config_path(self.hf_config)  # BackendError in one line
            bytes_rule = f"at the config's dtype {costs.config_dtype}" if costs.element_bytes else "unknown"
            return (
                costs,
                f"from the model config at {self.hf_config}; parameter and KV-cache bytes {bytes_rule}",
            )
        if self.parameters is not None:
            return (
                None,
                f"2 x {self.parameters} parameters per processed token (given; attention not counted)",
            )
        return None, "null: the server's model size is unknown; give hf_config = PATH or parameters = N"

    # -- answering -------------------------------------------------------------------------------
    def _run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def generate(self, prompts: list[str], max_new_tokens: int) -> list[Generation]:
        gate = asyncio.Semaphore(self.concurrency)

        async def limited(prompt: str) -> Generation:
            async with gate:
                return await self._answer(prompt, max_new_tokens)

        async def answer_all() -> list[Generation]:
            tasks = [asyncio.ensure_future(limited(prompt)) for prompt in prompts]
            try:
                return await asyncio.gather(*tasks)
            finally:  # the harness's deadline may interrupt us: leave no request behind
                for task in tasks:
                    task.cancel()

        return self._run(answer_all())

    async def _answer(self, prompt: str, max_new_tokens: int) -> Generation:
        """One item: its request, retried on faults that may pass; an error Generation at the end."""
        delay = self.backoff_s
        attempt = 0
        while True:
            attempt += 1
            try:
                generation = await asyncio.wait_for(self._stream(prompt, max_new_tokens), self.timeout_s)
                generation.detail["attempts"] = attempt
                return generation
            except Exception as err:  # classified below; anything unknown is a bug and re-raised
                error = self._classify(err)
            error["attempts"] = attempt
            if not error["retry"] or attempt > self.retries:
                return Generation.failed(error, {"attempts": attempt})
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_CAP_S)

    def _classify(self, err: Exception) -> dict:
        openai = self._openai
        if isinstance(err, asyncio.TimeoutError | openai.APITimeoutError):
            return {
                "kind": "timeout",
                "message": f"no complete answer within {self.timeout_s:g} s",
                "retry": True,
            }
        if isinstance(err, openai.APIStatusError):
            status = err.status_code
            body = err.body if isinstance(err.body, dict) else {}
            detail = body.get("error", body) if isinstance(body.get("error", body), dict) else {}
            code = detail.get("code")
            message = _one_line(detail.get("message") or err.message)
            if status == 400 and (code == "context_length_exceeded" or "context length" in message.lower()):
                return {"kind": "context_overflow", "message": message, "http_status": status, "retry": False}
            return {"kind": "http_status", "message": f"HTTP {status}: {message}", "http_status": status,
                    "retry": status in RETRYABLE_STATUS}  # fmt: skip
        if isinstance(err, (openai.APIConnectionError, *self._transport)):
            cause = err.__cause__ or err
            return {
                "kind": "connection",
                "message": _one_line(f"{type(cause).__name__}: {cause}"),
                "retry": True,
            }
        raise err

    async def _stream(self, prompt: str, max_new_tokens: int) -> Generation:
        """One streamed request, timed from the moment it is sent."""
        common = {"model": self.model, "max_tokens": max_new_tokens, "temperature": 0, "stream": True,
                  "stream_options": {"include_usage": True}}  # fmt: skip
        start = time.perf_counter()
        if self.api == "chat":
            stream = await self.client.chat.completions.create(
                messages=[{"role": "user", "content": prompt}], **common
            )
        else:
            stream = await self.client.completions.create(prompt=prompt, **common)
        pieces: list[str] = []
        arrivals: list[float] = []
        usage = finish = None
        async for chunk in stream:
            if chunk.usage is not None:
                usage = chunk.usage
            for choice in chunk.choices or []:
                text = choice.delta.content if self.api == "chat" else choice.text
                if text:
                    pieces.append(text)
                    arrivals.append(time.perf_counter() - start)
                finish = choice.finish_reason or finish
        latency = time.perf_counter() - start
        return self._generation(prompt, "".join(pieces), arrivals, latency, usage, finish)

    def _generation(self, prompt, text, arrivals, latency, usage, finish) -> Generation:
        if usage is not None:
            tokens_in, tokens_out, source = usage.prompt_tokens, usage.completion_tokens, "server usage"
        else:  # one content chunk per token is what OpenAI-compatible servers stream
            tokens_in, tokens_out, source = None, len(arrivals), "client: content chunks"
        itl = [round(b - a, 6) for a, b in zip(arrivals, arrivals[1:], strict=False)]
        flops = kv_bytes = param_bytes = None
        if tokens_in is not None and tokens_out:
            if self.costs is not None:
                flops = self.costs.decode_flops(tokens_in, tokens_out)
                element = self.costs.element_bytes
                if element is not None:
                    kv_bytes = self.costs.kv_bytes(tokens_in + tokens_out - 1, element)
                    param_bytes = self.costs.parameters * element
            elif self.parameters is not None:
                flops = 2 * self.parameters * (tokens_in + tokens_out - 1)
        return Generation(
            text=text, tokens=None, tokens_in=tokens_in, tokens_out=tokens_out,
            ttft_s=arrivals[0] if arrivals else None, latency_s=latency, flops=flops,
            kv_cache_bytes=kv_bytes, param_bytes=param_bytes, stopped=finish,
            detail={"tokens_source": source, "itl_s": itl,
                    "itl_mean_s": sum(itl) / len(itl) if itl else None,
                    "itl_max_s": max(itl) if itl else None,
                    "content_chunks": len(arrivals)},
        )  # fmt: skip

    def close(self) -> None:
        if getattr(self, "loop", None) is None or self.loop.is_closed():
            return
        try:
            self._run(self.client.close())
        finally:
            self.loop.close()
