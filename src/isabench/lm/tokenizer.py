"""Byte-level tokenizer: ids 0-255 are the bytes themselves, then four special tokens.

A prompt is `<user>` + instruction bytes + `<assistant>`; the model answers with bytes and
ends with `<eos>`. `<pad>` fills batches and is never attended to.
"""

from __future__ import annotations

PAD, USER, ASSISTANT, EOS = 256, 257, 258, 259
SPECIAL_TOKENS = {"<pad>": PAD, "<user>": USER, "<assistant>": ASSISTANT, "<eos>": EOS}
VOCAB_SIZE = 260


def encode_text(text: str) -> list[int]:
    """UTF-8 bytes of text as token ids."""
    return list(text.encode("utf-8"))


def decode_ids(ids: list[int]) -> str:
    """Token ids back to text; special tokens are dropped, invalid UTF-8 replaced."""
    return bytes(i for i in ids if i < 256).decode("utf-8", errors="replace")


def encode_prompt(instruction: str) -> list[int]:
    """The ids the model is given: <user> instruction <assistant>."""
    return [USER, *encode_text(instruction), ASSISTANT]


def encode_answer(answer: str) -> list[int]:
    """The ids the model must produce: the answer bytes and <eos>."""
    return [*encode_text(answer), EOS]
