"""`isabench train` and `isabench lm …` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

TINY_CONFIG = """
[model]
dim = 32
n_layers = 1
n_heads = 2
ffn_dim = 64
max_seq_len = 256

[data]
seed = 3
tasks = ["parity", "vowels"]
trained_size_count = 2

[optim]
steps = 4
batch_size = 8
warmup_steps = 2
eval_every = 4
eval_items = 2
checkpoint_every = 4
threads = 1
"""


def isabench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "isabench", *args], capture_output=True,
                          text=True, timeout=300)  # fmt: skip


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lm")
    config = folder / "tiny.toml"
    config.write_text(TINY_CONFIG)
    done = isabench("train", "--config", str(config), "--out", str(folder / "ckpt"), "--no-progress")
    assert done.returncode == 0, done.stderr
    assert "trained 4 steps" in done.stdout
    return folder / "ckpt"


def test_train_writes_a_complete_checkpoint(tiny_checkpoint: Path) -> None:
    names = {p.name for p in tiny_checkpoint.iterdir()}
    assert {"model.safetensors", "config.json", "train_config.toml", "training_state.pt",
            "history.json"} <= names  # fmt: skip
    training = json.loads((tiny_checkpoint / "config.json").read_text())["training"]
    assert training["steps_done"] == 4 and training["tokens_per_second"] > 0
    assert training["data_seed"] == 3 and training["history"][0]["step"] == 4


def test_generate_json_reports_costs(tiny_checkpoint: Path) -> None:
    done = isabench("lm", "generate", "Count the vowels.\nabe", "--checkpoint", str(tiny_checkpoint),
                    "--max-new-tokens", "5", "--json", "--threads", "1")  # fmt: skip
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["tokens_in"] == len("Count the vowels.\nabe") + 2
    assert 1 <= record["tokens_out"] <= 5 and record["flops"] > 0 and record["threads"] == 1


def test_eval_writes_the_table(tiny_checkpoint: Path, tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    done = isabench("lm", "eval", "--checkpoint", str(tiny_checkpoint), "--items", "2",
                    "--threads", "1", "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "| `parity` | 1, 2 |" in done.stdout and "| **mean** |" in done.stdout
    rows = json.loads(out.read_text())["rows"]
    assert [r["task"] for r in rows] == ["parity", "vowels"]
    assert all(0.0 <= r["trained"] <= 1.0 for r in rows)
    for row in rows:  # per size, trained and beyond; pooled values are their means (2 items each)
        by_size = {int(k): v for k, v in row["by_size"].items()}
        assert sorted(by_size) == row["trained_sizes"] + row["beyond_sizes"]
        trained = [by_size[s] for s in row["trained_sizes"]]
        assert row["trained"] == pytest.approx(sum(trained) / len(trained))
    assert "stays ≥ 95 % up to size" in done.stdout


@pytest.mark.parametrize(("args", "words"), [
    (["lm", "generate", "hi", "--checkpoint", "/nonexistent"], "not a checkpoint"),
    (["lm", "eval", "--checkpoint", "/nonexistent"], "not a checkpoint"),
    (["train", "--config", "/nonexistent.toml"], "no such file"),
])  # fmt: skip
def test_lm_errors_are_one_line(args, words) -> None:
    done = isabench(*args)
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr


def test_cuda_without_a_gpu_is_a_clear_error(tiny_checkpoint: Path) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU; the no-GPU error cannot happen here")
    done = isabench("lm", "generate", "hi", "--checkpoint", str(tiny_checkpoint), "--device", "cuda")
    assert done.returncode == 2 and "no CUDA GPU" in done.stderr
