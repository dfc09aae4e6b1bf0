"""Instruction data from the battery: balanced across tasks, training templates only, sizes
from the training config; held-out templates and larger sizes are kept for evaluation."""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, replace

import torch

from ..tasks import TASKS, Item, Task, get_task
from ..tasks.phrasings import training_phrasings
from .tokenizer import PAD, encode_answer, encode_prompt

IGNORE = -100  # label of tokens that carry no loss (the prompt, the padding)


@dataclass(frozen=True)
class DataConfig:
    """Which tasks and sizes the model is trained on."""

    seed: int = 1234
    tasks: tuple[str, ...] = ()  # empty: every task of the battery
    trained_size_count: int = 4  # train on sizes up to the task's N-th default size
    length_groups: int = 1  # >1: batches of similar length drawn from this many batches' examples
    # per-task sampling weights, as (task, weight) pairs; empty: every task in turn (balanced)
    task_weights: tuple[tuple[str, float], ...] = ()
    # "templates": the tasks' training templates only; "requests": also the many phrasings of
    # tasks/phrasings.py (held-out templates stay out of both)
    phrasings: str = "templates"
    template_share: float = 0.3  # with "requests": the share of examples that use a template

    def __post_init__(self) -> None:
        weights = self.task_weights
        if isinstance(weights, dict):  # a TOML table
            weights = weights.items()
        try:
            pairs = tuple(sorted((str(name), float(weight)) for name, weight in weights))
        except (TypeError, ValueError):
            raise ValueError(f"data.task_weights must map task names to numbers, got {weights!r}") from None
        object.__setattr__(self, "task_weights", pairs)
        if any(weight < 0 for _, weight in pairs) or (pairs and not sum(w for _, w in pairs)):
            raise ValueError("data.task_weights must be non-negative, and not all zero")
        if self.phrasings not in ("templates", "requests"):
            raise ValueError(f"data.phrasings must be 'templates' or 'requests', got {self.phrasings!r}")
        if not 0.0 <= self.template_share <= 1.0:
            raise ValueError(f"data.template_share must be in [0, 1], got {self.template_share!r}")

    @classmethod
    def of_checkpoint(cls, folder) -> DataConfig:
        """The data a checkpoint was trained on, from its config.json (defaults where absent)."""
        from .checkpoint import read_config

        trained = read_config(folder).get("training", {})
        data = trained.get("train_config", {}).get("data", {})
        return cls(**{k: tuple(v) if k == "tasks" else v for k, v in data.items()})

    def task_list(self) -> list[Task]:
        tasks = [get_task(name) for name in self.tasks] if self.tasks else list(TASKS.values())
        unknown = sorted({name for name, _ in self.task_weights} - {t.name for t in tasks})
        if unknown:
            raise ValueError(f"data.task_weights names task(s) not trained on: {', '.join(unknown)}")
        return tasks

    def max_trained_size(self, task: Task) -> int:
        return task.sizes[min(self.trained_size_count, len(task.sizes)) - 1]

    def trained_sizes(self, task: Task) -> list[int]:
        """The default-sweep sizes inside the training range (where 'trained' is measured)."""
        return [s for s in task.sizes if s <= self.max_trained_size(task)]

    def beyond_sizes(self, task: Task) -> list[int]:
        """The default-sweep sizes past the training range (never trained on)."""
        return [s for s in task.sizes if s > self.max_trained_size(task)]


def training_item(config: DataConfig, tasks: list[Task], index: int) -> Item:
    """The index-th training example: a task chosen in turn (balanced) or by task_weights, a
    size drawn uniformly from the task's training range, a training template or (with
    phrasings = "requests") one of the task's many training phrasings."""
    rng = random.Random(f"train/{config.seed}/{index}")
    if config.task_weights:
        weights = dict(config.task_weights)
        task = rng.choices(tasks, weights=[weights.get(t.name, 1.0) for t in tasks])[0]
        item_index = index
    else:
        task, item_index = tasks[index % len(tasks)], index // len(tasks)
    size = rng.randint(task.min_size, config.max_trained_size(task))
    item = task.item(size, seed=config.seed, index=item_index)
    if config.phrasings == "requests" and rng.random() >= config.template_share:
        phrasing = rng.choice(training_phrasings(task.name))
        item = replace(item, instruction=phrasing.format(input=item.input.rstrip("\n")), template=-1)
    return item


def encode_example(item: Item) -> tuple[list[int], list[int]]:
    """Token ids and labels: loss on the answer tokens (and <eos>) only."""
    prompt = encode_prompt(item.instruction)
    answer = encode_answer(item.expected.rstrip("\n"))
    return prompt + answer, [IGNORE] * len(prompt) + answer


def collate(examples: list[tuple[list[int], list[int]]], max_len: int) -> tuple[torch.Tensor, ...]:
    """Right-padded inputs and next-token labels: (tokens, labels), each [B, T]."""
    width = min(max_len, max(len(ids) for ids, _ in examples))
    tokens = torch.full((len(examples), width), PAD, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    for row, (ids, target) in enumerate(examples):
        ids, target = ids[:width], target[:width]
        tokens[row, : len(ids)] = torch.tensor(ids)
        # labels[t] is the token that follows position t
        labels[row, : len(target) - 1] = torch.tensor(target[1:])
    return tokens, labels


def training_batch(config: DataConfig, tasks: list[Task], step: int, batch_size: int,
                   max_len: int) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
    """The batch for a given step: deterministic in (data seed, step).

    With length_groups = G, the examples of G consecutive batches are sorted by length and cut
    into G batches (taken in a shuffled order), so little of each batch is padding; every
    example is still used exactly once."""
    groups = max(1, config.length_groups)
    pool = _example_pool(config, tuple(t.name for t in tasks), step // groups, batch_size)
    order = list(range(groups))
    random.Random(f"order/{config.seed}/{step // groups}").shuffle(order)
    chunk = order[step % groups]
    return collate(pool[chunk * batch_size : (chunk + 1) * batch_size], max_len)


@functools.lru_cache(maxsize=2)
def _example_pool(config: DataConfig, task_names: tuple[str, ...], group: int,
                  batch_size: int) -> list[tuple[list[int], list[int]]]:  # fmt: skip
    """The encoded examples of one group of batches, sorted by length when grouping."""
    tasks = [get_task(name) for name in task_names]
    groups = max(1, config.length_groups)
    first = group * groups * batch_size
    examples = [encode_example(training_item(config, tasks, first + i))
                for i in range(groups * batch_size)]  # fmt: skip
    if groups > 1:
        examples.sort(key=lambda example: len(example[0]))
    return examples
