"""The model card says what the checkpoint's own records say."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from isabench.lm.card import write_card
from isabench.lm.checkpoint import save_model
from isabench.lm.evaluate import EvalRow
from isabench.lm.model import ModelConfig, Transformer


def card_for(tmp_path: Path, training: dict) -> str:
    torch.manual_seed(0)
    model = Transformer(ModelConfig(dim=32, n_layers=1, n_heads=2, ffn_dim=64, max_seq_len=64))
    save_model(model, tmp_path / "ckpt", {"training": training})
    rows = [EvalRow(task="add", trained_sizes=[1, 2], beyond_sizes=[4], trained=0.5,
                    heldout_templates=0.25, beyond=0.0, items_per_cell=4,
                    by_size={1: 1.0, 2: 0.0, 4: 0.0}).as_dict(),
            EvalRow(task="fib", trained_sizes=[2], beyond_sizes=[4], trained=1.0, heldout_templates=0.5,
                    beyond=0.5, items_per_cell=4, by_size={2: 1.0, 4: 0.5}).as_dict()]  # fmt: skip
    (tmp_path / "eval.json").write_text(json.dumps({"items_per_cell": 4, "device": "cpu", "dtype": "fp32",
                                                    "rows": rows}))  # fmt: skip
    return write_card(tmp_path / "ckpt", tmp_path / "eval.json").read_text()


def test_a_card_from_scratch(tmp_path: Path) -> None:
    text = card_for(tmp_path, {"steps_done": 10, "train_seconds": 120.0, "tokens_seen": 999,
                               "train_config": {"data": {"trained_size_count": 2, "seed": 7}}})  # fmt: skip
    assert "the battery's training templates only; every task in turn (balanced)" in text
    assert "Warm start" not in text and "continuing from" not in text
    assert "Mean exact match: 75.0% at trained sizes, 37.5% with" in text
    assert "1 of 2 tasks reach 95 %" in text and "what 2 minutes of training" in text


def test_a_warm_started_card_counts_both_stages(tmp_path: Path) -> None:
    data = {"trained_size_count": 2, "seed": 7, "phrasings": "requests", "template_share": 0.25,
            "task_weights": [["add", 2.0], ["fib", 0.5], ["sub", 1.5]]}  # fmt: skip
    text = card_for(tmp_path, {"steps_done": 10, "train_seconds": 600.0, "train_config": {"data": data},
                               "init_from": {"path": "runs/first", "steps_done": 50,
                                             "train_seconds": 1800.0}})  # fmt: skip
    assert "training templates for 25% of the examples, the many training phrasings" in text
    assert "tasks drawn by weight (from `add` 2, `sub` 1.5, `fib` 0.5; default 1)" in text
    assert "continuing from the weights in `runs/first`" in text
    assert "which had 50 steps (30.0 min) of training" in text and "40.0 min in all" in text
    assert "what 40 minutes of training" in text
