"""Export an lm-builtin checkpoint as one GGUF file (llama architecture, f32 tensors) that
llama.cpp, and so llama-cpp-python's OpenAI-compatible server, loads and decodes greedily to the
same tokens as lm-builtin's runtime.

What the file holds:
- the model hyperparameters under the `llama.` keys (context length, widths, head counts, RMS
  epsilon, rope base and dimension count);
- the tensors under llama.cpp's names (`token_embd`, `blk.N.attn_q`, ..., `output`). llama.cpp's
  llama architecture rotates adjacent pairs of each head's dimensions (2i, 2i+1), lm-builtin (like
  transformers' Llama) rotates the two halves (i, i + head_dim/2), so the rows of the q and k
  projections are reordered per head: row 2i + j of the export is row j * head_dim/2 + i of the
  checkpoint. Attention scores are unchanged, since q and k are permuted alike;
- the byte-level tokenizer as a "gpt2" (BPE) vocabulary: token b is byte b, spelled with GPT-2's
  byte-to-character map as llama.cpp's BPE tokenizer expects, then `<pad>`, `<user>`,
  `<assistant>`, `<eos>` as control tokens (ids 256-259), no implicit BOS or EOS, and the chat
  template that renders `<user>{content}<assistant>`.

The vocabulary has no merges (every byte is its own token), but llama.cpp refuses a "gpt2"
vocabulary without a merges array and the gguf writer drops empty arrays, so the file carries one
merge that can never apply: two control-token strings, which never reach the BPE stage (special
tokens are split off first, and BPE starts from single characters).
"""

from __future__ import annotations

from pathlib import Path

from .checkpoint import load_model
from .hf import CHAT_TEMPLATE, _bytes_to_unicode
from .tokenizer import EOS, PAD, SPECIAL_TOKENS, USER, VOCAB_SIZE

UNREACHABLE_MERGE = "<pad> <pad>"

# lm-builtin parameter name (per layer: after "layers.N.") -> llama.cpp tensor name
LAYER_TENSORS = {
    "input_layernorm.weight": "attn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.o_proj.weight": "attn_output.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}
GLOBAL_TENSORS = {
    "embed_tokens.weight": "token_embd.weight",
    "norm.weight": "output_norm.weight",
    "lm_head.weight": "output.weight",
}


class GGUFExportError(RuntimeError):
    """The gguf package is missing, or the checkpoint cannot be written as GGUF."""


def halves_to_pairs(weight, n_heads: int):
    """Reorder the output rows of a q or k projection [n_heads * head_dim, dim] from the
    rotate-half layout to llama.cpp's adjacent-pair layout, head by head."""
    rows, cols = weight.shape
    head_dim = rows // n_heads
    return (weight.reshape(n_heads, 2, head_dim // 2, cols)
            .swapaxes(1, 2)
            .reshape(rows, cols))  # fmt: skip


def gguf_tensor_name(name: str) -> str:
    """llama.cpp's name for one of lm-builtin's parameters."""
    if name in GLOBAL_TENSORS:
        return GLOBAL_TENSORS[name]
    prefix, _, rest = name.partition(".")
    index, _, suffix = rest.partition(".")
    if prefix == "layers" and index.isdigit() and suffix in LAYER_TENSORS:
        return f"blk.{index}.{LAYER_TENSORS[suffix]}"
    raise GGUFExportError(f"no GGUF name for the parameter '{name}'")


def export_gguf(checkpoint_dir: str | Path, out_path: str | Path) -> Path:
    """Write the checkpoint at checkpoint_dir as the GGUF file out_path (its folder is created)."""
    try:
        import gguf
    except ImportError:
        raise GGUFExportError("exporting GGUF needs the gguf package (pip install gguf)") from None
    model = load_model(checkpoint_dir)  # CheckpointError for a missing or invalid checkpoint
    config = model.config
    if config.vocab_size != VOCAB_SIZE:
        raise GGUFExportError(f"vocab_size {config.vocab_size} != the byte tokenizer's {VOCAB_SIZE}")
    if config.dim % config.n_heads or config.head_dim % 2:
        raise GGUFExportError(f"dim {config.dim} and {config.n_heads} heads give no even head size")

    out = Path(out_path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise GGUFExportError(f"{out.parent}: cannot create: {err.strerror or err}") from None
    arch = gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.LLAMA]
    writer = gguf.GGUFWriter(str(out), arch)
    try:
        writer.add_name(f"isabench lm-builtin ({Path(checkpoint_dir).name})")
        writer.add_file_type(gguf.LlamaFileType.ALL_F32)
        writer.add_context_length(config.max_seq_len)
        writer.add_embedding_length(config.dim)
        writer.add_block_count(config.n_layers)
        writer.add_feed_forward_length(config.ffn_dim)
        writer.add_head_count(config.n_heads)
        writer.add_head_count_kv(config.n_heads)
        writer.add_key_length(config.head_dim)
        writer.add_value_length(config.head_dim)
        writer.add_rope_dimension_count(config.head_dim)
        writer.add_rope_freq_base(float(config.rope_theta))
        writer.add_layer_norm_rms_eps(float(config.norm_eps))
        writer.add_vocab_size(config.vocab_size)

        byte_chars = _bytes_to_unicode()
        specials = sorted(SPECIAL_TOKENS, key=SPECIAL_TOKENS.get)
        writer.add_tokenizer_model("gpt2")
        writer.add_tokenizer_pre("default")
        writer.add_token_list([byte_chars[b] for b in range(256)] + specials)
        writer.add_token_types([gguf.TokenType.NORMAL] * 256 + [gguf.TokenType.CONTROL] * len(specials))
        writer.add_token_merges([UNREACHABLE_MERGE])
        writer.add_bos_token_id(USER)
        writer.add_eos_token_id(EOS)
        writer.add_pad_token_id(PAD)
        writer.add_add_bos_token(False)
        writer.add_add_eos_token(False)
        writer.add_chat_template(CHAT_TEMPLATE)

        for name, tensor in model.state_dict().items():
            array = tensor.detach().to("cpu").float().contiguous().numpy()
            if name.endswith(("self_attn.q_proj.weight", "self_attn.k_proj.weight")):
                array = halves_to_pairs(array, config.n_heads)
            writer.add_tensor(gguf_tensor_name(name), array.copy())  # copy: contiguous, owned

        try:
            writer.write_header_to_file()
            writer.write_kv_data_to_file()
            writer.write_tensors_to_file()
        except OSError as err:
            raise GGUFExportError(f"{out}: cannot write: {err.strerror or err}") from None
    finally:
        writer.close()
    return out
