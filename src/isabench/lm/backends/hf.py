"""Any causal language model through transformers (`hf:<folder-or-hub-id>`)."""

from __future__ import annotations

from pathlib import Path

from ..generate import Generation
from .base import Backend, BackendError


class HfBackend(Backend):
    family = "hf"
    devices = ("cpu", "cuda")
    default_batch_size = 16
    source_key = "path"

    @classmethod
    def split_target(cls, target: str) -> tuple[str, dict]:
        """A folder or hub id -> its last path part (hf:./models/qwen -> qwen) and path = target."""
        label = Path(target.rstrip("/\\")).name or target
        return label, {"path": target}

    def load(self) -> dict:
        raise BackendError("the hf backend is not built yet")

    def generate(self, prompts: list[str], max_new_tokens: int) -> list[Generation]:
        raise BackendError("the hf backend is not built yet")
