"""The command line under bad invocations: every row of a fixed table is run as a real
`python -m isabench ...` subprocess and must end in one line on stderr, no traceback, a
non-zero exit status (the documented one where there is one), and must leave what a run
folder already recorded as it was.

Case `index` runs row `index % len(ROWS)`; the rng varies the row's numbers and file bytes.
`tests/test_cli_bad_invocations.py` runs every row once.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .base import Campaign, Finding

USAGE, EXIT_TRAP, EXIT_ASSEMBLY, EXIT_FILE = 2, 125, 126, 127
RUN_ARGS = ("--systems", "rv-ref", "--tasks", "add", "--sizes", "2", "--items", "3", "--no-progress")
OTHER_RUN_ARGS = ("--systems", "rv-ref", "--tasks", "add", "--sizes", "2", "--items", "2", "--no-progress")
HUGE_BYTES = 12 << 20


def _unreadable_path(root: Path) -> str:
    """A file that exists but cannot be read: mode 000 for a normal user; as root (which reads
    any mode) /proc/self/mem, whose first page is never mapped, so reading it fails with EIO."""
    if os.geteuid() != 0:
        path = root / "unreadable.txt"
        path.write_text("x = 1\n")
        path.chmod(0)
        return str(path)
    return "/proc/self/mem"


class Fixtures:
    """What rows need, prepared once: a real run folder, odd files, a busy port."""

    def __init__(self, root: Path):
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.run = root / "run"
        self.other_run = root / "other-run"
        for folder, args in ((self.run, RUN_ARGS), (self.other_run, OTHER_RUN_ARGS)):
            if not (folder / "manifest.json").exists():
                shutil.rmtree(folder, ignore_errors=True)
                done = _isabench(["run", *args, "--out", str(folder)], timeout=300)
                if done.returncode != 0:
                    raise RuntimeError(f"could not prepare {folder}: {done.stderr.decode()[-500:]}")
        self.empty = root / "empty.bin"
        self.empty.write_bytes(b"")
        self.text = root / "text.txt"
        self.text.write_text("hello\n")
        self.folder = root / "a-folder"
        self.folder.mkdir(exist_ok=True)
        (self.folder / "note.txt").write_text("not a run\n")
        self.unreadable = _unreadable_path(root)
        self.huge = root / "huge.txt"
        if not self.huge.exists() or self.huge.stat().st_size != HUGE_BYTES:
            line = b"x" * 1000 + b" = \n"
            self.huge.write_bytes((line * (HUGE_BYTES // len(line) + 1))[:HUGE_BYTES])
        self.port_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.port_socket.bind(("127.0.0.1", 0))
        self.port_socket.listen(1)
        self.busy_port = self.port_socket.getsockname()[1]
        from ..lm.paths import DEFAULT_CHECKPOINT

        self.default_checkpoint = Path(DEFAULT_CHECKPOINT)

    def close(self) -> None:
        self.port_socket.close()


class Case:
    """One row's world: the fixtures, a fresh folder and the rng; run folders to watch."""

    def __init__(self, fixtures: Fixtures, tmp: Path, rng: random.Random):
        self.fx, self.tmp, self.rng = fixtures, tmp, rng
        self.watch: list[Path] = []

    def shared_run(self) -> str:
        """The prepared run folder, for invocations that must leave it untouched."""
        self.watch.append(self.fx.run)
        return str(self.fx.run)

    def run_copy(self, damage: Callable[[Path, random.Random], None] | None = None) -> str:
        """A copy of the prepared run folder, damaged; its records must survive the command."""
        folder = self.tmp / f"run{len(self.watch)}"
        shutil.copytree(self.fx.run, folder)
        if damage is not None:
            damage(folder, self.rng)
        self.watch.append(folder)
        return str(folder)

    def file(self, name: str, data: bytes | str) -> str:
        path = self.tmp / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return str(path)

    def binary(self, name: str = "binary.bin") -> str:
        """Random bytes that are not UTF-8 (a 0xff and a lone continuation byte included)."""
        data = bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(64, 4096)))
        return self.file(name, b"\xff\x80" + data)

    def plan(self, text: str) -> str:
        return self.file("plan.toml", text)

    def out(self, name: str = "out") -> str:
        return str(self.tmp / name)

    def checkpoint(self, config: bytes | str | None, weights: bytes | None) -> str:
        folder = self.tmp / "ckpt"
        folder.mkdir()
        if config is not None:
            (folder / "config.json").write_bytes(config.encode() if isinstance(config, str) else config)
        if weights is not None:
            (folder / "model.safetensors").write_bytes(weights)
        return str(folder)


@dataclass(frozen=True)
class Row:
    name: str
    argv: Callable[[Case], list[str]]  # the arguments after `isabench`
    status: int | None  # the documented exit status; None: any non-zero one
    timeout_s: float = 60.0
    cuda: bool = False  # asks for CUDA: only a bad invocation where torch sees no GPU


# -- ways to damage a run folder ------------------------------------------------------------------
def _records_path(folder: Path) -> Path:
    return folder / "records.jsonl"


def _garbage_line(folder: Path, rng: random.Random) -> None:
    lines = _records_path(folder).read_bytes().splitlines(keepends=True)
    bad = rng.choice([b"{not json}\n", b"\xff\xfe\n", b"[1, 2, 3]\n", b'"a string"\n', b"null\n", b"42\n"])
    lines.insert(rng.randrange(len(lines)), bad)  # never last: not a line cut short by a kill
    _records_path(folder).write_bytes(b"".join(lines))


def _unhashable_key(folder: Path, rng: random.Random) -> None:
    lines = _records_path(folder).read_bytes().splitlines(keepends=True)
    record = json.loads(lines[0])
    record[rng.choice(["index", "size", "system", "task"])] = rng.choice([[1], {"a": 1}])
    lines[0] = (json.dumps(record) + "\n").encode()
    _records_path(folder).write_bytes(b"".join(lines))


def _wrong_field_types(folder: Path, rng: random.Random) -> None:
    lines = _records_path(folder).read_bytes().splitlines(keepends=True)
    record = json.loads(lines[-1])
    field = rng.choice(["latency_s", "ops", "correct", "error", "peak_rss_bytes", "cpu_time_s"])
    record[field] = rng.choice(["fast", [1], {"x": 1}])
    lines[-1] = (json.dumps(record) + "\n").encode()
    _records_path(folder).write_bytes(b"".join(lines))


def _records_folder(folder: Path, rng: random.Random) -> None:
    _records_path(folder).unlink()
    _records_path(folder).mkdir()
    (_records_path(folder) / "x").write_text("x")


def _manifest(text: str | bytes) -> Callable[[Path, random.Random], None]:
    def damage(folder: Path, rng: random.Random) -> None:
        (folder / "manifest.json").write_bytes(text.encode() if isinstance(text, str) else text)

    return damage


def _manifest_edit(**changes) -> Callable[[Path, random.Random], None]:
    def damage(folder: Path, rng: random.Random) -> None:
        manifest = json.loads((folder / "manifest.json").read_text())
        for key, value in changes.items():
            if key.startswith("plan."):
                manifest["plan"][key[5:]] = value
            elif value is None:
                manifest.pop(key, None)
            else:
                manifest[key] = value
        (folder / "manifest.json").write_text(json.dumps(manifest))

    return damage


def _no_manifest(folder: Path, rng: random.Random) -> None:
    (folder / "manifest.json").unlink()


def _pick(rng: random.Random, *values):
    return str(rng.choice(values))


_BAD_BENCHMARKS = (
    '{"benchmarks": 5}',
    "[1, 2]",
    "{",
    '{"benchmarks": [1]}',
    '{"benchmarks": [{"stats": 5}]}',
    '{"benchmarks": [{"stats": {"mean": "x"}}]}',
    '{"benchmarks": [], "machine_info": 3}',
)


def _benchmark_json(case: Case) -> str:
    return case.file("bench.json", case.rng.choice(_BAD_BENCHMARKS))


def _run(c: Case, *args: str) -> list[str]:
    """`isabench run ARGS` into a fresh --out folder."""
    return ["run", *args, "--out", c.out(), "--no-progress"]


def _run_plan(text: str) -> Callable[[Case], list[str]]:
    return lambda c: _run(c, "--plan", c.plan(text))


def _resume(damage: Callable[[Path, random.Random], None]) -> Callable[[Case], list[str]]:
    return lambda c: ["run", "--resume", c.run_copy(damage), "--no-progress"]


def _any_damage(*damages: Callable[[Path, random.Random], None]) -> Callable[[Path, random.Random], None]:
    return lambda folder, rng: rng.choice(damages)(folder, rng)


def _generate(*args: str) -> Callable[[Case], list[str]]:
    return lambda c: ["lm", "generate", "hi", *args]


def _program(c: Case) -> str:
    return c.file("p.s", "_start:\n li a7, 93\n ecall\n")


_BAD_SCALARS = (
    'seed = "x"',
    'item_timeout_s = "x"',
    'max_steps = "x"',
    "memory_size = -1",
    "max_steps = 0",
    'heldout = "yes"',
    "size_rule = 5",
    "baseline = 5",
    "profile = 5",
    "items = 2.5",
    "items = true",
    "item_timeout_s = -1",
    "devices = [5]",
    "tasks = []",
    "plan = 5",
    'memory_size = "1M"',
)
_BAD_TASK_SIZES = ('["x"]', '"4"', "[1.5]", "[[4]]", "{a = 1}", "[]", "[true]")
_BAD_MANIFEST_TEXT = ("{", "", "\xff", "[1,", "nul")
_BAD_MANIFEST_SHAPE = ("[]", "5", '"x"', "null", '{"plan": 5}', '{"plan": {"items": 3}, "sessions": 5}')
_BAD_MANIFEST_PLAN = _any_damage(
    _manifest_edit(**{"plan.items": "ten"}),
    _manifest_edit(**{"plan.systems": 5}),
    _manifest_edit(**{"plan.options": 3}),
    _manifest_edit(**{"plan.sizes": "x"}),
    _manifest_edit(**{"plan.bogus": 1}),
    _manifest_edit(plan=None),
    _manifest_edit(shard="x"),
    _manifest_edit(shard=[3, 2]),
    _manifest_edit(sessions="x"),
)
_BAD_RV_NUMBERS = (
    ["--max-steps", "x"],
    ["--memory", "lots"],
    ["--memory", "0"],
    ["--memory", "-1"],
    ["--max-steps", "-1"],
    ["--executor", "nope"],
    ["--memory", "99999999999999999G"],
)
_BAD_CONFIGS = ("{", b"\xff\xfe", "[]", "{}", '{"model": 5}', '{"model": {"dim": "x"}}', '{"model": {}}')
_BAD_MODES = ("poetry", "direct,CPU", "trace,trace", ",")
_PROMPT_PLAN = 'systems = ["lm-builtin"]\nmodes = ["trace"]\ntasks = ["add"]\n[options.lm-builtin]\n'
_BAD_PROMPT_OPTIONS = ("few_shot = -1", "trace_k = 0", 'trace_steps = "yes"', "compile_max_new_tokens = 0")
_BAD_PROMPTS = (
    ["nope", "--size", "3"],
    ["add", "--size", "0", "--mode", "trace"],
    ["add", "--size", "3", "--mode", "poetry"],
    ["add", "--size", "3", "--mode", "compile", "--few-shot", "-1"],
    ["add", "--size", "3", "--mode", "trace", "--trace-k", "0"],
    ["add", "--mode", "trace"],
)
_BAD_SAMPLES = (
    ["nope", "--size", "3"],
    ["add", "--size", "0"],
    ["add", "--size", "3", "--seed", "-2"],
    ["add", "--size", "x"],
    ["add", "--size", "3", "--count", "-1"],
    ["add", "--size", "3", "--count", "0"],
    ["add"],
)


def _bad_weights(c: Case) -> str:
    weights = c.rng.choice([b"", b"\x00" * 64, b"\xff" * 9, bytes(c.rng.randrange(256) for _ in range(4096))])
    return c.checkpoint((c.fx.default_checkpoint / "config.json").read_bytes(), weights)


def _bad_benchmark(c: Case) -> str:
    return c.rng.choice([_benchmark_json(c), str(c.tmp / "nope.json"), c.binary(), str(c.fx.empty)])


# -- the table: (name, argv builder, documented status) ---------------------------------------------
ROWS: tuple[Row, ...] = (
    # commands and flags
    Row("unknown command", lambda c: [_pick(c.rng, "frobnicate", "runn", "RUN", "-")], USAGE),
    Row("unknown global flag", lambda c: [_pick(c.rng, "--bogus", "-z", "--verbose")], USAGE),
    Row("no command", lambda c: [], USAGE),
    Row("unknown run flag", lambda c: _run(c, "--bogus-flag", "1"), USAGE),
    Row("unknown rv command", lambda c: ["rv", _pick(c.rng, "frobnicate", "exec")], USAGE),
    Row("unknown tasks command", lambda c: ["tasks", _pick(c.rng, "frobnicate", "lst")], USAGE),
    Row("unknown lm command", lambda c: ["lm", "frobnicate"], USAGE),
    # numbers
    Row("negative items", lambda c: _run(c, "--items", _pick(c.rng, -1, -7, 0, -(2**40))), USAGE),
    Row("items not a number", lambda c: _run(c, "--items", _pick(c.rng, "x", "1.5", "ten", "")), USAGE),
    Row("negative seed", lambda c: _run(c, "--seed", _pick(c.rng, -5, -1)), USAGE),
    Row("seed not a number", lambda c: _run(c, "--seed", _pick(c.rng, "x", "0x")), USAGE),
    Row("sizes not numbers", lambda c: _run(c, "--sizes", _pick(c.rng, "a,b", "1,x", "4;8", "1e3")), USAGE),
    Row(
        "sizes out of range",
        lambda c: _run(c, "--tasks", "add", "--sizes", _pick(c.rng, "0", "-3", "99999")),
        USAGE,
    ),
    Row("shard 0/0", lambda c: _run(c, "--shard", "0/0"), USAGE),
    Row("shard past n", lambda c: _run(c, "--shard", _pick(c.rng, "3/2", "0/4", "-1/2", "2/-2")), USAGE),
    Row("shard not i/n", lambda c: _run(c, "--shard", _pick(c.rng, "x", "1/2/3", "1", "a/b", "/")), USAGE),
    # unknown names
    Row(
        "unknown system", lambda c: _run(c, "--systems", _pick(c.rng, "nope", "rv-ref,nope", "RV-REF")), USAGE
    ),
    Row("no systems", lambda c: _run(c, "--systems", ","), USAGE),
    Row("unknown task", lambda c: _run(c, "--tasks", _pick(c.rng, "nope", "add,nope")), USAGE),
    Row("unknown profile", lambda c: _run(c, "--profile", _pick(c.rng, "nope", "QUICK")), USAGE),
    Row("unknown device", lambda c: _run(c, "--devices", _pick(c.rng, "tpu", "gpu", "cpu,mps")), USAGE),
    Row(
        "cuda without a GPU",
        lambda c: _run(c, "--systems", "lm-builtin", "--devices", "cuda", "--items", "1"),
        USAGE,
        cuda=True,
    ),
    Row("unknown baseline", lambda c: _run(c, "--baseline", "nope"), USAGE),
    Row("unknown mode", lambda c: _run(c, "--modes", _pick(c.rng, *_BAD_MODES)), USAGE),
    Row(
        "bad prompt option",
        lambda c: _run(c, "--plan", c.plan(_PROMPT_PLAN + _pick(c.rng, *_BAD_PROMPT_OPTIONS))),
        USAGE,
    ),
    Row(
        "hf: missing folder",
        lambda c: _run(c, "--systems", f"hf:{c.tmp / 'no-model'}", "--tasks", "add"),
        USAGE,
    ),
    Row(
        "openai: nothing listening",
        lambda c: _run(c, "--systems", "openai:http://127.0.0.1:1/v1#m", "--tasks", "add", "--items", "1"),
        USAGE,
    ),
    # plan files
    Row("plan file missing", lambda c: _run(c, "--plan", str(c.tmp / "nope.toml")), USAGE),
    Row("plan file a folder", lambda c: _run(c, "--plan", str(c.fx.folder)), USAGE),
    Row("plan file unreadable", lambda c: _run(c, "--plan", c.fx.unreadable), USAGE),
    Row("plan file binary", lambda c: _run(c, "--plan", c.binary()), USAGE),
    Row("plan file huge", lambda c: _run(c, "--plan", str(c.fx.huge)), USAGE),
    Row(
        "plan file not TOML",
        lambda c: _run(c, "--plan", c.plan(_pick(c.rng, "items = ", "[[[", "a = 1\na = 2\n"))),
        USAGE,
    ),
    Row("plan items a string", _run_plan('items = "ten"\n'), USAGE),
    Row("plan systems a number", _run_plan("systems = 5\n"), USAGE),
    Row("plan options a number", _run_plan("options = 3\n"), USAGE),
    Row(
        "plan options of a system a number",
        _run_plan('systems = ["rv-ref"]\ntasks = ["add"]\nitems = 1\n[options]\n"rv-ref" = 3\n'),
        USAGE,
    ),
    Row("plan sizes a string", _run_plan('sizes = "x"\n'), USAGE),
    Row(
        "plan sizes of a task not integers",
        lambda c: _run(
            c, "--plan", c.plan(f'tasks = ["add"]\n[sizes]\nadd = {c.rng.choice(_BAD_TASK_SIZES)}\n')
        ),
        USAGE,
    ),
    Row(
        "plan scalar of the wrong type",
        lambda c: _run(c, "--plan", c.plan(c.rng.choice(_BAD_SCALARS) + "\n")),
        USAGE,
    ),
    Row("plan unknown key", _run_plan("itemz = 3\n"), USAGE),
    Row(
        "empty plan into a file",
        lambda c: ["run", "--plan", str(c.fx.empty), "--out", str(c.fx.text)],
        EXIT_FILE,
    ),
    # output folders
    Row("run into a file", lambda c: ["run", *RUN_ARGS, "--out", c.file("taken", "x")], EXIT_FILE),
    Row(
        "run under a file",
        lambda c: ["run", *RUN_ARGS, "--out", c.file("taken", "x") + "/sub/run"],
        EXIT_FILE,
    ),
    Row("run into an existing run", lambda c: ["run", *RUN_ARGS, "--out", c.shared_run()], EXIT_FILE),
    # --resume
    Row("resume a missing folder", lambda c: ["run", "--resume", str(c.tmp / "nowhere")], EXIT_FILE),
    Row("resume a non-run folder", lambda c: ["run", "--resume", str(c.fx.folder)], EXIT_FILE),
    Row("resume a file", lambda c: ["run", "--resume", str(c.fx.text)], EXIT_FILE),
    Row("resume with plan options", lambda c: ["run", "--resume", c.shared_run(), "--items", "3"], USAGE),
    Row("resume a garbage record", _resume(_garbage_line), EXIT_FILE),
    Row("resume an unhashable key", _resume(_unhashable_key), EXIT_FILE),
    Row("resume records a folder", _resume(_records_folder), EXIT_FILE),
    Row("resume manifest not JSON", _resume(_any_damage(*map(_manifest, _BAD_MANIFEST_TEXT))), EXIT_FILE),
    Row("resume manifest binary", _resume(_manifest(b"\xff\xfe\x00\x01")), EXIT_FILE),
    Row(
        "resume manifest not an object", _resume(_any_damage(*map(_manifest, _BAD_MANIFEST_SHAPE))), EXIT_FILE
    ),
    Row("resume manifest plan of wrong types", _resume(_BAD_MANIFEST_PLAN), EXIT_FILE),
    Row("resume manifest missing", _resume(_no_manifest), EXIT_FILE),
    # merge
    Row("merge a missing folder", lambda c: ["merge", str(c.tmp / "nowhere"), "--out", c.out()], EXIT_FILE),
    Row("merge a non-run folder", lambda c: ["merge", str(c.fx.folder), "--out", c.out()], EXIT_FILE),
    Row(
        "merge a garbage record", lambda c: ["merge", c.run_copy(_garbage_line), "--out", c.out()], EXIT_FILE
    ),
    Row(
        "merge an unhashable key",
        lambda c: ["merge", c.run_copy(_unhashable_key), "--out", c.out()],
        EXIT_FILE,
    ),
    Row(
        "merge a bad manifest",
        lambda c: [
            "merge",
            c.run_copy(
                _any_damage(
                    _manifest("{"),
                    _manifest("[]"),
                    _manifest_edit(plan=None),
                    _manifest_edit(**{"plan.items": "ten"}),
                )
            ),
            "--out",
            c.out(),
        ],
        EXIT_FILE,
    ),
    Row(
        "merge different plans",
        lambda c: ["merge", c.shared_run(), str(c.fx.other_run), "--out", c.out()],
        EXIT_FILE,
    ),
    Row("merge into a file", lambda c: ["merge", c.shared_run(), "--out", c.file("taken", "x")], EXIT_FILE),
    Row(
        "merge under a file",
        lambda c: ["merge", c.shared_run(), "--out", c.file("taken", "x") + "/m"],
        EXIT_FILE,
    ),
    Row(
        "merge into an existing run",
        lambda c: ["merge", str(c.fx.other_run), "--out", c.shared_run()],
        EXIT_FILE,
    ),
    # report
    Row("report nothing", lambda c: ["report", "--out", c.out()], USAGE),
    Row("report a missing folder", lambda c: ["report", str(c.tmp / "nowhere"), "--out", c.out()], EXIT_FILE),
    Row("report a non-run folder", lambda c: ["report", str(c.fx.folder), "--out", c.out()], EXIT_FILE),
    Row(
        "report a garbage record",
        lambda c: ["report", c.run_copy(_garbage_line), "--out", c.out()],
        EXIT_FILE,
    ),
    Row(
        "report records of wrong types",
        lambda c: ["report", c.run_copy(_wrong_field_types), "--out", c.out()],
        EXIT_FILE,
    ),
    Row(
        "report a bad manifest",
        lambda c: ["report", c.run_copy(_any_damage(_manifest("{"), _manifest("[]"))), "--out", c.out()],
        EXIT_FILE,
    ),
    Row("report into a file", lambda c: ["report", c.shared_run(), "--out", str(c.fx.text)], EXIT_FILE),
    Row(
        "report a bad benchmark file",
        lambda c: ["report", "--benchmark-json", _bad_benchmark(c), "--out", c.out()],
        EXIT_FILE,
    ),
    # rv run / rv asm
    Row(
        "rv run missing file", lambda c: ["rv", _pick(c.rng, "run", "asm"), str(c.tmp / "nope.s")], EXIT_FILE
    ),
    Row("rv run a folder", lambda c: ["rv", "run", str(c.fx.folder)], EXIT_FILE),
    Row("rv run unreadable", lambda c: ["rv", _pick(c.rng, "run", "asm"), c.fx.unreadable], EXIT_FILE),
    Row("rv run binary", lambda c: ["rv", _pick(c.rng, "run", "asm"), c.binary("p.s")], EXIT_ASSEMBLY),
    Row("rv run huge", lambda c: ["rv", "run", str(c.fx.huge)], EXIT_ASSEMBLY),
    # an empty source assembles (as GNU as does) to nothing: fetching the first instruction traps
    Row("rv run empty", lambda c: ["rv", "run", str(c.fx.empty)], EXIT_TRAP),
    Row("rv run bad numbers", lambda c: ["rv", "run", _program(c), *c.rng.choice(_BAD_RV_NUMBERS)], USAGE),
    Row(
        "rv run stats into a folder",
        lambda c: ["rv", "run", _program(c), "--stats-json", str(c.fx.folder)],
        EXIT_FILE,
    ),
    Row(
        "rv run stats into a full disk",
        lambda c: ["rv", "run", _program(c), _pick(c.rng, "--stats-json", "--trace"), "/dev/full"],
        EXIT_FILE,
    ),
    # lm
    Row(
        "lm checkpoint missing",
        lambda c: ["lm", "generate", "hi", "--checkpoint", str(c.tmp / "nope")],
        USAGE,
    ),
    Row("lm checkpoint a file", lambda c: ["lm", "generate", "hi", "--checkpoint", c.binary()], USAGE),
    Row(
        "lm checkpoint empty folder",
        lambda c: ["lm", "generate", "hi", "--checkpoint", c.checkpoint(None, None)],
        USAGE,
    ),
    Row(
        "lm checkpoint bad config",
        lambda c: ["lm", "generate", "hi", "--checkpoint", c.checkpoint(c.rng.choice(_BAD_CONFIGS), None)],
        USAGE,
    ),
    Row(
        "lm checkpoint bad weights",
        lambda c: ["lm", "generate", "hi", "--checkpoint", _bad_weights(c)],
        USAGE,
    ),
    Row(
        "lm bad threads",
        lambda c: ["lm", "generate", "hi", "--threads", _pick(c.rng, "x", "0", "-2", "1.5")],
        USAGE,
    ),
    Row("lm cuda without a GPU", _generate("--device", "cuda"), USAGE, cuda=True),
    Row(
        "lm half precision on cpu",
        lambda c: ["lm", "generate", "hi", "--dtype", _pick(c.rng, "bf16", "fp16")],
        USAGE,
    ),
    Row(
        "lm bad token budget",
        lambda c: ["lm", "generate", "hi", "--max-new-tokens", _pick(c.rng, "-1", "0", "x")],
        USAGE,
    ),
    Row(
        "lm eval bad items or tasks",
        lambda c: ["lm", "eval", *c.rng.choice([["--items", "0"], ["--items", "-3"], ["--tasks", "nope"]])],
        USAGE,
    ),
    Row(
        "lm export from nowhere",
        lambda c: ["lm", _pick(c.rng, "export-hf", "export-gguf"), str(c.tmp / "nope"), c.out()],
        USAGE,
    ),
    Row(
        "train config missing or bad",
        lambda c: [
            "train",
            "--config",
            c.rng.choice([str(c.tmp / "nope.toml"), c.binary("c.toml"), str(c.fx.folder)]),
            "--out",
            c.out(),
        ],
        USAGE,
    ),
    # serve
    Row(
        "serve port out of range", lambda c: ["serve", "--port", _pick(c.rng, "99999", "-1", "65536")], USAGE
    ),
    Row("serve port in use", lambda c: ["serve", "--port", str(c.fx.busy_port), "--threads", "1"], USAGE),
    Row(
        "serve bad batch or name",
        lambda c: [
            "serve",
            *c.rng.choice([["--max-batch", "0"], ["--model-name", ""], ["--threads", "none"]]),
        ],
        USAGE,
    ),
    # tasks
    Row("tasks unknown name", lambda c: ["tasks", _pick(c.rng, "show", "program", "check"), "nope"], USAGE),
    Row("tasks sample bad", lambda c: ["tasks", "sample", *c.rng.choice(_BAD_SAMPLES)], USAGE),
    Row("tasks prompt bad", lambda c: ["tasks", "prompt", *c.rng.choice(_BAD_PROMPTS)], USAGE),
    Row(
        "tasks check bad count",
        lambda c: ["tasks", "check", "add", "--count", _pick(c.rng, "0", "-1", "x")],
        USAGE,
    ),
)


def _isabench(argv: list[str], timeout: float) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": os.environ.get("PYTHONWARNINGS", ""), "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "isabench", *argv],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
        env=env,
    )


def _cuda_here() -> bool:
    try:
        import torch

        return bool(torch.cuda.is_available())
    except ImportError:
        return False


def _snapshot(folders: list[Path]) -> dict[Path, bytes | None]:
    out = {}
    for folder in folders:
        path = folder / "records.jsonl"
        out[folder] = path.read_bytes() if path.is_file() else None
    return out


def check_row(
    row: Row, fixtures: Fixtures, rng: random.Random, campaign: str = "cli", index: int = 0
) -> list[Finding]:
    """Run one row once; what it did wrong as findings (nothing if it behaved)."""
    with tempfile.TemporaryDirectory(dir=fixtures.root, prefix="case-") as tmp:
        case = Case(fixtures, Path(tmp), rng)
        argv = row.argv(case)
        before = _snapshot(case.watch)
        shown = "isabench " + " ".join(argv)
        try:
            done = _isabench(argv, row.timeout_s)
        except subprocess.TimeoutExpired:
            return [Finding.of(campaign, index, "hang", f"{row.name}: ran past {row.timeout_s:g} s", shown)]
        stderr = done.stderr.decode("utf-8", errors="replace")
        problems = []
        if done.returncode == 0:
            problems.append("exit status 0")
        elif row.status is not None and done.returncode != row.status:
            problems.append(f"exit status {done.returncode}, documented {row.status}")
        lines = stderr[:-1].split("\n") if stderr.endswith("\n") else stderr.split("\n")
        if "Traceback" in stderr:
            problems.append("a traceback")
        elif len(lines) != 1 or not lines[0].strip():
            problems.append(f"{len(lines)} lines on stderr" if len(lines) != 1 else "an empty stderr")
        for folder, data in _snapshot(case.watch).items():
            if data != before[folder]:
                problems.append(f"{folder.name}/records.jsonl changed")
        if not problems:
            return []
        tail = stderr.strip().splitlines()[-3:]
        message = f"{row.name}: {', '.join(problems)} ({done.returncode}): {' | '.join(tail)[:300]}"
        return [Finding.of(campaign, index, "bad_error", message, f"{shown}\n--- stderr ---\n{stderr}")]


class CliCampaign(Campaign):
    name = "cli"
    case_timeout_s = 120.0

    def __init__(self) -> None:
        self.fixtures: Fixtures | None = None
        self.rows_run: dict[str, int] = {}
        self.skipped = 0

    def setup(self, workdir: Path) -> None:
        self.fixtures = Fixtures(Path(workdir))
        self.cuda = _cuda_here()

    def run_case(self, rng: random.Random, index: int) -> list[Finding]:
        assert self.fixtures is not None, "setup() first"
        row = ROWS[index % len(ROWS)]
        if row.cuda and self.cuda:
            self.skipped += 1
            return []
        self.rows_run[row.name] = self.rows_run.get(row.name, 0) + 1
        return check_row(row, self.fixtures, rng, self.name, index)

    def teardown(self) -> None:
        """Close the busy port and remove the fixtures (a findings' reproducer is its case index)."""
        if self.fixtures is not None:
            self.fixtures.close()
            shutil.rmtree(self.fixtures.root, ignore_errors=True)
            self.fixtures = None

    def summary(self) -> dict:
        return {"rows": len(ROWS), "rows_run": len(self.rows_run), "skipped_cuda_rows": self.skipped}


__all__ = ["ROWS", "CliCampaign", "Fixtures", "Row", "check_row"]
