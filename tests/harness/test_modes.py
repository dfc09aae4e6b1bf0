"""Modes: direct, trace (the LM as a CPU) and compile (the LM as a compiler).

The model in the end-to-end tests is a scripted backend behind the real ModelSystem adapter:
its answers come from a fixed list, so what is under test is the rest of the pipeline, real:
prompts, the assembler, the sandboxed machine, the records and the cost accounting.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from isabench.harness import systems as systems_module
from isabench.harness.compiled import amortised_rows, break_even, cost_per_correct
from isabench.harness.plan import PlanError, build_plan, shard_cells
from isabench.harness.records import read_compiles, read_manifest, read_records
from isabench.harness.runner import Runner, merge
from isabench.lm.backends.base import Backend
from isabench.lm.generate import Generation
from isabench.tasks import get_task
from isabench.tasks.prompts import (
    EXAMPLE_BASE,
    PromptOptions,
    compile_prompt,
    example_items,
    extract_program,
    mode_item,
    reference_trace,
    split_traced_answer,
    templates,
    trace_agreement,
)

MEMORY = 1 << 20


class ScriptedBackend(Backend):
    """A model whose answer to each prompt is looked up in `answers` (prompt -> text); every
    call is counted. Costs are made up but deterministic: 4 bytes a token, 1,000 FLOPs a token."""

    family = "scripted"
    source_key = "script"
    answers: dict[str, str] = {}
    default: str = "no idea"
    calls: list[int] = []

    def __init__(self, device: str, options: dict):
        super().__init__(device, options)
        options.pop("script")

    def load(self) -> dict:
        return {"script": len(self.answers)}

    def prompt_tokens(self, prompt: str) -> int:
        return len(prompt) // 4

    @property
    def context(self) -> int | None:
        return self.context_tokens

    context_tokens: int | None = None

    def generate(self, prompts: list[str], max_new_tokens: int) -> list[Generation]:
        ScriptedBackend.calls.append(len(prompts))
        out = []
        for prompt in prompts:
            text = self.answers.get(prompt, self.default)
            tokens = len(text) // 4 + 1
            out.append(Generation(
                text=text, tokens=None, tokens_in=len(prompt) // 4, tokens_out=tokens, ttft_s=1e-4,
                latency_s=2e-4, flops=1000 * tokens, kv_cache_bytes=0, param_bytes=0, stopped="eos",
            ))  # fmt: skip
        return out


@pytest.fixture
def scripted(monkeypatch):
    monkeypatch.setitem(systems_module.FAMILIES, "scripted", ScriptedBackend)
    monkeypatch.setattr(ScriptedBackend, "answers", {})
    monkeypatch.setattr(ScriptedBackend, "calls", [])
    monkeypatch.setattr(ScriptedBackend, "context_tokens", None)
    return ScriptedBackend


def run_plan(tmp_path: Path, name: str = "run", shard=None, **plan) -> tuple[Path, list[dict]]:
    run_dir = tmp_path / name
    Runner.start(build_plan(None, None, plan), run_dir, shard, progress=False).run()
    return run_dir, read_records(run_dir)


def fenced(source: str, lang: str = "asm") -> str:
    return f"Here is the program.\n\n```{lang}\n{source}```\n\nIt reads the line and prints the answer."


# -- prompts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("heldout", [False, True])
@pytest.mark.parametrize("few_shot", [0, 2])
@pytest.mark.parametrize("mode", ["direct", "trace", "compile"])
def test_prompts_of_every_mode_and_template_kind(mode: str, few_shot: int, heldout: bool) -> None:
    task = get_task("add")
    options = PromptOptions(few_shot=few_shot)
    item = task.item(3, seed=5, index=1, heldout=heldout)
    train = len(templates()["trace"]["train"])
    if mode == "compile":
        prompt = compile_prompt(task, 3, 5, options, heldout, MEMORY)
        assert task.description in prompt and task.input_format in prompt and task.output_format in prompt
        assert "a7 = 63" in prompt and "a7 = 64" in prompt and "a7 = 93" in prompt and str(MEMORY) in prompt
        assert prompt.count("Example: input line") == few_shot
        template = templates()["compile"]["heldout" if heldout else "train"][0]
        assert prompt.startswith(template.split("\n", 1)[0])
        return
    asked = mode_item(task, item, mode, options, MEMORY)
    line = item.input.rstrip("\n")
    if mode == "direct":
        assert asked.instruction.endswith(item.instruction) and asked.template == item.template
        assert (
            asked.instruction == item.instruction
            if not few_shot
            else asked.instruction.count("\n\n") == few_shot
        )
    else:
        assert task.program_source() in asked.instruction and line in asked.instruction
        assert asked.instruction.count("The program prints:") == few_shot
        assert (asked.template >= train) == heldout
    assert asked.expected == item.expected and asked.input == item.input  # scored as direct is


def test_direct_without_examples_is_the_instruction_lm_builtin_was_trained_on() -> None:
    task = get_task("reverse_string")
    for index in range(20):
        item = task.item(4, 0, index)
        assert mode_item(task, item, "direct", PromptOptions(), MEMORY) == item


def test_the_scored_item_is_never_among_its_examples() -> None:
    task = get_task("add")  # size 1: a hundred possible inputs, so scored items and examples meet
    first = example_items(task, 1, 0, 1, set(), False)[0]
    clashing = [task.item(1, 0, i) for i in range(200) if task.item(1, 0, i).input == first.input]
    assert clashing, "no scored item shares the first example's input; pick another seed"
    for item in [task.item(1, 0, i) for i in range(200)]:
        shots = example_items(task, 1, 0, 3, {item.input}, False)
        assert len(shots) == 3 and all(s.index >= EXAMPLE_BASE for s in shots)
        assert item.input not in {s.input for s in shots}
        for mode in ("direct", "trace"):
            prompt = mode_item(task, item, mode, PromptOptions(few_shot=3), MEMORY).instruction
            head = prompt.split(item.input.rstrip("\n"))[0] if mode == "trace" else ""
            if mode == "direct":
                shown = [s for s in shots if s.instruction in prompt]
                assert len(shown) == 3
            else:
                assert all(f"Input line: {s.input.rstrip()}" in head for s in shots)


@pytest.mark.parametrize(
    "answer, program",
    [
        ("```asm\nli a0, 1\n```", "li a0, 1\n"),
        ("Sure.\n```\n_start: j _start\n```\nDone.", "_start: j _start\n"),
        ("~~~riscv\naddi a0, a0, 1\n~~~", "addi a0, a0, 1\n"),
        ("```text\nThis reads the line.\n```\n```s\nret\n```", "ret\n"),
        ("_start:\n  li a7, 93\n  ecall\n", "_start:\n  li a7, 93\n  ecall\n"),
        ("```asm\n  li a7, 93\n  ecall\n", "  li a7, 93\n  ecall\n"),  # a fence left open at the end
        ("I would add the two numbers digit by digit.", None),
        ("```python\nprint(sum(map(int, input().split())))\n```", None),
        ("", None),
    ],
)
def test_a_program_is_taken_from_a_fenced_block_or_the_whole_answer(answer: str, program: str | None) -> None:
    assert extract_program(answer) == program


def test_tasks_prompt_prints_the_prompt_and_rejects_a_bad_mode() -> None:
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "isabench", "tasks", "prompt", *args],
                              capture_output=True, text=True, timeout=120)  # fmt: skip

    done = cli("add", "--mode", "trace", "--size", "2", "--trace-steps", "--trace-k", "4")
    task = get_task("add")
    item = task.item(2, 777_000, 0)
    expected = mode_item(task, item, "trace", PromptOptions(trace_steps=True, trace_k=4), MEMORY).instruction
    assert done.returncode == 0 and done.stdout == expected + "\n"
    bad = cli("add", "--mode", "poetry", "--size", "2")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "unknown mode 'poetry'" in bad.stderr
    bad = cli("add", "--mode", "compile", "--size", "0")
    assert bad.returncode == 2 and "out of range" in bad.stderr and bad.stderr.count("\n") == 1


# -- plans ------------------------------------------------------------------------------------


def test_modes_are_a_plan_dimension_and_machines_are_mode_less() -> None:
    plan = build_plan(None, None, {"systems": ["rv-ref", "lm-builtin"], "tasks": ["add"],
                                   "sizes": {"add": [2, 3]},
                                   "modes": ["direct", "trace", "compile"]})  # fmt: skip
    cells = plan.cells()
    assert [(c.system, c.mode) for c in cells if c.size == 2] == [
        ("rv-ref", None), ("lm-builtin", "direct"), ("lm-builtin", "trace"), ("lm-builtin", "compile"),
    ]  # fmt: skip
    assert build_plan("full").modes == ("direct", "trace", "compile") and build_plan("quick").modes == (
        "direct",
    )
    for modes, message in ((["poetry"], "unknown mode 'poetry'"), (["trace", "trace"], "listed twice"),
                           ([], "no modes"), ("trace", None)):  # fmt: skip
        if message is None:
            assert build_plan(None, None, {"modes": modes}).modes == ("trace",)
            continue
        with pytest.raises(PlanError, match=message):
            build_plan(None, None, {"modes": modes})


def test_a_tasks_compile_cells_stay_in_one_shard() -> None:
    plan = build_plan(None, None, {"systems": ["rv-ref", "lm-builtin"], "tasks": ["add", "gcd"],
                                   "modes": ["direct", "compile"]})  # fmt: skip
    seen = []
    for i in (1, 2, 3):
        mine = shard_cells(plan.cells(), (i, 3))
        seen += mine
        groups = {(c.task, c.mode) for c in mine if c.mode == "compile"}
        for task, _ in groups:
            assert {c.size for c in mine if c.task == task and c.mode == "compile"} == set(
                plan.task_sizes(task)
            )
    assert sorted(map(repr, seen)) == sorted(map(repr, plan.cells()))


# -- compile, end to end ----------------------------------------------------------------------

LOOP = "    .text\n    .globl _start\n_start:\n    j _start\n"
OUT_OF_MEMORY = "_start:\n    li t0, 0x7ffffff0\n    sw zero, 0(t0)\n    li a7, 93\n    ecall\n"
UNKNOWN_ECALL = "_start:\n    li a7, 999\n    ecall\n"
NOT_ASSEMBLY = "_start:\n    li a0, 1\n    addi a0, a0\n"  # line 3: addi needs three operands
ENDLESS_OUTPUT = "_start:\n    la a1, msg\n1:  li a0, 1\n    li a2, 4\n    li a7, 64\n    ecall\n    j 1b\n" \
    "    .data\nmsg: .ascii \"abc\\n\"\n"  # fmt: skip
TOO_BIG = "_start:\n    li a7, 93\n    ecall\n    .bss\nbuf: .space 4000000\n"
PROSE = "To add two numbers, line them up and carry the tens. I cannot write assembly, sorry."
COMPILE_TASKS = {
    "add": None,  # its own program: filled in by the test
    "reverse_string": LOOP,
    "sort": OUT_OF_MEMORY,
    "parity": UNKNOWN_ECALL,
    "max": NOT_ASSEMBLY,
    "count": ENDLESS_OUTPUT,
    "fib": TOO_BIG,
    "sum": PROSE,
}


def compile_answers(plan_sizes: dict[str, list[int]], seed: int) -> dict[str, str]:
    answers = {}
    for name, source in COMPILE_TASKS.items():
        task = get_task(name)
        if source is None:
            source = task.program_source()
        prompt = compile_prompt(task, plan_sizes.get(name, [2])[0], seed, PromptOptions(), False, MEMORY)
        answers[prompt] = source if source is PROSE else fenced(source)
    return answers


def test_compile_runs_the_models_program_in_the_sandbox_on_every_item(tmp_path: Path, scripted) -> None:
    sizes = {name: [2, 3] for name in COMPILE_TASKS}
    scripted.answers = compile_answers(sizes, 11)
    run_dir, records = run_plan(
        tmp_path, systems=["rv-ref", "scripted:fixed"], modes=["compile"], tasks=list(COMPILE_TASKS),
        sizes=sizes, items=3, seed=11, max_steps=20_000, max_output_bytes=4096,
    )  # fmt: skip
    compiled = {r["task"]: r for r in read_compiles(run_dir)}
    assert sorted(compiled) == sorted(COMPILE_TASKS)
    assert scripted.calls == [1] * (1 + len(COMPILE_TASKS))  # an untimed warm-up, then one call per task
    model = [r for r in records if r["system"] == "scripted:fixed"]
    assert len(model) == len(COMPILE_TASKS) * 2 * 3 and {r["mode"] for r in model} == {"compile"}
    by_task: dict[str, list[dict]] = {}
    for r in model:
        by_task.setdefault(r["task"], []).append(r)
    reference = {(r["task"], r["size"], r["index"]): r for r in records if r["system"] == "rv-ref"}

    # (a) the task's own program: every item right, with rv-ref's retired instructions
    assert compiled["add"]["assembled"] and compiled["add"]["error"] is None
    assert compiled["add"]["program"] == get_task("add").program_source()
    assert (
        compiled["add"]["tokens_out"] > 0 and compiled["add"]["ops"] == 1000 * compiled["add"]["tokens_out"]
    )
    for r in by_task["add"]:
        assert (
            r["correct"]
            and r["ops_unit"] == "insn"
            and r["ops"] == reference[("add", r["size"], r["index"])]["ops"]
        )
        assert r["output"] == r["expected"] and r["detail"]["exit_code"] == 0
    # (b) a loop without end: step-limit records, and the run went on
    assert all(
        r["error"]["trap"]["kind"] == "step_limit" and r["ops"] == 20_000 for r in by_task["reverse_string"]
    )
    # (c) hostile programs: typed trap records; a program that does not assemble: line:column
    assert {r["error"]["trap"]["kind"] for r in by_task["sort"]} == {"memory_fault"}
    assert {r["error"]["trap"]["kind"] for r in by_task["parity"]} == {"unknown_syscall"}
    assert {r["error"]["trap"]["kind"] for r in by_task["count"]} == {"output_limit"}
    bad = compiled["max"]["error"]
    assert bad["kind"] == "assemble" and bad["line"] == 3 and bad["message"].startswith("program:3:")
    assert all(
        r["error"]["kind"] == "assemble" and "program:3:" in r["error"]["message"] for r in by_task["max"]
    )
    assert compiled["fib"]["error"]["kind"] == "limits" and "too small" in compiled["fib"]["error"]["message"]
    # (d) prose: no program
    assert compiled["sum"]["error"]["kind"] == "no_program" and compiled["sum"]["program"] is None
    assert all(r["error"]["kind"] == "no_program" and not r["correct"] for r in by_task["sum"])
    for name in COMPILE_TASKS:
        if name != "add":
            assert not any(r["correct"] for r in by_task[name])
    assert read_manifest(run_dir)["status"] == "complete"
    summary = (run_dir / "compile.csv").read_text().splitlines()
    assert len(summary) == 1 + len(COMPILE_TASKS)


def test_a_resumed_compile_run_reuses_the_recorded_program(tmp_path: Path, scripted) -> None:
    sizes = {"add": [2, 3]}
    scripted.answers = compile_answers({"add": [2, 3]}, 11)
    plan = {"systems": ["scripted:fixed"], "modes": ["compile"], "tasks": ["add"], "sizes": sizes, "items": 4,
            "seed": 11}  # fmt: skip
    run_dir, records = run_plan(tmp_path, **plan)
    assert scripted.calls == [1, 1] and all(r["correct"] for r in records)  # warm-up, program
    kept = [r for r in records if r["size"] == 2]
    (run_dir / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in kept))
    Runner.resume(run_dir, progress=False).run()
    again = read_records(run_dir)
    assert scripted.calls == [1, 1] and len(again) == 8 and all(r["correct"] for r in again)
    assert len(read_compiles(run_dir)) == 1


def test_shards_of_a_compile_plan_merge_with_one_program_per_task(tmp_path: Path, scripted) -> None:
    sizes = {"add": [2, 3], "reverse_string": [2, 3]}
    scripted.answers = compile_answers(sizes, 5)
    plan = {"systems": ["rv-ref", "scripted:fixed"], "modes": ["direct", "compile"], "tasks": list(sizes),
            "sizes": sizes, "items": 2, "seed": 5, "max_steps": 5000}  # fmt: skip
    shards = [run_plan(tmp_path, f"s{i}", (i, 2), **plan)[0] for i in (1, 2)]
    merged = tmp_path / "merged"
    merge(shards, merged)
    assert sorted(r["task"] for r in read_compiles(merged)) == ["add", "reverse_string"]
    assert read_manifest(merged)["status"] == "complete" and (merged / "compile.csv").exists()


def test_compiles_budget_is_the_programs_bytes_cut_to_the_context(tmp_path: Path, scripted) -> None:
    task = get_task("sort")  # 10.6 KB of program
    prompt = compile_prompt(task, 2, 0, PromptOptions(), False, MEMORY)
    scripted.context_tokens = len(prompt) // 4 + 1000
    run_dir, _ = run_plan(tmp_path, "fit", systems=["scripted:fixed"], modes=["compile"], tasks=["sort"],
                          sizes={"sort": [2]}, items=1, seed=0)  # fmt: skip
    assert read_compiles(run_dir)[0]["max_new_tokens"] == 1000
    scripted.context_tokens = None
    run_dir, _ = run_plan(tmp_path, "open", systems=["scripted:fixed"], modes=["compile"], tasks=["sort"],
                          sizes={"sort": [2]}, items=1, seed=0)  # fmt: skip
    assert read_compiles(run_dir)[0]["max_new_tokens"] == len(task.program_source().encode())
    run_dir, _ = run_plan(tmp_path, "given", systems=["scripted:fixed"], modes=["compile"], tasks=["sort"],
                          sizes={"sort": [2]}, items=1, seed=0,
                          options={"scripted:fixed": {"compile_max_new_tokens": 77}})  # fmt: skip
    assert read_compiles(run_dir)[0]["max_new_tokens"] == 77


def test_lm_builtins_context_cannot_hold_a_program_and_says_so(tmp_path: Path) -> None:
    run_dir, records = run_plan(tmp_path, systems=["rv-fast", "lm-builtin"],
                                modes=["direct", "trace", "compile"],
                                tasks=["add"], sizes={"add": [2]}, items=2)  # fmt: skip
    by_mode = {m: [r for r in records if r["mode"] == m] for m in ("direct", "trace", "compile")}
    assert all(r["error"] is None for r in by_mode["direct"])
    for mode in ("trace", "compile"):
        assert len(by_mode[mode]) == 2
        assert all(r["error"]["kind"] == "context_overflow" and "context is 256" in r["error"]["message"]
                   for r in by_mode[mode])  # fmt: skip
    (compiled,) = read_compiles(run_dir)
    assert compiled["error"]["kind"] == "context_overflow" and compiled["tokens_out"] is None


# -- trace ------------------------------------------------------------------------------------


def test_trace_steps_agreement_with_rv_refs_tracer(tmp_path: Path, scripted) -> None:
    task = get_task("gcd")
    k = 8
    options = PromptOptions(trace_steps=True, trace_k=k)
    answers, expected_agree = {}, {}
    for index in range(6):
        item = task.item(2, 3, index)
        steps = reference_trace(task, item, k, MEMORY)
        assert len(steps) == k
        wrong_at = index if index < k else None  # item i: lines 0..i-1 right, line i wrong
        if wrong_at is not None:
            steps[wrong_at] = "nop"
        spaced = [s.replace(", ", " ,  ").upper() for s in steps]  # layout and case do not count
        answer = item.expected.rstrip("\n") if index % 2 == 0 else "999"
        prompt = mode_item(task, item, "trace", options, MEMORY).instruction
        answers[prompt] = "\n".join(spaced) + f"\noutput: {answer}\n"
        expected_agree[index] = (wrong_at if wrong_at is not None else k, index % 2 == 0)
    scripted.answers = answers
    run_dir, records = run_plan(
        tmp_path, systems=["scripted:fixed"], modes=["trace"], tasks=["gcd"], sizes={"gcd": [2]}, items=6,
        seed=3, options={"scripted:fixed": {"trace_steps": True, "trace_k": k}},
    )  # fmt: skip
    for r in records:
        agree, right = expected_agree[r["index"]]
        assert r["detail"]["trace"] == {"k": k, "agree": agree, "steps_given": k}
        assert r["correct"] == right and r["mode"] == "trace"
    (row,) = [line for line in (run_dir / "summary.csv").read_text().splitlines()[1:]]
    header = (run_dir / "summary.csv").read_text().splitlines()[0].split(",")
    row = dict(zip(header, row.split(","), strict=True))
    assert row["mode"] == "trace" and int(row["trace_items"]) == 6
    assert float(row["trace_prefix_mean"]) == pytest.approx(
        sum(a for a, _ in expected_agree.values()) / (6 * k)
    )


def test_trace_helpers() -> None:
    task = get_task("add")
    item = task.item(2, 0, 0)
    steps = reference_trace(task, item, 5, MEMORY)
    assert len(steps) == 5 and steps[0].startswith("auipc ra")
    assert len(reference_trace(task, item, 10**6, MEMORY)) < 10**6  # a program that ends gives fewer
    assert split_traced_answer("a\nb\n\noutput: 42\n") == (["a", "b"], "42")
    assert split_traced_answer("Output:  7 ") == ([], "7")
    assert split_traced_answer("just a number") == (["just a number"], "")
    assert trace_agreement(steps, steps, 5) == 5 and trace_agreement(steps[1:], steps, 5) == 0
    assert trace_agreement(steps[:3], steps, 5) == 3


def test_plain_trace_is_scored_as_direct_is(tmp_path: Path, scripted) -> None:
    task = get_task("vowels")
    answers = {}
    for index in range(4):
        item = task.item(4, 0, index)
        prompt = mode_item(task, item, "trace", PromptOptions(), MEMORY).instruction
        answers[prompt] = f"  {item.expected.strip()}\n" if index < 3 else "eleven"
    scripted.answers = answers
    _, records = run_plan(tmp_path, systems=["scripted:fixed"], modes=["trace"], tasks=["vowels"],
                          sizes={"vowels": [4]}, items=4, seed=0)  # fmt: skip
    assert [r["correct"] for r in sorted(records, key=lambda r: r["index"])] == [True, True, True, False]
    assert all("trace" not in (r["detail"] or {}) for r in records)


# -- amortised cost ---------------------------------------------------------------------------


def test_amortised_cost_and_break_even_by_hand() -> None:
    # generation 10 s; each run 1 ms; the program right half the time; direct 0.1 s per correct
    assert cost_per_correct(10.0, 0.001, 0.5, 1) == pytest.approx(20.002)
    assert cost_per_correct(10.0, 0.001, 0.5, 1000) == pytest.approx(0.022)
    # each input saves 0.5 x 0.1 - 0.001 = 0.049 s; 10 / 0.049 = 204.08 -> 205
    n, why = break_even(10.0, 0.001, 0.5, 0.1)
    assert n == 205 and why == ""
    assert cost_per_correct(10.0, 0.001, 0.5, 205) <= 0.1 < cost_per_correct(10.0, 0.001, 0.5, 204)
    assert break_even(10.0, 0.2, 0.5, 0.1) == (None, "each run costs more than a direct answer")
    assert break_even(10.0, 0.001, 0.0, 0.1) == (None, "compile never right")
    assert break_even(10.0, 0.001, 0.5, None) == (1, "direct never right")
    assert cost_per_correct(10.0, 0.001, 0.0, 10) is None


def record(mode: str, size: int, index: int, correct: bool, latency: float, ops: int) -> dict:
    return {"system": "m", "device": "cpu", "task": "add", "size": size, "heldout": False, "index": index,
            "mode": mode, "correct": correct, "latency_s": latency, "ops": ops, "error": None}  # fmt: skip


def test_amortised_rows_from_records() -> None:
    compiles = [{"system": "m", "device": "cpu", "task": "add", "sizes": [2, 3], "heldout": False,
                 "latency_s": 4.0, "ops": 8_000_000, "tokens_out": 800, "assembled": True,
                 "error": None}]  # fmt: skip
    records = [
        # compile: 4 items, 3 right, 0.01 s and 1,000 instructions each
        *(record("compile", 2 + i % 2, i, i != 0, 0.01, 1000) for i in range(4)),
        # direct: 4 items, 2 right, 0.5 s and 2e6 FLOPs each -> 1 s and 4e6 ops per correct
        *(record("direct", 2 + i % 2, i, i < 2, 0.5, 2_000_000) for i in range(4)),
        record("direct", 5, 0, True, 9.0, 1),  # a size the program was not run at: left out
    ]
    (row,) = amortised_rows(compiles, records)
    assert row["n"] == 4 and row["correct"] == 3 and row["accuracy"] == 0.75
    assert (
        row["direct_cost_per_correct_s"] == pytest.approx(1.0) and row["direct_cost_per_correct_ops"] == 4e6
    )
    assert row["cost_per_correct_s_n1"] == pytest.approx((4.0 + 0.01) / 0.75)
    assert row["cost_per_correct_s_n100"] == pytest.approx((4.0 + 1.0) / 75)
    assert row["cost_per_correct_ops_n10"] == pytest.approx((8e6 + 10_000) / 7.5)
    # seconds: each input saves 0.75 x 1 - 0.01 = 0.74 s -> 4 / 0.74 = 5.4 -> 6
    assert row["break_even_n_s"] == 6 == math.ceil(4.0 / 0.74)
    # ops: 0.75 x 4e6 - 1000 = 2,999,000 per input -> 8e6 / 2,999,000 = 2.67 -> 3
    assert row["break_even_n_ops"] == 3
