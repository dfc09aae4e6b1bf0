"""Strings of `size` lowercase letters: reverse_string, uppercase, palindrome, vowels, caesar, rle."""

from __future__ import annotations

import random
import string

from .base import Task, pick

SIZES = (1, 2, 4, 8, 16, 32, 64)
LETTERS = string.ascii_lowercase
VOWELS = "aeiou"
WORD_IN = "`size` lowercase letters a-z"
MAX_LENGTH = 4096


def word(rng: random.Random, size: int, alphabet: str = LETTERS) -> str:
    return "".join(rng.choice(alphabet) for _ in range(size))


def varied_word(rng: random.Random, size: int) -> str:
    """A word with a deliberate shape: uniform, one repeated letter, a palindrome, few letters."""
    kind = pick(rng, {"random": 5, "one_letter": 1, "palindrome": 1, "two_letters": 1})
    if kind == "one_letter":
        return rng.choice(LETTERS) * size
    if kind == "palindrome":
        return palindrome_word(rng, size)
    if kind == "two_letters":
        return word(rng, size, "".join(rng.sample(LETTERS, 2)))
    return word(rng, size)


def palindrome_word(rng: random.Random, size: int) -> str:
    half = word(rng, size // 2)
    middle = rng.choice(LETTERS) if size % 2 else ""
    return half + middle + half[::-1]


def generate_palindrome(rng: random.Random, size: int) -> str:
    """Half palindromes; the rest near-misses (one letter changed) or random words."""
    kind = pick(rng, {"palindrome": 5, "near_miss": 3, "random": 2})
    text = palindrome_word(rng, size)
    if kind == "near_miss" and size > 1:
        position = rng.randrange(size)
        if size % 2 and position == size // 2:  # the middle letter never breaks a palindrome
            position = 0
        others = [c for c in LETTERS if c != text[position]]
        text = text[:position] + rng.choice(others) + text[position + 1 :]
    elif kind == "random":
        text = word(rng, size)
    return text


def generate_vowels(rng: random.Random, size: int) -> str:
    kind = pick(rng, {"random": 6, "all_vowels": 1, "no_vowels": 1})
    if kind == "all_vowels":
        return word(rng, size, VOWELS)
    if kind == "no_vowels":
        return word(rng, size, "".join(c for c in LETTERS if c not in VOWELS))
    return word(rng, size)


def generate_caesar(rng: random.Random, size: int) -> str:
    shift = rng.choice([0, 1, 13, 25, rng.randrange(26), rng.randrange(26)])
    alphabet = pick(rng, {"any": 3, "wraps": 1})  # letters near z make every letter wrap
    text = word(rng, size, "uvwxyz" if alphabet == "wraps" else LETTERS)
    return f"{shift} {text}"


def caesar(line: str) -> str:
    shift, text = line.split(" ", 1)
    k = int(shift)
    return "".join(chr((ord(c) - 97 + k) % 26 + 97) for c in text)


def generate_rle(rng: random.Random, size: int) -> str:
    """Runs of varied lengths, including runs of 10 or more (two-digit counts)."""
    kind = pick(rng, {"runs": 5, "one_run": 1, "alternating": 1, "random": 1})
    if kind == "one_run":
        return rng.choice(LETTERS) * size
    if kind == "alternating":
        a, b = rng.sample(LETTERS, 2)
        return "".join(a if i % 2 == 0 else b for i in range(size))
    if kind == "random":
        return word(rng, size)
    out, previous = [], ""
    while len(out) < size:
        letter = rng.choice([c for c in "abcdefgh" if c != previous])
        out += [letter] * rng.choice([1, 1, 2, 3, 4, 9, 10, 12, 27])
        previous = letter
    return "".join(out[:size])


def rle(text: str) -> str:
    runs, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and text[j] == text[i]:
            j += 1
        runs.append(f"{j - i}{text[i]}")
        i = j
    return "".join(runs)


TASKS = [
    Task(
        name="reverse_string", category="strings", description="the string reversed",
        size_meaning="the number of letters", sizes=SIZES, max_size=MAX_LENGTH,
        input_format=WORD_IN, output_format="the letters in reverse order", answer_pattern=r"\b[a-z]+\b",
        generate=varied_word, reference=lambda line: line[::-1],
        train_templates=(
            "Reverse the string.\n{input}",
            "Write these letters backwards: {input}",
            "Give the string in reverse order: {input}",
            "Spell the word from its last letter to its first.\n{input}",
        ),
        heldout_templates=(
            "{input}\nRead this from right to left and write down what you read.",
            "Mirror the character sequence so the final character leads: {input}",
        ),
        edge_cases="palindromes, one repeated letter, two-letter alphabets, one letter",
        program_limits="up to 32,768 letters",
    ),
    Task(
        name="uppercase", category="strings", description="the string in capital letters",
        size_meaning="the number of letters", sizes=SIZES, max_size=MAX_LENGTH,
        input_format=WORD_IN, output_format="the same letters A-Z", answer_pattern=r"\b[A-Z]+\b",
        generate=varied_word, reference=str.upper,
        train_templates=(
            "Convert the string to uppercase.\n{input}",
            "Write these letters in capitals: {input}",
            "Give the uppercase version of: {input}",
            "Change every letter to upper case.\n{input}",
        ),
        heldout_templates=(
            "{input}\nShout this word: same letters, all of them in their large form.",
            "Produce the all-caps rendering of this text: {input}",
        ),
        edge_cases="one repeated letter, one letter",
        program_limits="up to 32,768 letters",
    ),
    Task(
        name="palindrome", category="strings",
        description="whether the string reads the same backwards",
        size_meaning="the number of letters", sizes=SIZES, max_size=MAX_LENGTH,
        input_format=WORD_IN, output_format="'yes' or 'no'", answer_pattern=r"\b(?:yes|no)\b",
        generate=generate_palindrome, reference=lambda line: "yes" if line == line[::-1] else "no",
        train_templates=(
            "Is the string a palindrome? Answer yes or no.\n{input}",
            "Does this word read the same forwards and backwards (yes/no)? {input}",
            "Answer yes if the string is a palindrome, otherwise no: {input}",
            "Check whether the letters form a palindrome. Reply yes or no.\n{input}",
        ),
        heldout_templates=(
            "{input}\nIf I read this from the end, do I get exactly the same thing? Say yes or no.",
            "Is this character sequence symmetric around its centre? One word, yes or no: {input}",
        ),
        edge_cases="palindromes half the time (odd and even length), near misses with one letter changed",
        program_limits="up to 32,768 letters",
    ),
    Task(
        name="vowels", category="strings", description="the number of vowels (a, e, i, o, u)",
        size_meaning="the number of letters", sizes=SIZES, max_size=MAX_LENGTH,
        input_format=WORD_IN, output_format="the count of a, e, i, o, u in decimal", answer_pattern=r"\d+",
        generate=generate_vowels, reference=lambda line: str(sum(c in VOWELS for c in line)),
        train_templates=(
            "Count the vowels (a, e, i, o, u) in the string.\n{input}",
            "How many vowels are in this word? {input}",
            "Give the number of vowels in: {input}",
            "Return how many of the letters are a, e, i, o or u.\n{input}",
        ),
        heldout_templates=(
            "{input}\nHow many characters here belong to the set a e i o u?",
            "Tell me the vowel total (y does not count) for this text: {input}",
        ),
        edge_cases="all vowels, no vowels, one letter",
        program_limits="up to 32,768 letters",
    ),
    Task(
        name="caesar", category="strings",
        description="each letter shifted forward in the alphabet by k, wrapping from z to a",
        size_meaning="the number of letters", sizes=SIZES, max_size=MAX_LENGTH,
        input_format="k (0..25), a space, then `size` lowercase letters, e.g. `3 xyz`",
        output_format="the shifted letters", answer_pattern=r"\b[a-z]+\b",
        generate=generate_caesar, reference=caesar,
        train_templates=(
            "Apply a Caesar shift: move each letter forward by the number given first, wrapping z to a.\n{input}",
            "Shift every letter of the word by k places (k comes first): {input}",
            "Encrypt with a Caesar cipher using the leading number as the shift: {input}",
            "Rotate each letter forward by k in the alphabet, where the input is k then the text.\n{input}",
        ),
        heldout_templates=(
            "{input}\nThe number is a key. Replace every letter by the one that many steps later in a-z, looping after z.",
            "Encode the text after the number by advancing each character through the alphabet by that amount: {input}",
        ),
        edge_cases="shifts 0, 1, 13 and 25, words of u-z whose letters all wrap",
        program_limits="up to 32,765 letters",
    ),
    Task(
        name="rle", category="strings",
        description="run-length encoding: each run of a letter as its length then the letter",
        size_meaning="the number of letters", sizes=SIZES, max_size=MAX_LENGTH,
        input_format=WORD_IN, output_format="count then letter for each run, e.g. aaabcc -> 3a1b2c", answer_pattern=r"(?:\d+[a-z])+",
        generate=generate_rle, reference=rle,
        train_templates=(
            "Run-length encode the string: write each run as its length followed by the letter.\n{input}",
            "Compress the word with run-length encoding (count then letter): {input}",
            "Give the run-length encoding, like aaab -> 3a1b, of: {input}",
            "Replace each group of repeated letters by its size and the letter.\n{input}",
        ),
        heldout_templates=(
            "{input}\nDescribe this text as blocks of identical characters: for each block, how many then which one.",
            "Shorten the letters by stating each streak's length before its character: {input}",
        ),
        edge_cases="runs of 10 or more (two-digit counts), one run, alternating letters",
        program_limits="up to 32,768 letters",
    ),
]  # fmt: skip
