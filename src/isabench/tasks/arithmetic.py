"""Arithmetic on non-negative decimal integers of `size` digits: add, sub, mul, compare."""

from __future__ import annotations

import random

from .base import Task, number, pick

SIZES = (1, 2, 4, 8, 16, 32, 64)
FORMAT_IN = "two non-negative decimal integers of `size` digits each (no leading zeros), separated by one space"


def _pair(line: str) -> tuple[int, int]:
    a, b = line.split()
    return int(a), int(b)


def _with_zeros(rng: random.Random, digits: int) -> int:
    """A `digits`-digit number most of whose digits are 0 (1 followed by zeros, or sparse)."""
    if digits == 1:
        return 0
    body = [rng.choice("0000000001") for _ in range(digits - 1)]
    return int(str(rng.randrange(1, 10)) + "".join(body))


def _operands(rng: random.Random, size: int, weights: dict[str, float], special=None) -> str:
    """Two operands of a kind drawn by weight: the task's own kinds (a function returning a
    pair, or None to fall back to uniform draws), or the shared zeros/equal/random kinds.
    Either order, with equal chance."""
    kind = pick(rng, weights)
    make = (special or {}).get(kind)
    pair = make(rng, size) if make else None
    if pair is None:
        if kind == "zeros":
            pair = (_with_zeros(rng, size), number(rng, size))
        elif kind == "equal":
            a = number(rng, size)
            pair = (a, a)
        else:
            pair = (number(rng, size), number(rng, size))
    a, b = pair
    return f"{a} {b}" if rng.random() < 0.5 else f"{b} {a}"


def _carry_chain(rng: random.Random, size: int) -> tuple[int, int]:
    """99..9 + x with x's last digit >= 1: a carry through every digit."""
    b = number(rng, size)
    return 10**size - 1, b - b % 10 + rng.randrange(1, 10)


def _borrow_chain(rng: random.Random, size: int) -> tuple[int, int] | None:
    """d00..0 - (d-1)xx..x: a borrow through every digit (none at one digit)."""
    if size == 1:
        return None
    lead = rng.randrange(2, 10)
    return lead * 10 ** (size - 1), (lead - 1) * 10 ** (size - 1) + rng.randrange(1, 10 ** (size - 1))


def _nines(rng: random.Random, size: int) -> tuple[int, int]:
    return 10**size - 1, rng.choice([10**size - 1, number(rng, size)])


def generate_add(rng: random.Random, size: int) -> str:
    return _operands(rng, size, {"random": 5, "carry_chain": 2, "zeros": 1.5, "equal": 1.5},
                     {"carry_chain": _carry_chain})  # fmt: skip


def generate_sub(rng: random.Random, size: int) -> str:
    # Either order, so the result is negative half the time.
    return _operands(rng, size, {"random": 5, "borrow_chain": 2, "equal": 1.5, "zeros": 1.5},
                     {"borrow_chain": _borrow_chain})  # fmt: skip


def generate_mul(rng: random.Random, size: int) -> str:
    return _operands(rng, size, {"random": 6, "nines": 1.5, "zeros": 1.5, "equal": 1}, {"nines": _nines})


def generate_compare(rng: random.Random, size: int) -> str:
    kind = pick(rng, {"random": 3, "equal": 2.5, "last_digit": 2, "middle_digit": 2.5})
    a = number(rng, size)
    if kind == "equal":
        b = a
    elif kind in ("last_digit", "middle_digit"):  # equal prefix, then one differing digit
        digits = list(str(a))
        position = size - 1 if kind == "last_digit" else rng.randrange(size)
        choices = [d for d in "0123456789" if d != digits[position]]
        if position == 0 and size > 1:
            choices = [d for d in choices if d != "0"]
        digits[position] = rng.choice(choices)
        b = int("".join(digits))
    else:
        b = number(rng, size)
    return f"{a} {b}"


def compare(line: str) -> str:
    a, b = _pair(line)
    return "greater" if a > b else "less" if a < b else "equal"


TASKS = [
    Task(
        name="add", category="arithmetic",
        description="the sum of two non-negative integers",
        size_meaning="the number of digits of each operand", sizes=SIZES, max_size=1000,
        input_format=FORMAT_IN, output_format="the sum in decimal", answer_pattern=r"\d+",
        generate=generate_add, reference=lambda line: str(sum(_pair(line))),
        train_templates=(
            "Add the two numbers and give the sum.\n{input}",
            "What is the sum of these two numbers? {input}",
            "Compute a + b for: {input}",
            "Find the total of the two integers below.\n{input}",
        ),
        heldout_templates=(
            "Here are two whole numbers: {input}. Reply with what you get when you put them together by addition.",
            "{input}\nCombine both values into one by adding them; answer with the result only.",
        ),
        edge_cases="carries through every digit (99…9 + x), operands with many zeros, equal operands",
        program_limits="operands up to 16,383 digits each",
    ),
    Task(
        name="sub", category="arithmetic",
        description="the first integer minus the second (the result may be negative)",
        size_meaning="the number of digits of each operand", sizes=SIZES, max_size=1000,
        input_format=FORMAT_IN,
        output_format="the difference in decimal, with a leading '-' when negative ('0', never '-0')", answer_pattern=r"-?\d+",
        generate=generate_sub, reference=lambda line: str(_pair(line)[0] - _pair(line)[1]),
        train_templates=(
            "Subtract the second number from the first.\n{input}",
            "What is a - b for: {input}",
            "Compute the difference of these two numbers (first minus second): {input}",
            "Take the second integer away from the first and give the result.\n{input}",
        ),
        heldout_templates=(
            "Two numbers follow: {input}. How much is left of the left one once the right one is removed? A negative answer is fine.",
            "{input}\nReport the left value reduced by the right value.",
        ),
        edge_cases="borrows through every digit (d00…0 − (d−1)x…x), equal operands (0), negative results half the time",
        program_limits="operands up to 16,383 digits each",
    ),
    Task(
        name="mul", category="arithmetic",
        description="the product of two non-negative integers",
        size_meaning="the number of digits of each operand", sizes=SIZES, max_size=400,
        input_format=FORMAT_IN, output_format="the product in decimal", answer_pattern=r"\d+",
        generate=generate_mul, reference=lambda line: str(_pair(line)[0] * _pair(line)[1]),
        train_templates=(
            "Multiply the two numbers.\n{input}",
            "What is the product of these two numbers? {input}",
            "Compute a * b for: {input}",
            "Give the result of multiplying the integers below.\n{input}",
        ),
        heldout_templates=(
            "{input}\nHow much is the left number taken as many times as the right number says?",
            "Two factors are given: {input}. Respond with what they make together when one scales the other.",
        ),
        edge_cases="all nines, zero and sparse operands, squares",
        program_limits="operands up to 4,095 digits each",
    ),
    Task(
        name="compare", category="arithmetic",
        description="whether the first integer is greater than, less than or equal to the second",
        size_meaning="the number of digits of each operand", sizes=SIZES, max_size=1000,
        input_format=FORMAT_IN,
        output_format="'greater', 'less' or 'equal' (the first compared with the second)", answer_pattern=r"\b(?:greater|less|equal)\b",
        generate=generate_compare, reference=compare,
        train_templates=(
            "Compare the first number with the second. Answer greater, less or equal.\n{input}",
            "Is the first number greater, less or equal to the second? {input}",
            "Say whether a is greater than, less than or equal to b: {input}",
            "Which relation holds between the two numbers, first versus second (greater/less/equal)?\n{input}",
        ),
        heldout_templates=(
            "{input}\nDoes the left value exceed the right one, fall short of it, or match it? Reply greater, less or equal.",
            "Look at these two quantities: {input}. One word: greater, less or equal, describing the left relative to the right.",
        ),
        edge_cases="equal numbers, numbers that differ only in the last digit or in one middle digit",
        program_limits="operands up to 16,383 digits each",
    ),
]  # fmt: skip
