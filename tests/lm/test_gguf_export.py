"""The GGUF export, read back with the gguf package (no llama.cpp needed): metadata, vocabulary,
tensor names and the q/k row order that turns rotate-half rotary embeddings into llama.cpp's
adjacent-pair ones. tests/harness/test_openai_llamacpp.py runs the file in llama.cpp."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

pytest.importorskip("gguf", reason="needs the gguf package (pip install gguf)")

from gguf import GGUFReader  # noqa: E402

from isabench.cli import main  # noqa: E402
from isabench.lm.checkpoint import CheckpointError, load_model  # noqa: E402
from isabench.lm.gguf import GGUFExportError, export_gguf, halves_to_pairs  # noqa: E402
from isabench.lm.hf import CHAT_TEMPLATE  # noqa: E402
from isabench.lm.model import ModelConfig, apply_rope, rope_tables  # noqa: E402
from isabench.lm.paths import DEFAULT_CHECKPOINT  # noqa: E402


@pytest.fixture(scope="module")
def reader(tmp_path_factory) -> GGUFReader:
    path = tmp_path_factory.mktemp("gguf") / "sub" / "lm-builtin.gguf"
    assert main(["lm", "export-gguf", str(DEFAULT_CHECKPOINT), str(path)]) == 0
    return GGUFReader(path)


def test_metadata_and_vocabulary(reader) -> None:
    config = load_model(DEFAULT_CHECKPOINT).config
    value = {key: field.contents() for key, field in reader.fields.items()}
    assert value["general.architecture"] == "llama"
    assert value["llama.block_count"] == config.n_layers
    assert value["llama.embedding_length"] == config.dim
    assert value["llama.attention.head_count"] == value["llama.attention.head_count_kv"] == config.n_heads
    assert value["llama.rope.dimension_count"] == config.head_dim
    assert value["llama.context_length"] == config.max_seq_len
    assert value["llama.rope.freq_base"] == config.rope_theta
    assert value["llama.attention.layer_norm_rms_epsilon"] == pytest.approx(config.norm_eps)
    tokens = value["tokenizer.ggml.tokens"]
    assert len(tokens) == 260 and tokens[256:] == ["<pad>", "<user>", "<assistant>", "<eos>"]
    assert tokens[ord("a")] == "a" and tokens[ord(" ")] == "Ġ" and tokens[ord("\n")] == "Ċ"
    assert value["tokenizer.ggml.token_type"] == [1] * 256 + [3] * 4  # normal bytes, control specials
    assert (value["tokenizer.ggml.bos_token_id"], value["tokenizer.ggml.eos_token_id"],
            value["tokenizer.ggml.padding_token_id"]) == (257, 259, 256)  # fmt: skip
    assert value["tokenizer.ggml.add_bos_token"] is False
    assert value["tokenizer.chat_template"] == CHAT_TEMPLATE


def test_tensors_and_q_k_row_order(reader) -> None:
    model = load_model(DEFAULT_CHECKPOINT)
    state = model.state_dict()
    tensors = {t.name: np.asarray(t.data) for t in reader.tensors}
    assert len(tensors) == len(state)
    assert all(t.tensor_type == 0 for t in reader.tensors)  # F32
    same = {
        "token_embd": "embed_tokens",
        "output": "lm_head",
        "blk.3.ffn_down": "layers.3.mlp.down_proj",
        "blk.0.attn_v": "layers.0.self_attn.v_proj",
        "blk.1.attn_norm": "layers.1.input_layernorm",
    }
    for theirs, ours in same.items():
        np.testing.assert_array_equal(tensors[f"{theirs}.weight"], state[f"{ours}.weight"].numpy())
    for layer in range(model.config.n_layers):
        for proj in ("q", "k"):
            weight = state[f"layers.{layer}.self_attn.{proj}_proj.weight"].numpy()
            reordered = halves_to_pairs(weight, model.config.n_heads)
            np.testing.assert_array_equal(tensors[f"blk.{layer}.attn_{proj}.weight"], reordered)


def test_pair_rotation_of_reordered_rows_is_the_half_rotation() -> None:
    """Rotating adjacent pairs of x' = P x (llama.cpp) gives P applied to the rotate-half result
    (lm-builtin): q.k is unchanged, since both sides are permuted alike."""
    config = ModelConfig(dim=24, n_heads=3)
    torch.manual_seed(0)
    x = torch.randn(1, config.n_heads, 5, config.head_dim)  # [B, heads, T, head_dim]
    cos, sin = rope_tables(config, torch.arange(5)[None], torch.float32)
    halves = apply_rope(x, cos, sin)
    per_head = lambda t: torch.from_numpy(halves_to_pairs(t.numpy().T, 1).T.copy())  # noqa: E731
    moved = torch.stack([per_head(x[0, h]) for h in range(config.n_heads)])[None]
    inv_freq = config.rope_theta ** (-torch.arange(0, config.head_dim, 2) / config.head_dim)
    angle = torch.arange(5)[:, None] * inv_freq  # [T, head_dim/2]: pair i turns at inv_freq[i]
    even, odd = moved[..., 0::2], moved[..., 1::2]
    pairs = torch.stack([even * angle.cos() - odd * angle.sin(), even * angle.sin() + odd * angle.cos()], -1)
    expected = torch.stack([per_head(halves[0, h]) for h in range(config.n_heads)])[None]
    torch.testing.assert_close(pairs.flatten(-2), expected)


def test_bad_checkpoint_and_missing_package(tmp_path, monkeypatch, capsys) -> None:
    with pytest.raises(CheckpointError):
        export_gguf(tmp_path / "nowhere", tmp_path / "out.gguf")
    assert main(["lm", "export-gguf", str(tmp_path / "nowhere"), str(tmp_path / "out.gguf")]) == 2
    monkeypatch.setitem(sys.modules, "gguf", None)
    with pytest.raises(GGUFExportError, match="needs the gguf package"):
        export_gguf(DEFAULT_CHECKPOINT, tmp_path / "out.gguf")
    assert main(["lm", "export-gguf", str(DEFAULT_CHECKPOINT), str(tmp_path / "out.gguf")]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2 and "no config.json" in errors[0] and "pip install gguf" in errors[1]
