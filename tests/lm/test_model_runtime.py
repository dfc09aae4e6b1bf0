"""lm-builtin's tokenizer, model and runtime: round trips, batching, FLOPs, checkpoints, devices."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode, flop_registry, register_flop_formula, sdpa_flop_count

from isabench.lm.checkpoint import CheckpointError, load_model, save_model
from isabench.lm.generate import DeviceError, Runtime, resolve_device
from isabench.lm.model import ModelConfig, Transformer
from isabench.lm.tokenizer import ASSISTANT, EOS, USER, decode_ids, encode_answer, encode_prompt, encode_text
from isabench.tasks import TASKS

SMALL = ModelConfig(dim=64, n_layers=2, n_heads=4, ffn_dim=176, max_seq_len=256)


def random_model(seed: int = 0, scale: float = 4.0) -> Transformer:
    """A random model whose greedy outputs vary (a larger init than training uses)."""
    torch.manual_seed(seed)
    model = Transformer(SMALL)
    with torch.no_grad():
        for param in model.parameters():
            if param.dim() == 2:
                param.mul_(scale)
    return model


def battery_prompts(count_per_task: int = 1) -> list[str]:
    return [item.instruction for task in TASKS.values()
            for item in task.items(task.sizes[2], count_per_task, seed=3)]  # fmt: skip


@given(st.text())
def test_tokenizer_round_trip(text: str) -> None:
    assert decode_ids(encode_text(text)) == text
    assert encode_prompt(text) == [USER, *text.encode(), ASSISTANT]
    assert encode_answer(text)[-1] == EOS and decode_ids(encode_answer(text)) == text


def test_batched_decoding_equals_one_prompt_at_a_time() -> None:
    runtime = Runtime(random_model())
    prompts = battery_prompts()  # 22 prompts of different lengths: real left padding
    alone = [runtime.generate([p], max_new_tokens=24)[0] for p in prompts]
    together = runtime.generate(prompts, max_new_tokens=24, batch_size=len(prompts))
    assert len({len(g.tokens) for g in alone}) > 1 or len({tuple(g.tokens) for g in alone}) > 5
    for one, many in zip(alone, together, strict=True):
        assert many.tokens == one.tokens
        assert (many.tokens_in, many.tokens_out, many.flops) == (one.tokens_in, one.tokens_out, one.flops)


def test_the_runtimes_fused_forward_equals_the_model() -> None:
    """InferenceModel (fused q/k/v and gate/up, one RMSNorm call, rotary tables given) against
    Transformer.forward: a padded prefill, then a step that reads the cache."""
    from isabench.lm.infer import InferenceModel
    from isabench.lm.model import causal_mask

    model = random_model().eval()
    fast = InferenceModel.of_builtin(model)
    tokens = torch.randint(0, 250, (3, 12))
    valid = torch.ones(3, 12, dtype=torch.bool)
    valid[1, :5] = valid[2, :2] = False
    positions = (valid.long().cumsum(1) - 1).clamp(min=0)

    def caches():
        shape = (3, SMALL.n_heads, 13, SMALL.head_dim)
        return [[torch.zeros(shape), torch.zeros(shape), 0] for _ in range(SMALL.n_layers)]

    with torch.no_grad():
        mine, theirs = caches(), caches()
        cos, sin = fast.rope(torch.cat([positions, positions[:, -1:] + 1], dim=1))
        got = fast(tokens, cos[:, :12], sin[:, :12], causal_mask(valid), mine)
        want = model(tokens, positions, causal_mask(valid), theirs)
        assert torch.allclose(got, want, atol=1e-5, rtol=1e-5)
        for cache in mine + theirs:
            cache[2] = 12
        step = torch.randint(0, 250, (3, 1))
        mask = torch.cat([valid, torch.ones(3, 1, dtype=torch.bool)], dim=1)[:, None, None]
        got = fast(step, cos[:, 12:], sin[:, 12:], mask, mine)
        want = model(step, positions[:, -1:] + 1, mask, theirs)
        assert torch.allclose(got, want, atol=1e-5, rtol=1e-5)


def test_per_prompt_budgets_callback_and_a_long_batch_mate() -> None:
    """Budgets are per prompt and bounded by each prompt's own room in the context (not by the
    batch's longest prompt); on_token sees every token and can stop its prompt."""
    runtime = Runtime(random_model())
    long_prompt, short_prompt = "x" * 200, "Say something."
    alone = runtime.generate([short_prompt], max_new_tokens=120)[0]
    assert alone.tokens_out == 120  # this random model does not stop by itself here
    together = runtime.generate([long_prompt, short_prompt], max_new_tokens=[4, 120], batch_size=2)
    assert together[0].tokens_out <= 4 and together[1].tokens == alone.tokens  # 256 - 202 < 120
    seen: list[tuple[int, int]] = []
    stopped = runtime.generate([short_prompt, long_prompt], max_new_tokens=8, batch_size=2,
                               on_token=lambda i, t: seen.append((i, t)) or (i == 0 and len(seen) >= 5))
    assert stopped[0].stopped == "stop" and stopped[0].tokens == alone.tokens[: len(stopped[0].tokens)]
    assert [t for i, t in seen if i == 1] == stopped[1].tokens


def test_generation_reports_costs() -> None:
    runtime = Runtime(random_model())
    g = runtime.generate(["Add the two numbers.\n12 34"], max_new_tokens=10)[0]
    assert g.tokens_in == len(encode_prompt("Add the two numbers.\n12 34"))
    assert 1 <= g.tokens_out <= 10 and g.stopped in ("eos", "max_new_tokens")
    assert 0 < g.ttft_s <= g.latency_s
    assert g.param_bytes == 4 * sum(p.numel() for p in runtime.model.parameters())
    assert g.kv_cache_bytes == 2 * SMALL.n_layers * (g.tokens_in + g.tokens_out - 1) * SMALL.dim * 4
    assert g.batch["batch_size"] == 1 and g.batch["flops"] == g.flops


def _count_cpu_sdpa() -> None:
    """torch's counter has no formula for the CPU flash-attention kernel; give it torch's own
    SDPA formula (the same one it uses for the CUDA kernels)."""
    op = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu
    if op not in flop_registry:

        @register_flop_formula(op)
        def _cpu_sdpa(query_shape, key_shape, value_shape, *args, out_shape=None, **kwargs):
            return sdpa_flop_count(query_shape, key_shape, value_shape)


@pytest.mark.parametrize("new_tokens", [1, 5, 30])
def test_flops_match_torch_flop_counter(new_tokens: int) -> None:
    _count_cpu_sdpa()
    runtime = Runtime(random_model(scale=1.0))
    runtime.model.config.max_seq_len = 256
    for prompt in battery_prompts()[:4]:
        with FlopCounterMode(display=False) as counter:
            g = runtime.generate([prompt], max_new_tokens=new_tokens)[0]
        counted = counter.get_total_flops()
        assert abs(g.flops - counted) <= 0.02 * counted, (g.flops, counted)


def test_checkpoint_round_trip(tmp_path) -> None:
    model = random_model()
    save_model(model, tmp_path / "ckpt")
    loaded = load_model(tmp_path / "ckpt")
    tokens = torch.tensor([encode_prompt("Sort the numbers.\n3 1 2")])
    positions = torch.arange(tokens.shape[1])[None]
    assert torch.equal(model(tokens, positions, None), loaded(tokens, positions, None))


@pytest.mark.parametrize("damage", ["missing", "no_weights", "bad_json", "bad_weights"])
def test_broken_checkpoints_are_checkpoint_errors(tmp_path, damage: str) -> None:
    folder = tmp_path / "ckpt"
    if damage != "missing":
        save_model(random_model(), folder)
    if damage == "no_weights":
        (folder / "model.safetensors").unlink()
    elif damage == "bad_json":
        (folder / "config.json").write_text("{not json")
    elif damage == "bad_weights":
        (folder / "model.safetensors").write_bytes(b"\x00" * 100)
    with pytest.raises(CheckpointError) as caught:
        load_model(folder)
    assert str(folder) in str(caught.value)


@pytest.mark.parametrize(("device", "dtype", "words"), [
    ("cuda", "fp32", "no CUDA GPU"), ("cpu", "bf16", "fp32"), ("tpu", "fp32", "unknown device"),
    ("cpu", "fp8", "unknown dtype"),
])  # fmt: skip
def test_unusable_devices_are_device_errors(device, dtype, words) -> None:
    if device == "cuda" and torch.cuda.is_available():
        pytest.skip("this machine has a GPU; the no-GPU error cannot happen here")
    with pytest.raises(DeviceError) as caught:
        resolve_device(device, dtype)
    assert words in str(caught.value)
