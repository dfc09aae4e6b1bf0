"""Run records under SIGKILL: a real `isabench run` is killed at random moments, resumed until it
completes, and must end with every planned item recorded exactly once, each with the same
`correct` and `ops` as an uninterrupted run of the same plan.

Each case starts a fresh run folder, kills the run 1 to 3 times (each delay drawn from the rng:
sometimes before any record exists, mostly while records are being written), then resumes it
to the end. The uninterrupted reference run is made once, in setup.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from .base import Campaign, Finding

PLAN = """\
systems = ["rv-ref", "lm-builtin"]
tasks = {tasks}
items = {items}
seed = 777000

[sizes]
{sizes}

[options.lm-builtin]
threads = 1
"""
TASKS = ("add", "sort", "reverse_string")
SIZE = 4
RUN_TIMEOUT_S = 300.0


def _read(path: Path) -> list[dict]:
    """Every complete line of a records file (a cut last line left out), as parsed JSON."""
    if not path.exists():
        return []
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    return [json.loads(line) for line in complete.splitlines() if line.strip()]


def _key(record: dict) -> tuple:
    return (
        record["system"],
        record["device"],
        record["task"],
        record["size"],
        record["heldout"],
        record["index"],
    )


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


class RecordsCampaign(Campaign):
    name = "records"
    case_timeout_s = 240.0

    def __init__(self, items: int = 15, tasks: tuple[str, ...] = TASKS, max_kills: int = 3):
        self.items, self.tasks, self.max_kills = items, tuple(tasks), max_kills
        self.kills = 0
        self.kills_before_any_record = 0
        self.kills_mid_line = 0
        self.starts = 0
        self.cases = 0

    # -- setup: the plan file and the uninterrupted reference ------------------------------------
    def setup(self, workdir: Path) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.plan_path = self.workdir / "plan.toml"
        sizes = "\n".join(f"{task} = [{SIZE}]" for task in self.tasks)
        self.plan_path.write_text(
            PLAN.format(tasks=json.dumps(list(self.tasks)), items=self.items, sizes=sizes)
        )
        reference = self.workdir / "reference"
        shutil.rmtree(reference, ignore_errors=True)
        started = time.monotonic()
        proc = self._start(reference, resume=False)
        first_record = None
        while proc.poll() is None:
            if first_record is None and _lines(reference / "records.jsonl"):
                first_record = time.monotonic() - started
            time.sleep(0.01)
        self.total_s = time.monotonic() - started
        if proc.returncode != 0:
            raise RuntimeError(f"the reference run failed ({proc.returncode}): {self._stderr(reference)}")
        self.first_record_s = first_record if first_record is not None else self.total_s / 2
        records = _read(reference / "records.jsonl")
        self.reference = {_key(r): (r["correct"], r["ops"]) for r in records}
        self.planned = len(self.tasks) * 2 * self.items
        if len(self.reference) != self.planned or len(records) != self.planned:
            raise RuntimeError(f"the reference run recorded {len(records)} items, not {self.planned}")

    def _start(self, folder: Path, resume: bool) -> subprocess.Popen:
        args = ["--resume", str(folder)] if resume else ["--plan", str(self.plan_path), "--out", str(folder)]
        folder.parent.mkdir(parents=True, exist_ok=True)
        log = open(folder.parent / f"{folder.name}.stderr", "ab")
        try:
            self.starts += 1
            return subprocess.Popen(
                [sys.executable, "-m", "isabench", "run", *args, "--no-progress"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        finally:
            log.close()

    def _stderr(self, folder: Path) -> str:
        path = folder.parent / f"{folder.name}.stderr"
        lines = path.read_text(errors="replace").strip().splitlines() if path.exists() else []
        return " | ".join(lines[-3:])

    # -- one case -----------------------------------------------------------------------------------
    def run_case(self, rng: random.Random, index: int) -> list[Finding]:
        folder = self.workdir / f"case-{index}"
        shutil.rmtree(folder, ignore_errors=True)
        for stale in (folder.parent / f"{folder.name}.stderr",):
            stale.unlink(missing_ok=True)
        kills = rng.randint(1, self.max_kills)
        plan = []  # what was done, for the reproducer
        findings: list[Finding] = []
        self.cases += 1

        def finding(kind: str, message: str) -> None:
            findings.append(Finding.of(self.name, index, kind, message, "; ".join(plan)))

        killed = 0
        while killed < kills:
            resume = (folder / "manifest.json").exists()
            if rng.random() < 0.2:  # before the first record of this session, or very near it
                delay = rng.uniform(0.0, self.first_record_s)
            else:
                delay = rng.uniform(self.first_record_s, self.total_s)
            before = _lines(folder / "records.jsonl")
            proc = self._start(folder, resume)
            deadline = time.monotonic() + delay
            while proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            if proc.poll() is not None:  # finished before the kill: nothing left to kill
                plan.append(f"{'resume' if resume else 'start'}, finished before {delay:.2f} s")
                if proc.returncode != 0:
                    finding(
                        "lost_records", f"a run ended with status {proc.returncode}: {self._stderr(folder)}"
                    )
                    return findings
                break
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed += 1
            self.kills += 1
            data = (folder / "records.jsonl").read_bytes() if (folder / "records.jsonl").exists() else b""
            self.kills_before_any_record += data.count(b"\n") == 0
            self.kills_mid_line += bool(data) and not data.endswith(b"\n")
            after = data.count(b"\n")
            plan.append(
                f"{'resume' if resume else 'start'}, SIGKILL after {delay:.2f} s ({before} -> {after} lines)"
            )
        for _ in range(3):  # resume to the end (a first start if every kill came before the manifest)
            resume = (folder / "manifest.json").exists()
            proc = self._start(folder, resume)
            try:
                proc.wait(timeout=RUN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                finding("hang", f"the final {'resume' if resume else 'start'} ran past {RUN_TIMEOUT_S:g} s")
                return findings
            plan.append(f"{'resume' if resume else 'start'} to the end: status {proc.returncode}")
            if proc.returncode == 0:
                break
        else:
            finding("lost_records", f"the run never completed: {self._stderr(folder)}")
            return findings
        findings += self.check(folder, index, "; ".join(plan))
        if not findings:
            shutil.rmtree(folder, ignore_errors=True)
            (folder.parent / f"{folder.name}.stderr").unlink(missing_ok=True)
        return findings

    def check(self, folder: Path, index: int, reproducer: str) -> list[Finding]:
        """Every planned item exactly once, each equal in correct and ops to the reference."""
        records = _read(folder / "records.jsonl")
        counts = Counter(_key(r) for r in records)
        out = []
        lost = sorted(set(self.reference) - set(counts))
        if lost:
            out.append(
                Finding.of(
                    self.name,
                    index,
                    "lost_records",
                    f"{len(lost)} planned items not recorded, e.g. {lost[:3]}",
                    reproducer,
                )
            )
        doubled = sorted(k for k, n in counts.items() if n > 1)
        if doubled:
            out.append(
                Finding.of(
                    self.name,
                    index,
                    "duplicate_records",
                    f"{len(doubled)} items recorded more than once, e.g. {doubled[:3]}",
                    reproducer,
                )
            )
        extra = sorted(set(counts) - set(self.reference))
        differ = [
            (_key(r), (r["correct"], r["ops"]), self.reference[_key(r)])
            for r in records
            if _key(r) in self.reference and (r["correct"], r["ops"]) != self.reference[_key(r)]
        ]
        if extra or differ:
            what = f"{len(differ)} records differ from the uninterrupted run (key, (correct, ops), reference)"
            out.append(
                Finding.of(
                    self.name,
                    index,
                    "mismatch",
                    f"{what}: {differ[:2]}; {len(extra)} unplanned: {extra[:2]}",
                    reproducer,
                )
            )
        manifest = json.loads((folder / "manifest.json").read_text())
        if manifest.get("status") != "complete" or manifest.get("items_recorded") != self.planned:
            out.append(
                Finding.of(
                    self.name,
                    index,
                    "lost_records",
                    f"manifest says status {manifest.get('status')}, "
                    f"{manifest.get('items_recorded')} of {self.planned} recorded",
                    reproducer,
                )
            )
        return out

    def teardown(self) -> None:
        """Remove the reference run; the folders of cases with findings stay for a look."""
        workdir = getattr(self, "workdir", None)
        if workdir is not None:
            shutil.rmtree(workdir / "reference", ignore_errors=True)
            (workdir / "reference.stderr").unlink(missing_ok=True)

    def summary(self) -> dict:
        return {
            "records_cases": self.cases,
            "kills": self.kills,
            "kills_before_any_record": self.kills_before_any_record,
            "kills_leaving_a_cut_line": self.kills_mid_line,
            "run_starts": self.starts,
            "items_per_run": getattr(self, "planned", None),
            "reference_run_s": round(getattr(self, "total_s", 0.0), 2),
        }


__all__ = ["RecordsCampaign"]
