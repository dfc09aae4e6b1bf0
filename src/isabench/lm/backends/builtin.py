"""lm-builtin as a backend: a checkpoint (the shipped default unless given) on isabench's own
runtime. Options: checkpoint, dtype (fp32 on CPU; bf16/fp16/fp32 on CUDA), threads (a number,
or "auto": the fastest count, measured)."""

from __future__ import annotations

from ..generate import Generation
from ..tokenizer import encode_prompt
from .base import Backend, BackendError


class BuiltinBackend(Backend):
    family = "lm-builtin"
    devices = ("cpu", "cuda")
    default_batch_size = 16
    source_key = "checkpoint"

    def __init__(self, device: str, options: dict):
        from ..paths import DEFAULT_CHECKPOINT

        super().__init__(device, options)
        self.checkpoint = str(options.pop("checkpoint", DEFAULT_CHECKPOINT))
        self.dtype = options.pop("dtype", "fp32" if device == "cpu" else "bf16")
        self.threads = options.pop("threads", "auto")

    def load(self) -> dict:
        from ..checkpoint import CheckpointError
        from ..data import DataConfig
        from ..generate import DeviceError, Runtime, choose_threads

        try:
            self.runtime = Runtime.from_checkpoint(self.checkpoint, self.device, self.dtype)
        except (CheckpointError, DeviceError) as err:
            raise BackendError(str(err)) from None
        if self.device == "cpu":
            try:
                chosen = choose_threads(self.runtime.model) if self.threads == "auto" else int(self.threads)
            except ValueError:
                raise BackendError(f"threads must be a number or 'auto', got {self.threads!r}") from None
            self.runtime.set_threads(chosen)
        self.runtime.generate(["warm-up"], max_new_tokens=2)
        data = DataConfig.of_checkpoint(self.checkpoint)
        config = self.runtime.config
        return {
            "checkpoint": self.checkpoint,
            "dtype": self.dtype,
            "threads": self.runtime.threads,
            "threads_rule": "measured fastest" if self.threads == "auto" else "given",
            "parameters": sum(p.numel() for p in self.runtime.model.parameters()),
            "param_bytes": self.runtime.param_bytes,
            "context": config.max_seq_len,
            # per task: larger sizes were never trained on
            "max_trained_size": {task.name: data.max_trained_size(task) for task in data.task_list()},
        }

    def generate(self, prompts: list[str], max_new_tokens: int) -> list[Generation]:
        return self.runtime.generate(prompts, max_new_tokens, batch_size=len(prompts))

    def prompt_tokens(self, prompt: str) -> int:
        return len(encode_prompt(prompt))

    def text_tokens(self, text: str) -> int:
        return len(text.encode())  # a byte-level model: one token per byte

    @property
    def context(self) -> int:
        return self.runtime.config.max_seq_len

    def sync(self) -> None:
        if self.device == "cuda":
            import torch

            torch.cuda.synchronize()
