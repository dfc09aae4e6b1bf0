"""Training: configs are checked, the loss falls, a resumed run equals an uninterrupted one."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from isabench.lm.checkpoint import load_model
from isabench.lm.data import IGNORE, DataConfig, encode_example, training_batch
from isabench.lm.model import ModelConfig
from isabench.lm.train import OptimConfig, TrainConfig, TrainConfigError, learning_rate, train
from isabench.tasks import get_task

TINY = ModelConfig(dim=48, n_layers=2, n_heads=4, ffn_dim=128, max_seq_len=256)


def tiny_config(steps: int, tasks=("reverse_string", "parity")) -> TrainConfig:
    return TrainConfig(
        model=TINY,
        data=DataConfig(seed=5, tasks=tasks, trained_size_count=2),
        optim=OptimConfig(steps=steps, batch_size=16, lr=3e-3, warmup_steps=5, eval_every=10**6,
                          checkpoint_every=10**6, eval_items=2, threads=1),
    )  # fmt: skip


def test_loss_is_on_answer_tokens_only() -> None:
    item = get_task("add").item(3, seed=0, index=0)
    ids, labels = encode_example(item)
    answer = item.expected.strip().encode()
    assert [t for t in labels if t != IGNORE] == [*answer, 259]
    tokens, targets = training_batch(DataConfig(tasks=("add",)), [get_task("add")], 0, 4, 256)
    assert tokens.shape == targets.shape and (targets != IGNORE).sum() > 0


def test_training_data_stay_in_the_training_range() -> None:
    data = DataConfig(seed=1, trained_size_count=3)
    tokens, _ = training_batch(data, data.task_list(), 0, 44, 512)  # two of each task
    assert tokens.shape[0] == 44
    for task in data.task_list():
        assert data.trained_sizes(task) == list(task.sizes[:3])
        assert data.beyond_sizes(task) == list(task.sizes[3:])


def test_learning_rate_schedule() -> None:
    optim = OptimConfig(steps=100, lr=1.0, warmup_steps=10, min_lr_ratio=0.1)
    assert learning_rate(optim, 0) == pytest.approx(0.1)
    assert learning_rate(optim, 9) == pytest.approx(1.0)
    assert learning_rate(optim, 99) == pytest.approx(0.1, abs=1e-3)
    assert learning_rate(optim, 50) < learning_rate(optim, 20)


def test_tiny_training_run_loss_falls(tmp_path: Path) -> None:
    torch.set_num_threads(1)
    summary = train(tiny_config(60), tmp_path / "run", progress=False, log=lambda m: None)
    losses = [h["loss"] for h in summary["history"]]
    assert summary["steps_done"] == 60 and losses
    first = train(tiny_config(1), tmp_path / "one", progress=False, log=lambda m: None)
    assert losses[-1] < 0.7 * first["history"][-1]["loss"]


def test_resume_continues_exactly(tmp_path: Path) -> None:
    torch.set_num_threads(1)
    straight = tiny_config(8)
    train(straight, tmp_path / "straight", progress=False, log=lambda m: None)
    halves = tiny_config(8)
    halves.optim.max_minutes = 1e-9  # stops (and saves) after its first step
    train(halves, tmp_path / "halves", progress=False, log=lambda m: None)
    halves.optim.max_minutes = 0.0
    train(halves, tmp_path / "halves", resume=True, progress=False, log=lambda m: None)
    a, b = load_model(tmp_path / "straight"), load_model(tmp_path / "halves")
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert torch.equal(x, y), name


@pytest.mark.parametrize(("text", "words"), [
    ("[model]\ndim = 64\nwidth = 3\n", "unknown key(s) ['width'] in [model]"),
    ("[optimizer]\nlr = 1\n", "unknown section(s) ['optimizer']"),
    ("[data]\ntasks = ['add', 'nope']\n", "unknown task 'nope'"),
    ("[model\n", "not valid TOML"),
    ("[data]\ntask_weights = { add = -1 }\n", "non-negative"),
    ("[data]\ntask_weights = { add = 'x' }\n", "must map task names to numbers"),
    ("[data]\ntasks = ['add']\ntask_weights = { sub = 1 }\n", "not trained on: sub"),
    ("[data]\nphrasings = 'many'\n", "'templates' or 'requests'"),
    ("[data]\ntemplate_share = 2\n", "template_share"),
])  # fmt: skip
def test_bad_training_configs(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(TrainConfigError) as caught:
        TrainConfig.from_toml(path)
    assert words in str(caught.value) and str(path) in str(caught.value)


def test_length_grouping_uses_every_example_once_with_less_padding() -> None:
    plain = DataConfig(seed=9, trained_size_count=3)
    grouped = DataConfig(seed=9, trained_size_count=3, length_groups=4)
    tasks = plain.task_list()

    def rows(config):
        batches = [training_batch(config, tasks, step, 16, 256) for step in range(4)]
        examples = sorted(tuple(t[t != 256].tolist()) for tokens, _ in batches for t in tokens)
        padding = sum(int((tokens == 256).sum()) for tokens, _ in batches)
        return examples, padding

    plain_examples, plain_padding = rows(plain)
    grouped_examples, grouped_padding = rows(grouped)
    assert grouped_examples == plain_examples
    assert grouped_padding < plain_padding / 2


def test_the_recorded_recipes_data_are_unchanged() -> None:
    """Trial v2a's examples (the first 500) are what they were when it was trained, so its
    recipe stays reproducible while new data options are added."""
    import hashlib

    from isabench.lm.data import training_item

    data = DataConfig(seed=1234, trained_size_count=4, length_groups=8)
    tasks = data.task_list()
    items = [training_item(data, tasks, i) for i in range(500)]
    text = "".join(item.instruction + item.expected for item in items)
    assert hashlib.sha256(text.encode()).hexdigest() == (
        "c8a69ae34026b3b5d79dbb6a6374955b4ebb18af0aef45acd6f7e9d810755f63")


def test_task_weights_and_requests_shape_the_data() -> None:
    from collections import Counter

    from isabench.lm.data import training_item
    from isabench.tasks.phrasings import training_phrasings

    data = DataConfig(seed=3, tasks=("add", "parity"), task_weights={"add": 3.0, "parity": 1.0},
                      phrasings="requests", template_share=0.25)  # fmt: skip
    tasks = data.task_list()
    items = [training_item(data, tasks, i) for i in range(2000)]
    counts = Counter(item.task for item in items)
    assert 2.6 < counts["add"] / counts["parity"] < 3.4
    for item in items:
        task = get_task(item.task)
        line = item.input.rstrip("\n")
        assert item.instruction in {p.format(input=line) for p in training_phrasings(item.task)}
        assert item.instruction not in {t.format(input=line) for t in task.heldout_templates}
        assert item.size <= data.max_trained_size(task)
    from_templates = sum(item.template >= 0 for item in items) / len(items)
    assert 0.2 < from_templates < 0.3
    assert len({item.instruction.replace(item.input.rstrip("\n"), "") for item in items}) > 100


def test_warm_start_begins_from_the_weights_and_records_them(tmp_path: Path) -> None:
    torch.set_num_threads(1)
    train(tiny_config(4), tmp_path / "first", progress=False, log=lambda m: None)
    again = tiny_config(0)
    again.optim.steps, again.optim.lr, again.optim.init_from = 1, 1e-12, str(tmp_path / "first")
    summary = train(again, tmp_path / "second", progress=False, log=lambda m: None)
    a, b = load_model(tmp_path / "first"), load_model(tmp_path / "second")
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert torch.allclose(x, y, atol=1e-6), name  # one step at lr 1e-12 moves nothing visible
    assert summary["init_from"]["path"] == str(tmp_path / "first")
    assert summary["init_from"]["steps_done"] == 4
    other = tiny_config(1)
    other.model = ModelConfig(dim=32, n_layers=1, n_heads=2, ffn_dim=64, max_seq_len=256)
    other.optim.init_from = str(tmp_path / "first")
    with pytest.raises(TrainConfigError, match="is not the config's"):
        train(other, tmp_path / "third", progress=False, log=lambda m: None)
