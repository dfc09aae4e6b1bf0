"""lm-builtin's forward pass for inference: the same arithmetic as model.Transformer, in fewer
and larger operations, so that decoding spends its time computing rather than dispatching.

- q, k and v come from one matrix product (their weights stacked), gate and up from another;
- RMSNorm is one fused call in fp32 (and the model's own formula in half precision);
- rotary tables are computed once per batch for every position it will reach;
- q and k are rotated together;
- a batch's caches are one tensor per keys and values (every layer's), allocated once;
- on the CPU a decode step's attention (one query per row) is two products with an additive
  mask, faster there than the fused kernel.

The weights are the model's own tensors (stacked copies for the fused products, made once);
the checkpoint and its Hugging Face export are unchanged. Results equal Transformer.forward's
up to floating-point reassociation inside the stacked products (tests/lm hold the runtime to
the model and to transformers).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .model import Transformer


class InferenceModel:
    """A Transformer's weights arranged for decoding; call it as Transformer.forward, with the
    rotary tables given (`rope(positions)`) instead of positions."""

    def __init__(self, model: Transformer):
        config = model.config
        self.config = config
        self.embed = model.embed_tokens.weight
        self.layers = []
        for layer in model.layers:
            attention, mlp = layer.self_attn, layer.mlp
            qkv = torch.cat([attention.q_proj.weight, attention.k_proj.weight, attention.v_proj.weight])
            gate_up = torch.cat([mlp.gate_proj.weight, mlp.up_proj.weight])
            self.layers.append((layer.input_layernorm.weight, qkv.contiguous(), attention.o_proj.weight,
                                layer.post_attention_layernorm.weight, gate_up.contiguous(),
                                mlp.down_proj.weight))  # fmt: skip
        self.norm = model.norm.weight
        self.head = model.lm_head.weight
        device = self.head.device
        self.half = config.head_dim // 2
        self.scale = config.head_dim**-0.5
        exponents = torch.arange(0, config.head_dim, 2, device=device, dtype=torch.float32) / config.head_dim
        self.inv_freq = 1.0 / (config.rope_theta**exponents)

    def rope(self, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """cos and sin at these positions, [B, T, 1, 1, head_dim] (broadcast over q/k and heads),
        as model.rope_tables computes them, except that sin's first half is negated: then
        rotate-half(x) * sin = x.roll(half) * this sin, one copy instead of a negation and a
        concatenation (the same numbers: a sign flip is exact)."""
        angles = positions.float()[..., None] * self.inv_freq
        angles = torch.cat([angles, angles], dim=-1)
        dtype = self.head.dtype
        sin = angles.sin()
        sin[..., : self.half] = -sin[..., : self.half]  # then x.roll(half) * sin = rotate-half(x) * sin
        return angles.cos().to(dtype)[:, :, None, None], sin.to(dtype)[:, :, None, None]

    def _norm(self, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        eps = self.config.norm_eps
        if x.dtype == torch.float32:
            return F.rms_norm(x, (x.shape[-1],), weight, eps)
        x32 = x.float()  # half precision: the model's own order (normalise in fp32, then scale)
        return weight * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)

    def __call__(self, tokens, cos, sin, mask, caches, last_only: bool = False) -> torch.Tensor:
        """tokens: [B, T]; cos, sin: [B, T, 1, 1, head_dim]; mask: bool [B, 1, T, keys] (True =
        attend), None (causal), or for one new token per row an additive float bias [B, 1, 1,
        keys] (0 or -inf: attention as two products, faster than the CPU's fused kernel for a
        single query); caches: per layer [k, v, start] written in place at start.. (k, v:
        [B, H, S, D])."""
        config = self.config
        batch, steps = tokens.shape
        heads, head_dim = config.n_heads, config.head_dim
        x = F.embedding(tokens, self.embed)
        for (norm1, qkv_w, o_w, norm2, gate_up_w, down_w), cache in zip(self.layers, caches, strict=True):
            qkv = F.linear(self._norm(x, norm1), qkv_w).view(batch, steps, 3, heads, head_dim)
            qk = qkv[:, :, :2]
            qk = qk * cos + qk.roll(self.half, dims=-1) * sin  # sin's first half negated: rotate-half
            q, k, v = qk[:, :, 0].transpose(1, 2), qk[:, :, 1].transpose(1, 2), qkv[:, :, 2].transpose(1, 2)
            k_cache, v_cache, start = cache
            k_cache[:, :, start : start + steps] = k
            v_cache[:, :, start : start + steps] = v
            keys, values = k_cache[:, :, : start + steps], v_cache[:, :, : start + steps]
            if mask is not None and mask.is_floating_point():  # one query per row: plain products
                scores = torch.matmul(q, keys.transpose(-1, -2)) * self.scale + mask
                out = torch.matmul(scores.softmax(-1), values)
            else:
                out = F.scaled_dot_product_attention(q, keys, values, attn_mask=mask, is_causal=mask is None)
            x = x + F.linear(out.transpose(1, 2).reshape(batch, steps, -1), o_w)
            gate, up = F.linear(self._norm(x, norm2), gate_up_w).chunk(2, dim=-1)
            x = x + F.linear(F.silu(gate) * up, down_w)
        if last_only:
            x = x[:, -1:]
        return F.linear(self._norm(x, self.norm), self.head)
