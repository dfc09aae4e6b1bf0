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
# compile mode: one record per program a model wrote (system, device, task), apart from the
# per-item records of the runs of that program; and the amortised-cost table built from both
COMPILES, COMPILES_SUPERSEDED, COMPILE_SUMMARY = "compile.jsonl", "compile.superseded.jsonl", "compile.csv"
KEY_FIELDS = ("system", "device", "task", "size", "heldout", "index", "mode")


class RunDirError(ValueError):
    """A run folder that is missing, not a run, or damaged."""


def record_mode(record: dict) -> str | None:
    """The mode of a record: None for a machine's; records written before modes existed carry
    none, and a model's among them (ops in FLOPs) was a direct answer."""
    if "mode" in record:
        return record["mode"]
    return "direct" if record.get("ops_unit") == "flop" else None


def record_key(record: dict) -> tuple:
    return (*(record[k] for k in KEY_FIELDS[:-1]), record_mode(record))


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
    return _read_jsonl(Path(run_dir) / RECORDS, record_problem, repair)


def _read_jsonl(path: Path, problem_of, repair: bool) -> list[dict]:
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
        problem = problem_of(record)
        if problem:
            raise RunDirError(f"{path}:{number}: {problem}")
        records.append(record)
    return records


_KEY_TYPES = {"system": str, "device": str, "task": str, "size": int, "heldout": bool, "index": int}
_NUMBERS = ("latency_s", "cpu_time_s", "ops", "tokens_in", "tokens_out", "ttft_s", "tpot_s", "lane_latency_s",
            "arch_bytes", "peak_rss_bytes", "peak_device_bytes", "energy_j", "batch_size")  # fmt: skip


def _number_or_null(value) -> bool:
    return value is None or (not isinstance(value, bool) and isinstance(value, int | float))


def record_problem(record) -> str | None:
    """Why a parsed line is not a usable record (None when it is): the key fields with their
    types, and the measured fields the summary adds up, numbers or null."""
    if not isinstance(record, dict):
        return f"not a JSON record (a JSON {type(record).__name__})"
    for key, kind in _KEY_TYPES.items():
        if key not in record:
            return f"a record without its key fields {KEY_FIELDS[:-1]}"
        value = record[key]
        if type(value) is not kind:
            return f"a record whose '{key}' is {value!r:.40}, not a {kind.__name__}"
    if not isinstance(record.get("mode"), str | type(None)):
        return f"a record whose 'mode' is {record['mode']!r:.40}, not a mode name or null"
    for key in _NUMBERS:
        if not _number_or_null(record.get(key)):
            return f"a record whose '{key}' is {record[key]!r:.40}, not a number"
    for key in ("correct", "correct_flexible"):
        if not isinstance(record.get(key, False), bool):
            return f"a record whose '{key}' is {record[key]!r:.40}, not true or false"
    if not isinstance(record.get("error"), dict | type(None)):
        return f"a record whose 'error' is {record['error']!r:.40}, not an object or null"
    return None


def may_pass(record: dict) -> bool:
    """A record whose error may pass on a second try (a server that was down, 5xx, a stall)."""
    return bool((record.get("error") or {}).get("retry"))


def read_compiles(run_dir: str | Path, repair: bool = False) -> list[dict]:
    """compile.jsonl: one record per program a model wrote (see harness.compiled), read as
    read_records reads records.jsonl."""
    return _read_jsonl(Path(run_dir) / COMPILES, compile_problem, repair)


_COMPILE_TYPES = {"system": str, "device": str, "task": str, "heldout": bool, "sizes": list}


def compile_problem(record) -> str | None:
    """Why a parsed compile.jsonl line is not a usable compile record (None when it is)."""
    if not isinstance(record, dict):
        return f"not a JSON record (a JSON {type(record).__name__})"
    for key, kind in _COMPILE_TYPES.items():
        if type(record.get(key)) is not kind:
            return f"a compile record whose '{key}' is {record.get(key)!r:.40}, not a {kind.__name__}"
    for key in ("latency_s", "cpu_time_s", "ops", "tokens_in", "tokens_out", "energy_j"):
        if not _number_or_null(record.get(key)):
            return f"a compile record whose '{key}' is {record[key]!r:.40}, not a number"
    if not isinstance(record.get("error"), dict | type(None)):
        return f"a compile record whose 'error' is {record['error']!r:.40}, not an object or null"
    if not isinstance(record.get("program"), str | type(None)):
        return f"a compile record whose 'program' is {record['program']!r:.40}, not text or null"
    return None


def compile_key(record: dict) -> tuple:
    """What a compile record is the program of: (system, device, task, heldout)."""
    return (record["system"], record["device"], record["task"], record["heldout"])


def set_aside_retryable(run_dir: str | Path) -> int:
    """Move the records whose error may pass from records.jsonl to records.superseded.jsonl (and
    such compile records from compile.jsonl to compile.superseded.jsonl), so the run asks for
    those items (and programs) again; return how many item records moved. Nothing measured is
    deleted: the lines are appended to the superseded file (and synced) before the file is
    replaced atomically."""
    read_records(run_dir, repair=True)  # reports a damaged file with its line; drops a cut last line
    read_compiles(run_dir, repair=True)
    _set_aside(Path(run_dir) / COMPILES, Path(run_dir) / COMPILES_SUPERSEDED)
    return _set_aside(Path(run_dir) / RECORDS, Path(run_dir) / SUPERSEDED)


def _set_aside(path: Path, superseded: Path) -> int:
    if not path.exists():
        return 0
    keep, again = [], []
    for line in path.read_bytes().splitlines(keepends=True):
        if line.strip():
            (again if may_pass(json.loads(line)) else keep).append(line)
    if not again:
        return 0
    with open(superseded, "ab") as handle:
        handle.writelines(again)
        handle.flush()
        os.fsync(handle.fileno())
    tmp = path.with_suffix(".jsonl.tmp")
    tmp.write_bytes(b"".join(keep))
    os.replace(tmp, path)
    return len(again)


class RecordWriter:
    """Appends records to records.jsonl (or `name`), one line each, flushed before the next item starts."""

    def __init__(self, run_dir: str | Path, name: str = RECORDS, lazy: bool = False):
        self.path = Path(run_dir) / name
        # lazy: the file is made at the first record, so a run without any has none
        self.handle = None if lazy else open(self.path, "a", encoding="utf-8")

    def write(self, record: dict) -> None:
        if self.handle is None:
            self.handle = open(self.path, "a", encoding="utf-8")
        self.handle.write(json.dumps(record, separators=(",", ":")) + "\n")
        self.handle.flush()

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
