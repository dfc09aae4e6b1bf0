"""What a task is: a small declarative object, its items, and how answers are scored.

Both sides get the same input line and must print the same output line. The runner and the
model never special-case a task by name; everything task-specific lives in a Task.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROGRAMS = Path(__file__).parent / "programs"
CATEGORIES = ("arithmetic", "lists", "strings", "number_theory")


class TaskError(ValueError):
    """An unknown task, a size the task does not allow, or a bad seed."""


@dataclass(frozen=True)
class Item:
    """One input of one task, with its expected output and the instruction that asks for it."""

    task: str
    size: int
    seed: int
    index: int
    input: str  # the input line, newline included: the bytes both sides read
    expected: str  # the output line, newline included: the bytes both sides must print
    instruction: str  # the plain-language request, with the input line in it
    template: int  # index into the task's templates (train first, then held-out)
    heldout: bool
    answer_budget: int | None = None  # new tokens a model may write; None: the answer's bytes + 8

    def as_dict(self) -> dict:
        return {
            "task": self.task, "size": self.size, "seed": self.seed, "index": self.index,
            "input": self.input, "expected": self.expected, "instruction": self.instruction,
            "template": self.template, "heldout": self.heldout,
        }  # fmt: skip


def normalize_answer(text: str) -> str:
    """The scored form of an answer: surrounding whitespace (spaces, tabs, newlines) removed."""
    return text.strip()


@dataclass(frozen=True)
class Task:
    """One task of the battery."""

    name: str
    category: str
    description: str
    size_meaning: str
    sizes: tuple[int, ...]  # the default sweep, smallest to largest
    max_size: int  # the largest size the generator (and the documented program limit) allows
    input_format: str
    output_format: str
    generate: Callable[[random.Random, int], str]  # -> the input line, without newline
    reference: Callable[[str], str]  # input line (no newline) -> output line (no newline)
    train_templates: tuple[str, ...]
    heldout_templates: tuple[str, ...]
    # what an answer looks like (a regular expression): the flexible score takes its last match
    # anywhere in a model's output, as lm-evaluation-harness's flexible-extract does
    answer_pattern: str = ""
    min_size: int = 1
    program_limits: str = ""
    edge_cases: str = ""

    @property
    def templates(self) -> tuple[str, ...]:
        """All templates: the training ones first, then the held-out ones."""
        return self.train_templates + self.heldout_templates

    @property
    def program_path(self) -> Path:
        return PROGRAMS / f"{self.name}.s"

    def program_source(self) -> str:
        return self.program_path.read_text(encoding="utf-8")

    def check_size(self, size: int) -> None:
        if not isinstance(size, int) or isinstance(size, bool):
            raise TaskError(f"task '{self.name}': size must be an integer, got {size!r}")
        if not self.min_size <= size <= self.max_size:
            raise TaskError(
                f"task '{self.name}': size {size} is out of range "
                f"({self.min_size}..{self.max_size}; size is {self.size_meaning})"
            )

    def item(self, size: int, seed: int = 0, index: int = 0, heldout: bool = False) -> Item:
        """The index-th item at this size and seed: deterministic in (task, size, seed, index)."""
        self.check_size(size)
        check_seed(seed)
        if not isinstance(index, int) or index < 0:
            raise TaskError(f"item index must be a non-negative integer, got {index!r}")
        rng = random.Random(f"{self.name}/{size}/{seed}/{index}")
        line = self.generate(rng, size)
        templates = self.heldout_templates if heldout else self.train_templates
        which = rng.randrange(len(templates))
        return Item(
            task=self.name, size=size, seed=seed, index=index,
            input=line + "\n", expected=self.reference(line) + "\n",
            instruction=templates[which].format(input=line),
            template=which + (len(self.train_templates) if heldout else 0), heldout=heldout,
        )  # fmt: skip

    def items(self, size: int, count: int, seed: int = 0, heldout: bool = False) -> list[Item]:
        return [self.item(size, seed, i, heldout) for i in range(count)]

    def score(self, answer: str, item: Item) -> bool:
        """Exact match after normalize_answer (surrounding whitespace is tolerated)."""
        return normalize_answer(answer) == normalize_answer(item.expected)

    def extract(self, output: str) -> str | None:
        """The last match of answer_pattern anywhere in the output, or None where there is none."""
        matches = [match.group(0) for match in re.finditer(self.answer_pattern, output)]
        return matches[-1] if matches else None

    def score_flexible(self, output: str, item: Item) -> bool:
        """The flexible score: the extracted answer equals the expected line."""
        return self.extract(output) == normalize_answer(item.expected)


def check_seed(seed: int) -> None:
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise TaskError(f"seed must be a non-negative integer, got {seed!r}")


# -- helpers the generators share ------------------------------------------------------------


def number(rng: random.Random, digits: int) -> int:
    """A uniformly random integer with exactly `digits` decimal digits (0-9 for one digit)."""
    if digits == 1:
        return rng.randrange(10)
    return rng.randrange(10 ** (digits - 1), 10**digits)


def pick(rng: random.Random, weighted: dict[str, float]) -> str:
    """Choose a case kind by weight: how generators mix edge cases with uniform draws."""
    kinds = list(weighted)
    return rng.choices(kinds, weights=[weighted[k] for k in kinds])[0]


def join(values) -> str:
    return " ".join(str(v) for v in values)


def ints(line: str) -> list[int]:
    return [int(v) for v in line.split()]
