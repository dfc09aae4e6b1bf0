"""The hf: backend: any causal LM through transformers as a system of the harness.

On lm-builtin's own export it must answer and cost exactly what lm-builtin does; on another
architecture (a tiny Qwen2 with grouped-query attention and its own BPE tokenizer) it must run,
apply the chat template or not as told, and count FLOPs as torch's counter does."""

from __future__ import annotations

import collections
import inspect
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from torch.utils.flop_counter import (  # noqa: E402
    FlopCounterMode,
    flop_registry,
    register_flop_formula,
    sdpa_flop_count,
)
from transformers import (  # noqa: E402
    AutoModelForCausalLM,
    GPT2Config,
    GPT2LMHeadModel,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
    Qwen2Config,
    Qwen2ForCausalLM,
)

from isabench.harness.plan import PlanError, build_plan  # noqa: E402
from isabench.harness.records import read_manifest, read_records  # noqa: E402
from isabench.harness.runner import Runner  # noqa: E402
from isabench.lm.backends.base import BackendError  # noqa: E402
from isabench.lm.backends.hf import HfBackend, ModelCosts  # noqa: E402
from isabench.lm.checkpoint import save_model  # noqa: E402
from isabench.lm.generate import Runtime  # noqa: E402
from isabench.lm.hf import export_hf  # noqa: E402
from isabench.lm.model import ModelConfig, Transformer, forward_flops  # noqa: E402
from isabench.lm.tokenizer import EOS  # noqa: E402
from isabench.tasks import TASKS  # noqa: E402

INIT_SCALE = 4.0  # std 0.08 instead of 0.02: varied greedy outputs, top-2 logit gaps >> fp error
TASK_SIZES = {"add": [2, 4], "reverse_string": [4], "sort": [4]}
ITEMS = 3
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# A template of this test's own: one user turn, then the assistant's turn begins.
QWEN_TEMPLATE = (
    "{%- for message in messages -%}"
    "<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}<|im_start|>assistant\n{%- endif -%}"
)


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/lm/conftest.py


def battery_instructions(per_task: int = 1) -> list[str]:
    return [item.instruction for task in TASKS.values()
            for item in task.items(task.sizes[1], per_task, seed=5)]  # fmt: skip


def run_plan(tmp_path: Path, **plan) -> tuple[Path, list[dict]]:
    run_dir = tmp_path / "run"
    Runner.start(build_plan(overrides=plan), run_dir, progress=False).run()
    return run_dir, read_records(run_dir)


# -- models -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def builtin(tmp_path_factory) -> tuple[Path, Path]:
    """A small random lm-builtin model whose greedy answers vary and sometimes end in <eos>:
    (its checkpoint, its transformers export)."""
    torch.manual_seed(0)
    model = Transformer(ModelConfig(dim=64, n_layers=2, n_heads=4, ffn_dim=176, max_seq_len=256))
    prompts = [item.instruction for name, sizes in TASK_SIZES.items()
               for item in TASKS[name].items(sizes[0], ITEMS, seed=0)]  # fmt: skip
    with torch.no_grad():
        for param in model.parameters():
            if param.dim() > 1:
                param.mul_(INIT_SCALE)
        # <eos> as a slightly stronger copy of the most frequent greedy token: some answers stop.
        counts = collections.Counter(
            t for g in Runtime(model).generate(prompts, 16, batch_size=len(prompts)) for t in g.tokens
        )
        model.lm_head.weight[EOS] = model.lm_head.weight[counts.most_common(1)[0][0]] * 1.02
    root = tmp_path_factory.mktemp("builtin")
    save_model(model.eval(), root / "checkpoint")
    return root / "checkpoint", export_hf(root / "checkpoint", root / "exported")


def train_tokenizer() -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer trained on battery instructions, with chat special tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=420, special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())  # fmt: skip
    tokenizer.train_from_iterator(battery_instructions(3), trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token="<|im_end|>",
                                   pad_token="<|endoftext|>")  # fmt: skip


def tiny_qwen2(vocab_size: int, **ids) -> Qwen2ForCausalLM:
    torch.manual_seed(1)
    config = Qwen2Config(vocab_size=vocab_size, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                         tie_word_embeddings=False, **ids)  # fmt: skip
    model = Qwen2ForCausalLM(config).eval()
    with torch.no_grad():  # larger weights: greedy choices far from ties (batched = alone)
        for param in model.parameters():
            if param.dim() > 1:
                param.mul_(INIT_SCALE)
    return model


def tiny_gpt2() -> GPT2LMHeadModel:
    torch.manual_seed(2)
    config = GPT2Config(vocab_size=300, n_embd=64, n_layer=2, n_head=4, n_positions=256,
                        bos_token_id=0, eos_token_id=0)  # fmt: skip
    return GPT2LMHeadModel(config).eval()


@pytest.fixture(scope="module")
def qwen(tmp_path_factory) -> dict[str, Path]:
    """The tiny Qwen2 saved twice: with the chat template ('chat') and without ('plain')."""
    tokenizer = train_tokenizer()
    ids = {"eos_token_id": tokenizer.eos_token_id, "pad_token_id": tokenizer.pad_token_id,
           "bos_token_id": None}  # fmt: skip
    model = tiny_qwen2(len(tokenizer), **ids)
    root = tmp_path_factory.mktemp("qwen")
    folders = {"chat": root / "qwen-chat", "plain": root / "qwen-plain"}
    model.save_pretrained(folders["plain"])
    tokenizer.save_pretrained(folders["plain"])
    tokenizer.chat_template = QWEN_TEMPLATE
    model.save_pretrained(folders["chat"])
    tokenizer.save_pretrained(folders["chat"])
    return folders


# -- 1. the same model, two runtimes --------------------------------------------------------------


def test_hf_backend_on_the_builtin_export_matches_lm_builtin(builtin, tmp_path) -> None:
    checkpoint, exported = builtin
    spec = f"hf:{exported}"
    run_dir, records = run_plan(
        tmp_path, systems=["lm-builtin", spec], tasks=list(TASK_SIZES), sizes=TASK_SIZES, items=ITEMS,
        options={"lm-builtin": {"checkpoint": str(checkpoint), "threads": 1}, spec: {"threads": 1}},
    )  # fmt: skip
    assert {r["system"] for r in records} == {"lm-builtin", "hf:exported"}
    pairs: dict[tuple, dict[str, dict]] = {}
    for r in records:
        assert r["error"] is None, r["error"]
        pairs.setdefault((r["task"], r["size"], r["index"]), {})[r["system"]] = r
    assert len(pairs) == sum(len(s) for s in TASK_SIZES.values()) * ITEMS
    for key, pair in pairs.items():
        ours, theirs = pair["lm-builtin"], pair["hf:exported"]
        for field in ("output", "tokens_in", "tokens_out", "ops", "arch_bytes"):
            assert theirs[field] == ours[field], (key, field, theirs[field], ours[field])
        assert theirs["ops_unit"] == "flop" and theirs["detail"]["stopped"] == ours["detail"]["stopped"]
        assert 0 < theirs["ttft_s"] <= theirs["lane_latency_s"] <= theirs["batch"]["system"]["latency_s"]
    hf_records = [r for r in records if r["system"] == "hf:exported"]
    assert {r["detail"]["stopped"] for r in hf_records} == {"eos", "max_new_tokens"}  # both covered
    manifest = read_manifest(run_dir)
    described = manifest["systems"]["hf:exported@cpu"]
    assert manifest["plan"]["options"]["hf:exported"]["path"] == str(exported)
    assert described["model_class"] == "LlamaForCausalLM" and described["config"]["hidden_size"] == 64
    assert (described["dtype"], described["device"], described["chat"]) == ("fp32", "cpu", True)
    assert described["threads"] == 1 and described["threads_rule"] == "given"
    assert described["eos_token_ids"] == [EOS] and described["context"] == 256
    assert described["parameters"] == manifest["systems"]["lm-builtin@cpu"]["parameters"]
    assert described["param_bytes"] == manifest["systems"]["lm-builtin@cpu"]["param_bytes"]


def test_model_costs_equal_lm_builtins_formula(builtin) -> None:
    _, exported = builtin
    config = ModelConfig(dim=64, n_layers=2, n_heads=4, ffn_dim=176, max_seq_len=256)
    costs = ModelCosts.from_config_path(exported)
    assert ModelCosts.from_config_path(exported / "config.json") == costs
    for shape in [(17, 17, 1), (1, 40, 1), (9, 30, 9)]:
        assert costs.forward_flops(*shape) == forward_flops(config, *shape)
    assert costs.kv_bytes(10, 4) == 2 * config.n_layers * 10 * config.dim * 4


# -- 2. another architecture, its own tokenizer and template --------------------------------------


def chat_count(tokenizer, instruction: str) -> int:
    text = tokenizer.apply_chat_template([{"role": "user", "content": instruction}],
                                         add_generation_prompt=True, tokenize=False)  # fmt: skip
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def test_a_qwen2_with_its_own_tokenizer_runs_with_the_chat_template(qwen, tmp_path) -> None:
    from transformers import AutoTokenizer

    spec = f"hf:{qwen['chat']}"
    run_dir, records = run_plan(
        tmp_path, systems=[spec], tasks=["add", "uppercase"], sizes={"add": [2], "uppercase": [4]},
        items=2, options={spec: {"threads": "auto", "max_new_tokens": 6}},
    )  # fmt: skip
    torch.set_num_threads(1)  # "auto" left the measured count in place; the other tests want one
    tokenizer = AutoTokenizer.from_pretrained(qwen["chat"], local_files_only=True)
    assert len(records) == 4 and {r["system"] for r in records} == {"hf:qwen-chat"}
    for r in records:
        assert r["error"] is None and r["ops"] > 0 and 1 <= r["tokens_out"] <= 6
        instruction = TASKS[r["task"]].item(r["size"], r["seed"], r["index"], r["heldout"]).instruction
        assert r["tokens_in"] == chat_count(tokenizer, instruction)
        assert r["tokens_in"] > len(tokenizer(instruction)["input_ids"])  # the template's tokens too
        assert r["arch_detail"]["kv_cache_bytes"] == 2 * 2 * 2 * 16 * 4 * (
            r["tokens_in"] + r["tokens_out"] - 1
        )
    described = read_manifest(run_dir)["systems"]["hf:qwen-chat@cpu"]
    assert described["model_class"] == "Qwen2ForCausalLM" and described["chat"] is True
    assert described["chat_rule"].startswith("auto")
    assert described["threads_rule"] == "measured fastest" and described["threads"] >= 1
    assert described["config"]["num_key_value_heads"] == 2 and described["context"] == 512
    assert described["tokenizer_class"] and described["vocab_size"] == len(tokenizer)


def load(folder: Path, **options) -> HfBackend:
    backend = HfBackend("cpu", {"path": str(folder), "threads": 1, **options})
    backend.load()
    return backend


@pytest.mark.parametrize(("folder", "chat", "templated"), [
    ("chat", False, False), ("chat", "auto", True), ("chat", True, True), ("plain", "auto", False),
])  # fmt: skip
def test_chat_option_picks_template_or_plain_text(qwen, folder, chat, templated) -> None:
    backend = load(qwen[folder], chat=chat)
    tokenizer = load(qwen["chat"]).tokenizer  # the one with the template, to count the chat form
    instructions = battery_instructions()[:3]
    expected = [
        chat_count(tokenizer, i) if templated else len(tokenizer(i)["input_ids"]) for i in instructions
    ]
    assert [backend.prompt_tokens(i) for i in instructions] == expected
    answers = backend.generate(instructions, max_new_tokens=3)
    assert [g.tokens_in for g in answers] == expected
    assert backend.chat is templated


def test_chat_true_without_a_template_is_an_error(qwen) -> None:
    with pytest.raises(BackendError, match="no chat template"):
        load(qwen["plain"], chat=True)


def test_batched_generation_equals_one_prompt_at_a_time(qwen) -> None:
    backend = load(qwen["chat"])
    instructions = battery_instructions()[:6]  # different lengths: real left padding
    together = backend.generate(instructions, max_new_tokens=8)
    alone = [backend.generate([i], max_new_tokens=8)[0] for i in instructions]
    for one, many in zip(alone, together, strict=True):
        assert (many.tokens, many.tokens_in, many.flops, many.text) == (one.tokens, one.tokens_in, one.flops,
                                                                        one.text)  # fmt: skip
        assert 0 < many.ttft_s <= many.latency_s <= many.batch["latency_s"]
    assert together[0].batch["batch_size"] == 6 and together[0].batch["decode_steps"] == 8
    assert together[0].batch["flops"] >= sum(g.flops for g in together)


def test_the_models_own_generation_settings_are_set_aside(qwen, tmp_path) -> None:
    """Greedy means argmax alone: a repetition penalty in generation_config.json changes nothing."""
    folder = tmp_path / "penalised"
    shutil.copytree(qwen["chat"], folder)
    settings = json.loads((folder / "generation_config.json").read_text())
    settings.update(repetition_penalty=5.0, no_repeat_ngram_size=1, temperature=0.7)
    (folder / "generation_config.json").write_text(json.dumps(settings))
    penalised, plain = HfBackend("cpu", {"path": str(folder), "threads": 1}), load(qwen["chat"])
    described = penalised.load()
    assert {"repetition_penalty", "no_repeat_ngram_size"} <= set(described["generation_config_set_aside"])
    instructions = battery_instructions()[:3]
    expected = [g.tokens for g in plain.generate(instructions, max_new_tokens=12)]
    assert [g.tokens for g in penalised.generate(instructions, max_new_tokens=12)] == expected
    assert any(len(set(tokens)) < len(tokens) for tokens in expected)  # a penalty would have mattered


# -- 3. isabench's runtime on transformers' Llama weights, against its generate ---------------


@pytest.fixture(scope="module")
def llama(tmp_path_factory) -> Path:
    """A tiny Llama with grouped-query attention (4 query heads, 2 key/value heads), rope base
    100000 and tied embeddings, as SmolLM2 has, with the trained tokenizer and a chat template."""
    tokenizer = train_tokenizer()
    torch.manual_seed(3)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                         tie_word_embeddings=True, rope_theta=100000.0, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, bos_token_id=None)  # fmt: skip
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():
        for param in model.parameters():
            if param.dim() > 1:
                param.mul_(INIT_SCALE)
    folder = tmp_path_factory.mktemp("llama") / "llama-gqa"
    tokenizer.chat_template = QWEN_TEMPLATE
    tokenizer.save_pretrained(folder)
    model.save_pretrained(folder)
    # the end-of-turn token as a slightly stronger copy of the most frequent greedy token: some answers stop
    plain = HfBackend("cpu", {"path": str(folder), "threads": 1, "engine": "transformers"})
    plain.load()
    counts = collections.Counter(t for g in plain.generate(battery_instructions(2), 12) for t in g.tokens)
    with torch.no_grad():
        head = model.get_output_embeddings().weight
        head[tokenizer.eos_token_id] = head[counts.most_common(1)[0][0]] * 1.02
    model.save_pretrained(folder)
    return folder


def test_isabenchs_runtime_gives_transformers_tokens_on_a_grouped_query_llama(llama) -> None:
    backends = {}
    for engine in ("auto", "transformers"):
        backends[engine] = HfBackend("cpu", {"path": str(llama), "threads": 1, "engine": engine})
        info = backends[engine].load()
        assert info["engine"] == ("isabench" if engine == "auto" else "transformers")
    instructions = battery_instructions(2)
    ours = backends["auto"].generate(instructions, max_new_tokens=12)
    theirs = backends["transformers"].generate(instructions, max_new_tokens=12)
    for a, b in zip(ours, theirs, strict=True):
        assert (a.tokens, a.text, a.flops, a.tokens_in, a.stopped, a.kv_cache_bytes) == (
            b.tokens, b.text, b.flops, b.tokens_in, b.stopped, b.kv_cache_bytes)  # fmt: skip
    assert {g.stopped for g in ours} == {"eos", "max_new_tokens"}  # both endings covered
    alone = [backends["auto"].generate([p], max_new_tokens=12)[0].tokens for p in instructions[:6]]
    assert alone == [g.tokens for g in ours[:6]]  # batched = alone


def test_the_engine_falls_back_to_transformers_where_the_runtime_cannot_go(qwen) -> None:
    backend = HfBackend("cpu", {"path": str(qwen["chat"]), "threads": 1})
    info = backend.load()
    assert info["engine"] == "transformers"
    assert "Qwen2ForCausalLM is not a LlamaForCausalLM" in info["engine_rule"]
    assert "engine = 'isabench' cannot run" in one_line_backend_error(
        {"path": str(qwen["chat"]), "threads": 1, "engine": "isabench"})  # fmt: skip


# -- 4. FLOPs against torch's counter ---------------------------------------------------------------


def _count_cpu_sdpa() -> None:
    """torch's counter has no formula for the CPU flash-attention kernel that SDPA picks here;
    give it torch's own SDPA formula (the one it uses for the CUDA kernels). That formula takes
    the query's heads, so grouped-query attention counts as our formula does."""
    op = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu
    if op not in flop_registry:

        @register_flop_formula(op)
        def _cpu_sdpa(query_shape, key_shape, value_shape, *args, out_shape=None, **kwargs):
            return sdpa_flop_count(query_shape, key_shape, value_shape)


@pytest.mark.parametrize("arch", ["qwen2", "gpt2"])
@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_flops_equal_torch_flop_counter(arch, attn) -> None:
    _count_cpu_sdpa()
    model = tiny_qwen2(300) if arch == "qwen2" else tiny_gpt2()
    model = AutoModelForCausalLM.from_config(model.config, attn_implementation=attn).eval()
    from_config = ModelCosts.from_config(model.config)
    assert ModelCosts.from_model(model) == from_config
    assert from_config.parameters == sum(p.numel() for p in model.parameters())
    assert from_config.uncounted_matrix_parameters == 0
    for tokens in (1, 13, 40):
        ids = torch.randint(0, 300, (1, tokens))
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            model(ids, logits_to_keep=1)
        assert from_config.forward_flops(tokens, tokens, 1) == counter.get_total_flops()
    # a decode step: one new token against a cache of 13 (transformers 5.x calls it `cache`)
    name = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
    with torch.no_grad():
        cache = model(torch.randint(0, 300, (1, 13)), use_cache=True)[name]
        with FlopCounterMode(display=False) as counter:
            model(torch.randint(0, 300, (1, 1)), **{name: cache}, logits_to_keep=1)
    assert from_config.forward_flops(1, 14, 1) == counter.get_total_flops()


def test_gpt2_costs_count_conv1d_and_the_tied_head() -> None:
    model = tiny_gpt2()
    costs = ModelCosts.from_model(model)
    assert model.config.tie_word_embeddings and model.lm_head.weight is model.transformer.wte.weight
    per_layer = 64 * 192 + 64 * 64 + 64 * 256 + 256 * 64  # c_attn, c_proj, c_fc, mlp c_proj
    assert costs.linear_weights == 2 * per_layer and (costs.head_in, costs.head_out) == (64, 300)
    assert costs.kv_per_token == 2 * 2 * 4 * 16 and costs.attention_width == 2 * 64


def test_model_costs_from_a_config_folder(tmp_path) -> None:
    tiny_qwen2(300).config.save_pretrained(tmp_path / "cfg")
    costs = ModelCosts.from_config_path(tmp_path / "cfg")
    assert costs.model_class == "Qwen2ForCausalLM" and costs.kv_per_token == 2 * 2 * 2 * 16
    with pytest.raises(BackendError, match="no such"):
        ModelCosts.from_config_path(tmp_path / "nowhere")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "config.json").write_text("{not json")
    with pytest.raises(BackendError) as caught:
        ModelCosts.from_config_path(tmp_path / "bad")
    assert "\n" not in str(caught.value)


# -- 5. errors -------------------------------------------------------------------------------------


def one_line_backend_error(options: dict, device: str = "cpu") -> str:
    start = time.perf_counter()
    with pytest.raises(BackendError) as caught:
        HfBackend(device, dict(options)).load()
    assert time.perf_counter() - start < 10
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message
    return message


def test_a_missing_folder_is_one_line(tmp_path) -> None:
    message = one_line_backend_error({"path": str(tmp_path / "nowhere")})
    assert str(tmp_path / "nowhere") in message and "no such folder" in message


def test_a_hub_id_offline_is_one_line(monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    message = one_line_backend_error({"path": "isabench-test/no-such-model"})
    assert message.startswith("isabench-test/no-such-model: cannot load")


def test_a_folder_that_is_no_model_is_one_line(tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    message = one_line_backend_error({"path": str(tmp_path / "empty")})
    assert "cannot load" in message


def test_cuda_without_a_gpu_is_an_error(qwen) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert "no CUDA GPU" in one_line_backend_error({"path": str(qwen["chat"])}, device="cuda")


def test_unloadable_systems_fail_the_plan_in_one_line(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for spec, name in [(f"hf:{tmp_path / 'nowhere'}", "hf:nowhere"),
                       ("hf:isabench-test/no-such-model", "hf:no-such-model")]:  # fmt: skip
        plan = build_plan(overrides={"systems": [spec], "tasks": ["add"], "sizes": {"add": [2]}, "items": 1})
        start = time.perf_counter()
        with pytest.raises(PlanError) as caught:
            Runner.start(plan, tmp_path / name.replace(":", "-"), progress=False).run()
        assert time.perf_counter() - start < 10
        message = str(caught.value)
        assert message.startswith(f"{name}: ") and "\n" not in message, message


@pytest.mark.parametrize("options", [
    {"dtype": "fp8"}, {"chat": "maybe"}, {"chat": 2}, {"threads": "many"}, {"threads": 0}, {"threads": 1.5},
    {"trust_remote_code": "yes"}, {"revision": 3}, {"path": ""}, {"attn_implementation": 1},
    {"engine": "fast"},
])  # fmt: skip
def test_bad_option_values_are_backend_errors(options) -> None:
    with pytest.raises(BackendError) as caught:
        HfBackend("cpu", {"path": "somewhere", **options})
    assert "\n" not in str(caught.value)


def test_unknown_options_are_left_to_the_harness(qwen, tmp_path) -> None:
    spec = f"hf:{qwen['chat']}"
    plan = build_plan(overrides={"systems": [spec], "tasks": ["add"], "sizes": {"add": [2]}, "items": 1,
                                 "options": {spec: {"temperature": 0.5}}})  # fmt: skip
    with pytest.raises(PlanError, match="unknown option.*temperature"):
        Runner.start(plan, tmp_path / "run", progress=False).run()


def test_manifest_is_json(qwen) -> None:
    backend = HfBackend("cpu", {"path": str(qwen["chat"]), "threads": 1})
    described = backend.load()
    assert json.loads(json.dumps(described)) == described
    assert described["transformers"] and described["param_bytes"] == 4 * described["parameters"]


def test_the_command_line_runs_a_machine_against_an_hf_folder(builtin, tmp_path) -> None:
    """`isabench run --systems rv-fast,hf:DIR`, as a user types it: records for both sides, the
    model's system named by its folder, and a report built from them."""
    _, exported = builtin
    run, report = tmp_path / "run", tmp_path / "report"
    command = [sys.executable, "-m", "isabench", "run", "--systems", f"rv-fast,hf:{exported}",
               "--tasks", "add,reverse_string", "--sizes", "2", "--items", "3", "--out", str(run),
               "--no-progress"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    records = read_records(run)
    assert {r["system"] for r in records} == {"rv-fast", "hf:exported"} and len(records) == 12
    model = [r for r in records if r["system"] == "hf:exported"]
    assert all(r["ops_unit"] == "flop" and r["ops"] > 0 and r["tokens_in"] > 0 for r in model)
    done = subprocess.run([sys.executable, "-m", "isabench", "report", str(run), "--out", str(report)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "hf:exported" in (report / "REPORT.md").read_text()
