"""Reports: built from records only, every table and plot present, self-contained HTML that a
real browser loads cleanly."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from isabench.harness.plan import build_plan
from isabench.harness.records import read_records
from isabench.harness.runner import Runner
from isabench.report.browser import check_page, find_browser
from isabench.report.build import make_report
from isabench.report.data import ReportError, load, reference_size
from isabench.report.tables import fmt_ratio

PLOTS = {"accuracy_vs_size", "ops_vs_size", "latency_vs_size", "cost_per_correct", "memory", "pareto"}
PLAN = {
    "systems": ["rv-ref", "lm-builtin"],
    "tasks": ["add", "uppercase", "fib"],
    "items": 4,
    "sizes": {"add": [4, 8, 16], "uppercase": [4, 8, 16], "fib": [8, 16, 32]},
}


def trained_up_to(task: str) -> int:
    """The largest size the shipped model was trained on (each plan task has one size past it)."""
    from isabench.lm.data import DataConfig
    from isabench.lm.paths import DEFAULT_CHECKPOINT
    from isabench.tasks import get_task

    return DataConfig.of_checkpoint(DEFAULT_CHECKPOINT).max_trained_size(get_task(task))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("runs") / "run"
    Runner.start(build_plan(None, None, PLAN), folder, progress=False).run()
    return folder


@pytest.fixture(scope="module")
def report(run_dir: Path, tmp_path_factory) -> dict:
    bench = tmp_path_factory.mktemp("bench") / "bench.json"
    bench.write_text(
        json.dumps(
            {
                "machine_info": {"cpu": {"brand_raw": "test cpu"}},
                "benchmarks": [
                    {
                        "name": "test_rv_ref_speed",
                        "stats": {"mean": 1.0},
                        "extra_info": {"instructions_per_s": 2.3e6},
                    },
                    *(
                        {
                            "name": f"test_batch[{b}]",
                            "stats": {"mean": 1.0},
                            "extra_info": {
                                "executor": "rv-batch",
                                "device": "cpu",
                                "batch_size": b,
                                "instructions_per_s": 1e6 * b,
                            },
                        }
                        for b in (1, 16, 256)
                    ),
                ],
            }
        )
    )
    return make_report([run_dir], tmp_path_factory.mktemp("report"), [bench])


def test_every_table_and_plot_is_written(report: dict) -> None:
    out = report["report_md"].parent
    assert set(report["plots"]) == PLOTS | {"benchmark_throughput"}
    for plot in report["plots"].values():
        assert plot["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert b"<svg" in plot["svg"].read_bytes()[:2000]
    assert {p.name for p in (out / "tables").iterdir()} == {"by_size.csv", "headline.csv", "length.csv"}
    markdown = report["report_md"].read_text()
    for name in report["plots"]:
        assert f"(plots/{name}.png)" in markdown
    assert "## Headline table" in markdown
    assert f"| add | {trained_up_to('add')} | lm-builtin (cpu) |" in markdown


def test_tables_are_computed_from_the_records(report: dict, run_dir: Path) -> None:
    records = read_records(run_dir)
    rows = list(csv.DictReader((report["report_md"].parent / "tables" / "by_size.csv").open()))
    assert len(rows) == 2 * 9
    for row in rows:
        cell = [
            r
            for r in records
            if (r["system"], r["task"], str(r["size"])) == (row["system"], row["task"], row["size"])
        ]
        assert int(row["n"]) == len(cell) == 4
        assert int(row["correct"]) == sum(r["correct"] for r in cell)
        ops = [r["ops"] for r in cell]
        assert float(row["ops_mean"]) == pytest.approx(sum(ops) / len(ops), rel=1e-5)
    headline = list(csv.DictReader((report["report_md"].parent / "tables" / "headline.csv").open()))
    # the reference size: the largest size run that the model was trained on
    assert {(r["task"], r["size"]) for r in headline} == {(t, str(trained_up_to(t))) for t in PLAN["tasks"]}


def test_length_generalisation_is_computed_from_the_rows(report: dict) -> None:
    tables = report["report_md"].parent / "tables"
    by_size = list(csv.DictReader((tables / "by_size.csv").open()))
    lengths = list(csv.DictReader((tables / "length.csv").open()))
    assert {r["task"] for r in lengths} == {"add", "uppercase", "fib"} and {r["system"] for r in lengths} == {
        "lm-builtin"
    }
    for row in lengths:
        accuracy = {int(r["size"]): float(r["accuracy"]) for r in by_size
                    if (r["system"], r["task"]) == ("lm-builtin", row["task"])}  # fmt: skip
        for column, threshold in (("stays_95_up_to", 0.95), ("stays_50_up_to", 0.50)):
            expected = None
            for size in sorted(accuracy):
                if accuracy[size] < threshold:
                    break
                expected = size
            assert row[column] == ("" if expected is None else str(expected))
        assert row["max_trained_size"] == str(trained_up_to(row["task"]))
    assert "## Length generalisation" in report["report_md"].read_text()


def test_headline_words_come_from_the_rows(report: dict, run_dir: Path) -> None:
    data = load([run_dir])
    row = data.row("lm-builtin", "cpu", "add", reference_size(data, "add"))
    words = " ".join(report["headline"])
    assert words.startswith(f"On `add` at size {trained_up_to('add')}")
    assert f"spent {fmt_ratio(row['ratio_ops'])} the compute of the RISC-V program" in words
    assert "beyond its training sizes its accuracy" in words
    html = report["report_html"].read_text()
    assert f"On <code>add</code> at size {trained_up_to('add')}" in html


def test_a_changed_record_changes_the_report(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    copy.mkdir()
    (copy / "manifest.json").write_bytes((run_dir / "manifest.json").read_bytes())
    records = read_records(run_dir)
    for record in records:
        if record["system"] == "lm-builtin" and record["task"] == "fib":
            record["correct"] = False
    (copy / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    rows = list(csv.DictReader((make_report([copy], tmp_path / "out")["tables"]["by_size"]).open()))
    assert all(r["correct"] == "0" for r in rows if r["system"] == "lm-builtin" and r["task"] == "fib")


def test_html_is_self_contained(report: dict) -> None:
    html = report["report_html"].read_text()
    assert len(re.findall(r"<img ", html)) == len(report["plots"])
    assert not re.search(r"""(src|href)=["'](https?:|//)""", html)
    assert html.count('src="data:image/png;base64,') == len(report["plots"])


def test_shards_report_like_the_whole(run_dir: Path, tmp_path: Path) -> None:
    shards = []
    for i in (1, 2):
        folder = tmp_path / f"shard{i}"
        Runner.start(
            build_plan(None, None, {**PLAN, "systems": ["rv-ref"]}), folder, (i, 2), progress=False
        ).run()
        shards.append(folder)
    whole = load(shards)
    assert len(whole.rows) == 9 and all(r["n"] == 4 for r in whole.rows)
    assert load(shards + shards).duplicates == 36


def test_bad_inputs_are_one_line_errors(tmp_path: Path, run_dir: Path) -> None:
    with pytest.raises(ReportError, match="nothing to report"):
        load([])
    bad = tmp_path / "bad.json"
    bad.write_text("{]")
    with pytest.raises(ReportError, match=r"bad.json:1: not valid JSON"):
        load([run_dir], [bad])
    bad.write_text("{}")
    with pytest.raises(ReportError, match="not a pytest-benchmark JSON file"):
        load([run_dir], [bad])
    done = subprocess.run(
        [sys.executable, "-m", "isabench", "report", str(tmp_path / "none"), "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 127 and done.stderr.count("\n") == 1 and "no such run folder" in done.stderr


def test_reproduce_refuses_cuda_without_a_gpu(tmp_path: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    done = subprocess.run(
        [sys.executable, "-m", "isabench", "reproduce", "--device", "cuda", "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "no CUDA GPU" in done.stderr


@pytest.fixture(scope="module")
def browser() -> str:
    found = find_browser()
    if found is None:
        message = "no Chromium: install the Debian package chromium (scripts/test.sh does)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_report_loads_in_a_real_browser(report: dict, browser: str) -> None:
    shot = Path(os.environ.get("ISABENCH_ARTIFACTS", report["report_md"].parent)) / "report-screenshot.png"
    check = check_page(report["report_html"], shot)
    assert check.ok, check.describe()
    assert check.images == len(report["plots"]) == check.images_decoded
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


def test_the_browser_check_can_fail(tmp_path: Path, browser: str) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        '<!doctype html><html><head><link rel="icon" href="data:,"></head><body>'
        '<img src="data:image/png;base64,AAAA"><script>console.error("broken")</script></body></html>'
    )
    check = check_page(page)
    assert not check.ok and check.images == 1 and check.images_decoded == 0
    assert any("broken" in error for error in check.console_errors)


def test_reproduce_runs_replaces_and_resumes(tmp_path: Path, monkeypatch, capsys) -> None:
    from isabench import cli
    from isabench.harness import plan as plan_module
    from isabench.harness.plan import Plan
    from isabench.harness.records import read_manifest

    tiny = Plan(profile="quick", systems=("rv-fast", "rv-ref"), tasks=("add",), sizes={"add": (2,)}, items=2)
    monkeypatch.setitem(plan_module.PROFILES, "quick", tiny)
    out = tmp_path / "quick-cpu"
    args = ["reproduce", "--out", str(out), "--no-benchmarks", "--no-progress"]
    assert cli.main(args) == 0
    assert (out / "report" / "REPORT.md").exists() and (out / "report" / "report.html").exists()
    assert len(read_records(out)) == 4 and not (tmp_path / "quick-cpu.partial").exists()
    # an interrupted earlier attempt is resumed, then replaces the previous results
    partial = tmp_path / "quick-cpu.partial"
    Runner.start(tiny, partial, progress=False, run_id="quick-cpu").run()
    lines = (partial / "records.jsonl").read_text().splitlines(keepends=True)
    (partial / "records.jsonl").write_text("".join(lines[:1]))
    assert cli.main(args) == 0
    assert "resuming the unfinished run" in capsys.readouterr().err
    assert len(read_records(out)) == 4
    assert len(read_manifest(out)["sessions"]) == 2  # the resumed run, not the first one (one session)
