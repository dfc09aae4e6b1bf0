"""Checkpoints: a folder with model.safetensors, config.json and, for training, the training
config, the data seed and the optimizer state needed to resume."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .model import ModelConfig, Transformer

WEIGHTS, CONFIG, TRAINING_STATE, TRAIN_CONFIG = (
    "model.safetensors", "config.json", "training_state.pt", "train_config.toml",
)  # fmt: skip


class CheckpointError(RuntimeError):
    """A checkpoint folder that is missing, incomplete or corrupt."""


def save_model(model: Transformer, folder: str | Path, extra: dict | None = None) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {name: tensor.detach().to("cpu", torch.float32).contiguous()
             for name, tensor in model.state_dict().items()}  # fmt: skip
    save_file(state, folder / WEIGHTS, metadata={"format": "pt"})
    config = {"model": model.config.to_dict(), **(extra or {})}
    (folder / CONFIG).write_text(json.dumps(config, indent=2) + "\n")


def read_config(folder: str | Path) -> dict:
    path = Path(folder) / CONFIG
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"{folder}: not a checkpoint (no {CONFIG})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(f"{path}: corrupt JSON ({err})") from None
    except NotADirectoryError:
        raise CheckpointError(f"{folder}: not a checkpoint folder (a file)") from None
    except OSError as err:
        raise CheckpointError(f"{path}: cannot read: {err.strerror or err}") from None


def load_model(folder: str | Path) -> Transformer:
    """The model saved in `folder`, on CPU in fp32."""
    config = read_config(folder)
    if not isinstance(config, dict) or not isinstance(config.get("model"), dict):
        raise CheckpointError(f"{Path(folder) / CONFIG}: no 'model' section")
    try:
        model = Transformer(ModelConfig.from_dict(config["model"]))
    except (TypeError, ValueError, ZeroDivisionError, RuntimeError) as err:  # wrong types, bad shapes
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CheckpointError(f"{Path(folder) / CONFIG}: not a usable model config ({message})") from None
    try:
        state = load_file(Path(folder) / WEIGHTS)
    except FileNotFoundError:
        raise CheckpointError(f"{folder}: no {WEIGHTS}") from None
    except Exception as err:  # safetensors raises its own error types for corrupt files
        raise CheckpointError(f"{Path(folder) / WEIGHTS}: cannot read weights ({err})") from None
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise CheckpointError(
            f"{folder}: weights do not match config.json (missing {missing[:3]}, "
            f"unexpected {unexpected[:3]})"
        )
    return model
