"""Decode speed on CPU: generated tokens per second of lm-builtin's runtime and of transformers'
`generate` on the same weights (exported with isabench.lm.hf), at batch 1 and 64.

The model is the shipped checkpoint (src/isabench/lm/default), or its architecture with random
weights where no checkpoint is shipped: speed does not depend on what the weights say. Both
systems get the same battery instructions as strings and return text (tokenizing, padding and
detokenizing are inside the timed call for both), decode greedily in fp32 with the same torch
thread count, and generate exactly NEW_TOKENS tokens per prompt: <eos> is switched off for both
(see `no_eos`), so neither stops early and both do the same number of forward passes (one
prefill and NEW_TOKENS - 1 single-token steps).

Run with `pytest benchmarks/test_lm_decode.py --benchmark-json=PATH`; `extra_info` carries the
rate in generated tokens per second (from the median of ROUNDS timed calls).
"""

from __future__ import annotations

import copy

import pytest
import torch

pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

from isabench.lm import generate as lm_generate  # noqa: E402
from isabench.lm.checkpoint import load_model, save_model  # noqa: E402
from isabench.lm.generate import Runtime  # noqa: E402
from isabench.lm.hf import export_hf  # noqa: E402
from isabench.lm.model import ModelConfig, Transformer  # noqa: E402
from isabench.lm.paths import DEFAULT_CHECKPOINT  # noqa: E402
from isabench.lm.tokenizer import PAD  # noqa: E402
from isabench.tasks import TASKS  # noqa: E402

from .timing import in_turns  # noqa: E402

NEW_TOKENS = 32
BATCH_SIZES = [1, 64]
ROUNDS = 9  # timed calls per case; the rate is taken from their median (a shared CPU is noisy)


@pytest.fixture(scope="module")
def prompts() -> list[str]:
    """64 battery instructions, cycling through the tasks and their first three sizes."""
    out, index = [], 0
    while len(out) < max(BATCH_SIZES):
        for task in TASKS.values():
            size = task.sizes[index % min(3, len(task.sizes))]
            out.append(task.item(size, seed=0, index=index).instruction)
        index += 1
    return out[: max(BATCH_SIZES)]


@pytest.fixture(scope="module")
def model() -> Transformer:
    """The shipped model, or its architecture randomly initialized (fixed seed)."""
    if (DEFAULT_CHECKPOINT / "model.safetensors").exists():
        return load_model(DEFAULT_CHECKPOINT).eval()
    torch.manual_seed(0)
    return Transformer(ModelConfig()).eval()


@pytest.fixture(scope="module")
def hf_pair(model, tmp_path_factory):
    """transformers' model and tokenizer, loaded from the export of `model`."""
    root = tmp_path_factory.mktemp("lm_decode")
    save_model(model, root / "checkpoint")
    folder = export_hf(root / "checkpoint", root / "hf")
    hf_model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, padding_side="left")
    return hf_model, tokenizer


@pytest.fixture
def no_eos(monkeypatch):
    """lm-builtin stops a lane when it produces `generate.EOS`; with an id no token can have,
    every lane runs to max_new_tokens. The forward passes are untouched (transformers' side:
    min_new_tokens, see test_transformers_decode)."""
    monkeypatch.setattr(lm_generate, "EOS", -1)


def builtin_decode(runtime: Runtime, prompts: list[str]) -> list[list[int]]:
    generations = runtime.generate(prompts, max_new_tokens=NEW_TOKENS, batch_size=len(prompts))
    return [g.tokens for g in generations]


def hf_decode(hf_model, tokenizer, config, prompts: list[str]) -> list[list[int]]:
    texts = [tokenizer.apply_chat_template([{"role": "user", "content": p}],
                                           add_generation_prompt=True, tokenize=False)
             for p in prompts]  # fmt: skip
    batch = tokenizer(texts, padding=True, add_special_tokens=False, return_tensors="pt")
    out = hf_model.generate(**batch, generation_config=config)
    new = out[:, batch["input_ids"].shape[1] :]
    tokenizer.batch_decode(new, skip_special_tokens=True)  # text out, as Runtime.generate gives
    return new.tolist()


def record(benchmark, system: str, batch_size: int, tokens: list[list[int]]) -> None:
    assert len(tokens) == batch_size
    assert all(len(row) == NEW_TOKENS for row in tokens)
    stats = benchmark.stats  # None under --benchmark-disable
    benchmark.extra_info.update(
        system=system, batch_size=batch_size, new_tokens=NEW_TOKENS,
        tokens_per_s=batch_size * NEW_TOKENS / stats.stats.median if stats else None,
        threads=torch.get_num_threads(),
    )  # fmt: skip


@pytest.mark.parametrize("batch_size", BATCH_SIZES)
def test_lm_builtin_decode(benchmark, model, prompts, no_eos, batch_size) -> None:
    runtime = Runtime(model, "cpu", "fp32")
    batch = prompts[:batch_size]
    builtin_decode(runtime, batch)  # warm-up
    tokens = benchmark.pedantic(builtin_decode, args=(runtime, batch), rounds=ROUNDS, iterations=1)
    record(benchmark, "lm-builtin", batch_size, tokens)


def hf_config(hf_model):
    """transformers falls back to the model's <eos> when the generation config has none, so a
    trained model would stop early; min_new_tokens keeps every row to exactly NEW_TOKENS (it
    masks <eos> until then: a logits processor, not another forward pass)."""
    config = copy.deepcopy(hf_model.generation_config)
    config.update(pad_token_id=PAD, do_sample=False, max_new_tokens=NEW_TOKENS,
                  min_new_tokens=NEW_TOKENS)  # fmt: skip
    return config


@pytest.mark.parametrize("batch_size", BATCH_SIZES)
def test_transformers_decode(benchmark, hf_pair, prompts, batch_size) -> None:
    hf_model, tokenizer = hf_pair
    batch = prompts[:batch_size]
    args = (hf_model, tokenizer, hf_config(hf_model), batch)
    hf_decode(*args)  # warm-up
    tokens = benchmark.pedantic(hf_decode, args=args, rounds=ROUNDS, iterations=1)
    record(benchmark, "transformers", batch_size, tokens)


def exactly_new_tokens(tokens: list[list[int]]) -> bool:
    return all(len(row) == NEW_TOKENS for row in tokens)


@pytest.mark.parametrize("batch_size", BATCH_SIZES)
def test_speedup_interleaved(benchmark, model, hf_pair, prompts, no_eos, batch_size) -> None:
    """Both systems in turns, ROUNDS times, so that a shared CPU's slow spells fall on both:
    extra_info carries each side's median seconds and their ratio (the benchmark's own time
    is one pair of calls)."""
    runtime = Runtime(model, "cpu", "fp32")
    hf_model, tokenizer = hf_pair
    batch = prompts[:batch_size]
    args = (hf_model, tokenizer, hf_config(hf_model), batch)
    builtin_decode(runtime, batch)  # warm-up
    hf_decode(*args)
    calls = {"lm-builtin": lambda: builtin_decode(runtime, batch), "transformers": lambda: hf_decode(*args)}
    medians = in_turns(benchmark, calls, ROUNDS, exactly_new_tokens)
    benchmark.extra_info.update(
        system="lm-builtin vs transformers", batch_size=batch_size, new_tokens=NEW_TOKENS,
        median_s=medians, speedup=medians["transformers"] / medians["lm-builtin"],
        tokens_per_s={name: batch_size * NEW_TOKENS / value for name, value in medians.items()},
        threads=torch.get_num_threads(),
    )  # fmt: skip
