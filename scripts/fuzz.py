"""isabench's fuzz campaigns, one command: hostile input through the assembler, every executor,
the command line and the run records (see src/isabench/fuzz/).

    python scripts/fuzz.py [--campaigns assembler,executors,cli,records] [--cases N] [--seconds S]
                           [--seed 1] [--out results/fuzz] [--resume] [--only INDEX]

Writes OUT/<campaign>.json (the campaign's state and findings, saved as it goes, so --resume
continues a killed campaign) and OUT/summary.json; exits 1 if any campaign found anything.
A finding is reproduced by running its case alone: --campaigns NAME --only INDEX.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from isabench.fuzz import base  # noqa: E402  (light: no torch, no campaign)

# campaign name -> (module, class); imported only when asked for
CAMPAIGNS = {
    "assembler": ("isabench.fuzz.assembler", "AssemblerCampaign"),
    "executors": ("isabench.fuzz.executors", "ExecutorCampaign"),
    "cli": ("isabench.fuzz.cli", "CliCampaign"),
    "records": ("isabench.fuzz.records", "RecordsCampaign"),
}


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(message)


def campaign_class(name: str):
    module_name, class_name = CAMPAIGNS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise UsageError(f"campaign '{name}' is not available here ({err})") from None
    return getattr(module, class_name)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = _Parser(prog="fuzz.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--campaigns", default=",".join(CAMPAIGNS), help="comma-separated (default: all)")
    parser.add_argument("--cases", type=int, default=1000, help="cases per campaign at most (default 1000)")
    parser.add_argument("--seconds", type=float, default=600.0, help="time budget per campaign (default 600)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="results/fuzz", help="results folder (default results/fuzz)")
    parser.add_argument(
        "--resume", action="store_true", help="continue each campaign where its state file ends"
    )
    parser.add_argument(
        "--only", type=int, metavar="INDEX", help="run this one case (to reproduce a finding)"
    )
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.campaigns.split(",") if n.strip()]
    unknown = [n for n in names if n not in CAMPAIGNS]
    if not names or unknown:
        raise UsageError(
            f"unknown campaign(s) {', '.join(unknown) or '(none given)'} (known: {', '.join(CAMPAIGNS)})"
        )
    if args.cases < 0 or args.seconds < 0:
        raise UsageError("--cases and --seconds must not be negative")
    if args.seed < 0:
        raise UsageError(f"--seed must not be negative, got {args.seed}")
    if args.only is not None and args.only < 0:
        raise UsageError(f"--only takes a case index >= 0, got {args.only}")
    args.names = names
    return args


def campaign_entry(state: dict) -> dict:
    """One campaign's line of summary.json, from its state file (its own counts included)."""
    return {
        "cases": state["cases_run"],
        "seconds": round(state["seconds"], 1),
        "findings": len(state["findings"]),
        "findings_by_kind": state["finding_kinds"],
        "hangs": state["hangs"],
        "exceptions": state["exceptions"],
        "seed": state["seed"],
        "next_case": state["next"],
        **{k: v for k, v in state.items() if k not in base.STATE_KEYS},
    }


def write_summary(out: Path, summary_path: Path) -> None:
    """summary.json from every campaign state file in `out`, so campaigns run apart (or at once)
    all appear, each as its own file last left it."""
    summary = {}
    for path in sorted(out.glob("*.json")):
        if path == summary_path:
            continue
        try:
            state = json.loads(path.read_text())
            if state["campaign"] == path.stem:
                summary[state["campaign"]] = campaign_entry(state)
        except (ValueError, KeyError, TypeError):
            continue  # not a campaign state file
    summary_path.write_text(json.dumps({"campaigns": summary}, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse(argv)
        classes = {name: campaign_class(name) for name in args.names}
    except UsageError as err:
        print(f"fuzz.py: {err}", file=sys.stderr)
        return 2

    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        print(f"fuzz.py: {out}: cannot create the results folder: {err.strerror}", file=sys.stderr)
        return 2
    summary_path = out / "summary.json"

    def say(line: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)

    found = 0
    for name, cls in classes.items():
        campaign = cls()
        say(
            f"{name}: seed {args.seed}, up to {args.cases} cases or {args.seconds:g} s"
            + (f", case {args.only} only" if args.only is not None else "")
            + (", resuming" if args.resume else "")
        )
        try:
            state = base.run_campaign(
                campaign,
                args.seed,
                args.cases,
                args.seconds,
                out,
                resume=args.resume,
                only=args.only,
                progress=say,
            )
        except ValueError as err:  # a --resume with another seed
            print(f"fuzz.py: {err}", file=sys.stderr)
            return 2
        entry = campaign_entry(state)
        found += entry["findings"]
        say(
            f"{name}: {entry['cases']} cases in {entry['seconds']} s, {entry['findings']} findings "
            f"{entry['findings_by_kind'] or ''}-> {out / (name + '.json')}"
        )
        write_summary(out, summary_path)
    say(f"{found} findings; summary in {summary_path}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
