"""isabench's runtime on transformers' Llama weights: a LlamaForCausalLM (SmolLM2, an exported
lm-builtin, a user's Llama) decoded by lm.generate's batched greedy loop and lm.infer's fused
forward pass instead of transformers' `generate`. Same greedy tokens (tests hold it to
transformers), same FLOP convention as the hf: backend (ModelCosts), less time per token."""

from __future__ import annotations

from collections.abc import Callable

import torch

from .generate import Runtime
from .infer import InferenceModel, Shape


def unsupported(model: torch.nn.Module) -> str | None:
    """Why isabench's runtime cannot decode this transformers model, or None if it can."""
    config = model.config
    if type(model).__name__ != "LlamaForCausalLM":
        return f"{type(model).__name__} is not a LlamaForCausalLM"
    rope = getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None) or {}
    checks = {
        "attention_bias": not getattr(config, "attention_bias", False),
        "mlp_bias": not getattr(config, "mlp_bias", False),
        "hidden_act silu": getattr(config, "hidden_act", "silu") == "silu",
        "pretraining_tp 1": getattr(config, "pretraining_tp", 1) == 1,
        "default rope": rope.get("rope_type", rope.get("type", "default")) == "default",
    }
    missing = [name for name, ok in checks.items() if not ok]
    return f"the config needs {', '.join(missing)}" if missing else None


def llama_shape(config) -> Shape:
    """A LlamaConfig as the inference path's Shape."""
    heads = int(config.num_attention_heads)
    head_dim = int(getattr(config, "head_dim", None) or config.hidden_size // heads)
    rope = getattr(config, "rope_parameters", None) or {}
    theta = rope.get("rope_theta", getattr(config, "rope_theta", 10000.0))
    return Shape(n_layers=int(config.num_hidden_layers), n_heads=heads,
                 n_kv_heads=int(getattr(config, "num_key_value_heads", None) or heads), head_dim=head_dim,
                 rope_theta=float(theta), norm_eps=float(config.rms_norm_eps),
                 max_seq_len=int(config.max_position_embeddings))  # fmt: skip


class LlamaRuntime(Runtime):
    """A loaded LlamaForCausalLM on isabench's runtime. `encode` turns an instruction into the
    model's prompt ids (the chat template's, say), `decode` an answer's ids into text;
    `forward_flops` is the hf: backend's count (ModelCosts.forward_flops)."""

    def __init__(self, model: torch.nn.Module, encode: Callable[[str], list[int]],
                 decode: Callable[[list[int]], str], eos_ids: list[int], pad_id: int,
                 forward_flops: Callable[[int, int, int], int]):  # fmt: skip
        reason = unsupported(model)
        if reason is not None:
            raise ValueError(f"isabench's runtime cannot decode this model: {reason}")
        head = model.get_output_embeddings().weight
        self.device, self.dtype = head.device, head.dtype
        self.threads = torch.get_num_threads()
        self.model = model.eval()
        self.fast = InferenceModel(model.model, head, llama_shape(model.config))
        self.config = self.fast.config
        self.param_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
        self.eos_ids = frozenset(eos_ids)
        self.pad_id = pad_id
        self._encode, self._decode, self._flops = encode, decode, forward_flops

    def encode(self, prompt: str) -> list[int]:
        return self._encode(prompt)

    def decode(self, ids: list[int]) -> str:
        return self._decode(ids)

    def forward_flops(self, query_tokens: int, key_tokens: int, logit_rows: int) -> int:
        return self._flops(query_tokens, key_tokens, logit_rows)
