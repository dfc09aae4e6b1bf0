"""The training phrasings keep the held-out templates out of training."""

from __future__ import annotations

import pytest

from isabench.tasks import TASKS
from isabench.tasks.phrasings import NGRAM, REQUESTS, overlap, training_phrasings


def test_every_task_has_many_requests() -> None:
    assert list(REQUESTS) == list(TASKS)
    for name, requests in REQUESTS.items():
        assert len(requests) >= 16, name
        assert len({r.lower() for r in requests}) == len(requests), name
        for request in requests:
            assert "{" not in request and "}" not in request and request.isascii(), (name, request)


@pytest.mark.parametrize("name", list(TASKS))
def test_phrasings_share_no_words_run_with_the_heldout_templates(name: str) -> None:
    task = TASKS[name]
    phrasings = training_phrasings(name)
    assert phrasings[: len(task.train_templates)] == task.train_templates
    assert len(set(phrasings)) == len(phrasings)
    line = task.item(4).input.rstrip("\n")
    for phrasing in phrasings:
        assert phrasing.count("{input}") == 1, phrasing
        assert line in phrasing.format(input=line)
        assert phrasing not in task.heldout_templates
        if phrasing not in task.train_templates:
            assert not overlap(phrasing, task.heldout_templates), (phrasing, NGRAM)


def test_overlap_finds_a_shared_run_of_words() -> None:
    assert overlap("Please read this from the left now: {input}", ("{input} Read this from the end",)) == {
        ("read", "this", "from", "the")}
    assert not overlap("Read this from it: {input}", ("{input} Read this from the end",))
