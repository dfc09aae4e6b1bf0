"""The forward pass for inference of Llama-style decoders: lm-builtin's model.Transformer, and
transformers' LlamaForCausalLM (grouped-query attention included), in fewer and larger
operations, so that decoding spends its time computing rather than dispatching.

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

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .model import Transformer


@dataclass(frozen=True)
class Shape:
    """What the inference path needs to know of an architecture."""

    n_layers: int
    n_heads: int
    n_kv_heads: int  # key/value heads (grouped-query attention: n_heads is a multiple of it)
    head_dim: int
    rope_theta: float
    norm_eps: float
    max_seq_len: int

    @classmethod
    def of_builtin(cls, config) -> Shape:
        """lm-builtin's ModelConfig (every head has its own keys and values)."""
        return cls(config.n_layers, config.n_heads, config.n_heads, config.head_dim,
                   config.rope_theta, config.norm_eps, config.max_seq_len)  # fmt: skip


class InferenceModel:
    """A Llama-style decoder's weights arranged for decoding; call it as Transformer.forward,
    with the rotary tables given (`rope(positions)`) instead of positions. `body` holds
    embed_tokens, layers (each with input_layernorm, self_attn.{q,k,v,o}_proj,
    post_attention_layernorm, mlp.{gate,up,down}_proj) and norm: lm-builtin's Transformer, or
    the `model` inside transformers' LlamaForCausalLM; `head` is the output projection."""

    def __init__(self, body, head: torch.Tensor, shape: Shape):
        self.config = shape
        self.embed = body.embed_tokens.weight
        self.layers = []
        kv_heads, group = shape.n_kv_heads, shape.n_heads // shape.n_kv_heads
        for layer in body.layers:
            attention, mlp = layer.self_attn, layer.mlp
            # rows per key/value head: its `group` query heads, its key head, its value head
            q, k, v = (proj.weight.view(kv_heads, -1, shape.head_dim, proj.weight.shape[-1])
                       for proj in (attention.q_proj, attention.k_proj, attention.v_proj))  # fmt: skip
            qkv = torch.cat([q, k, v], dim=1).flatten(0, 2)
            gate_up = torch.cat([mlp.gate_proj.weight, mlp.up_proj.weight])
            self.layers.append((layer.input_layernorm.weight, qkv.contiguous(), attention.o_proj.weight,
                                layer.post_attention_layernorm.weight, gate_up.contiguous(),
                                mlp.down_proj.weight))  # fmt: skip
        self.norm = body.norm.weight
        self.head = head
        # one-token CPU steps multiply by transposed copies (_transposed): for models large enough
        # that streaming the weights dominates a step; lm-builtin's 7 MB stay on F.linear
        weights = sum(w.numel() for layer in self.layers for w in layer) + head.numel()
        self.vector_layout = weights * head.element_size() > 64e6
        self._layers_t: list[tuple] | None = None
        self._head_t: torch.Tensor | None = None
        device = self.head.device
        self.group = group
        self.half = shape.head_dim // 2
        self.scale = shape.head_dim**-0.5
        exponents = torch.arange(0, shape.head_dim, 2, device=device, dtype=torch.float32) / shape.head_dim
        self.inv_freq = 1.0 / (shape.rope_theta**exponents)

    def _transposed(self) -> list[tuple]:
        """The layers with every matrix stored transposed (made once, on first use): the CPU's
        product of one row with an [in, out] matrix streams the weights faster than F.linear's
        [out, in] (results/benchmarks/smollm2-decode-cpu.json has smollm2 at batch 1)."""
        if self._layers_t is None:
            self._layers_t = [tuple(w.t().contiguous() if w.dim() == 2 else w for w in layer)
                              for layer in self.layers]  # fmt: skip
            self._head_t = self.head.t().contiguous()
        return self._layers_t

    @classmethod
    def of_builtin(cls, model: Transformer) -> InferenceModel:
        return cls(model, model.lm_head.weight, Shape.of_builtin(model.config))

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
        [B, KV heads, S, D])."""
        config = self.config
        batch, steps = tokens.shape
        kv_heads, head_dim, group = config.n_kv_heads, config.head_dim, self.group
        x = F.embedding(tokens, self.embed)
        linear, layers = F.linear, self.layers
        if batch * steps == 1 and self.head.device.type == "cpu" and self.vector_layout:
            linear, layers = _times_transposed, self._transposed()
        for (norm1, qkv_w, o_w, norm2, gate_up_w, down_w), cache in zip(layers, caches, strict=True):
            # per key/value head: its `group` query heads, then its key, then its value
            qkv = linear(self._norm(x, norm1), qkv_w).view(batch, steps, kv_heads, group + 2, head_dim)
            qk = qkv[:, :, :, : group + 1]
            qk = qk * cos + qk.roll(self.half, dims=-1) * sin  # sin's first half negated: rotate-half
            q = qk[:, :, :, :group].reshape(batch, steps, kv_heads * group, head_dim).transpose(1, 2)
            k, v = qk[:, :, :, group].transpose(1, 2), qkv[:, :, :, group + 1].transpose(1, 2)
            k_cache, v_cache, start = cache
            k_cache[:, :, start : start + steps] = k
            v_cache[:, :, start : start + steps] = v
            keys, values = k_cache[:, :, : start + steps], v_cache[:, :, : start + steps]
            if mask is not None and mask.is_floating_point():  # one query per row: plain products
                grouped = q.reshape(batch, kv_heads, group * steps, head_dim)  # a key/value head's queries
                scores = torch.matmul(grouped, keys.transpose(-1, -2)) * self.scale + mask
                out = torch.matmul(scores.softmax(-1), values).view(batch, kv_heads * group, steps, head_dim)
            else:
                out = F.scaled_dot_product_attention(q, keys, values, attn_mask=mask, is_causal=mask is None,
                                                     enable_gqa=group > 1)  # fmt: skip
            x = x + linear(out.transpose(1, 2).reshape(batch, steps, -1), o_w)
            gate, up = linear(self._norm(x, norm2), gate_up_w).chunk(2, dim=-1)
            x = x + linear(F.silu(gate) * up, down_w)
        if last_only:
            x = x[:, -1:]
        head = self._head_t if linear is _times_transposed else self.head
        return linear(self._norm(x, self.norm), head)


def _times_transposed(x: torch.Tensor, weight_t: torch.Tensor) -> torch.Tensor:
    """F.linear(x, weight) for a weight stored transposed ([in, out])."""
    return torch.matmul(x, weight_t)
