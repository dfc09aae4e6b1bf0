"""A small seeded slice of the executor fuzz campaign, through the campaign loop: no findings."""

from __future__ import annotations

import json
from pathlib import Path

from isabench.fuzz.base import run_campaign
from isabench.fuzz.executors import ExecutorCampaign


def test_seeded_slice_has_no_findings(tmp_path: Path) -> None:
    campaign = ExecutorCampaign(qemu_every=40, batch_every=4, trace_every=4)
    state = run_campaign(campaign, seed=20261203, cases=120, seconds=15, out_dir=tmp_path)
    assert state["cases_run"] > 0
    assert state["findings"] == [], "\n".join(
        f"{f['case']} {f['kind']}: {f['message']}" for f in state["findings"]
    )
    saved = json.loads((tmp_path / "executors.json").read_text())
    assert saved["next"] == state["next"] and saved["executor_runs"]["rv-ref"] > 0
