"""What a model is asked in each mode, built from the templates in prompts.toml (data, not code):

- direct: the item's instruction in words (as the task's templates write it);
- trace (the LM as a CPU): the task's RISC-V program and the input line; optionally the first
  k executed instructions before the answer, scored against rv-ref's tracer;
- compile (the LM as a compiler): the task in words and the machine's contract; the answer is
  a program, which the harness assembles and runs (harness/compiled.py).

Few-shot examples are items of the same task and size drawn from an index range no plan
scores (EXAMPLE_BASE and up), and never one whose input is the scored item's.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path

from .base import Item, Task

TEMPLATES_PATH = Path(__file__).with_name("prompts.toml")
EXAMPLE_BASE = 1 << 40  # few-shot examples' item indices: far above any plan's items
EXAMPLE_TRIES = 64  # candidates looked at per example before giving up on a distinct input
OUTPUT_MARKER = "output:"  # with trace_steps, the line that holds the answer


class PromptError(ValueError):
    """A mode or an option a prompt cannot be built for."""


@functools.cache
def templates() -> dict:
    import tomllib

    return tomllib.loads(TEMPLATES_PATH.read_text(encoding="utf-8"))


def templates_digest() -> str:
    """A short hash of prompts.toml, for the manifest: prompts changed, results not comparable."""
    return hashlib.sha256(TEMPLATES_PATH.read_bytes()).hexdigest()[:16]


@dataclass(frozen=True)
class PromptOptions:
    """A model system's options that shape its prompts (plan: [options.<system>])."""

    few_shot: int = 0  # solved examples of the same task before the question
    trace_steps: bool = False  # trace mode: ask for the first trace_k executed instructions too
    trace_k: int = 16

    @classmethod
    def pop_from(cls, options: dict, who: str) -> PromptOptions:
        """Take the prompt options out of a system's options, checked; PromptError names them."""
        few_shot = options.pop("few_shot", 0)
        trace_steps = options.pop("trace_steps", False)
        trace_k = options.pop("trace_k", 16)
        if type(few_shot) is not int or few_shot < 0:
            raise PromptError(f"{who}: few_shot must be a non-negative integer, got {few_shot!r}")
        if type(trace_steps) is not bool:
            raise PromptError(f"{who}: trace_steps must be true or false, got {trace_steps!r}")
        if type(trace_k) is not int or trace_k < 1:
            raise PromptError(f"{who}: trace_k must be a positive integer, got {trace_k!r}")
        return cls(few_shot, trace_steps, trace_k)


def example_items(task: Task, size: int, seed: int, count: int, avoid: set[str], heldout: bool) -> list[Item]:
    """`count` items of the task at this size for few-shot use: indices from EXAMPLE_BASE up,
    none whose input is in `avoid` (the scored items' inputs), inputs distinct where the size
    has that many."""
    chosen: list[Item] = []
    seen = set(avoid)
    index = EXAMPLE_BASE
    while len(chosen) < count and index < EXAMPLE_BASE + EXAMPLE_TRIES * max(count, 1):
        candidate = task.item(size, seed, index, heldout)
        index += 1
        if candidate.input not in seen:
            chosen.append(candidate)
            seen.add(candidate.input)
    return chosen


def _pick(mode: str, index: int, heldout: bool) -> tuple[str, int]:
    """The template an item gets in a mode, and its index (train first, then held-out)."""
    table = templates()[mode]
    train, held = table["train"], table["heldout"]
    if heldout:
        return held[index % len(held)], len(train) + index % len(held)
    return train[index % len(train)], index % len(train)


def direct_prompt(task: Task, item: Item, options: PromptOptions) -> str:
    if not options.few_shot:
        return item.instruction
    table = templates()["direct"]
    shots = example_items(task, item.size, item.seed, options.few_shot, {item.input}, item.heldout)
    examples = "".join(
        table["example"].format(instruction=shot.instruction, output=shot.expected.rstrip("\n"))
        for shot in shots
    )
    return table["with_examples"].format(examples=examples, instruction=item.instruction)


def trace_prompt(
    task: Task, item: Item, options: PromptOptions, memory_size: int = 1 << 20
) -> tuple[str, int]:
    """The trace prompt of an item, and its template index."""
    table = templates()["trace"]
    template, which = _pick("trace", item.index, item.heldout)
    shots = example_items(task, item.size, item.seed, options.few_shot, {item.input}, item.heldout)
    examples = ""
    for shot in shots:
        output = shot.expected.rstrip("\n")
        if options.trace_steps:
            steps = "\n".join(reference_trace(task, shot, options.trace_k, memory_size))
            examples += table["example_steps"].format(
                input=shot.input.rstrip("\n"), steps=steps, output=output
            )
        else:
            examples += table["example"].format(input=shot.input.rstrip("\n"), output=output)
    prompt = template.format(program=task.program_source(), input=item.input.rstrip("\n"), examples=examples)
    if options.trace_steps:
        prompt += "\n\n" + table["steps"].lstrip("\n").format(k=options.trace_k)
    return prompt, which


def compile_prompt(
    task: Task,
    size: int,
    seed: int,
    options: PromptOptions,
    heldout: bool = False,
    memory_size: int = 1 << 20,
) -> str:
    """The one prompt a model gets to write the task's program (examples at `size`)."""
    table = templates()["compile"]
    template, _ = _pick("compile", 0, heldout)
    shots = example_items(task, size, seed, options.few_shot, set(), heldout)
    examples = "".join(
        table["example"].format(input=shot.input.rstrip("\n"), output=shot.expected.rstrip("\n"))
        for shot in shots
    )
    contract = table["contract"].format(memory_size=memory_size)
    return template.format(
        description=task.description, input_format=task.input_format, output_format=task.output_format,
        size_meaning=task.size_meaning, max_size=task.max_size, program_limits=task.program_limits,
        contract=contract, examples=examples + ("\n" if examples else ""),
    )  # fmt: skip


def compile_budget(task: Task, count_tokens=None) -> int:
    """compile mode's default answer budget in tokens: the battery program's own length
    (comments included) in the model's tokens where `count_tokens` counts them, else in bytes
    (a byte-level model's tokens): a generous bound on a program for the same task."""
    source = task.program_source()
    counted = count_tokens(source) if count_tokens is not None else None
    return counted if counted is not None else len(source.encode())


def mode_item(task: Task, item: Item, mode: str, options: PromptOptions, memory_size: int = 1 << 20) -> Item:
    """The item as a model meets it in `mode` (direct or trace): its prompt and answer budget."""
    if mode == "direct":
        return replace(item, instruction=direct_prompt(task, item, options))
    if mode == "trace":
        prompt, which = trace_prompt(task, item, options, memory_size)
        budget = None
        if options.trace_steps:
            expected = "\n".join(reference_trace(task, item, options.trace_k, memory_size))
            expected += f"\n{OUTPUT_MARKER} {item.expected}"
            budget = 2 * len(expected.encode()) + 16  # room for a differently spaced trace
        return replace(item, instruction=prompt, template=which, answer_budget=budget)
    raise PromptError(f"mode '{mode}' has no per-item prompt (compile asks once per task)")


# -- trace mode's instruction trace ------------------------------------------------------------


def trace_line(step) -> str:
    """A retired instruction as trace mode asks for it: `addi a0, zero, 10 ; a0=10`."""
    from ..rv.isa import ABI_NAMES

    if step.rd is None:
        return step.text
    value = step.rd_value - (1 << 32) if step.rd_value & 0x8000_0000 else step.rd_value
    return f"{step.text} ; {ABI_NAMES[step.rd]}={value}"


def reference_trace(task: Task, item: Item, k: int, memory_size: int = 1 << 20) -> list[str]:
    """rv-ref's first k retired instructions on the item, as trace lines (fewer if it stops);
    the prompt's budget, its few-shot examples and the scoring share one run per input."""
    return list(_reference_trace(task.name, str(task.program_path), item.input, k, memory_size))


@functools.lru_cache(maxsize=4096)
def _reference_trace(name: str, path: str, line: str, k: int, memory_size: int) -> tuple[str, ...]:
    from ..rv.errors import Trap
    from ..rv.machine import Limits
    from ..rv.ref import ReferenceMachine
    from .check import program_for

    steps: list = []
    program = program_for(name, path)
    machine = ReferenceMachine(program, line.encode(), Limits(max_steps=k, memory_size=memory_size),
                               tracer=steps.append)  # fmt: skip
    try:
        while machine.io.exit_code is None and len(steps) < k:
            machine.step()
    except Trap:
        pass
    return tuple(trace_line(step) for step in steps[:k])


def normalize_trace_line(line: str) -> str:
    """A trace line compared loosely: lower case, one space between words, none around commas."""
    line = line.strip().strip("`").strip().lower()
    line = re.sub(r"\s+", " ", line)
    return re.sub(r"\s*([,;=()])\s*", r"\1", line)


def split_traced_answer(text: str) -> tuple[list[str], str]:
    """A trace_steps answer -> (its trace lines, the answer after the last `output:` marker; ""
    when there is none)."""
    lines = text.splitlines()
    for at in range(len(lines) - 1, -1, -1):
        head = lines[at].strip()
        if head.lower().startswith(OUTPUT_MARKER):
            steps = [line for line in lines[:at] if line.strip()]
            return steps, head[len(OUTPUT_MARKER) :].strip()
    return [line for line in lines if line.strip()], ""


def trace_agreement(steps: list[str], reference: list[str], k: int) -> int:
    """How many of the first k trace lines agree with the reference before the first that does
    not (a prefix match)."""
    agree = 0
    for mine, theirs in zip(steps[:k], reference[:k], strict=False):
        if normalize_trace_line(mine) != normalize_trace_line(theirs):
            break
        agree += 1
    return agree


# -- compile mode's answer ---------------------------------------------------------------------

_FENCE = re.compile(r"^[ \t]*(```+|~~~+)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.S | re.M)
_OPEN_FENCE = re.compile(r"^[ \t]*(```+|~~~+)[^\n]*\n(.*)\Z", re.S | re.M)


@functools.cache
def _words() -> frozenset[str]:
    from ..rv.assembler import PSEUDOS
    from ..rv.isa import SPECS

    return frozenset(SPECS) | frozenset(PSEUDOS)


def looks_like_assembly(text: str) -> bool:
    """True when some line starts (after an optional label) with an instruction the assembler
    knows: how a program is told from prose."""
    words = _words()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        while re.match(r"^[A-Za-z_.$0-9]+:", line):
            line = line.split(":", 1)[1].strip()
        head = line.split(None, 1)[0].lower() if line else ""
        if head in words:
            return True
    return False


def extract_program(text: str) -> str | None:
    """The program in a compile answer: the first fenced block that holds assembly, else the
    whole answer when it is assembly (a fence left open at the end counts), else None."""
    for match in _FENCE.finditer(text):
        if looks_like_assembly(match.group(2)):
            return match.group(2)
    opened = _OPEN_FENCE.search(text)
    if opened and looks_like_assembly(opened.group(2)):
        return opened.group(2)
    if "```" not in text and looks_like_assembly(text):
        return text
    return None
