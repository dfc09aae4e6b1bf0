"""compile mode: a model writes a task's program once; the machine runs it on every item.

The program's generation is one timed call of the model system (its tokens, FLOPs and latency
go into one compile record, with the assembler's verdict); the program is assembled by
isabench's own assembler and run only in the sandboxed machine (rv-fast under the plan's fuel,
memory and output limits), each item timed like any machine item. What compile costs over N
inputs, and the N at which it becomes cheaper than direct answers, is computed from these
records (amortised_rows).
"""

from __future__ import annotations

import hashlib
import math

from ..tasks import Item, Task
from ..tasks.prompts import compile_budget, compile_prompt, extract_program
from .systems.machine import RvFastSystem

N_INPUTS = (1, 10, 100, 1000)  # the amortised-cost table's input counts
NO_PROGRAM = (
    "the answer holds no program: no fenced block of assembly and no line that starts with an "
    "RV32IM instruction or pseudo-instruction"
)


class CompiledSystem(RvFastSystem):
    """A model's program on rv-fast: records carry the model's name (mode compile); the
    machine itself runs on the CPU whatever the model's device."""

    def __init__(self, name: str, device: str, plan, program):
        super().__init__(device, {}, plan)
        self.name = name
        self.program = program

    def prepare(self, task: Task) -> None:
        self.programs[task.name] = self.program


def compile_item(task: Task, plan, sizes: list[int], model) -> Item:
    """The one request a model gets to write the task's program (examples at the first size).
    Its budget is the model's compile_max_new_tokens, else the battery program's length in the
    model's tokens (bytes where it cannot count them) cut to
    what the model's context leaves (where that is known and leaves any room)."""
    prompt = compile_prompt(task, sizes[0], plan.seed, model.prompt_options, plan.heldout, plan.memory_size)
    budget = model.compile_max_new_tokens
    if budget is None:
        budget, room = compile_budget(task, model.text_tokens), model.room(prompt)
        if room is not None and room > 0:
            budget = min(budget, room)
    return Item(
        task=task.name, size=sizes[0], seed=plan.seed, index=0, input="", expected="",
        instruction=prompt, template=0, heldout=plan.heldout, answer_budget=budget,
    )  # fmt: skip


def verdict(generated: str, limits) -> tuple[str | None, object, dict | None]:
    """(the program's source, the assembled Program, None) or (source or None, None, error)."""
    source = extract_program(generated)
    if source is None:
        return None, None, {"kind": "no_program", "message": NO_PROGRAM}
    return (source, *assemble_checked(source, limits))


def assemble_checked(source: str, limits) -> tuple[object, dict | None]:
    """(Program, None), or (None, the error): `assemble` with its line:column, or limits the
    program cannot run under (an image larger than the plan's memory)."""
    from ..rv.assembler import assemble
    from ..rv.errors import AssemblyError
    from ..rv.machine import LimitsError

    try:
        program = assemble(source, name="program")
    except AssemblyError as err:
        return None, {"kind": "assemble", "message": str(err), "line": err.line, "col": err.col}
    try:
        limits.check(program)
    except LimitsError as err:
        return None, {"kind": "limits", "message": str(err)}
    return program, None


def compile_record(run_id: str, system, task: Task, sizes: list[int], asked: Item, measured,
                   energy_source, limits) -> tuple[dict, object]:  # fmt: skip
    """The compile record of one generation, and the assembled Program (None when it failed)."""
    from .measure import now_iso

    outcome = measured.outcomes[0]
    program = source = None
    error = outcome.error
    if error is None:
        source, program, error = verdict(outcome.output, limits)
    record = {
        "format": 1,
        "run_id": run_id,
        "system": system.name,
        "device": system.device,
        "task": task.name,
        "sizes": list(sizes),
        "heldout": asked.heldout,
        "mode": "compile",
        "prompt_sha256": hashlib.sha256(asked.instruction.encode()).hexdigest(),
        "max_new_tokens": asked.answer_budget,
        "generated": outcome.output,
        "program": source,
        "program_sha256": hashlib.sha256(source.encode()).hexdigest() if source is not None else None,
        "program_bytes": program.program_bytes if program is not None else None,
        "assembled": program is not None,
        "error": error,
        "latency_s": measured.wall_s,
        "cpu_time_s": measured.cpu_s,
        "ops": outcome.ops,
        "ops_unit": system.ops_unit,
        "tokens_in": outcome.tokens_in,
        "tokens_out": outcome.tokens_out,
        "ttft_s": outcome.ttft_s,
        "arch_bytes": outcome.arch_bytes,
        "peak_rss_bytes": measured.peak_rss_bytes,
        "peak_device_bytes": measured.peak_device_bytes,
        "energy_j": measured.energy_j,
        "energy_source": energy_source if measured.energy_j is not None else None,
        "detail": outcome.detail or None,
        "time": now_iso(),
    }
    return record, program


def reassemble(record: dict, limits):
    """The Program of a compile record written by an earlier session (None if it had none)."""
    if record.get("error") is not None or record.get("program") is None:
        return None
    return assemble_checked(record["program"], limits)[0]


def item_error(record: dict) -> dict:
    """What an item of a failed compile says: the compile's error, marked as such (a recorded
    program that no longer assembles, after a change of the assembler, says that)."""
    stale = {"kind": "assemble", "message": "the recorded program no longer assembles"}
    error = dict(record.get("error") or stale)
    error["message"] = f"compile failed: {error.get('message', '')}"
    return error


# -- amortised cost ----------------------------------------------------------------------------


def _sums(records: list[dict]) -> dict:
    n = len(records)
    return {
        "n": n,
        "correct": sum(1 for r in records if r.get("correct")),
        "seconds": sum(r.get("latency_s") or 0.0 for r in records),
        "ops": sum(r.get("ops") or 0 for r in records),
    }


def cost_per_correct(generation: float, per_item: float, accuracy: float, n: int) -> float | None:
    """(generation + n x per-item cost) / (n x accuracy): what one correct answer costs when the
    program is written once and run on n inputs; None when it is never right."""
    if not accuracy:
        return None
    return (generation + n * per_item) / (n * accuracy)


def break_even(
    generation: float, per_item: float, accuracy: float, direct_per_correct: float | None
) -> tuple[int | None, str]:
    """The smallest n >= 1 at which compile's cost per correct answer is at most direct's, and
    why there is none: compile cheaper from n on means generation / n <= accuracy x direct - per_item."""
    if not accuracy:
        return None, "compile never right"
    if direct_per_correct is None:
        return 1, "direct never right"
    saving = accuracy * direct_per_correct - per_item  # what each input saves, before the program's cost
    if saving <= 0:
        return None, "each run costs more than a direct answer"
    return max(1, math.ceil(generation / saving - 1e-12)), ""


AMORTISED_COLUMNS = (
    "system", "device", "task", "sizes", "assembled", "error", "n", "correct", "accuracy",
    "generation_s", "generation_flops", "generation_tokens_out", "machine_s_mean", "machine_insn_mean",
    *(f"cost_per_correct_s_n{n}" for n in N_INPUTS),
    *(f"cost_per_correct_ops_n{n}" for n in N_INPUTS),
    "direct_n", "direct_accuracy", "direct_cost_per_correct_s", "direct_cost_per_correct_ops",
    "break_even_n_s", "break_even_n_ops", "break_even_note_s", "break_even_note_ops",
)  # fmt: skip


def amortised_rows(compiles: list[dict], records: list[dict]) -> list[dict]:
    """One row per compile record: accuracy of the program over its items, the amortised cost
    per correct answer for N_INPUTS (seconds; and FLOPs plus retired instructions, summed as
    ops), direct mode's cost per correct answer on the same sizes, and the break-even n."""
    from .records import record_mode

    by_cell: dict[tuple, list[dict]] = {}
    for record in records:
        mode = record_mode(record)
        if mode in ("compile", "direct"):
            key = (record["system"], record["device"], record["task"], record["heldout"], mode)
            by_cell.setdefault(key, []).append(record)
    rows = []
    for comp in compiles:
        key = (comp["system"], comp["device"], comp["task"], comp["heldout"])
        sizes = set(comp["sizes"])
        mine = _sums([r for r in by_cell.get((*key, "compile"), []) if r["size"] in sizes])
        direct = _sums([r for r in by_cell.get((*key, "direct"), []) if r["size"] in sizes])
        accuracy = mine["correct"] / mine["n"] if mine["n"] else None
        gen_s = comp.get("latency_s") or 0.0
        gen_ops = comp.get("ops")
        row = {
            "system": comp["system"], "device": comp["device"], "task": comp["task"],
            "sizes": " ".join(map(str, comp["sizes"])), "assembled": comp.get("assembled"),
            "error": (comp.get("error") or {}).get("kind"), "n": mine["n"], "correct": mine["correct"],
            "accuracy": accuracy, "generation_s": gen_s, "generation_flops": gen_ops,
            "generation_tokens_out": comp.get("tokens_out"),
            "machine_s_mean": mine["seconds"] / mine["n"] if mine["n"] else None,
            "machine_insn_mean": mine["ops"] / mine["n"] if mine["n"] else None,
            "direct_n": direct["n"] or None,
            "direct_accuracy": direct["correct"] / direct["n"] if direct["n"] else None,
        }  # fmt: skip
        direct_s = direct["seconds"] / direct["correct"] if direct["correct"] else None
        direct_ops = direct["ops"] / direct["correct"] if direct["correct"] else None
        row["direct_cost_per_correct_s"], row["direct_cost_per_correct_ops"] = direct_s, direct_ops
        for unit, generation, per_item, direct_cost in (
            ("s", gen_s, row["machine_s_mean"], direct_s),
            ("ops", gen_ops, row["machine_insn_mean"], direct_ops),
        ):
            known = accuracy is not None and generation is not None and per_item is not None
            for n in N_INPUTS:
                row[f"cost_per_correct_{unit}_n{n}"] = (
                    cost_per_correct(generation, per_item, accuracy, n) if known else None
                )
            if not known:
                row[f"break_even_n_{unit}"], row[f"break_even_note_{unit}"] = None, "not measured"
            elif not direct["n"]:
                row[f"break_even_n_{unit}"], row[f"break_even_note_{unit}"] = None, "no direct records"
            else:
                row[f"break_even_n_{unit}"], row[f"break_even_note_{unit}"] = break_even(
                    generation, per_item, accuracy, direct_cost
                )
        rows.append(row)
    return rows
