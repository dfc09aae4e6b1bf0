"""A slice of the records campaign: real runs killed with SIGKILL at random moments and resumed
must record every planned item once, with the same correct and ops as an uninterrupted run."""

from __future__ import annotations

import json
from pathlib import Path

from isabench.fuzz.base import run_campaign
from isabench.fuzz.records import RecordsCampaign


def test_killed_and_resumed_runs_match_the_uninterrupted_one(tmp_path: Path) -> None:
    campaign = RecordsCampaign(items=8, tasks=("add", "sort"), max_kills=2)
    state = run_campaign(campaign, seed=3, cases=2, seconds=60, out_dir=tmp_path)
    assert state["findings"] == [], json.dumps(state["findings"], indent=1)
    assert state["cases_run"] == 2
    summary = campaign.summary()
    assert summary["kills"] >= 2 and summary["items_per_run"] == 2 * 2 * 8
    assert json.loads((tmp_path / "records.json").read_text())["kills"] == summary["kills"]
