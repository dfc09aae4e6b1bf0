"""A GGUF file decoded by llama.cpp itself (through llama-cpp-python), with its weights as the
file stores them (4-bit for smollm2's): the speed and the answers a user of that file would get
from llama.cpp, measured as their own system (`smollm2-llamacpp`).

The prompt is the model's chat template rendered and tokenized by transformers from the same
file (the vocabulary is the file's, so the ids are llama.cpp's too); decoding is greedy
(temperature 0), one prompt after another. FLOPs follow the hf: backend's convention from the
model's structure (llama.cpp multiplies the same matrices, dequantizing blocks as it goes);
parameter bytes are the tensors' bytes in the file; the KV cache is llama.cpp's default, fp16.
Options: path (the .gguf file; smollm2's by default), threads (a number; default: every core
the process may use), context (tokens; default: the model's).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from ..generate import Generation
from ..gguf_import import GgufError, converted, tensor_bytes
from ..smollm2 import Smollm2Missing, gguf_path
from .base import Backend, BackendError
from .hf import ModelCosts, chat_ids

KV_ELEMENT_BYTES = 2  # llama.cpp's default cache type, f16
INSTALL = "pip install llama-cpp-python (pip builds llama.cpp from source, about ten minutes)"


class LlamaCppBackend(Backend):
    family = "llama.cpp"
    devices = ("cpu",)
    default_batch_size = 1  # prompts are decoded one after another: one per call times each alone
    source_key = "path"

    def __init__(self, device: str, options: dict):
        super().__init__(device, options)
        path = options.pop("path", None)
        if path is None:
            try:
                path = gguf_path()
            except Smollm2Missing as err:
                raise BackendError(str(err)) from None
        self.path = Path(str(path)).expanduser()
        self.threads = options.pop("threads", None)
        if self.threads is not None and (type(self.threads) is not int or self.threads < 1):
            raise BackendError(f"threads must be a positive integer, got {self.threads!r}")
        self.context_option = context = options.pop("context", None)
        if context is not None and (type(context) is not int or context < 16):
            raise BackendError(f"context must be an integer of at least 16 tokens, got {context!r}")

    def load(self) -> dict:
        if self.device != "cpu":
            raise BackendError(f"llama.cpp runs on cpu here, not {self.device}")
        try:
            import llama_cpp
        except ImportError:
            raise BackendError(f"the llama.cpp engine needs llama-cpp-python: {INSTALL}") from None
        try:
            folder = converted(self.path)  # the tokenizer, chat template and config, read by transformers
            param_bytes = tensor_bytes(self.path)
        except GgufError as err:
            raise BackendError(str(err)) from None
        from transformers import AutoConfig, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        config = AutoConfig.from_pretrained(folder, local_files_only=True)
        self.costs = ModelCosts.from_config(config)
        trained = int(config.max_position_embeddings)
        self.n_ctx = min(self.context_option or trained, trained)
        threads = self.threads or len(os.sched_getaffinity(0))
        self.llm = llama_cpp.Llama(model_path=str(self.path), n_ctx=self.n_ctx, n_threads=threads,
                                   n_threads_batch=threads, verbose=False)  # fmt: skip
        self.param_bytes = param_bytes
        ids = config.eos_token_id if isinstance(config.eos_token_id, list) else [config.eos_token_id]
        self.eos_ids = {int(i) for i in ids if i is not None} | {self.llm.token_eos()}
        self.threads_used = threads
        self.generate(["Add the two numbers and give the sum.\n1234 5678"], 2)  # warm-up
        return {
            "path": str(self.path), "engine": "llama.cpp", "llama_cpp_python": llama_cpp.__version__,
            "weights": "as the file stores them", "parameters": self.costs.parameters,
            "param_bytes": param_bytes, "context": self.n_ctx, "threads": threads,
            "threads_rule": "given" if self.threads else "every core the process may use",
            "kv_cache": "f16", "chat": True, "eos_token_ids": sorted(self.eos_ids),
            "generation": "greedy (temperature 0), one prompt after another",
            "flops": {"rule": "as hf: (ModelCosts), from the model's structure", **self.costs.to_dict()},
        }  # fmt: skip

    def _encode(self, prompt: str) -> list[int]:
        return chat_ids(self.tokenizer, prompt)

    def prompt_tokens(self, prompt: str) -> int:
        return len(self._encode(prompt))

    def text_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    @property
    def context(self) -> int:
        return self.n_ctx

    def generate(self, prompts: list[str], max_new_tokens: int) -> list[Generation]:
        start = time.perf_counter()
        answers = []
        for prompt in prompts:
            ids = self._encode(prompt)
            budget = max(1, min(max_new_tokens, self.n_ctx - len(ids)))
            tokens, first = [], None
            for token in self.llm.generate(ids, temp=0.0, top_k=1, top_p=1.0, min_p=0.0, repeat_penalty=1.0,
                                           reset=True):  # fmt: skip
                if first is None:
                    first = time.perf_counter() - start
                tokens.append(int(token))
                if token in self.eos_ids or len(tokens) >= budget:
                    break
            answers.append((ids, tokens, first, time.perf_counter() - start))
        latency = time.perf_counter() - start
        batch = {"batch_size": len(prompts), "latency_s": latency, "sequential": True}
        results = []
        for ids, tokens, first, done in answers:
            n_in, n_out = len(ids), len(tokens)
            ended = bool(tokens) and tokens[-1] in self.eos_ids
            results.append(Generation(
                text=self.tokenizer.decode(tokens, skip_special_tokens=True), tokens=tokens, tokens_in=n_in,
                tokens_out=n_out, ttft_s=first, latency_s=done, flops=self.costs.decode_flops(n_in, n_out),
                kv_cache_bytes=self.costs.kv_bytes(n_in + n_out - 1, KV_ELEMENT_BYTES),
                param_bytes=self.param_bytes, stopped="eos" if ended else "max_new_tokens", batch=batch,
            ))  # fmt: skip
        return results

    def close(self) -> None:
        if hasattr(self, "llm"):
            self.llm.close()
            del self.llm
