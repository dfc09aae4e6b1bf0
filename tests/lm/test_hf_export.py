"""The Hugging Face export: transformers loads it offline and computes what lm-builtin computes
(same prompt ids, same logits, same greedy tokens alone and batched, same decoded text)."""

from __future__ import annotations

import collections
import json
import random

import pytest
import torch

pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

from isabench.lm.checkpoint import CheckpointError, save_model  # noqa: E402
from isabench.lm.generate import Runtime  # noqa: E402
from isabench.lm.hf import export_hf  # noqa: E402
from isabench.lm.model import ModelConfig, Transformer  # noqa: E402
from isabench.lm.tokenizer import EOS, PAD, decode_ids, encode_prompt  # noqa: E402
from isabench.tasks import TASKS  # noqa: E402

NEW_TOKENS = 16
INIT_SCALE = 4.0  # std 0.08 instead of 0.02: varied greedy outputs, top-2 logit gaps >> fp error


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/lm/conftest.py


@pytest.fixture(scope="module")
def prompts() -> list[str]:
    """Ten battery instructions from different tasks, of different lengths."""
    names = list(TASKS)[::2][:10]
    return [TASKS[name].items(TASKS[name].sizes[1], 1, seed=7)[0].instruction for name in names]


@pytest.fixture(scope="module")
def model(prompts) -> Transformer:
    """A small random model whose greedy answers vary and sometimes, not always, end in <eos>."""
    torch.manual_seed(0)
    model = Transformer(ModelConfig(dim=64, n_layers=2, n_heads=4, ffn_dim=176, max_seq_len=256))
    with torch.no_grad():
        for param in model.parameters():
            if param.dim() > 1:
                param.mul_(INIT_SCALE)
        # Make <eos> a slightly stronger copy of the most frequent greedy token, so some
        # answers stop early and the comparison covers stopping and padding after it.
        counts = collections.Counter(
            t for g in Runtime(model).generate(prompts, NEW_TOKENS, batch_size=1) for t in g.tokens
        )
        frequent = counts.most_common(1)[0][0]
        model.lm_head.weight[EOS] = model.lm_head.weight[frequent] * 1.02
    return model.eval()


@pytest.fixture(scope="module")
def export_dir(model, tmp_path_factory):
    """The model saved as a checkpoint, then exported."""
    root = tmp_path_factory.mktemp("hf")
    save_model(model, root / "checkpoint")
    return export_hf(root / "checkpoint", root / "hf")


@pytest.fixture(scope="module")
def exported(export_dir):
    """(transformers model, tokenizer) loaded from the exported folder."""
    hf_model = AutoModelForCausalLM.from_pretrained(export_dir, local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(export_dir, local_files_only=True)
    return hf_model, tokenizer


@pytest.fixture(scope="module")
def ours(model, prompts):
    """lm-builtin's greedy answers, one prompt at a time."""
    return Runtime(model).generate(prompts, NEW_TOKENS, batch_size=1)


def chat_ids(tokenizer, text: str) -> list[int]:
    return tokenizer.apply_chat_template([{"role": "user", "content": text}],
                                         add_generation_prompt=True, tokenize=True,
                                         return_dict=False)  # fmt: skip


def hf_generate(hf_model, tokenizer, prompts: list[str]) -> list[list[int]]:
    """transformers' greedy answers to a left-padded batch, each cut after its first <eos>."""
    texts = [tokenizer.apply_chat_template([{"role": "user", "content": p}],
                                           add_generation_prompt=True, tokenize=False)
             for p in prompts]  # fmt: skip
    batch = tokenizer(texts, padding=True, padding_side="left", add_special_tokens=False,
                      return_tensors="pt")  # fmt: skip
    with torch.no_grad():
        out = hf_model.generate(**batch, max_new_tokens=NEW_TOKENS, do_sample=False,
                                eos_token_id=EOS, pad_token_id=PAD)  # fmt: skip
    answers = []
    for row in out[:, batch["input_ids"].shape[1] :].tolist():
        answers.append(row[: row.index(EOS) + 1] if EOS in row else row)
    return answers


def test_export_files(export_dir, exported) -> None:
    hf_model, tokenizer = exported
    folder = export_dir
    config = json.loads((folder / "config.json").read_text())
    assert config["model_type"] == "llama" and config["tie_word_embeddings"] is False
    assert (folder / "README.md").read_text().startswith("# isabench")
    assert hf_model.config.rope_parameters["rope_theta"] == 10000.0
    assert hf_model.generation_config.eos_token_id == EOS
    assert (tokenizer.pad_token_id, tokenizer.eos_token_id) == (PAD, EOS)


def test_chat_template_matches_encode_prompt(exported, prompts) -> None:
    _, tokenizer = exported
    for text in [*prompts, "", "héllo wörld\n日本語 🙂\t\r\n  x ", "a\x00b"]:
        assert chat_ids(tokenizer, text) == encode_prompt(text)
    # transformers 5.x returns a BatchEncoding unless told return_dict=False
    chat = tokenizer.apply_chat_template([{"role": "user", "content": prompts[0]}],
                                         add_generation_prompt=True, tokenize=True)  # fmt: skip
    assert chat["input_ids"] == encode_prompt(prompts[0])
    # a whole exchange renders as lm-builtin's training sequence
    exchange = [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]
    assert tokenizer.apply_chat_template(exchange, tokenize=True, return_dict=False) == [
        *encode_prompt("Q"), ord("A"), EOS,
    ]  # fmt: skip


def test_tokenizer_round_trip(exported) -> None:
    _, tokenizer = exported
    texts = ["", " leading and trailing ", "naïve café\n\n日本語 🙂 ∑", "\t\r\n\x00\x7f", "a  b   c"]
    for text in texts:
        ids = tokenizer.encode(text, add_special_tokens=False)
        assert ids == list(text.encode("utf-8"))
        assert tokenizer.decode(ids) == text


def test_decode_matches_decode_ids(exported, ours) -> None:
    _, tokenizer = exported
    rng = random.Random(1)
    sequences = [g.tokens for g in ours]  # random-model bytes: often invalid UTF-8
    sequences += [[rng.randrange(260) for _ in range(rng.randrange(1, 40))] for _ in range(50)]
    for ids in sequences:
        assert tokenizer.decode(ids, skip_special_tokens=True) == decode_ids(ids)


def test_logits_match(model, exported, prompts) -> None:
    hf_model, _ = exported
    for generation, prompt in zip(Runtime(model).generate(prompts, 8), prompts, strict=True):
        ids = torch.tensor([encode_prompt(prompt) + generation.tokens])
        positions = torch.arange(ids.shape[1])[None]
        with torch.no_grad():
            expected = model(ids, positions, None)
            got = hf_model(ids).logits
        torch.testing.assert_close(got, expected, atol=1e-4, rtol=0)


def test_generation_covers_eos_and_length(ours) -> None:
    """Guards the setup: the comparisons below see answers that stop and answers that don't."""
    assert {g.stopped for g in ours} == {"eos", "max_new_tokens"}
    assert len({tuple(g.tokens) for g in ours}) > len(ours) // 2


def test_greedy_matches_one_at_a_time(exported, prompts, ours) -> None:
    hf_model, tokenizer = exported
    for prompt, generation in zip(prompts, ours, strict=True):
        assert hf_generate(hf_model, tokenizer, [prompt]) == [generation.tokens]


def test_greedy_matches_batched(model, exported, prompts, ours) -> None:
    hf_model, tokenizer = exported
    batched = Runtime(model).generate(prompts, NEW_TOKENS, batch_size=len(prompts))
    assert [g.tokens for g in batched] == [g.tokens for g in ours]
    assert hf_generate(hf_model, tokenizer, prompts) == [g.tokens for g in ours]


def test_missing_checkpoint_raises(tmp_path) -> None:
    with pytest.raises(CheckpointError):
        export_hf(tmp_path / "nowhere", tmp_path / "out")
