"""The campaign loop: seeded, resumable cases under a time and count budget, each case bounded by
its own deadline, every unexpected outcome kept as a Finding with what reproduces it.

A case is a function of (seed, campaign, index) alone, so a finding is reproduced by running
that one index again (`scripts/fuzz.py --campaigns NAME --only INDEX`).
"""

from __future__ import annotations

import json
import os
import random
import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ClassVar

from ..harness.measure import ItemTimeout, deadline  # the harness's own per-call deadline

CaseHang = ItemTimeout  # what a case that runs past its deadline raises

STATE_KEYS = {"campaign", "seed", "next", "cases_run", "seconds", "findings", "finding_kinds", "hangs",
              "exceptions"}  # fmt: skip
REPRODUCER_LIMIT = 4000  # characters of a case's input kept with its finding
SAVE_EVERY_S = 5.0


@dataclass
class Finding:
    """Something a case did that isabench promises it will not do."""

    campaign: str
    case: int  # with the seed, regenerates the case
    kind: str  # "exception", "hang", "disagreement", "bad_error", "gnu_mismatch", "lost_records", ...
    message: str  # one line
    reproducer: str  # the case's input, cut to REPRODUCER_LIMIT characters

    @classmethod
    def of(cls, campaign: str, case: int, kind: str, message: str, reproducer: object) -> Finding:
        text = reproducer if isinstance(reproducer, str) else repr(reproducer)
        return cls(campaign, case, kind, " ".join(str(message).split())[:500], text[:REPRODUCER_LIMIT])


class Campaign(ABC):
    """One kind of hostile input. Subclasses generate and check a case in `run_case`."""

    name: ClassVar[str] = ""
    case_timeout_s: ClassVar[float] = 1.0  # longer is a hang finding

    def setup(self, workdir: Path) -> None:
        """Untimed preparation once per campaign run (build tools, temp folders)."""
        return None  # optional: nothing to prepare by default

    @abstractmethod
    def run_case(self, rng: random.Random, index: int) -> list[Finding]:
        """Generate case `index` from `rng`, run it, return what went wrong (usually nothing)."""

    def teardown(self) -> None:
        return None  # optional: nothing to release by default

    def summary(self) -> dict:
        """Campaign-specific counts for the results file (e.g. cases given to GNU as)."""
        return {}


def case_rng(seed: int, campaign: str, index: int) -> random.Random:
    return random.Random(f"{seed}:{campaign}:{index}")


def run_campaign(campaign: Campaign, seed: int, cases: int, seconds: float, out_dir: Path,
                 resume: bool = False, only: int | None = None,
                 progress: Callable[[str], None] | None = None) -> dict:  # fmt: skip
    """Run cases [next, cases) until the count or the time budget is spent; save the state (and
    findings) to out_dir/<name>.json as it goes, so a killed campaign resumes where it was."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{campaign.name}.json"
    state = {"campaign": campaign.name, "seed": seed, "next": 0, "cases_run": 0, "seconds": 0.0,
             "findings": [], "finding_kinds": {}, "hangs": 0, "exceptions": 0}  # fmt: skip
    earlier: dict = {}  # a resumed campaign's own counts so far: its new counts add to them
    if resume and path.exists():
        state = json.loads(path.read_text())
        if state["seed"] != seed:
            raise ValueError(f"{path}: was run with seed {state['seed']}, not {seed}")
        earlier = {k: v for k, v in state.items() if k not in STATE_KEYS}
    workdir = out_dir / f".{campaign.name}-work"
    workdir.mkdir(exist_ok=True)
    campaign.setup(workdir)
    start = time.monotonic()
    last_save = start
    indices = [only] if only is not None else range(state["next"], cases)
    try:
        for index in indices:
            if only is None and time.monotonic() - start >= seconds:
                break
            found = _one_case(campaign, seed, index)
            for finding in found:
                state["findings"].append(asdict(finding))
                state["finding_kinds"][finding.kind] = state["finding_kinds"].get(finding.kind, 0) + 1
                state["hangs"] += finding.kind == "hang"
                state["exceptions"] += finding.kind == "exception"
                if progress:
                    progress(f"{campaign.name} case {index}: {finding.kind}: {finding.message}")
            state["cases_run"] += 1
            if only is None:
                state["next"] = index + 1
            if time.monotonic() - last_save > SAVE_EVERY_S:
                state["seconds"] += time.monotonic() - last_save
                last_save = time.monotonic()
                _save(path, state, campaign, earlier)
                if progress:
                    found = len(state["findings"])
                    progress(f"{campaign.name}: {state['cases_run']} cases, {found} findings")
    finally:
        state["seconds"] += time.monotonic() - last_save
        _save(path, state, campaign, earlier)
        campaign.teardown()
    return state


def _one_case(campaign: Campaign, seed: int, index: int) -> list[Finding]:
    rng = case_rng(seed, campaign.name, index)
    try:
        with deadline(campaign.case_timeout_s):
            return campaign.run_case(rng, index)
    except ItemTimeout as err:
        return [Finding.of(campaign.name, index, "hang", str(err), f"seed case {index}")]
    except Exception as err:  # the campaign's own check failed unexpectedly: a finding, not a crash
        where = traceback.extract_tb(err.__traceback__)[-1]
        message = f"{type(err).__name__}: {err} (at {Path(where.filename).name}:{where.lineno})"
        return [Finding.of(campaign.name, index, "exception", message, f"seed case {index}")]


def _added(earlier, now):
    """Counts of two sessions of one campaign added up (numbers, and tables of numbers)."""
    if isinstance(earlier, dict) and isinstance(now, dict):
        return {k: _added(earlier.get(k), now.get(k)) if k in now else earlier[k] for k in {**earlier, **now}}
    numbers = (int, float)
    if isinstance(earlier, numbers) and isinstance(now, numbers) and not isinstance(now, bool):
        return earlier + now
    return now if now is not None else earlier


def _save(path: Path, state: dict, campaign: Campaign, earlier: dict) -> None:
    state = {**state, **_added(earlier, campaign.summary())}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(state, indent=1) + "\n")
    os.replace(tmp, path)
