"""Export an lm-builtin checkpoint as a Hugging Face folder (LlamaForCausalLM plus a byte-level
tokenizer with a chat template) that `transformers` loads offline and decodes identically.

The model's parameter names already match transformers' Llama, so the export is a rename
("model." prefix) and a config translation. The tokenizer is built with the `tokenizers` library
(imported on use: only exporting needs it) so that byte b has id b and the four special tokens
keep their ids 256-259.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from safetensors.torch import save_file

from .checkpoint import load_model
from .model import ModelConfig
from .tokenizer import EOS, PAD, SPECIAL_TOKENS, USER, VOCAB_SIZE

if TYPE_CHECKING:
    from tokenizers import Tokenizer

# One user turn and, optionally, the assistant's answer: exactly the sequences lm-builtin trains
# on (<user> instruction <assistant> answer <eos>). Written on one line so that no template
# whitespace can reach the output.
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'user' -%}<user>{{ message['content'] }}"
    "{%- elif message['role'] == 'assistant' -%}<assistant>{{ message['content'] }}<eos>"
    "{%- else -%}{{ raise_exception('isabench models know only user and assistant turns, not '"
    " + message['role']) }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}<assistant>{%- endif -%}"
)

README = """\
# isabench lm-builtin, exported for transformers

This folder is an isabench lm-builtin checkpoint converted by `isabench.lm.hf.export_hf` from
`{source}`. It is a small Llama-style model (`LlamaForCausalLM`, {params:,} parameters: dim
{dim}, {layers} layers, {heads} heads, FFN {ffn}, context {ctx}) trained, if at all, only on the
isabench task battery.

The tokenizer is byte-level: ids 0-255 are the UTF-8 bytes themselves; 256 `<pad>`, 257 `<user>`,
258 `<assistant>`, 259 `<eos>`. A prompt is `<user>` + instruction + `<assistant>` (the chat
template produces it); the answer ends with `<eos>`. Text that itself contains one of the four
special-token strings is tokenized differently from lm-builtin (which always sees bytes).

```python
from transformers import AutoModelForCausalLM, AutoTokenizer

tok = AutoTokenizer.from_pretrained(PATH)
model = AutoModelForCausalLM.from_pretrained(PATH)
ids = tok.apply_chat_template([{{"role": "user", "content": instruction}}],
                              add_generation_prompt=True, return_dict=True, return_tensors="pt")
out = model.generate(**ids, max_new_tokens=64, do_sample=False)
print(tok.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True))
```

Greedy decoding here gives the same tokens as lm-builtin's runtime on the same weights.
"""


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte-to-character map, the one the ByteLevel pre-tokenizer and decoder use."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
                 *range(ord("®"), ord("ÿ") + 1)]  # fmt: skip
    mapping, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            mapping[byte] = chr(byte)
        else:
            mapping[byte] = chr(256 + extra)
            extra += 1
    return mapping


def build_tokenizer() -> Tokenizer:
    """A `tokenizers.Tokenizer` whose ids equal isabench.lm.tokenizer's: bytes, then specials."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    vocab = {char: byte for byte, char in _bytes_to_unicode().items()}
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tokenizer.decoder = decoders.ByteLevel()
    for name in sorted(SPECIAL_TOKENS, key=SPECIAL_TOKENS.get):  # added in id order: 256..259
        tokenizer.add_special_tokens([AddedToken(name, special=True, normalized=False)])
    for name, token_id in SPECIAL_TOKENS.items():
        if tokenizer.token_to_id(name) != token_id:
            raise RuntimeError(f"tokenizer gave {name} id {tokenizer.token_to_id(name)}, not {token_id}")
    return tokenizer


def hf_config(config: ModelConfig) -> dict:
    """config.json for transformers' LlamaForCausalLM with lm-builtin's architecture."""
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": config.vocab_size,
        "hidden_size": config.dim,
        "intermediate_size": config.ffn_dim,
        "num_hidden_layers": config.n_layers,
        "num_attention_heads": config.n_heads,
        "num_key_value_heads": config.n_heads,
        "head_dim": config.head_dim,
        "max_position_embeddings": config.max_seq_len,
        "rms_norm_eps": config.norm_eps,
        # transformers 5.x reads rope_parameters; 4.x reads the top-level rope_theta.
        "rope_parameters": {"rope_type": "default", "rope_theta": config.rope_theta},
        "rope_theta": config.rope_theta,
        "hidden_act": "silu",
        "attention_bias": False,
        "attention_dropout": 0.0,
        "mlp_bias": False,
        "tie_word_embeddings": False,
        "bos_token_id": USER,
        "eos_token_id": EOS,
        "pad_token_id": PAD,
        "use_cache": True,
        # transformers 5.x calls it dtype; 4.x torch_dtype.
        "dtype": "float32",
        "torch_dtype": "float32",
    }


def _tokenizer_config() -> dict:
    """tokenizer_config.json: the special tokens, the chat template, no implicit BOS/EOS."""
    added = {str(token_id): {"content": name, "lstrip": False, "rstrip": False, "normalized": False,
                             "single_word": False, "special": True}
             for name, token_id in SPECIAL_TOKENS.items()}  # fmt: skip
    return {
        "tokenizer_class": "TokenizersBackend",  # not LlamaTokenizer, which assumes SentencePiece
        "added_tokens_decoder": added,
        "bos_token": "<user>",
        "eos_token": "<eos>",
        "pad_token": "<pad>",
        "add_bos_token": False,
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": None,
        "padding_side": "left",
        "chat_template": CHAT_TEMPLATE,
    }


def export_hf(checkpoint_dir: str | Path, out_dir: str | Path) -> Path:
    """Write the checkpoint at checkpoint_dir as a transformers model folder at out_dir."""
    model = load_model(checkpoint_dir)  # CheckpointError for a missing or invalid checkpoint
    config = model.config
    if config.vocab_size != VOCAB_SIZE:
        raise ValueError(f"vocab_size {config.vocab_size} != the byte tokenizer's {VOCAB_SIZE}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    state = {("" if name.startswith("lm_head.") else "model.") + name:
             tensor.detach().to("cpu").float().contiguous()
             for name, tensor in model.state_dict().items()}  # fmt: skip
    save_file(state, out / "model.safetensors", metadata={"format": "pt"})
    _write_json(out / "config.json", hf_config(config))
    _write_json(out / "generation_config.json", {
        "bos_token_id": USER, "eos_token_id": EOS, "pad_token_id": PAD, "do_sample": False,
    })  # fmt: skip

    build_tokenizer().save(str(out / "tokenizer.json"))
    _write_json(out / "tokenizer_config.json", _tokenizer_config())
    (out / "README.md").write_text(README.format(
        source=Path(checkpoint_dir), params=model.parameter_count(), dim=config.dim,
        layers=config.n_layers, heads=config.n_heads, ffn=config.ffn_dim, ctx=config.max_seq_len,
    ))  # fmt: skip
    return out


def _write_json(path: Path, data: dict) -> None:
    """data as indented UTF-8 JSON with a final newline."""
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
