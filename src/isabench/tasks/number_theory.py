"""Number theory and control flow: gcd, fib, is_prime, collatz, to_binary, parity."""

from __future__ import annotations

import math
import random

from .base import Task, number, pick

WORD_SIZES = (1, 2, 3, 4, 6, 9)  # the machine's registers hold 32 bits: up to 9 decimal digits
NUMBER_IN = "one non-negative decimal integer of `size` digits (no leading zeros)"


def is_prime_number(n: int) -> bool:
    """Trial division: plain and obviously right for n < 10**9."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    divisor = 3
    while divisor * divisor <= n:
        if n % divisor == 0:
            return False
        divisor += 2
    return True


def next_prime(n: int) -> int:
    while not is_prime_number(n):
        n += 1
    return n


def digit_range(size: int) -> tuple[int, int]:
    return (0 if size == 1 else 10 ** (size - 1)), 10**size - 1


def generate_gcd(rng: random.Random, size: int) -> str:
    kind = pick(rng, {"random": 3, "shared_factor": 3, "multiple": 1.5, "equal": 1, "coprime": 1.5})
    low, high = digit_range(size)
    a = number(rng, size)
    if kind == "shared_factor" and size > 1:  # both multiples of a large common factor
        g = number(rng, max(1, size // 2))
        lo, hi = -(-max(low, 1) // max(g, 1)), high // max(g, 1)
        if g and lo <= hi:
            a, b = g * rng.randint(lo, hi), g * rng.randint(lo, hi)
            return f"{a} {b}"
    if kind == "multiple" and a and high // a >= 2 and a * 2 >= low:
        return f"{a * rng.randint(max(1, -(-low // a)), high // a)} {a}"
    if kind == "equal":
        return f"{a} {a}"
    b = number(rng, size)
    if kind == "coprime":
        while math.gcd(a, b) != 1 and size > 1:
            b = number(rng, size)
    return f"{a} {b}"


def generate_fib(rng: random.Random, size: int) -> str:
    """n from the upper half of 0..size, and n = size itself one time in five."""
    if size <= 2 or rng.random() < 0.2:
        return str(rng.randint(0, size) if size <= 2 else size)
    return str(rng.randint((size + 1) // 2, size))


def fib(line: str) -> str:
    a, b = 0, 1
    for _ in range(int(line)):
        a, b = b, a + b
    return str(a)


def generate_is_prime(rng: random.Random, size: int) -> str:
    """Primes half the time; hard composites (products of two primes near the square root) and
    ordinary composites the other half."""
    low, high = digit_range(size)
    if size == 1:
        return str(rng.randrange(10))
    kind = pick(rng, {"prime": 5, "semiprime": 2, "composite": 3})
    if kind == "prime":
        candidate = next_prime(rng.randint(low, high))
        return str(candidate if candidate <= high else next_prime(low))
    if kind == "semiprime":
        p = next_prime(rng.randint(math.isqrt(low), math.isqrt(high)))
        for q in (p, next_prime(p + 1), next_prime(p + 2 * rng.randint(1, 20))):
            if low <= p * q <= high:
                return str(p * q)
    while True:
        n = rng.randint(low, high)
        if not is_prime_number(n):
            return str(n)


def generate_collatz(rng: random.Random, size: int) -> str:
    kind = pick(rng, {"random": 8, "power_of_two": 1, "all_nines": 1})
    low, high = digit_range(size)
    if kind == "power_of_two":
        return str(rng.choice(_powers_of_two(low, high)))
    if kind == "all_nines":
        return str(high)
    return str(max(1, number(rng, size)))


def collatz(line: str) -> str:
    n, steps = int(line), 0
    while n > 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return str(steps)


def _powers_of_two(low: int, high: int) -> list[int]:
    return [1 << k for k in range(31) if low <= 1 << k <= high]


def generate_to_binary(rng: random.Random, size: int) -> str:
    kind = pick(rng, {"random": 7, "power_of_two": 1.5, "all_ones": 1.5})
    low, high = digit_range(size)
    if kind == "power_of_two":
        return str(rng.choice(_powers_of_two(low, high)))
    if kind == "all_ones":
        ones = [(1 << k) - 1 for k in range(32) if low <= (1 << k) - 1 <= high]
        if ones:
            return str(rng.choice(ones))
    return str(number(rng, size))


def generate_parity(rng: random.Random, size: int) -> str:
    kind = pick(rng, {"random": 7, "all_zeros": 1, "all_ones": 1, "single_one": 1})
    if kind == "all_zeros":
        return "0" * size
    if kind == "all_ones":
        return "1" * size
    if kind == "single_one":
        position = rng.randrange(size)
        return "0" * position + "1" + "0" * (size - position - 1)
    return "".join(rng.choice("01") for _ in range(size))


TASKS = [
    Task(
        name="gcd", category="number_theory", description="the greatest common divisor of two integers",
        size_meaning="the number of digits of each integer", sizes=WORD_SIZES, max_size=9,
        input_format="two non-negative decimal integers of `size` digits each, separated by one space",
        output_format="their greatest common divisor (gcd(a, 0) = a, gcd(0, 0) = 0)", answer_pattern=r"\d+",
        generate=generate_gcd, reference=lambda line: str(math.gcd(*map(int, line.split()))),
        train_templates=(
            "Find the greatest common divisor of the two numbers.\n{input}",
            "What is the GCD of these two numbers? {input}",
            "Compute gcd(a, b) for: {input}",
            "Give the largest number that divides both integers.\n{input}",
        ),
        heldout_templates=(
            "{input}\nWhat is the biggest whole number that goes evenly into each of these?",
            "Report the highest shared factor of this pair: {input}",
        ),
        edge_cases="a large shared factor, one a multiple of the other, equal, coprime, zeros at size 1",
        program_limits="each integer up to 999,999,999",
    ),
    Task(
        name="fib", category="number_theory",
        description="the n-th Fibonacci number, exactly (F(0) = 0, F(1) = 1)",
        size_meaning="the largest n: n is drawn from the upper half of 0..size, and is size itself one time in five",
        sizes=(2, 4, 8, 16, 32, 64, 128), max_size=2000,
        input_format="n, a non-negative decimal integer", output_format="F(n) in decimal, every digit", answer_pattern=r"\d+",
        generate=generate_fib, reference=fib,
        train_templates=(
            "Give the n-th Fibonacci number, where F(0) = 0 and F(1) = 1.\n{input}",
            "What is Fibonacci number n (F0 = 0, F1 = 1)? n = {input}",
            "Compute F(n) for the Fibonacci sequence starting 0, 1: {input}",
            "Return the Fibonacci number at index n (0-based, starting 0, 1, 1, 2).\n{input}",
        ),
        heldout_templates=(
            "{input}\nStart from 0 and 1; each next term adds the previous two. Which term sits at this position (counting from 0)?",
            "In the sequence 0, 1, 1, 2, 3, 5, 8, ... report the entry whose zero-based position is {input}",
        ),
        edge_cases="n = 0, 1, 2 at the smallest sizes, n = size",
        program_limits="n up to 2,000 (418 digits)",
    ),
    Task(
        name="is_prime", category="number_theory", description="whether the integer is prime",
        size_meaning="the number of digits", sizes=WORD_SIZES, max_size=9,
        input_format=NUMBER_IN, output_format="'yes' or 'no' (0 and 1 are not prime)", answer_pattern=r"\b(?:yes|no)\b",
        generate=generate_is_prime, reference=lambda line: "yes" if is_prime_number(int(line)) else "no",
        train_templates=(
            "Is the number prime? Answer yes or no.\n{input}",
            "Answer yes if this number is prime and no otherwise: {input}",
            "Is {input} a prime number (yes/no)?",
            "Determine whether the integer is prime. Reply yes or no.\n{input}",
        ),
        heldout_templates=(
            "{input}\nCan this be divided evenly only by 1 and itself (and is it above 1)? Say yes or no.",
            "Does this value have exactly two distinct divisors? One word, yes or no: {input}",
        ),
        edge_cases="primes half the time, products of two primes near the square root, 0 and 1",
        program_limits="up to 2,147,483,647",
    ),
    Task(
        name="collatz", category="number_theory",
        description="how many Collatz steps (n -> n/2 if even, 3n+1 if odd) take n to 1",
        size_meaning="the number of digits", sizes=WORD_SIZES, max_size=9, input_format=NUMBER_IN.replace("non-negative", "positive"),
        output_format="the number of steps in decimal (0 for n = 1)", answer_pattern=r"\d+",
        generate=generate_collatz, reference=collatz,
        train_templates=(
            "Count the Collatz steps to reach 1: halve even numbers, map odd n to 3n+1.\n{input}",
            "How many steps of the Collatz rule (n/2 if even, 3n+1 if odd) bring this number to 1? {input}",
            "Give the Collatz stopping time (steps until 1) of: {input}",
            "Apply n -> n/2 for even n and n -> 3n+1 for odd n until n is 1; how many steps?\n{input}",
        ),
        heldout_templates=(
            "{input}\nRepeatedly halve the value when it is even, otherwise triple it and add one. After how many moves does it become 1?",
            "Starting from {input}, play the 3x+1 game; report the number of moves needed to land on 1.",
        ),
        edge_cases="1 (0 steps), powers of two, 99…9; intermediate values beyond 32 bits",
        program_limits="n up to 999,999,999 (64-bit intermediate values)",
    ),
    Task(
        name="to_binary", category="number_theory", description="the integer written in base 2",
        size_meaning="the number of decimal digits", sizes=WORD_SIZES, max_size=9, input_format=NUMBER_IN,
        output_format="binary digits without leading zeros ('0' for 0)", answer_pattern=r"\b[01]+\b",
        generate=generate_to_binary, reference=lambda line: format(int(line), "b"),
        train_templates=(
            "Convert the number to binary.\n{input}",
            "Write this decimal number in base 2: {input}",
            "Give the binary representation of: {input}",
            "Express the integer in binary, without leading zeros.\n{input}",
        ),
        heldout_templates=(
            "{input}\nRewrite this quantity using only the digits 0 and 1, as powers of two.",
            "What does this decimal value look like to a computer, as a plain string of bits? {input}",
        ),
        edge_cases="0, powers of two, 2^k − 1 (all ones)",
        program_limits="up to 2,147,483,647",
    ),
    Task(
        name="parity", category="number_theory",
        description="the parity of a bit string: 1 if it has an odd number of ones, else 0",
        size_meaning="the number of bits", sizes=(1, 2, 4, 8, 16, 32, 64), max_size=4096,
        input_format="`size` characters, each 0 or 1", output_format="'1' for an odd number of ones, '0' for even", answer_pattern=r"\b[01]\b",
        generate=generate_parity, reference=lambda line: str(line.count("1") % 2),
        train_templates=(
            "Give the parity of the bit string: 1 if it has an odd number of ones, else 0.\n{input}",
            "Is the number of 1s odd (answer 1) or even (answer 0)? {input}",
            "Compute the XOR of all the bits: {input}",
            "Return the parity bit (count of ones mod 2) of the string.\n{input}",
        ),
        heldout_templates=(
            "{input}\nCount the ones; reply 1 when that count cannot be split into pairs, and 0 when it can.",
            "If you flip a switch once per '1' in this sequence, starting off, is it on (1) or off (0) at the end? {input}",
        ),
        edge_cases="all zeros, all ones, a single one",
        program_limits="up to 32,768 bits",
    ),
]  # fmt: skip
