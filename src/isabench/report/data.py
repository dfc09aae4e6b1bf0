"""What a report is built from: the records of one or more runs (and pytest-benchmark JSON),
never numbers typed in. Summary rows are recomputed from the records here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..harness.records import (
    RunDirError,
    compile_key,
    manifest_plan,
    read_compiles,
    read_json,
    read_manifest,
    read_records,
    record_key,
)
from ..harness.summary import summarize


class ReportError(ValueError):
    """Nothing to report, or an input that is not what it should be."""


@dataclass
class ReportData:
    runs: list[dict]  # per run: its folder and manifest
    records: list[dict]
    rows: list[dict]  # summary rows of machines and of models in direct mode: the comparison
    baseline: str
    max_trained: dict[str, dict[str, int]]  # system -> task -> largest trained size
    benchmarks: list[dict] = field(default_factory=list)  # pytest-benchmark entries, with their file
    duplicates: int = 0
    mode_rows: list[dict] = field(default_factory=list)  # every summary row, every mode
    compiles: list[dict] = field(default_factory=list)  # compile mode's records, one per program

    def modes(self) -> list[str]:
        """The model modes the records hold, in MODES order."""
        from ..harness.plan import MODES

        present = {r["mode"] for r in self.mode_rows}
        return [m for m in MODES if m in present]

    def systems(self) -> list[tuple[str, str]]:
        """(system, device) pairs in the order they first appear."""
        return list(dict.fromkeys((r["system"], r["device"]) for r in self.rows))

    def tasks(self) -> list[str]:
        return list(dict.fromkeys(r["task"] for r in self.rows))

    def row(self, system: str, device: str, task: str, size: int) -> dict | None:
        return self._index().get((system, device, task, size))

    def sizes(self, task: str) -> list[int]:
        return sorted({r["size"] for r in self.rows if r["task"] == task})

    def kind(self, system: str) -> str:
        for run in self.runs:
            for info in run["manifest"].get("systems", {}).values():
                if info.get("name") == system:
                    return info.get("kind", "")
        return ""

    def _index(self) -> dict:
        if not hasattr(self, "_cache"):
            self._cache = {(r["system"], r["device"], r["task"], r["size"]): r for r in self.rows}
        return self._cache


def load(run_dirs: list[str | Path], benchmark_json: list[str | Path] | None = None) -> ReportData:
    """Read runs (and benchmark files); recompute the summary over all their records."""
    if not run_dirs and not benchmark_json:
        raise ReportError("nothing to report: give at least one run folder or --benchmark-json file")
    runs, records, seen, duplicates = [], [], set(), 0
    order: list[tuple] = []
    compiles: dict[tuple, dict] = {}
    baseline = ""
    max_trained: dict[str, dict[str, int]] = {}
    for run_dir in run_dirs:
        manifest = read_manifest(run_dir)
        plan = manifest_plan(run_dir, manifest, validate=False)
        baseline = baseline or plan.baseline_system()
        order += [(c.system, c.device, c.task, c.size, c.mode) for c in plan.cells()]
        runs.append({"dir": str(run_dir), "manifest": manifest})
        for info in manifest.get("systems", {}).values():
            if info.get("max_trained_size"):
                max_trained[info["name"]] = info["max_trained_size"]
        for record in read_records(run_dir):
            key = record_key(record)
            if key in seen:
                duplicates += 1
                continue
            seen.add(key)
            records.append(record)
        for record in read_compiles(run_dir):
            compiles.setdefault(compile_key(record), record)
    if run_dirs and not records:
        raise RunDirError(f"{', '.join(map(str, run_dirs))}: no records to report")
    every = summarize(records, baseline, list(dict.fromkeys(order))) if records else []
    rows = [r for r in every if r["mode"] in (None, "direct")]
    benchmarks = []
    for path in benchmark_json or []:
        benchmarks += read_benchmarks(path)
    return ReportData(runs, records, rows, baseline, max_trained, benchmarks, duplicates, every,
                      list(compiles.values()))  # fmt: skip


def read_benchmarks(path: str | Path) -> list[dict]:
    data = read_json(path, ReportError, "benchmark file")
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise ReportError(f"{path}: not a pytest-benchmark JSON file (no 'benchmarks' list)")
    machine = data.get("machine_info", {})
    if not isinstance(machine, dict) or not isinstance(machine.get("cpu", {}), dict):
        raise ReportError(f"{path}: not a pytest-benchmark JSON file ('machine_info' is not an object)")
    out = []
    for number, bench in enumerate(data["benchmarks"], start=1):
        stats = bench.get("stats", {}) if isinstance(bench, dict) else None
        mean = stats.get("mean") if isinstance(stats, dict) else None
        if (
            not isinstance(stats, dict)
            or not isinstance(bench.get("extra_info", {}), dict)
            or not (mean is None or (isinstance(mean, int | float) and not isinstance(mean, bool)))
        ):
            raise ReportError(f"{path}: benchmark {number} is not a pytest-benchmark entry")
        out.append(
            {
                "file": str(path),
                "name": bench.get("name", "?"),
                "mean_s": bench.get("stats", {}).get("mean"),
                "extra": bench.get("extra_info", {}),
                "cpu": machine.get("cpu", {}).get("brand_raw"),
            }
        )
    return out


def reference_size(data: ReportData, task: str) -> int:
    """The size the headline table uses: the largest size run that a model was trained on, else
    the middle size run."""
    sizes = data.sizes(task)
    trained = [limits[task] for limits in data.max_trained.values() if task in limits]
    inside = [s for s in sizes if trained and s <= min(trained)]
    return max(inside) if inside else sizes[len(sizes) // 2]
