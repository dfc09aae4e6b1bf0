"""Any OpenAI-compatible server (`openai:<base-url>[#model]`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from ..generate import Generation
from .base import Backend, BackendError


class OpenAIBackend(Backend):
    family = "openai"
    devices = ("cpu",)
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

    def load(self) -> dict:
        raise BackendError("the openai backend is not built yet")

    def generate(self, prompts: list[str], max_new_tokens: int) -> list[Generation]:
        raise BackendError("the openai backend is not built yet")
