"""lm-builtin's model: a small Llama-style decoder (RMSNorm, rotary positions, SwiGLU, causal
attention through scaled_dot_product_attention) whose weights map one-to-one onto
transformers' LlamaForCausalLM.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .tokenizer import VOCAB_SIZE


@dataclass
class ModelConfig:
    """The architecture; readable on one screen, saved as JSON beside the weights."""

    vocab_size: int = VOCAB_SIZE
    dim: int = 192  # the defaults are the shipped model's (configs/lm-builtin.toml)
    n_layers: int = 4
    n_heads: int = 6
    ffn_dim: int = 512
    max_seq_len: int = 256
    rope_theta: float = 10000.0
    norm_eps: float = 1e-5

    @property
    def head_dim(self) -> int:
        return self.dim // self.n_heads

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ModelConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # In float32, then back, as transformers' LlamaRMSNorm does.
        if x.dtype == torch.float32:
            return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))
        x32 = x.float()
        x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x32.to(x.dtype)


def rope_tables(config: ModelConfig, positions: torch.Tensor, dtype: torch.dtype):
    """cos and sin for rotary embeddings at the given positions: [B, T, head_dim]."""
    half = torch.arange(0, config.head_dim, 2, device=positions.device, dtype=torch.float32)
    inv_freq = 1.0 / (config.rope_theta ** (half / config.head_dim))
    angles = positions.float()[..., None] * inv_freq  # [B, T, head_dim/2]
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos().to(dtype), angles.sin().to(dtype)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate the two halves of each head (the rotate-half convention of Llama)."""
    first, second = x.chunk(2, dim=-1)
    rotated = torch.cat([-second, first], dim=-1)
    return x * cos[:, None] + rotated * sin[:, None]


class Attention(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        dim = config.dim
        self.q_proj = nn.Linear(dim, dim, bias=False)
        self.k_proj = nn.Linear(dim, dim, bias=False)
        self.v_proj = nn.Linear(dim, dim, bias=False)
        self.o_proj = nn.Linear(dim, dim, bias=False)

    def forward(self, x, cos, sin, mask, cache=None):
        """x: [B, T, dim]; mask: bool [B, 1, T, T_keys] (True = attend); cache: (k, v, length)."""
        batch, steps, _ = x.shape
        heads, head_dim = self.config.n_heads, self.config.head_dim
        q = self.q_proj(x).view(batch, steps, heads, head_dim).transpose(1, 2)
        k = self.k_proj(x).view(batch, steps, heads, head_dim).transpose(1, 2)
        v = self.v_proj(x).view(batch, steps, heads, head_dim).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if cache is not None:
            k_cache, v_cache, start = cache
            k_cache[:, :, start : start + steps] = k
            v_cache[:, :, start : start + steps] = v
            k, v = k_cache[:, :, : start + steps], v_cache[:, :, : start + steps]
        # mask None: plain causal attention (training, where padding only ever follows text)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=mask is None)
        return self.o_proj(out.transpose(1, 2).reshape(batch, steps, -1))


class MLP(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.gate_proj = nn.Linear(config.dim, config.ffn_dim, bias=False)
        self.up_proj = nn.Linear(config.dim, config.ffn_dim, bias=False)
        self.down_proj = nn.Linear(config.ffn_dim, config.dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(config.dim, config.norm_eps)
        self.self_attn = Attention(config)
        self.post_attention_layernorm = RMSNorm(config.dim, config.norm_eps)
        self.mlp = MLP(config)

    def forward(self, x, cos, sin, mask, cache=None):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, cache)
        return x + self.mlp(self.post_attention_layernorm(x))


class Transformer(nn.Module):
    """The whole model. forward() returns logits; caches are passed in by the runtime."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embed_tokens = nn.Embedding(config.vocab_size, config.dim)
        self.layers = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.norm = RMSNorm(config.dim, config.norm_eps)
        self.lm_head = nn.Linear(config.dim, config.vocab_size, bias=False)
        self.apply(self._init_weights)
        for name, param in self.named_parameters():  # scaled init of residual projections
            if name.endswith(("o_proj.weight", "down_proj.weight")):
                nn.init.normal_(param, std=0.02 / math.sqrt(2 * config.n_layers))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear | nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)

    def forward(self, tokens, positions, mask, caches=None, last_only: bool = False):
        """tokens, positions: [B, T]; mask: bool [B, 1, T, T_keys]; caches: per layer
        (k, v, start) or None. With last_only, logits only for the last position."""
        x = self.embed_tokens(tokens)
        cos, sin = rope_tables(self.config, positions, x.dtype)
        for i, layer in enumerate(self.layers):
            x = layer(x, cos, sin, mask, None if caches is None else caches[i])
        x = self.norm(x)
        if last_only:
            x = x[:, -1:]
        return self.lm_head(x)

    def parameter_count(self, embeddings: bool = True) -> int:
        total = sum(p.numel() for p in self.parameters())
        return total if embeddings else total - self.embed_tokens.weight.numel()


def causal_mask(valid: torch.Tensor) -> torch.Tensor:
    """bool [B, 1, T, T]: causal, keys limited to valid (non-pad) tokens. Each position may
    always attend to itself, so padded rows never see an all-masked row (which gives NaN)."""
    steps = valid.shape[1]
    causal = torch.ones(steps, steps, dtype=torch.bool, device=valid.device).tril()
    mask = causal[None] & valid[:, None, :]
    mask |= torch.eye(steps, dtype=torch.bool, device=valid.device)[None]
    return mask[:, None]


def matmul_flops_per_token(config: ModelConfig) -> int:
    """Multiply-add FLOPs (2 per MAC) of the linear layers for one token, lm_head excluded."""
    per_layer = 4 * config.dim * config.dim + 3 * config.dim * config.ffn_dim
    return 2 * config.n_layers * per_layer


def forward_flops(config: ModelConfig, query_tokens: int, key_tokens: int, logit_rows: int) -> int:
    """FLOPs of one forward pass over `query_tokens` new tokens attending to `key_tokens` keys
    (the whole score matrix is computed, masked or not), with logits for `logit_rows` rows."""
    linear = matmul_flops_per_token(config) * query_tokens
    attention = 4 * config.n_layers * config.dim * query_tokens * key_tokens  # QK^T and AV
    head = 2 * config.dim * config.vocab_size * logit_rows
    return linear + attention + head
