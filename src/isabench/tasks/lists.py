"""Lists of integers 0..999 of length `size`: sort, reverse_list, max, sum, count, dedupe."""

from __future__ import annotations

import random

from .base import Task, ints, join, pick

SIZES = (1, 2, 4, 8, 16, 32, 64)
LIST_IN = "`size` integers from 0 to 999, separated by single spaces"
MAX_ITEMS = 1024


def random_list(rng: random.Random, size: int) -> list[int]:
    """A list with a deliberate shape: uniform, sorted, reversed, constant or heavy with repeats."""
    kind = pick(rng, {"random": 5, "sorted": 1, "reversed": 1, "all_equal": 1, "repeats": 2})
    if kind == "all_equal":
        return [rng.randrange(1000)] * size
    if kind == "repeats":
        return [rng.randrange(10) for _ in range(size)]
    values = [rng.randrange(1000) for _ in range(size)]
    if kind == "sorted":
        values.sort()
    elif kind == "reversed":
        values.sort(reverse=True)
    return values


def generate_max(rng: random.Random, size: int) -> str:
    values = random_list(rng, size)
    where = pick(rng, {"anywhere": 3, "first": 1, "last": 1})
    if where != "anywhere" and size > 1:  # put the largest value at an edge of the list
        top = values.index(max(values))
        edge = 0 if where == "first" else size - 1
        values[top], values[edge] = values[edge], values[top]
    return join(values)


def generate_sum(rng: random.Random, size: int) -> str:
    kind = pick(rng, {"random": 6, "all_999": 1, "all_zero": 1})
    if kind == "all_999":
        return join([999] * size)
    if kind == "all_zero":
        return join([0] * size)
    return join(random_list(rng, size))


def generate_count(rng: random.Random, size: int) -> str:
    """`X: list` with X present 0..size times (absent, once, several, all)."""
    hits = pick(rng, {"absent": 2, "once": 2, "several": 4, "all": 1})
    target = rng.randrange(1000)
    occurrences = {"absent": 0, "once": 1, "all": size}.get(hits, rng.randrange(0, size + 1))
    others = [v for v in range(1000) if v != target]
    pool = rng.sample(others, k=min(len(others), rng.choice([3, 10, 1000])))
    values = [target] * occurrences + [rng.choice(pool) for _ in range(size - occurrences)]
    rng.shuffle(values)
    return f"{target}: {join(values)}"


def count(line: str) -> str:
    target, rest = line.split(":", 1)
    return str(ints(rest).count(int(target)))


def dedupe(line: str) -> str:
    return join(dict.fromkeys(ints(line)))


TASKS = [
    Task(
        name="sort", category="lists", description="the list in ascending order",
        size_meaning="the number of integers", sizes=SIZES, max_size=MAX_ITEMS,
        input_format=LIST_IN, output_format="the same integers in ascending order, space-separated", answer_pattern=r"-?\d+(?: -?\d+)*",
        generate=lambda rng, size: join(random_list(rng, size)),
        reference=lambda line: join(sorted(ints(line))),
        train_templates=(
            "Sort the numbers in ascending order.\n{input}",
            "Put these numbers in order from smallest to largest: {input}",
            "Arrange the list in increasing order: {input}",
            "Return the list sorted ascending.\n{input}",
        ),
        heldout_templates=(
            "{input}\nRewrite this sequence so that every value is no bigger than the one after it.",
            "Line these values up, lowest first and highest last, keeping repeats: {input}",
        ),
        edge_cases="already sorted, reversed, all equal, many repeats, one element",
        program_limits="up to 8,192 integers",
    ),
    Task(
        name="reverse_list", category="lists", description="the list in reverse order",
        size_meaning="the number of integers", sizes=SIZES, max_size=MAX_ITEMS,
        input_format=LIST_IN, output_format="the same integers last to first, space-separated", answer_pattern=r"-?\d+(?: -?\d+)*",
        generate=lambda rng, size: join(random_list(rng, size)),
        reference=lambda line: join(reversed(ints(line))),
        train_templates=(
            "Reverse the order of the numbers.\n{input}",
            "Write this list backwards: {input}",
            "Give the list in reverse order: {input}",
            "List the numbers from last to first.\n{input}",
        ),
        heldout_templates=(
            "{input}\nRead this sequence starting from its end and write it down in that order.",
            "Flip the sequence around so the final entry comes first: {input}",
        ),
        edge_cases="sorted, reversed, all equal, many repeats, one element",
        program_limits="up to 8,192 integers",
    ),
    Task(
        name="max", category="lists", description="the largest integer of the list",
        size_meaning="the number of integers", sizes=SIZES, max_size=MAX_ITEMS,
        input_format=LIST_IN, output_format="the largest integer", answer_pattern=r"\d+",
        generate=generate_max, reference=lambda line: str(max(ints(line))),
        train_templates=(
            "Find the largest number in the list.\n{input}",
            "What is the maximum of these numbers? {input}",
            "Give the biggest value: {input}",
            "Return the maximum element of the list.\n{input}",
        ),
        heldout_templates=(
            "{input}\nWhich entry beats or ties every other entry in size?",
            "Among these values, report the top one: {input}",
        ),
        edge_cases="the maximum first or last, repeated, all equal, one element",
        program_limits="up to 8,192 integers",
    ),
    Task(
        name="sum", category="lists", description="the sum of the list",
        size_meaning="the number of integers", sizes=SIZES, max_size=MAX_ITEMS,
        input_format=LIST_IN, output_format="the sum in decimal", answer_pattern=r"\d+",
        generate=generate_sum, reference=lambda line: str(sum(ints(line))),
        train_templates=(
            "Add up all the numbers in the list.\n{input}",
            "What is the sum of these numbers? {input}",
            "Compute the total of the list: {input}",
            "Return the sum of the elements.\n{input}",
        ),
        heldout_templates=(
            "{input}\nHow much do all of these values come to altogether?",
            "Tally every entry of this sequence into a single figure: {input}",
        ),
        edge_cases="all 999, all zero, repeats, one element",
        program_limits="up to 8,192 integers",
    ),
    Task(
        name="count", category="lists",
        description="how many times a given value occurs in the list",
        size_meaning="the number of integers in the list", sizes=SIZES, max_size=MAX_ITEMS,
        input_format="X: then the list, e.g. `7: 1 7 3 7` (X and the list items are 0..999)",
        output_format="the number of list items equal to X", answer_pattern=r"\d+",
        generate=generate_count, reference=count,
        train_templates=(
            "Count how many times the number before the colon appears in the list after it.\n{input}",
            "How many times does the first number occur in the list that follows the colon? {input}",
            "Give the number of occurrences of X in the list, written as X: list.\n{input}",
            "Count the occurrences of the value before ':' among the values after it: {input}",
        ),
        heldout_templates=(
            "{input}\nThe value left of the colon is a target; report how often the target shows up to the right.",
            "Tell me the frequency of the leading number within the sequence after the colon: {input}",
        ),
        edge_cases="X absent, once, several times, everywhere",
        program_limits="up to 8,190 integers",
    ),
    Task(
        name="dedupe", category="lists",
        description="the list with repeated values removed, first occurrences kept in order",
        size_meaning="the number of integers", sizes=SIZES, max_size=MAX_ITEMS,
        input_format=LIST_IN,
        output_format="the first occurrence of each distinct value, in input order, space-separated", answer_pattern=r"-?\d+(?: -?\d+)*",
        generate=lambda rng, size: join(random_list(rng, size)), reference=dedupe,
        train_templates=(
            "Remove duplicate numbers, keeping the first occurrence of each, in order.\n{input}",
            "Delete repeated values from the list but keep the original order: {input}",
            "List each distinct number once, in the order it first appears: {input}",
            "Return the list without duplicates (first occurrences kept).\n{input}",
        ),
        heldout_templates=(
            "{input}\nWalk through the sequence and drop any value you have already seen.",
            "Keep only the earliest copy of every entry, preserving where they stood: {input}",
        ),
        edge_cases="many repeats, all equal, all distinct, one element",
        program_limits="up to 8,192 integers",
    ),
]  # fmt: skip
