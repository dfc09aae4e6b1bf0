"""The flexible score: each task's answer pattern, and the last match of it in a model's output."""

from __future__ import annotations

import re

import pytest

from isabench.tasks import TASKS


@pytest.mark.parametrize("name", list(TASKS))
def test_every_reference_answer_is_one_whole_match_of_its_pattern(name) -> None:
    task = TASKS[name]
    assert task.answer_pattern, f"{name} declares no answer pattern"
    for size in task.sizes[:5]:
        for item in task.items(size, 20, seed=3):
            expected = item.expected.strip()
            assert re.fullmatch(task.answer_pattern, expected), (name, expected)
            assert task.extract(expected) == expected
            assert task.score_flexible(item.expected, item) and task.score_flexible(f"So: {expected}.", item)


CASES = [  # (task, input line, model output, exact, flexible)
    ("add", "12 30", "42", True, True),
    ("add", "12 30", "The sum of 12 and 30 is 42.", False, True),
    ("add", "12 30", "42 is the sum of 12 and 30.", False, False),  # the last number is taken
    ("add", "12 30", "I cannot add these.", False, False),
    ("sub", "3 10", "3 minus 10 gives -7", False, True),
    ("sort", "3 1 2", "The sorted list is 1 2 3.", False, True),
    ("sort", "3 1 2", "1, 2, 3", False, False),  # not the task's format: commas
    ("max", "4 17 9", "The maximum of these numbers is 17.", False, True),
    ("uppercase", "vvny", 'The uppercase version of "vvny" is "VVNY".', False, True),
    ("reverse_string", "abc", 'The reverse of "abc" is "cba".', False, True),
    ("palindrome", "abba", "yes", True, True),
    ("palindrome", "abba", "Yes, it reads the same: yes", False, True),
    ("compare", "5 3", "5 is greater than 3, so: greater", False, True),
    ("rle", "aaab", "Run-length encoding gives 3a1b", False, True),
    ("to_binary", "5", "5 in binary is 101", False, True),
    ("parity", "1101", "The parity is 1", False, True),
]


@pytest.mark.parametrize("name, line, output, exact, flexible", CASES)
def test_exact_and_flexible_scores(name, line, output, exact, flexible) -> None:
    task = TASKS[name]
    expected = task.reference(line) + "\n"
    item = task.item(task.sizes[0], seed=0, index=0)
    item = type(item)(**{**item.__dict__, "input": line + "\n", "expected": expected})
    assert (task.score(output, item), task.score_flexible(output, item)) == (exact, flexible)
