"""Decode speed of smollm2 on CPU: generated tokens per second of the smollm2 system (isabench's
runtime on the published SmolLM2-135M-Instruct, fp32) and of transformers' `generate` on the very
same weights, at batch 1 and 16, timed in turns; and llama.cpp (llama-cpp-python, where installed)
on the package's Q4_1 GGUF file itself, at batch 1: the speed a user of this model would
otherwise get.

Every side gets the same battery instructions as strings and returns text (chat template,
tokenizing and detokenizing inside the timed call), decodes greedily and generates exactly
NEW_TOKENS tokens per prompt (nothing ends a row early: the end-of-turn token is decoded like
any other by isabench and transformers, and suppressed for llama.cpp), so all do the same
forward passes. isabench's runtime and transformers must give identical tokens.

Run with `pytest benchmarks/test_smollm2_decode.py --benchmark-json=PATH`; `extra_info` carries
each side's median seconds, rate and the speedup.
"""

from __future__ import annotations

import copy

import pytest
import torch

pytest.importorskip("transformers")
pytest.importorskip("gguf")

from isabench.lm.backends.smollm2 import Smollm2Backend  # noqa: E402
from isabench.lm.smollm2 import Smollm2Missing, gguf_path  # noqa: E402
from isabench.tasks import TASKS  # noqa: E402

from .timing import in_turns  # noqa: E402

NEW_TOKENS = 32
BATCH_SIZES = [1, 16]
ROUNDS = 5  # pairs of timed calls per batch size; medians are reported
NO_TOKEN = 2**31 - 1  # an end-of-sequence id beyond every vocabulary


@pytest.fixture(scope="module")
def backend():
    try:
        gguf_path()
    except Smollm2Missing as err:
        pytest.skip(str(err))
    loaded = Smollm2Backend("cpu", {"engine": "isabench", "threads": "auto"})
    loaded.load()
    return loaded


@pytest.fixture(scope="module")
def prompts() -> list[str]:
    """16 battery instructions, one per task, at each task's second default size."""
    items = [task.item(task.sizes[1], seed=0, index=0) for task in TASKS.values()]
    return [item.instruction for item in items][: max(BATCH_SIZES)]


def ours(backend, batch: list[str]) -> list[list[int]]:
    runtime = backend.runtime
    return [g.tokens for g in runtime.generate(batch, NEW_TOKENS, batch_size=len(batch))]


def theirs(backend, config, batch: list[str]) -> list[list[int]]:
    tokenizer = backend.tokenizer
    texts = [tokenizer.apply_chat_template([{"role": "user", "content": p}], add_generation_prompt=True,
                                           tokenize=False) for p in batch]  # fmt: skip
    tokenizer.padding_side = "left"
    encoded = tokenizer(texts, padding=True, add_special_tokens=False, return_tensors="pt")
    with torch.inference_mode():
        out = backend.model.generate(**encoded, generation_config=config)
    new = out[:, encoded["input_ids"].shape[1] :]
    tokenizer.batch_decode(new, skip_special_tokens=True)
    return new.tolist()


def exactly_new_tokens(tokens: list[list[int]]) -> bool:
    return all(len(row) == NEW_TOKENS for row in tokens)


@pytest.mark.parametrize("batch_size", BATCH_SIZES)
def test_smollm2_against_transformers(benchmark, backend, prompts, batch_size) -> None:
    """The two in turns, ROUNDS times, so that a shared CPU's slow spells fall on both."""
    config = copy.deepcopy(backend.model.generation_config)
    # an end id no token has, on both sides: every row runs to NEW_TOKENS and the end-of-turn token,
    # when it is the argmax, is decoded like any other (min_new_tokens would mask it instead)
    config.update(do_sample=False, max_new_tokens=NEW_TOKENS, eos_token_id=NO_TOKEN,
                  pad_token_id=backend.pad_id)  # fmt: skip
    eos = backend.runtime.eos_ids
    backend.runtime.eos_ids = frozenset()
    try:
        batch = prompts[:batch_size]
        calls = {"smollm2": lambda: ours(backend, batch),
                 "transformers": lambda: theirs(backend, config, batch)}  # fmt: skip
        answers = {name: call() for name, call in calls.items()}  # warm-up, and the tokens compared
        assert answers["smollm2"] == answers["transformers"]
        medians = in_turns(benchmark, calls, ROUNDS, exactly_new_tokens)
    finally:
        backend.runtime.eos_ids = eos
    benchmark.extra_info.update(
        system="smollm2 vs transformers", batch_size=batch_size, new_tokens=NEW_TOKENS, median_s=medians,
        speedup=medians["transformers"] / medians["smollm2"],
        tokens_per_s={name: batch_size * NEW_TOKENS / value for name, value in medians.items()},
        threads=torch.get_num_threads(), identical_tokens=True,
    )  # fmt: skip


def test_llama_cpp_on_the_q4_1_file(benchmark, backend, prompts) -> None:
    """llama.cpp at batch 1 on the published file (4-bit weights: other numbers than the fp32
    dequantized weights, so its tokens are not compared)."""
    llama_cpp = pytest.importorskip("llama_cpp")
    threads = torch.get_num_threads()
    model = llama_cpp.Llama(model_path=str(gguf_path()), n_ctx=1024, n_threads=threads,
                            n_threads_batch=threads, verbose=False)  # fmt: skip
    eos = model.token_eos()
    text = backend.tokenizer.apply_chat_template([{"role": "user", "content": prompts[0]}],
                                                 add_generation_prompt=True, tokenize=False)  # fmt: skip

    def decode() -> int:
        model.reset()
        out = model.create_completion(text, max_tokens=NEW_TOKENS, temperature=0.0, top_k=1,
                                      logit_bias={eos: -1e9})  # fmt: skip
        return out["usage"]["completion_tokens"]

    decode()  # warm-up
    made = benchmark.pedantic(decode, rounds=ROUNDS, iterations=1)
    assert made == NEW_TOKENS
    stats = benchmark.stats
    benchmark.extra_info.update(
        system="llama.cpp (Q4_1)", batch_size=1, new_tokens=NEW_TOKENS, threads=threads,
        tokens_per_s=NEW_TOKENS / stats.stats.median if stats else None,
        llama_cpp_python=getattr(llama_cpp, "__version__", None),
    )  # fmt: skip
