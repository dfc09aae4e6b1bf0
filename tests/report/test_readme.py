"""The README's reference-results and executor-speed blocks are generated from committed
records: never typed in."""

from __future__ import annotations

from pathlib import Path

from isabench.report.readme import (
    DECODE_END,
    DECODE_JSON,
    DECODE_START,
    END,
    EVAL_END,
    EVAL_JSON,
    EVAL_START,
    FUZZ_END,
    FUZZ_JSON,
    FUZZ_START,
    PROMPTS_END,
    PROMPTS_START,
    REFERENCE,
    SERVE_END,
    SERVE_JSON,
    SERVE_START,
    SMOL_END,
    SMOL_JSON,
    SMOL_START,
    SPEED_END,
    SPEED_JSON,
    SPEED_START,
    START,
    current_block,
    render_block,
    render_decode,
    render_eval,
    render_fuzz,
    render_prompts,
    render_serve,
    render_smollm2_decode,
    render_speed,
)

ROOT = Path(__file__).parents[2]


def test_readme_results_block_matches_the_committed_run(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    assert (ROOT / REFERENCE / "records.jsonl").exists(), "the reference run is committed under results/"
    assert current_block(start=START, end=END) == render_block(), "run: python3 -m isabench.report.readme"


def test_readme_speed_block_matches_the_committed_benchmark(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    assert (ROOT / SPEED_JSON).exists()
    assert current_block(start=SPEED_START, end=SPEED_END) == render_speed(), (
        "run: python3 -m isabench.report.readme"
    )


def test_readme_serve_block_matches_the_committed_benchmark(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    assert (ROOT / SERVE_JSON).exists()
    block = render_serve()
    assert "server openai concurrency 64" in block and "in-process batched" in block
    assert current_block(start=SERVE_START, end=SERVE_END) == block, "run: python3 -m isabench.report.readme"


def test_readme_fuzz_block_matches_the_committed_campaign(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    assert (ROOT / FUZZ_JSON).exists()
    block = render_fuzz()
    assert all(f"| {name} |" in block for name in ("assembler", "executors", "cli", "records"))
    assert current_block(start=FUZZ_START, end=FUZZ_END) == block, "run: python3 -m isabench.report.readme"


def test_readme_prompt_examples_are_the_prompts_a_run_builds(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    block = current_block(start=PROMPTS_START, end=PROMPTS_END)
    assert block == render_prompts(), "run: python3 -m isabench.report.readme"
    assert block.count("````text") == 4 and "more lines of parity.s" in block


def test_readme_decode_block_matches_the_committed_benchmark(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    assert (ROOT / DECODE_JSON).exists()
    block = current_block(start=DECODE_START, end=DECODE_END)
    assert block == render_decode(), "run: python3 -m isabench.report.readme"
    assert "in turns" in block and "batch 64" in block


def test_readme_smollm2_decode_block_matches_the_committed_benchmark(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    assert (ROOT / SMOL_JSON).exists()
    block = current_block(start=SMOL_START, end=SMOL_END)
    assert block == render_smollm2_decode(), "run: python3 -m isabench.report.readme"
    assert "batch 16" in block and "identical tokens" in block and "llama.cpp" in block


def test_readme_model_table_is_the_shipped_evaluation(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    assert (ROOT / EVAL_JSON).exists()
    block = current_block(start=EVAL_START, end=EVAL_END)
    assert block == render_eval(), "run: python3 -m isabench.report.readme"
    assert "stays ≥ 95 % up to size" in block and "| `uppercase` |" in block
    assert "**Against the targets**" in block
