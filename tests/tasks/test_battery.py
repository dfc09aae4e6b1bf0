"""The battery: every program against its reference, determinism, edge cases, templates, errors."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isabench.tasks import CATEGORIES, TASKS, TaskError, get_task
from isabench.tasks.check import check_task, run_item

REQUIRED = [
    "add", "sub", "mul", "compare", "sort", "reverse_list", "max", "sum", "count", "dedupe",
    "reverse_string", "uppercase", "palindrome", "vowels", "caesar", "rle",
    "gcd", "fib", "is_prime", "collatz", "to_binary", "parity",
]  # fmt: skip


def test_every_required_task_is_there() -> None:
    assert set(REQUIRED) <= set(TASKS)


@pytest.mark.parametrize("name", list(TASKS))
def test_task_is_well_formed(name: str) -> None:
    task = TASKS[name]
    assert task.category in CATEGORIES
    assert task.description and task.size_meaning and task.input_format and task.output_format
    assert task.program_path.exists() and task.program_limits and task.edge_cases
    assert list(task.sizes) == sorted(task.sizes) and task.sizes[-1] <= task.max_size
    assert len(task.train_templates) >= 4 and len(task.heldout_templates) >= 2
    assert all("{input}" in t for t in task.templates)
    # Held-out wording differs in words, not only punctuation.
    words = {frozenset(w.strip(".,:?!()") for w in t.lower().split()) for t in task.templates}
    assert len(words) == len(task.templates)


@pytest.mark.parametrize("name", list(TASKS))
def test_program_matches_reference_at_every_default_size(name: str) -> None:
    """The finite side: byte-identical to the reference on 12 items per size, 2 seeds."""
    task = TASKS[name]
    for seed in (0, 1):
        for report in check_task(task, count=12, seed=seed):
            failures = [(f.item.input, f.item.expected, f.output, f.trap) for f in report.failures]
            assert not failures, failures[:3]


@pytest.mark.parametrize("name", list(TASKS))
def test_items_are_deterministic_one_line_and_consistent(name: str) -> None:
    task = TASKS[name]
    for size in task.sizes:
        first = task.items(size, 8, seed=5)
        assert first == task.items(size, 8, seed=5)
        for item in first:
            assert item.input.endswith("\n") and "\n" not in item.input[:-1]
            assert item.expected.endswith("\n") and "\n" not in item.expected[:-1]
            assert item.input.strip() in item.instruction
            assert item.expected == task.reference(item.input[:-1]) + "\n"
    assert task.items(task.sizes[-1], 8, seed=5) != task.items(task.sizes[-1], 8, seed=6)


@pytest.mark.parametrize("name", list(TASKS))
def test_heldout_items_use_heldout_templates(name: str) -> None:
    task = TASKS[name]
    for item in task.items(task.sizes[1], 10, heldout=True):
        assert item.heldout and item.template >= len(task.train_templates)
    for item in task.items(task.sizes[1], 10):
        assert not item.heldout and item.template < len(task.train_templates)


# Edge cases generated on purpose: for each task, a predicate that some of 200 items must meet.
EDGE_CASES = {
    "add": lambda i, o: set(i.split()[0]) == {"9"} or set(i.split()[1]) == {"9"},
    "sub": lambda i, o: o.startswith("-"),
    "mul": lambda i, o: set(i.split()[0]) == {"9"},
    "compare": lambda i, o: o == "equal",
    "sort": lambda i, o: len(set(i.split())) == 1,
    "reverse_list": lambda i, o: i == o,
    "max": lambda i, o: i.split()[-1] == o,
    "sum": lambda i, o: set(i.split()) == {"999"},
    "count": lambda i, o: o == "0",
    "dedupe": lambda i, o: len(o.split()) == 1,
    "reverse_string": lambda i, o: i == o,
    "uppercase": lambda i, o: len(set(i)) == 1,
    "palindrome": lambda i, o: o == "yes",
    "vowels": lambda i, o: o == "0",
    "caesar": lambda i, o: i.split()[0] == "25",
    "rle": lambda i, o: any(len(run) > 1 for run in __import__("re").findall(r"\d+", o)),
    "gcd": lambda i, o: int(o) > 1,
    "fib": lambda i, o: i == "16",  # n = size itself
    "is_prime": lambda i, o: o == "yes",
    "collatz": lambda i, o: set(format(int(i), "b")[1:]) <= {"0"},
    "to_binary": lambda i, o: set(o) == {"1"},
    "parity": lambda i, o: set(i) == {"0"},
}


@pytest.mark.parametrize("name", list(TASKS))
def test_generators_cover_edge_cases_on_purpose(name: str) -> None:
    task = TASKS[name]
    size = 16 if 16 in task.sizes else task.sizes[-2]
    items = task.items(size, 200, seed=11)
    hits = sum(EDGE_CASES[name](it.input.strip(), it.expected.strip()) for it in items)
    assert hits >= 10, f"only {hits} of 200 items are edge cases"


def test_balanced_answers() -> None:
    """yes/no and greater/less/equal answers are not lopsided."""
    for name, answers in [("palindrome", {"yes", "no"}), ("is_prime", {"yes", "no"}),
                          ("compare", {"greater", "less", "equal"}), ("parity", {"0", "1"})]:
        task = TASKS[name]
        outputs = [it.expected.strip() for it in task.items(task.sizes[3], 300)]
        for answer in answers:
            assert outputs.count(answer) >= 300 / len(answers) / 2, (name, answer)


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(list(TASKS)), seed=st.integers(0, 10**9), index=st.integers(0, 10**6),
       data=st.data())
def test_program_matches_reference_on_random_items(name, seed, index, data) -> None:
    task = TASKS[name]
    size = data.draw(st.integers(task.min_size, min(task.max_size, 48)), label="size")
    result = run_item(task, task.item(size, seed, index))
    assert result.passed, (result.item.input, result.item.expected, result.output, result.trap)


def test_scoring_tolerates_surrounding_whitespace_only() -> None:
    task = get_task("add")
    item = task.item(4, seed=0, index=0)
    answer = item.expected.strip()
    assert task.score(answer, item) and task.score(f"  {answer}\n\n", item)
    assert not task.score(answer + "0", item) and not task.score(f"{answer} .", item)


@pytest.mark.parametrize(("call", "words"), [
    (lambda: get_task("nope"), "unknown task 'nope' (known: add"),
    (lambda: get_task("add").item(0), "size 0 is out of range (1..1000"),
    (lambda: get_task("gcd").item(10), "size 10 is out of range (1..9"),
    (lambda: get_task("add").item(2.5), "size must be an integer"),
    (lambda: get_task("add").item(3, seed=-1), "seed must be a non-negative integer"),
    (lambda: get_task("add").item(3, seed="x"), "seed must be a non-negative integer"),
])  # fmt: skip
def test_bad_names_sizes_and_seeds_are_task_errors(call, words) -> None:
    with pytest.raises(TaskError) as caught:
        call()
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_large_sizes_within_documented_limits() -> None:
    """A few items at each task's largest allowed size (well past the default sweep)."""
    rng = random.Random(3)
    for name in ("add", "sub", "compare", "sort", "dedupe", "rle", "fib", "parity", "mul"):
        task = TASKS[name]
        size = task.max_size if name != "mul" else 120
        result = run_item(task, task.item(size, seed=rng.randrange(100)))
        assert result.passed, (name, result.trap)
