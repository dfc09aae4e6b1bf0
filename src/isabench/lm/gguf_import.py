"""A GGUF file (llama.cpp's format) as a transformers model folder: converted once, cached.

transformers reads a GGUF file itself (weights dequantized to fp32, tokenizer and chat template
from the same file), but that takes seconds to tens of seconds, and a model loaded that way
cannot be saved as it is. So the first use converts the file into a safetensors folder in the
cache, and later uses load that folder. The folder is named by the file's SHA-256, which is
checked at every use: a changed file is converted again, never served from a stale copy.

The cache lives in $ISABENCH_CACHE, else $XDG_CACHE_HOME/isabench, else ~/.cache/isabench, under
gguf/. Moving it: move the folder and point ISABENCH_CACHE at the new place; deleting it costs
one conversion.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

GGUF_MAGIC = b"GGUF"
MARKER = "isabench-gguf.json"  # written last: a folder without it is an unfinished conversion


class GgufError(RuntimeError):
    """A GGUF file that cannot be used (missing, not a GGUF, an architecture transformers lacks)."""


def cache_root() -> Path:
    """Where isabench keeps what it derives from files it did not ship (converted models)."""
    given = os.environ.get("ISABENCH_CACHE", "").strip()
    if given:
        return Path(given).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "isabench"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _magic(path: Path) -> bytes:
    with open(path, "rb") as stream:
        return stream.read(4)


def is_gguf(path: Path) -> bool:
    """Whether `path` is a readable file that starts with the GGUF magic."""
    try:
        return path.is_file() and _magic(path) == GGUF_MAGIC
    except OSError:
        return False


def check_gguf(path: Path) -> None:
    """Raise GgufError unless `path` is a readable file that starts with the GGUF magic."""
    if not path.is_file():
        raise GgufError(f"{path}: no such GGUF file")
    try:
        magic = _magic(path)
    except OSError as err:
        raise GgufError(f"{path}: cannot read: {err.strerror}") from None
    if magic != GGUF_MAGIC:
        raise GgufError(f"{path}: not a GGUF file (it does not start with the bytes 'GGUF')")


def _reader(path: Path):
    """The gguf package's reader on the file, or GgufError (package missing, file damaged)."""
    try:
        from gguf import GGUFReader
    except ImportError:
        raise GgufError("reading a GGUF file needs the package gguf: pip install 'isabench[gguf]'") from None
    try:
        return GGUFReader(str(path))
    except Exception as err:  # a truncated or damaged file
        raise GgufError(f"{path}: cannot read the GGUF file: {type(err).__name__}: {err}") from None


def architecture_of(path: Path) -> str | None:
    """general.architecture from the file's metadata (None where it has none)."""
    field = _reader(path).fields.get("general.architecture")
    return bytes(field.parts[field.data[0]]).decode("utf-8") if field is not None else None


def tensor_bytes(path: Path) -> int:
    """Bytes of the weights as the file stores them (quantized blocks included)."""
    return sum(int(tensor.n_bytes) for tensor in _reader(path).tensors)


def converted(path: str | Path, progress=None) -> Path:
    """The cached transformers folder for this GGUF file, converted now if there is none yet.
    `progress(line)` is told when a conversion starts and ends (default: stderr)."""
    path = Path(path).expanduser().resolve()
    check_gguf(path)
    digest = sha256_of(path)
    folder = cache_root() / "gguf" / f"{path.stem}-{digest[:16]}"
    marker = folder / MARKER
    if marker.is_file():
        try:
            if json.loads(marker.read_text(encoding="utf-8")).get("sha256") == digest:
                return folder
        except (OSError, ValueError):
            pass  # a damaged marker: convert again
    say = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    size_mb = path.stat().st_size / 1e6
    say(f"isabench: converting {path.name} ({size_mb:.0f} MB) once into {folder} ...")
    start = time.perf_counter()
    partial = folder.with_name(folder.name + f".partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        _convert(path, partial)
        (partial / MARKER).write_text(json.dumps({
            "source": str(path), "sha256": digest, "bytes": path.stat().st_size,
            "converted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }, indent=1) + "\n", encoding="utf-8")  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
    except OSError as err:
        shutil.rmtree(partial, ignore_errors=True)
        raise GgufError(f"{folder}: cannot write the converted model: {err.strerror or err}") from None
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    say(f"isabench: converted {path.name} in {time.perf_counter() - start:.1f} s")
    return folder


def _convert(path: Path, out: Path) -> None:
    """Load the GGUF through transformers (dequantized to fp32) and save it as safetensors."""
    import torch

    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging
    except ImportError:
        raise GgufError("reading a GGUF file needs transformers: pip install 'isabench[gguf]'") from None
    for needed in ("gguf", "accelerate"):
        try:
            __import__(needed)
        except ImportError:
            raise GgufError(f"reading a GGUF file needs the package {needed}: "
                            f"pip install 'isabench[gguf]'") from None  # fmt: skip
    architecture = architecture_of(path)
    folder, name = str(path.parent), path.name
    was_on = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    try:
        try:
            tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
            model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
        except Exception as err:
            lines = [line.strip() for line in str(err).splitlines() if line.strip()]
            why = f"{type(err).__name__}: {lines[0] if lines else ''}"[:300]
            what = f"architecture '{architecture}'" if architecture else "this file"
            raise GgufError(f"{path}: transformers cannot load {what}: {why}") from None
        _save(model, tokenizer, out)
    finally:
        if was_on:
            logging.enable_progress_bar()


def _save(model, tokenizer, out: Path) -> None:
    """Save a model loaded from a GGUF file, and its tokenizer, as a transformers folder."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    # A model loaded from a GGUF refuses save_pretrained; the same weights in a fresh model do not.
    config = model.config
    for key in ("quantization_config", "_model_name_or_path"):
        if hasattr(config, key):
            delattr(config, key)
    config = AutoConfig.for_model(**config.to_dict())
    with torch.device("meta"):
        fresh = AutoModelForCausalLM.from_config(config)
    fresh.load_state_dict(model.state_dict(), strict=False, assign=True)
    fresh.tie_weights()
    fresh.generation_config = model.generation_config
    out.mkdir(parents=True)
    fresh.save_pretrained(out)
    tokenizer.save_pretrained(out)
