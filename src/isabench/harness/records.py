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


def read_manifest(run_dir: str | Path) -> dict:
    if not Path(run_dir).is_dir():
        raise RunDirError(f"{run_dir}: no such run folder")
    path = Path(run_dir) / MANIFEST
    if not path.exists():
        raise RunDirError(f"{path}: missing: {run_dir} is not an isabench run folder")
    return read_json(path, what="manifest")


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
            record_key(record)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise RunDirError(f"{path}:{number}: not a JSON record") from None
        except (KeyError, TypeError):
            raise RunDirError(f"{path}:{number}: a record without its key fields {KEY_FIELDS}") from None
        records.append(record)
    return records


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
