"""Many phrasings of each task's instruction, for training lm-builtin to follow requests it
has not seen word for word.

A phrasing is a request of phrasings_data.REQUESTS (what to do, in words) put into a frame
(where the input goes, how the sentence ends). The training templates are phrasings too. The
held-out templates are never among them, and no phrasing shares four consecutive words with a
held-out template of its task (`overlap` measures it; tests/tasks/test_phrasings.py checks
every phrasing). Evaluation uses the tasks' own templates only, so the figures for trained and
held-out templates keep their meaning.
"""

from __future__ import annotations

import functools
import re

from .phrasings_data import REQUESTS

# {R}: the request, capitalised; {r}: as written; {end}: "?" for a question, else "."
FRAMES = (
    "{R}{end}\n{input}",
    "{R}: {input}",
    "{R}{end} {input}",
    "{input}\n{R}{end}",
    "{R}{end}\nInput: {input}",
    "Input: {input}\n{R}{end}",
    "{input}\n\n{R}{end}",
    "Task: {r}{end}\n{input}",
    "{R}{end}\n\n{input}",
    "Here is the input: {input}\n{R}{end}",
)
QUESTION_WORDS = {"what", "how", "is", "are", "does", "do", "which", "can", "could", "would", "will"}
NGRAM = 4  # no phrasing shares this many consecutive words with a held-out template


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def ngrams(text: str, n: int = NGRAM) -> set[tuple[str, ...]]:
    found = words(text.replace("{input}", " "))
    return {tuple(found[i : i + n]) for i in range(len(found) - n + 1)}


def overlap(phrasing: str, templates: tuple[str, ...], n: int = NGRAM) -> set[tuple[str, ...]]:
    """The n-word sequences a phrasing shares with any of the templates."""
    shared: set[tuple[str, ...]] = set()
    for template in templates:
        shared |= ngrams(phrasing, n) & ngrams(template, n)
    return shared


def frame(request: str, shape: str) -> str:
    first = words(request)[:1]
    question = bool(first) and first[0] in QUESTION_WORDS
    return shape.format(R=request[:1].upper() + request[1:], r=request, end="?" if question else ".",
                        input="{input}")  # fmt: skip


@functools.cache
def training_phrasings(task: str) -> tuple[str, ...]:
    """Every training phrasing of a task: its training templates, then each request in each
    frame. Each holds `{input}` once."""
    from . import get_task

    requests = REQUESTS.get(task, ())
    return get_task(task).train_templates + tuple(frame(r, f) for r in requests for f in FRAMES)
