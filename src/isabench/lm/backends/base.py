"""The interface every language-model backend meets: load once, then answer prompts greedily with
per-prompt costs (tokens, time to first token, latency, FLOPs, footprint) as `Generation`s."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from ..generate import Generation


class BackendError(RuntimeError):
    """A model that cannot be used as asked (not found, cannot load, unreachable, bad option)."""


class Backend(ABC):
    """A model on a device. Subclasses pop the options they know in __init__; the caller reports
    any left over. `target` is what follows the family prefix (a folder, hub id or URL)."""

    family: ClassVar[str] = ""
    devices: ClassVar[tuple[str, ...]] = ("cpu",)
    default_batch_size: ClassVar[int] = 16
    source_key: ClassVar[str] = ""  # the option that names the model (path, base_url)
    measures: ClassVar[frozenset[str]] = frozenset({"ops", "tokens", "ttft", "arch_bytes"})

    def __init__(self, device: str, options: dict):
        self.device = device
        self.options = options

    @classmethod
    def split_target(cls, target: str) -> tuple[str, dict]:
        """'hf:<target>' -> (the short label the system is named by, the options it implies)."""
        return target, {cls.source_key: target}

    @abstractmethod
    def load(self) -> dict:
        """Load the model (or reach the server); return its description for the manifest."""

    @abstractmethod
    def generate(self, prompts: list[str], max_new_tokens: int) -> list[Generation]:
        """Greedy answers to the instructions, one Generation per prompt, in order. A prompt
        that gets no answer (a server fault) is a Generation with `error` set, not an exception."""

    def prompt_tokens(self, prompt: str) -> int | None:
        """Tokens the model is given for this instruction, or None where it cannot be counted here."""
        return None

    def text_tokens(self, text: str) -> int | None:
        """Tokens of plain text (no template around it), or None where they cannot be counted here."""
        return None

    @property
    def context(self) -> int | None:
        """The model's context length in tokens, or None where it is not known here."""
        return None

    def sync(self) -> None:
        """Wait for queued device work (CUDA)."""
        return None  # optional: nothing queued by default

    def close(self) -> None:
        """Release connections or memory."""
        return None  # optional: nothing to release by default
