"""A small seeded slice of the assembler fuzz campaign: no findings, and its counts are saved."""

from __future__ import annotations

import json

from isabench.fuzz.assembler import AssemblerCampaign
from isabench.fuzz.base import case_rng, run_campaign
from isabench.rv.gnu import missing_tools


def test_campaign_slice_has_no_findings(tmp_path) -> None:
    campaign = AssemblerCampaign()
    state = run_campaign(campaign, seed=20261203, cases=2000, seconds=15, out_dir=tmp_path)
    assert state["findings"] == [], state["findings"][:3]
    assert state["cases_run"] >= 100
    saved = json.loads((tmp_path / "assembler.json").read_text())
    assert saved["cases_run"] == state["cases_run"]
    assert saved["assembled"] + saved["rejected"] == state["cases_run"]
    assert saved["assembled"] > 0 and saved["rejected"] > 0
    if not missing_tools():
        assert saved["gnu_cases"] + saved["gnu_skipped"] >= state["cases_run"] // 50 - 1
        assert saved["gnu_mismatches"] == 0


def test_a_case_is_reproducible(tmp_path) -> None:
    a, b = AssemblerCampaign(gnu_every=0), AssemblerCampaign(gnu_every=0)
    assert a.hostile_source(case_rng(1, "assembler", 77)) == b.hostile_source(case_rng(1, "assembler", 77))
    state = run_campaign(a, seed=1, cases=10, seconds=10, out_dir=tmp_path, only=7)
    assert state["cases_run"] == 1
