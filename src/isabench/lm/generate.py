"""isabench's runtime: batched greedy decoding with a KV cache, on CPU or CUDA, measured, for
lm-builtin (Runtime) and for other Llama-style models (Runtime subclasses that bring their own
weights, tokenizer and FLOP count, as lm.llama does for transformers' LlamaForCausalLM).

Prompts are left-padded; each lane's positions start at 0 at its first real token and no real
token attends to padding, so a batch decodes exactly what each prompt decodes alone.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .infer import InferenceModel
from .model import Transformer, causal_mask, forward_flops
from .tokenizer import EOS, PAD, decode_ids, encode_prompt

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
OnToken = Callable[[int, int], "bool | None"]  # (prompt index, token id) -> stop this prompt?
PREFILL_ROWS = 8  # prompts prefilled together (rows sorted by length: little padding computed)


class DeviceError(RuntimeError):
    """A device or dtype that cannot be used here (no CUDA, half precision on CPU)."""


@dataclass
class Generation:
    """One prompt's answer and what producing it cost."""

    text: str
    tokens: list[int] | None
    tokens_in: int | None
    tokens_out: int | None  # every generated token, <eos> included
    ttft_s: float | None  # prompt in -> first token out
    latency_s: float | None  # prompt in -> this prompt's last token out
    flops: int | None  # this prompt's own forward passes (as if decoded alone); None: unknown
    kv_cache_bytes: int | None  # keys and values this prompt held at its longest
    param_bytes: int | None
    stopped: str | None  # "eos", "max_new_tokens", "stop" (asked to by the caller) or a server's reason
    batch: dict = field(default_factory=dict)  # the batch's own figures
    error: dict | None = None  # {"kind", "message", ...}: this prompt got no answer (e.g. a server fault)
    detail: dict = field(default_factory=dict)  # a backend's own per-prompt figures

    @classmethod
    def failed(cls, error: dict, detail: dict | None = None) -> Generation:
        """A prompt that got no answer, and why."""
        return cls(text="", tokens=None, tokens_in=None, tokens_out=None, ttft_s=None, latency_s=None,
                   flops=None, kv_cache_bytes=None, param_bytes=None, stopped=None, error=error,
                   detail=dict(detail or {}))  # fmt: skip

    @property
    def tpot_s(self) -> float | None:
        """Time per output token after the first."""
        if not self.tokens_out or self.tokens_out < 2 or self.latency_s is None or self.ttft_s is None:
            return None
        return (self.latency_s - self.ttft_s) / (self.tokens_out - 1)


def resolve_device(device: str, dtype: str) -> tuple[torch.device, torch.dtype]:
    if device not in ("cpu", "cuda"):
        raise DeviceError(f"unknown device '{device}' (use cpu or cuda)")
    if device == "cuda" and not torch.cuda.is_available():
        raise DeviceError("--device cuda was asked for, but torch sees no CUDA GPU here")
    if dtype not in DTYPES:
        raise DeviceError(f"unknown dtype '{dtype}' (use {', '.join(DTYPES)})")
    if device == "cpu" and dtype != "fp32":
        raise DeviceError(f"dtype {dtype} is for CUDA; on CPU lm-builtin runs in fp32")
    return torch.device(device), DTYPES[dtype]


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class Runtime:
    """A model placed on a device, ready to answer prompts. What is specific to a model lives in
    `fast` (its InferenceModel), encode/decode, eos_ids/pad_id and forward_flops."""

    def __init__(self, model: Transformer, device: str = "cpu", dtype: str = "fp32",
                 threads: int | None = None):  # fmt: skip
        self.device, self.dtype = resolve_device(device, dtype)
        if threads is not None:
            torch.set_num_threads(threads)
        self.threads = torch.get_num_threads()
        self.model = model.to(self.device, self.dtype).eval()
        self.fast = InferenceModel.of_builtin(self.model)
        self.config = model.config
        self.param_bytes = sum(p.numel() * p.element_size() for p in self.model.parameters())
        self.eos_ids: frozenset[int] = frozenset({EOS})
        self.pad_id = PAD

    def encode(self, prompt: str) -> list[int]:
        """The ids the model is given for an instruction."""
        return encode_prompt(prompt)

    def decode(self, ids: list[int]) -> str:
        """An answer's text from its ids."""
        return decode_ids(ids)

    def forward_flops(self, query_tokens: int, key_tokens: int, logit_rows: int) -> int:
        """FLOPs of one forward pass (see model.forward_flops)."""
        return forward_flops(self.config, query_tokens, key_tokens, logit_rows)

    @property
    def context(self) -> int:
        """The model's context length in tokens."""
        return self.fast.config.max_seq_len

    def set_threads(self, threads: int) -> None:
        """Use this many torch CPU threads from now on (recorded with every result)."""
        torch.set_num_threads(threads)
        self.threads = threads

    @classmethod
    def from_checkpoint(cls, path: str | Path, device: str = "cpu", dtype: str = "fp32",
                        threads: int | None = None) -> Runtime:  # fmt: skip
        from .checkpoint import load_model

        return cls(load_model(path), device, dtype, threads)

    def kv_bytes(self, tokens: int) -> int:
        element = torch.finfo(self.dtype).bits // 8
        shape = self.fast.config
        return 2 * shape.n_layers * tokens * shape.n_kv_heads * shape.head_dim * element

    @torch.inference_mode()
    def generate(self, prompts: list[str] | list[list[int]], max_new_tokens: int | list[int] = 128,
                 batch_size: int = 64, on_token: OnToken | None = None) -> list[Generation]:  # fmt: skip
        """Greedy answers to each prompt (an instruction, or the ids of a whole prompt), decoded
        `batch_size` prompts at a time. max_new_tokens is one budget or one per prompt.
        on_token(index, token) is called as each token is decoded (index into `prompts`);
        when it returns True that prompt stops there (stopped = "stop")."""
        limits = [max_new_tokens] * len(prompts) if isinstance(max_new_tokens, int) else list(max_new_tokens)
        if len(limits) != len(prompts):
            raise ValueError(f"{len(limits)} token budgets for {len(prompts)} prompts")
        results: list[Generation] = []
        for start in range(0, len(prompts), batch_size):
            rows = slice(start, start + batch_size)
            callback = None
            if on_token is not None:
                callback = lambda row, token, base=start: on_token(base + row, token)  # noqa: E731
            results += self._generate_batch(prompts[rows], limits[rows], callback)
        return results

    def _generate_batch(self, prompts: list, limits: list[int], on_token: OnToken | None) -> list[Generation]:
        shape, device = self.fast.config, self.device
        encoded = [self.encode(p) if isinstance(p, str) else list(p) for p in prompts]
        # Each row's positions start at its own first token, so each row may use what the context
        # leaves after its own prompt (the cache is sized for the batch: longest prompt + budget).
        limits = [max(1, min(limit, shape.max_seq_len - len(ids)))
                  for limit, ids in zip(limits, encoded, strict=True)]  # fmt: skip
        # Rows run longest prompt first, so that the prefill can go in chunks of similar length
        # (less padding computed); results come back in the caller's order.
        order = sorted(range(len(encoded)), key=lambda row: -len(encoded[row]))
        encoded, limits = [encoded[row] for row in order], [limits[row] for row in order]
        lengths = [len(ids) for ids in encoded]
        width = max(lengths)
        max_new_tokens = max(limits)
        batch = len(prompts)
        tokens = torch.full((batch, width), self.pad_id, dtype=torch.long)
        for row, ids in enumerate(encoded):
            tokens[row, width - len(ids) :] = torch.tensor(ids)
        tokens = tokens.to(device)
        # from the lengths, not the ids: a prompt may hold the pad id itself (a chat template's end mark)
        starts = width - torch.tensor(lengths, device=device)
        valid = torch.arange(width, device=device)[None] >= starts[:, None]
        positions = (valid.long().cumsum(1) - 1).clamp(min=0)
        total = width + max_new_tokens
        cache_shape = (shape.n_layers, batch, shape.n_kv_heads, total, shape.head_dim)  # per layer
        # Only the slots left of each prefill chunk are never written; they are masked, but must
        # hold numbers (0 x a masked score, not NaN), so they alone are zeroed.
        keys_cache = torch.empty(cache_shape, dtype=self.dtype, device=device)
        values_cache = torch.empty(cache_shape, dtype=self.dtype, device=device)
        steps_ahead = torch.arange(1, max_new_tokens + 1, device=device)
        cos, sin = self.fast.rope(torch.cat([positions, positions[:, -1:] + steps_ahead], dim=1))

        _sync(device)
        start = time.perf_counter()
        next_tokens = torch.empty(batch, dtype=torch.long, device=device)
        ttft = [0.0] * batch
        batch_flops = 0
        for first in range(0, batch, PREFILL_ROWS):
            last = min(first + PREFILL_ROWS, batch)
            rows = slice(first, last)
            w = lengths[first]  # the chunk's longest prompt: its rows are left-padded to w
            chunk = (rows, slice(width - w, width))
            keys_cache[:, rows, :, : width - w] = 0
            values_cache[:, rows, :, : width - w] = 0
            caches = [[keys_cache[layer, rows, :, width - w :], values_cache[layer, rows, :, width - w :], 0]
                      for layer in range(shape.n_layers)]  # fmt: skip
            mask = causal_mask(valid[chunk])
            logits = self.fast(tokens[chunk], cos[chunk], sin[chunk], mask, caches, last_only=True)
            next_tokens[rows] = logits[:, -1].argmax(-1)
            _sync(device)
            now = time.perf_counter() - start
            ttft[rows] = [now] * (last - first)
            batch_flops += self.forward_flops(w, w, 1) * (last - first)
        layer_caches = [[keys_cache[layer], values_cache[layer], 0] for layer in range(shape.n_layers)]

        generated = [[] for _ in range(batch)]
        finished_at = [None] * batch
        asked_to_stop = [False] * batch
        key_valid = torch.cat(
            [valid, torch.ones(batch, max_new_tokens, dtype=torch.bool, device=device)], dim=1
        )
        if device.type == "cpu":  # additive: InferenceModel's two-product attention
            key_valid = torch.zeros(key_valid.shape, dtype=self.dtype).masked_fill(~key_valid, float("-inf"))
        step = 0
        while True:
            host_tokens = next_tokens.tolist()  # the one host sync per step: who has finished?
            now = time.perf_counter() - start
            for row, token in enumerate(host_tokens):
                if finished_at[row] is None:
                    generated[row].append(token)
                    if on_token is not None and on_token(order[row], token):
                        asked_to_stop[row] = True
                    if token in self.eos_ids or len(generated[row]) == limits[row] or asked_to_stop[row]:
                        finished_at[row] = now
            if all(t is not None for t in finished_at):
                break
            at = width + step  # the new token's cache position
            for cache in layer_caches:
                cache[2] = at
            mask = key_valid[:, None, None, : at + 1]
            here = slice(at, at + 1)
            logits = self.fast(next_tokens[:, None], cos[:, here], sin[:, here], mask, layer_caches)
            next_tokens = logits[:, -1].argmax(-1)
            batch_flops += self.forward_flops(1, at + 1, 1) * batch
            step += 1
        _sync(device)
        batch_latency = time.perf_counter() - start

        batch_record = {"batch_size": batch, "latency_s": batch_latency, "ttft_s": max(ttft),
                        "flops": batch_flops, "decode_steps": step + 1,
                        "prefill_chunks": -(-batch // PREFILL_ROWS),
                        "kv_cache_bytes": self.kv_bytes(width + step + 1) * batch}  # fmt: skip
        results: list[Generation | None] = [None] * batch
        for row in range(batch):
            out = generated[row]
            n_in = lengths[row]
            flops = self.forward_flops(n_in, n_in, 1) + sum(
                self.forward_flops(1, n_in + j, 1) for j in range(1, len(out))
            )
            results[order[row]] = Generation(
                text=self.decode(out), tokens=out, tokens_in=n_in, tokens_out=len(out),
                ttft_s=ttft[row], latency_s=finished_at[row], flops=flops,
                kv_cache_bytes=self.kv_bytes(n_in + len(out) - 1), param_bytes=self.param_bytes,
                stopped=("eos" if out and out[-1] in self.eos_ids
                         else "stop" if asked_to_stop[row] else "max_new_tokens"),
                batch=batch_record,
            )  # fmt: skip
        return results


def measure_threads(decode: Callable[[], object], candidates: list[int] | None = None) -> dict[int, float]:
    """Seconds that `decode` (a short greedy decode) takes at each CPU thread count; the fastest
    is the one to use. Each count gets one untimed warm-up call first."""
    candidates = candidates or list(range(1, (os.cpu_count() or 1) + 1))
    timings = {}
    before = torch.get_num_threads()
    try:
        for threads in candidates:
            torch.set_num_threads(threads)
            decode()  # warm-up
            start = time.perf_counter()
            decode()
            timings[threads] = time.perf_counter() - start
    finally:
        torch.set_num_threads(before)
    return timings


def fastest_threads(decode: Callable[[], object], key: object) -> int:
    """The fastest CPU thread count for `decode`, measured once per process and `key`."""
    if key not in _CHOSEN_THREADS:
        timings = measure_threads(decode)
        _CHOSEN_THREADS[key] = min(timings, key=timings.get)
    return _CHOSEN_THREADS[key]


_CHOSEN_THREADS: dict[object, int] = {}
THREAD_PROBE = "Add the two numbers and give the sum.\n1234 5678"  # a battery-like instruction


def choose_threads(model: Transformer) -> int:
    """The fastest CPU thread count for this model size, measured once per process."""
    runtime = Runtime(model, "cpu", "fp32")

    def decode() -> None:
        runtime.generate([THREAD_PROBE] * 8, max_new_tokens=16, batch_size=8)
        runtime.generate([THREAD_PROBE], max_new_tokens=16)

    return fastest_threads(decode, ("lm-builtin", tuple(sorted(model.config.to_dict().items()))))
