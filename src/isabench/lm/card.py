"""The model card of a checkpoint, written from what training and evaluation recorded."""

from __future__ import annotations

import json
from pathlib import Path

from .checkpoint import read_config
from .evaluate import EvalRow, markdown


def write_card(checkpoint: str | Path, evaluation: str | Path, out: str | Path | None = None,
               title: str = "lm-builtin", config_name: str = "configs/lm-builtin.toml") -> Path:  # fmt: skip
    """MODEL_CARD.md from config.json's training summary and an `isabench lm eval --out` file."""
    checkpoint = Path(checkpoint)
    summary = read_config(checkpoint)
    training = summary.get("training", {})
    model = summary["model"]
    result = json.loads(Path(evaluation).read_text())
    rows = [EvalRow(**row) for row in result["rows"]]
    data = training.get("train_config", {}).get("data", {})
    optim = training.get("train_config", {}).get("optim", {})
    hw = training.get("hardware", {})
    n = len(rows)
    mean = {key: sum(getattr(r, key) for r in rows) / n
            for key in ("trained", "heldout_templates", "beyond")}  # fmt: skip
    at_95 = sum(r.trained >= 0.95 for r in rows)
    at_80 = sum(r.trained >= 0.80 for r in rows)
    text = f"""# {title}: model card

isabench's own small decoder-only transformer, instruction-tuned from scratch on the task
battery by `isabench train --config {config_name}` (a copy is `train_config.toml` here).
Every figure below was recorded by that run (`config.json` → `training`) and by
`isabench lm eval` (`eval.json`); `isabench lm eval --checkpoint CHECKPOINT` regenerates the
table.

## Architecture
Llama-style: RMSNorm, rotary positions (θ = {model['rope_theta']:g}), SwiGLU, causal
attention through `scaled_dot_product_attention`, untied embeddings, byte-level tokenizer
with `<user>`, `<assistant>`, `<eos>` and `<pad>` (vocabulary {model['vocab_size']}).
dim {model['dim']}, {model['n_layers']} layers, {model['n_heads']} heads, SwiGLU width
{model['ffn_dim']}, context {model['max_seq_len']} tokens:
**{training.get('parameters', 0):,} parameters** ({training.get('parameters', 0) * 4 / 1e6:.1f} MB in fp32).

## Training
- Data: the battery's training templates only, every task in turn (balanced), sizes drawn
  uniformly from each task's smallest size to its {data.get('trained_size_count')}-th default
  size; held-out templates and larger sizes never seen. Data seed {data.get('seed')}; an
  example is a function of (seed, index), so a run is reproducible and resumable.
- Objective: next-token cross-entropy on the answer tokens and `<eos>` only.
- Optimiser: AdamW (lr {optim.get('lr')}, β₂ {optim.get('beta2')}, weight decay
  {optim.get('weight_decay')}), {optim.get('warmup_steps')} warm-up steps then cosine decay
  to {optim.get('min_lr_ratio')}×, gradient clipping at {optim.get('grad_clip')}, batch
  {optim.get('batch_size')}{', bf16 autocast' if optim.get('amp') == 'bf16' else ''}.
- Ran {training.get('steps_done')} steps, {training.get('tokens_seen', 0):,} tokens, in
  {training.get('train_seconds', 0) / 60:.1f} minutes on {training.get('device')}
  ({hw.get('gpu') or hw.get('cpu')}, {hw.get('cpu_count')} CPUs, torch {hw.get('torch')},
  {hw.get('threads')} threads): **{training.get('tokens_per_second') or 0:,.0f} training
  tokens/s**.

## Exact match per task
{result['items_per_cell']} items per size and cell, evaluation seed distinct from training,
greedy decoding on {result['device']} ({result['dtype']}). "Trained" is at the default-sweep
sizes inside the training range with training templates; "held-out templates" is the same
sizes with the two templates never trained on; "beyond" is the default-sweep sizes past the
training range.

{markdown(rows)}
Mean exact match: {mean['trained']:.1%} at trained sizes, {mean['heldout_templates']:.1%} with
held-out templates, {mean['beyond']:.1%} beyond the training sizes. {at_95} of {n} tasks
reach 95 % at trained sizes and {at_80} reach 80 %.

## Intended use
A credible, measured language-model side for isabench's comparisons, small enough to ship
and to run on a CPU. It knows nothing but the battery.
"""
    path = Path(out) if out else checkpoint / "MODEL_CARD.md"
    path.write_text(text)
    return path
