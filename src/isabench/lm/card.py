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
    params = training.get("parameters", 0)
    heldout_gap = mean["trained"] - mean["heldout_templates"]
    text = f"""# {title}: model card

isabench's own small decoder-only transformer, instruction-tuned from scratch on the task
battery by `isabench train --config {config_name}` (a copy is `train_config.toml` here){_stage_text(training)}.
Every figure below was recorded by that run (`config.json` → `training`, `history.json`)
and by `isabench lm eval` (`eval.json`); `isabench lm eval` regenerates the table.

## Architecture

Llama-style: RMSNorm, rotary positions (θ = {model['rope_theta']:g}), SwiGLU, causal attention
through `scaled_dot_product_attention`, untied embeddings; byte-level tokenizer with `<user>`,
`<assistant>`, `<eos>` and `<pad>` (vocabulary {model['vocab_size']}).

| dim | layers | heads | SwiGLU width | context | parameters | fp32 bytes |
|---:|---:|---:|---:|---:|---:|---:|
| {model['dim']} | {model['n_layers']} | {model['n_heads']} | {model['ffn_dim']} | {model['max_seq_len']} | {params:,} | {params * 4:,} |

## Training

- Data: {_phrasing_text(data)}; {_weight_text(data)}; sizes drawn
  uniformly from each task's smallest size up to its default size number
  {data.get('trained_size_count')} (the "trained sizes" below); held-out templates and larger
  sizes never seen. Data seed {data.get('seed')}; an example is a function of (seed, index),
  so a run is reproducible and resumes exactly. Batches group examples of similar length
  ({data.get('length_groups', 1)} batches at a time).{_warm_text(training)}
- Objective: next-token cross-entropy on the answer tokens and `<eos>` only. No scratchpad:
  the model answers directly, and every token it generates is counted in its cost.
- Optimiser: AdamW, lr {optim.get('lr')}, β₂ {optim.get('beta2')}, weight decay
  {optim.get('weight_decay')}; {optim.get('warmup_steps')} warm-up steps, then cosine decay to
  {optim.get('min_lr_ratio')} × lr; gradient clipping at {optim.get('grad_clip')}; batch
  {optim.get('batch_size')}{'; bf16 autocast' if optim.get('amp') == 'bf16' else ''}.

| steps | tokens | training time | device | hardware | threads | training tokens/s |
|---:|---:|---:|---|---|---:|---:|
| {training.get('steps_done')} | {training.get('tokens_seen', 0):,} | {training.get('train_seconds', 0) / 60:.1f} min | {training.get('device')} | {hw.get('gpu') or hw.get('cpu')}, {hw.get('cpu_count')} CPUs, torch {hw.get('torch')} | {hw.get('threads')} | {training.get('tokens_per_second') or 0:,.0f} |

## Exact match per task

{result['items_per_cell']} items per size and cell, an evaluation seed distinct from
training, greedy decoding on {result['device']} ({result['dtype']}). "Trained templates":
the default-sweep sizes inside the training range, training templates. "Held-out
templates": the same sizes, the two templates never trained on. "Beyond": the default-sweep
sizes past the training range (answers longer than the context are cut, and wrong). "Stays
≥ 95 % (50 %) up to size": length generalisation, the largest default size up to which exact
match with trained templates is at least 95 % (50 %) at every size from the smallest ("–":
not even at the smallest).

{markdown(rows)}
Mean exact match: {mean['trained']:.1%} at trained sizes, {mean['heldout_templates']:.1%} with
held-out templates ({heldout_gap * 100:.1f} points lower), {mean['beyond']:.1%} beyond the
training sizes. {at_95} of {n} tasks reach 95 % at trained sizes and {at_80} reach 80 %.

## Intended use

A measured language-model side for isabench's comparisons, small enough to ship and to run
on a CPU. It knows nothing but the battery, and it is far from perfect on it: the table
above is what {_total_seconds(training) / 60:.0f} minutes of training on {hw.get('cpu_count')} CPUs bought.
"""
    path = Path(out) if out else checkpoint / "MODEL_CARD.md"
    path.write_text(text)
    return path


def _phrasing_text(data: dict) -> str:
    if data.get("phrasings", "templates") == "requests":
        share = data.get("template_share", 0.3)
        return (f"the battery's training templates for {share:.0%} of the examples, the many training "
                "phrasings of `tasks/phrasings.py` (requests in frames) for the rest")
    return "the battery's training templates only"


def _weight_text(data: dict) -> str:
    weights = data.get("task_weights") or []
    if not weights:
        return "every task in turn (balanced)"
    ranked = [f"`{name}` {weight:g}" for name, weight in sorted(weights, key=lambda pair: -pair[1])]
    listed = ", ".join(ranked) if len(ranked) <= 5 else f"{', '.join(ranked[:3])} down to {', '.join(ranked[-2:])}"
    return f"tasks drawn by weight (from {listed}; default 1)"


def _warm_text(training: dict) -> str:
    before = training.get("init_from")
    if not before:
        return ""
    return (f"\n- Warm start: the run began from the weights in `{before['path']}`, which had "
            f"{before.get('steps_done')} steps ({(before.get('train_seconds') or 0) / 60:.1f} min) of "
            f"training; the table below counts this run's steps and time, "
            f"{_total_seconds(training) / 60:.1f} min in all.")


def _total_seconds(training: dict) -> float:
    """This run's training time plus that of the weights it started from."""
    before = training.get("init_from") or {}
    return (training.get("train_seconds") or 0) + (before.get("train_seconds") or 0)


def _stage_text(training: dict) -> str:
    before = training.get("init_from")
    return f", continuing from the weights in `{before['path']}` (see Warm start)" if before else ""
