"""The report's Modes section: accuracy by mode, what a mode could not be asked, compile's
amortised cost with its break-even, trace-prefix agreement; all from hand-written records."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from isabench.report.build import make_report
from isabench.report.data import load
from isabench.report.modes import failure_sentences, has_modes, summarize_messages

SYSTEMS = {
    "rv-fast@cpu": {"name": "rv-fast", "kind": "machine", "ops_unit": "insn", "device": "cpu"},
    "lm-builtin@cpu": {"name": "lm-builtin", "kind": "model", "ops_unit": "flop", "device": "cpu",
                       "context": 256},
}  # fmt: skip


def item(system: str, task: str, size: int, index: int, mode: str | None, correct: bool, *, latency: float,
         ops, unit: str, error: dict | None = None, detail: dict | None = None) -> dict:  # fmt: skip
    """A per-item record with the runner's field names."""
    return {
        "format": 1, "run_id": "t", "system": system, "device": "cpu", "task": task, "size": size,
        "seed": 777000, "index": index, "heldout": False, "mode": mode, "template": 0,
        "input": "1 2\n", "expected": "3\n", "output": "3\n" if correct else "", "correct": correct,
        "error": error, "latency_s": latency, "cpu_time_s": latency, "ops": ops, "ops_unit": unit,
        "tokens_in": None, "tokens_out": None, "ttft_s": None, "tpot_s": None, "lane_latency_s": None,
        "arch_bytes": None, "arch_detail": None, "peak_rss_bytes": None, "peak_device_bytes": None,
        "energy_j": None, "energy_source": None, "batch_size": 1, "batch": None, "threads": 1,
        "detail": detail, "time": "2026-01-01T00:00:00+0000",
    }  # fmt: skip


def compile_record(task: str, *, latency: float, ops, assembled: bool, error: dict | None,
                   program: str | None, sizes=(2,)) -> dict:  # fmt: skip
    return {
        "format": 1, "run_id": "t", "system": "lm-builtin", "device": "cpu", "task": task,
        "sizes": list(sizes), "heldout": False, "mode": "compile", "latency_s": latency, "ops": ops,
        "ops_unit": "flop", "tokens_out": 50 if program else None, "assembled": assembled,
        "error": error, "program": program,
    }  # fmt: skip


def run_folder(folder: Path, tasks: list[str], modes: list[str], records: list[dict],
               compiles: list[dict] | None = None) -> Path:  # fmt: skip
    folder.mkdir(parents=True)
    plan = {"systems": ["rv-fast", "lm-builtin"], "devices": ["cpu"], "tasks": tasks,
            "sizes": {t: [2] for t in tasks}, "items": 4, "modes": modes}  # fmt: skip
    manifest = {"format": 1, "run_id": "t", "plan": plan, "shard": None, "status": "complete",
                "sessions": [{"environment": {}}], "systems": SYSTEMS}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    if compiles is not None:
        (folder / "compile.jsonl").write_text("".join(json.dumps(r) + "\n" for r in compiles))
    return folder


def machine_and_direct(task: str = "add") -> list[dict]:
    """rv-fast right on 4 items (1e-4 s, 200 insn each); lm-builtin direct right on 2 of 4 (0.5 s,
    1e6 FLOPs each)."""
    out = [item("rv-fast", task, 2, i, None, True, latency=1e-4, ops=200, unit="insn") for i in range(4)]
    out += [
        item("lm-builtin", task, 2, i, "direct", i < 2, latency=0.5, ops=1e6, unit="flop") for i in range(4)
    ]
    return out


# the compiled program: written in 2 s and 1e9 FLOPs, right on all 4 items at 1 ms and 1,000 insn each
GEN_S, GEN_OPS, RUN_S, RUN_INSN = 2.0, 1e9, 1e-3, 1000
PROGRAM = "main:\n  li a0, 0\n  ret\n"


@pytest.fixture(scope="module")
def rich(tmp_path_factory) -> tuple[Path, dict]:
    records = machine_and_direct()
    records += [
        item("lm-builtin", "add", 2, i, "trace", i < 3, latency=0.3, ops=2e6, unit="flop",
             detail={"trace": {"k": 4, "agree": agree, "steps_given": 4}})
        for i, agree in enumerate((4, 4, 3, 1))
    ]  # fmt: skip
    records += [item("lm-builtin", "add", 2, i, "compile", True, latency=RUN_S, ops=RUN_INSN, unit="insn")
                for i in range(4)]  # fmt: skip
    compiles = [
        compile_record("add", latency=GEN_S, ops=GEN_OPS, assembled=True, error=None, program=PROGRAM)
    ]
    tmp = tmp_path_factory.mktemp("modes")
    folder = run_folder(tmp / "run", ["add"], ["direct", "trace", "compile"], records, compiles)
    return folder, make_report([folder], tmp / "report")


@pytest.fixture
def fewer_plots(monkeypatch) -> None:
    """Skip the general plots (seconds each; test_report.py draws them): the modes' plot stays."""
    from isabench.report import plots

    for name in ("per_task_grid", "reference_bars", "pareto"):
        monkeypatch.setattr(plots, name, lambda *args, **kwargs: None)


def _by_hand_break_even(generation: float, per_item: float, accuracy: float, direct: float) -> int:
    """The smallest N whose cost per correct answer is at most direct's, by counting."""
    return next(n for n in range(1, 100_000) if (generation + n * per_item) / (n * accuracy) <= direct)


def test_the_modes_section_has_the_records_numbers(rich) -> None:
    folder, report = rich
    markdown = report["report_md"].read_text()
    assert "## Modes" in markdown and markdown.index("## Modes") < markdown.index("## How to read it")
    # accuracy by mode: direct 2 of 4, trace 3 of 4, compile 4 of 4; the machine 4 of 4
    assert (
        "| add | 2 | lm-builtin (cpu) | 50 % (15–85) | 75 % (30–95) | 100 % (51–100) | 100 % (51–100) |"
        in markdown
    )
    # direct costs 4 x 0.5 s over 2 correct answers = 1 s, and 4e6 FLOPs / 2 = 2e6 ops per correct answer
    seconds = _by_hand_break_even(GEN_S, RUN_S, 1.0, 4 * 0.5 / 2)
    ops = _by_hand_break_even(GEN_OPS, RUN_INSN, 1.0, 4 * 1e6 / 2)
    assert (seconds, ops) == (3, 501)
    row = next(
        line for line in markdown.splitlines() if line.startswith("| add | lm-builtin (cpu) | 2 | assembled")
    )
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[4:9] == ["100 % (4 of 4)", "2.00 s", "1.00e+09", "1.0 ms", "1,000"]
    assert cells[9] == "2.00 s" and cells[12] == "3.0 ms"  # (2 + 1 x 0.001) / 1 and (2 + 1000 x 0.001) / 1000
    assert cells[13:] == ["1.00 s", str(seconds), str(ops)]
    # trace: prefix agreement (4 + 4 + 3 + 1) / (4 x 4) = 75 %; all four lines agree on 2 of 4 items
    assert "| add | 2 | lm-builtin (cpu) | 4 | 4 of 4 | 75 % (30–95) | 75 % | 50 % |" in markdown
    assert (
        "cost per correct answer over N inputs is (generation + N × machine cost per item) / (N × accuracy)"
        in markdown
    )
    assert "### Where a mode could not be asked" not in markdown  # every mode answered
    html = report["report_html"].read_text()
    assert "<h2>Modes</h2>" in html and "<h3>compile: amortised cost</h3>" in html
    assert html.count("<img ") == html.count('src="data:image/png;base64,') == len(report["plots"])


def test_the_mode_tables_are_written_as_csv(rich) -> None:
    _folder, report = rich
    tables = report["report_md"].parent / "tables"
    assert {p.name for p in tables.iterdir()} == {
        "by_size.csv",
        "headline.csv",
        "length.csv",
        "modes.csv",
        "compile_amortised.csv",
    }
    (modes,) = csv.DictReader((tables / "modes.csv").open())
    assert (modes["direct_accuracy"], modes["trace_accuracy"], modes["compile_accuracy"]) == (
        "0.5",
        "0.75",
        "1",
    )
    assert (modes["baseline"], modes["baseline_accuracy"], modes["trace_prefix_mean"]) == (
        "rv-fast",
        "1",
        "0.75",
    )
    (amortised,) = csv.DictReader((tables / "compile_amortised.csv").open())
    assert (amortised["break_even_n_s"], amortised["break_even_n_ops"]) == ("3", "501")
    assert float(amortised["cost_per_correct_s_n1000"]) == pytest.approx((GEN_S + 1000 * RUN_S) / 1000)
    # the headline's tables keep to machines and direct answers
    assert {r["mode"] for r in csv.DictReader((tables / "by_size.csv").open())} == {"", "direct"}


def test_the_amortised_plot_exists_when_a_program_was_right(rich) -> None:
    _folder, report = rich
    plot = report["plots"]["compile_amortised"]
    assert plot["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in plot["svg"].read_bytes()[:2000]
    markdown = report["report_md"].read_text()
    assert "(plots/compile_amortised.png)" in markdown
    assert markdown.index("(plots/compile_amortised.png)") > markdown.index(
        "## Modes"
    )  # in the section, not in Plots


def test_a_direct_only_report_has_no_modes_section(tmp_path: Path, fewer_plots) -> None:
    records = machine_and_direct()
    folder = run_folder(tmp_path / "run", ["add"], ["direct"], records)
    report = make_report([folder], tmp_path / "report")
    assert not has_modes(load([folder]))
    for path in (report["report_md"], report["report_html"]):
        assert "Modes" not in path.read_text() and "compile" not in path.read_text()
    assert {p.name for p in (tmp_path / "report" / "tables").iterdir()} == {
        "by_size.csv", "headline.csv", "length.csv"
    }
    assert "compile_amortised" not in report["plots"]
    # records from before modes existed (no mode field) read as direct answers: the same report
    old = [{k: v for k, v in r.items() if k != "mode"} for r in records]
    again = make_report([run_folder(tmp_path / "old", ["add"], ["direct"], old)], tmp_path / "old-report")
    assert again["report_md"].read_text() == report["report_md"].read_text().replace(
        str(folder), str(tmp_path / "old")
    )


def test_a_context_too_small_for_trace_and_compile_is_said_in_words(tmp_path: Path, fewer_plots) -> None:
    """As in a run of lm-builtin (context 256) with --modes direct,trace,compile."""
    records, compiles = [], []
    for t, task in enumerate(("add", "reverse_string")):
        records += machine_and_direct(task)
        need = 1612 + 100 * t
        overflow = "prompt and answer need {} tokens; the context is 256"
        records += [
            item("lm-builtin", task, 2, i, "trace", False, latency=5e-5, ops=None, unit="flop",
                 error={"kind": "context_overflow", "message": overflow.format(need + i)})
            for i in range(4)
        ]  # fmt: skip
        message = f"prompt and answer need {8000 + t} tokens; the context is 256"
        records += [
            item("lm-builtin", task, 2, i, "compile", False, latency=0.0, ops=None, unit="insn",
                 error={"kind": "context_overflow", "message": f"compile failed: {message}"})
            for i in range(4)
        ]  # fmt: skip
        compiles.append(compile_record(task, latency=9e-5, ops=None, assembled=False, program=None,
                                       error={"kind": "context_overflow", "message": message}))  # fmt: skip
    folder = run_folder(
        tmp_path / "run", ["add", "reverse_string"], ["direct", "trace", "compile"], records, compiles
    )
    report = make_report([folder], tmp_path / "report")
    markdown = report["report_md"].read_text()
    assert "### Where a mode could not be asked" in markdown
    assert (
        "lm-builtin on cpu, trace: 8 of 8 items are context_overflow records "
        "(prompt and answer need 1,612–1,715 tokens; the context is 256)." in markdown
    )
    assert (
        "lm-builtin on cpu, compile: 8 of 8 items are context_overflow records, with no program to run: "
        "2 of 2 program requests (add, reverse_string) were context_overflow records too "
        "(prompt and answer need 8,000–8,001 tokens; the context is 256)." in markdown
    )
    assert (
        "| add | 2 | lm-builtin (cpu) | 50 % (15–85) | 0 % (0–49), 4 errors | 0 % (0–49), 4 errors |"
        in markdown
    )
    assert "| context_overflow | 0 % (0 of 4) |" in markdown and "– (compile never right)" in markdown
    assert "compile_amortised" not in report["plots"]  # no program was right: no plot
    assert not (tmp_path / "report" / "plots" / "compile_amortised.png").exists()
    assert "context_overflow records" in report["report_html"].read_text()


def test_a_mode_mostly_answered_gets_no_sentence(tmp_path: Path) -> None:
    records = machine_and_direct()
    records += [
        item("lm-builtin", "add", 2, i, "trace", i > 0, latency=0.3, ops=2e6, unit="flop",
             error={"kind": "timeout", "message": "no answer in 120 s"} if i == 0 else None)
        for i in range(4)
    ]  # fmt: skip
    data = load([run_folder(tmp_path / "run", ["add"], ["direct", "trace"], records)])
    assert has_modes(data) and data.modes() == ["direct", "trace"] and failure_sentences(data) == []
    # only one of the four records is an error: 3 of 4 items answered
    assert math.isclose(next(r for r in data.mode_rows if r["mode"] == "trace")["accuracy"], 0.75)


def test_messages_are_summarised_with_their_numbers() -> None:
    assert (
        summarize_messages(["need 10 tokens", "need 2000 tokens", "need 30 tokens"]) == "need 10–2,000 tokens"
    )
    assert (
        summarize_messages(["line 3:5: unknown instruction 'x10'"] * 2)
        == "line 3:5: unknown instruction 'x10'"
    )
    assert summarize_messages(["a 1", "a 2", "b"]) == "a 1–2; and 1 other message"
