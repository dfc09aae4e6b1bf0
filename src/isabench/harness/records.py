"""A run's folder: manifest.json, records.jsonl (one JSON object per item, appended and flushed as
produced) and summary.csv. Reading tolerates the one thing a killed run leaves behind, a last
line cut short; anything else malformed is reported with its file and line.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

MANIFEST, RECORDS, SUMMARY = "manifest.json", "records.jsonl", "summary.csv"
SUPERSEDED = "records.superseded.jsonl"  # records of items asked again, kept as they were
KEY_FIELDS = ("system", "device", "task", "size", "heldout", "index")


class RunDirError(ValueError):
    """A run folder that is missing, not a run, or damaged."""


def record_key(record: dict) -> tuple:
    return tuple(record[k] for k in KEY_FIELDS)


def read_json(path: str | Path, error: type[Exception] | None = None, what: str = "file"):
    """A JSON file, or `error` (RunDirError by default) with one line naming path and problem."""
    error = error or RunDirError
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: no such {what}") from None
    except json.JSONDecodeError as err:
        raise error(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from None
    except (OSError, UnicodeDecodeError) as err:
        raise error(f"{path}: cannot read: {getattr(err, 'strerror', None) or err}") from None


# the manifest's structure as later readers rely on it: key -> (types, what to say)
_MANIFEST_SHAPE = {
    "plan": ((dict,), "a table"),
    "sessions": ((list,), "a list"),
    "systems": ((dict,), "a table"),
    "shard": ((list, type(None)), "null or [i, n]"),
}


def read_manifest(run_dir: str | Path) -> dict:
    """The manifest, checked for the shape the runner, merge and report rely on."""
    if not Path(run_dir).is_dir():
        raise RunDirError(f"{run_dir}: no such run folder")
    path = Path(run_dir) / MANIFEST
    if not path.is_file():
        raise RunDirError(f"{path}: missing: {run_dir} is not an isabench run folder")
    manifest = read_json(path, what="manifest")
    if not isinstance(manifest, dict):
        raise RunDirError(f"{path}: damaged: a JSON {type(manifest).__name__}, not an object")
    if "plan" not in manifest:
        raise RunDirError(f"{path}: damaged: no plan")
    for key, (kinds, what) in _MANIFEST_SHAPE.items():
        if key in manifest and not isinstance(manifest[key], kinds):
            raise RunDirError(f"{path}: damaged: '{key}' must be {what}, got {manifest[key]!r:.80}")
    if not all(isinstance(s, dict) for s in manifest.get("sessions", [])):
        raise RunDirError(f"{path}: damaged: every session must be an object")
    shard = manifest.get("shard")
    if shard is not None and not (
        len(shard) == 2 and all(type(v) is int for v in shard) and 1 <= shard[0] <= shard[1]
    ):
        raise RunDirError(f"{path}: damaged: 'shard' must be null or [i, n], 1 <= i <= n, got {shard!r:.80}")
    return manifest


def manifest_plan(run_dir: str | Path, manifest: dict, validate: bool = True):
    """The Plan a run's manifest holds; RunDirError (naming the manifest) when it is unusable."""
    from .plan import Plan, PlanError

    path = Path(run_dir) / MANIFEST
    try:
        plan = Plan.from_dict(manifest["plan"])
        if validate:
            plan.validate()
    except (KeyError, TypeError, PlanError) as err:
        raise RunDirError(f"{path}: no usable plan ({err})") from None
    return plan


def write_manifest(run_dir: str | Path, manifest: dict) -> None:
    """Write atomically (temp file + rename), so a kill never leaves half a manifest."""
    path = Path(run_dir) / MANIFEST
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def read_records(run_dir: str | Path, repair: bool = False) -> list[dict]:
    """Every complete record. A last line without its newline (a run killed mid-write) is
    dropped, and with repair=True cut from the file so appending can go on."""
    path = Path(run_dir) / RECORDS
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as err:
        raise RunDirError(f"{path}: cannot read: {err.strerror}") from None
    complete = data.rfind(b"\n") + 1
    if complete < len(data) and repair:
        with open(path, "r+b") as handle:
            handle.truncate(complete)
    records = []
    for number, line in enumerate(data[:complete].splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise RunDirError(f"{path}:{number}: not a JSON record") from None
        problem = record_problem(record)
        if problem:
            raise RunDirError(f"{path}:{number}: {problem}")
        records.append(record)
    return records


_KEY_TYPES = {"system": str, "device": str, "task": str, "size": int, "heldout": bool, "index": int}
_NUMBERS = ("latency_s", "cpu_time_s", "ops", "tokens_in", "tokens_out", "ttft_s", "tpot_s", "lane_latency_s",
            "arch_bytes", "peak_rss_bytes", "peak_device_bytes", "energy_j", "batch_size")  # fmt: skip


def record_problem(record) -> str | None:
    """Why a parsed line is not a usable record (None when it is): the key fields with their
    types, and the measured fields the summary adds up, numbers or null."""
    if not isinstance(record, dict):
        return f"not a JSON record (a JSON {type(record).__name__})"
    for key, kind in _KEY_TYPES.items():
        if key not in record:
            return f"a record without its key fields {KEY_FIELDS}"
        value = record[key]
        if type(value) is not kind:
            return f"a record whose '{key}' is {value!r:.40}, not a {kind.__name__}"
    for key in _NUMBERS:
        value = record.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            return f"a record whose '{key}' is {value!r:.40}, not a number"
    if not isinstance(record.get("correct", False), bool):
        return f"a record whose 'correct' is {record['correct']!r:.40}, not true or false"
    if not isinstance(record.get("error"), dict | type(None)):
        return f"a record whose 'error' is {record['error']!r:.40}, not an object or null"
    return None


def may_pass(record: dict) -> bool:
    """A record whose error may pass on a second try (a server that was down, 5xx, a stall)."""
    return bool((record.get("error") or {}).get("retry"))


def set_aside_retryable(run_dir: str | Path) -> int:
    """Move the records whose error may pass from records.jsonl to records.superseded.jsonl, so
    the run asks for those items again; return how many. Nothing measured is deleted: the lines
    are appended to the superseded file (and synced) before records.jsonl is replaced atomically."""
    read_records(run_dir, repair=True)  # reports a damaged file with its line; drops a cut last line
    path = Path(run_dir) / RECORDS
    if not path.exists():
        return 0
    keep, again = [], []
    for line in path.read_bytes().splitlines(keepends=True):
        if line.strip():
            (again if may_pass(json.loads(line)) else keep).append(line)
    if not again:
        return 0
    with open(Path(run_dir) / SUPERSEDED, "ab") as handle:
        handle.writelines(again)
        handle.flush()
        os.fsync(handle.fileno())
    tmp = path.with_suffix(".jsonl.tmp")
    tmp.write_bytes(b"".join(keep))
    os.replace(tmp, path)
    return len(again)


class RecordWriter:
    """Appends records to records.jsonl, one line each, flushed before the next item starts."""

    def __init__(self, run_dir: str | Path):
        self.path = Path(run_dir) / RECORDS
        self.handle = open(self.path, "a", encoding="utf-8")

    def write(self, record: dict) -> None:
        self.handle.write(json.dumps(record, separators=(",", ":")) + "\n")
        self.handle.flush()

    def close(self) -> None:
        self.handle.close()
