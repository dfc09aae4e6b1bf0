"""What a run measures: systems x devices x tasks x sizes x items, from a profile, a TOML file
and command-line flags, checked before anything runs.

A plan is data only. `cells()` enumerates it in a fixed order, so a shard (`--shard i/n`) is
a deterministic slice and a resumed run knows exactly which items are still missing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..tasks import TASKS, TaskError, get_task

DEFAULT_SEED = 777_000  # the model card's evaluation seed: never a training seed
# how a model meets a task: the instruction in words (direct), the task's RISC-V program to
# execute (trace: the LM as a CPU), or a program to write (compile: the LM as a compiler)
MODES = ("direct", "trace", "compile")


class PlanError(ValueError):
    """A plan that cannot run: unknown system, task or size, a device that is not here, ..."""


# plan keys that hold one value: (key, accepted types, what to say); bool is never an int here
_SCALARS = (
    ("items", (int,), "a positive integer"),
    ("seed", (int,), "a non-negative integer"),
    ("heldout", (bool,), "true or false"),
    ("size_rule", (str,), "'quick' or 'all'"),
    ("baseline", (str,), "a system name"),
    ("profile", (str,), "a profile name"),
    ("item_timeout_s", (int, float), "a positive number of seconds"),
    ("max_steps", (int,), "a positive integer"),
    ("memory_size", (int,), "a positive number of bytes"),
    ("max_output_bytes", (int,), "a positive number of bytes"),
)


def _is(value, kinds: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in kinds
    return isinstance(value, kinds)


@dataclass(frozen=True)
class Cell:
    """One (system, device, task, size, mode) with its item indices. Machine systems are
    mode-less (mode None): their cell is the baseline of every mode."""

    system: str
    device: str
    task: str
    size: int
    indices: tuple[int, ...]
    mode: str | None = None

    @property
    def label(self) -> str:
        mode = f" [{self.mode}]" if self.mode and self.mode != "direct" else ""
        return f"{self.system} {self.device} {self.task}/{self.size}{mode}"

    def key(self, heldout: bool, index: int) -> tuple:
        """The record key (records.record_key) of this cell's item `index`."""
        return (self.system, self.device, self.task, self.size, heldout, index, self.mode)

    @property
    def group(self) -> tuple:
        """Cells that share work: a compile cell's program is written once per (system,
        device, task) and run at every size, so those cells stay in one shard."""
        if self.mode == "compile":
            return (self.system, self.device, self.task, "compile")
        return (self.system, self.device, self.task, self.size, self.mode)


@dataclass(frozen=True)
class Plan:
    """Everything that decides which items are run and how; saved in the run's manifest."""

    systems: tuple[str, ...] = ("rv-ref", "lm-builtin")
    devices: tuple[str, ...] = ("cpu",)
    tasks: tuple[str, ...] = tuple(TASKS)
    # sizes per task; a task missing here uses `size_rule`
    sizes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    size_rule: str = "quick"  # "quick" (2nd to 5th default sizes), "all" (every default size)
    items: int = 10
    seed: int = DEFAULT_SEED
    heldout: bool = False  # the model gets held-out instruction templates
    baseline: str = ""  # the system the ratios compare against; "" = first machine system
    item_timeout_s: float = 120.0
    max_steps: int = 200_000_000  # the machine's fuel per item
    memory_size: int = 1 << 20  # the machine's address space per item (all battery programs fit)
    max_output_bytes: int = 1 << 24  # what a program may print per item before it is stopped
    modes: tuple[str, ...] = ("direct",)  # how model systems meet each task (MODES)
    options: dict[str, dict] = field(default_factory=dict)  # per-system options, e.g. batch_size
    profile: str = ""

    def task_sizes(self, task: str) -> tuple[int, ...]:
        if task in self.sizes:
            return tuple(self.sizes[task])
        defaults = get_task(task).sizes
        if self.size_rule == "all":
            return defaults
        picks = [defaults[i] for i in (1, 2, 3, 4) if i < len(defaults)]
        return tuple(dict.fromkeys(picks))

    def pairs(self) -> list[tuple[str, str]]:
        """(system, device) pairs: every system on every plan device it supports."""
        from .systems import supported_devices

        return [(s, d) for s in self.systems for d in self.devices if d in supported_devices(s)]

    def system_modes(self, system: str) -> tuple[str | None, ...]:
        """The modes a system is run in: the plan's for a model, none (None) for the others."""
        from .systems import system_class

        return tuple(self.modes) if getattr(system_class(system), "kind", "") == "model" else (None,)

    def system_items(self, system: str) -> int:
        """Items per cell for this system: its option `items` where given, else the plan's."""
        return (self.options.get(system) or {}).get("items", self.items)

    def cells(self) -> list[Cell]:
        return [
            Cell(system, device, task, size, tuple(range(self.system_items(system))), mode)
            for system, device in self.pairs()
            for mode in self.system_modes(system)
            for task in self.tasks
            for size in self.task_sizes(task)
        ]

    def as_dict(self) -> dict:
        data = asdict(self)
        data["sizes"] = {k: list(v) for k, v in self.sizes.items()}
        return json.loads(json.dumps(data))

    @classmethod
    def from_dict(cls, data: dict) -> Plan:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise PlanError(f"unknown plan key(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        data = dict(data)
        for key in ("systems", "devices", "tasks", "modes"):
            if key in data:
                if isinstance(data[key], str):
                    data[key] = [data[key]]
                if not isinstance(data[key], list | tuple) or not all(isinstance(v, str) for v in data[key]):
                    raise PlanError(f"plan key '{key}' must be a list of names, got {data[key]!r}")
                data[key] = tuple(data[key])
        if "options" in data:
            options = data["options"]
            if not isinstance(options, dict) or not all(isinstance(v, dict) for v in options.values()):
                raise PlanError(f"plan key 'options' must be a table per system, got {options!r}")
        for key, kinds, what in _SCALARS:
            if key in data and not _is(data[key], kinds):
                raise PlanError(f"plan key '{key}' must be {what}, got {data[key]!r}")
        if "systems" in data:
            from .systems import normalize_systems

            systems, options = data["systems"], data.get("options", {})
            data["systems"], data["options"], renamed = normalize_systems(systems, options)
            if data.get("baseline") in renamed:
                data["baseline"] = renamed[data["baseline"]]
        if "tasks" in data and data["tasks"] in (("all",), ("*",)):
            data["tasks"] = tuple(TASKS)
        if "sizes" in data:
            sizes = data["sizes"]
            if not isinstance(sizes, dict):
                raise PlanError(f"plan key 'sizes' must be a table of task = [sizes], got {sizes!r}")
            data["sizes"] = {
                str(k): tuple(v) if isinstance(v, list | tuple) else (v,) for k, v in sizes.items()
            }
            for task, values in data["sizes"].items():
                if not values or not all(_is(v, (int,)) for v in values):
                    given = sizes[task]
                    raise PlanError(f"plan sizes for '{task}' must be a list of integers, got {given!r}")
        try:
            return cls(**data)
        except TypeError as err:
            raise PlanError(f"bad plan: {err}") from None

    @property
    def digest(self) -> str:
        """A short hash of the plan: shards and resumed runs must carry the same one."""
        blob = json.dumps(self.as_dict(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def validate(self) -> None:
        """Raise PlanError naming the first thing that cannot run."""
        from .systems import check_device, known_systems, supported_devices, system_class

        if not self.systems:
            raise PlanError("the plan has no systems")
        for name in self.systems:
            if system_class(name) is None:
                raise PlanError(f"unknown system '{name}' (known: {known_systems()})")
        if not self.devices:
            raise PlanError("the plan has no devices")
        for device in self.devices:
            check_device(device)
        for name in self.systems:
            if not set(supported_devices(name)) & set(self.devices):
                raise PlanError(
                    f"system '{name}' runs on {', '.join(supported_devices(name))}, "
                    f"not on {', '.join(self.devices)}"
                )
        for name in self.options:
            if name not in self.systems:
                raise PlanError(f"options given for '{name}', which is not among the plan's systems")
            count = self.options[name].get("items", 1)
            if not _is(count, (int,)) or count < 1:
                raise PlanError(f"options.{name}.items must be a positive integer, got {count!r}")
        if not self.tasks:
            raise PlanError("the plan has no tasks")
        for task in self.tasks:
            try:
                get_task(task)
            except TaskError as err:
                raise PlanError(str(err)) from None
        for task in self.sizes:
            if task not in self.tasks:
                raise PlanError(f"sizes given for '{task}', which is not among the plan's tasks")
        if self.size_rule not in ("quick", "all"):
            raise PlanError(f"size_rule must be 'quick' or 'all', got '{self.size_rule}'")
        for task in self.tasks:
            for size in self.task_sizes(task):
                try:
                    get_task(task).check_size(size)
                except TaskError as err:
                    raise PlanError(str(err)) from None
        if not isinstance(self.items, int) or self.items < 1:
            raise PlanError(f"items per cell must be a positive integer, got {self.items!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise PlanError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.baseline and self.baseline not in self.systems:
            raise PlanError(f"baseline '{self.baseline}' is not among the plan's systems")
        if self.item_timeout_s <= 0:
            raise PlanError(f"item_timeout_s must be positive, got {self.item_timeout_s}")
        if self.max_steps < 1:
            raise PlanError(f"max_steps must be at least 1, got {self.max_steps}")
        if self.memory_size < 1:
            raise PlanError(f"memory_size must be positive, got {self.memory_size}")
        if self.max_output_bytes < 1:
            raise PlanError(f"max_output_bytes must be positive, got {self.max_output_bytes}")
        if not self.modes:
            raise PlanError(f"the plan has no modes (use some of {', '.join(MODES)})")
        for mode in self.modes:
            if mode not in MODES:
                raise PlanError(f"unknown mode '{mode}' (known: {', '.join(MODES)})")
        if len(set(self.modes)) != len(self.modes):
            raise PlanError(f"modes are listed twice: {', '.join(self.modes)}")

    def baseline_system(self) -> str:
        """The system ratios are taken against: the plan's choice, else its first machine."""
        from .systems import system_class

        if self.baseline:
            return self.baseline
        machines = [s for s in self.systems if getattr(system_class(s), "kind", "") == "machine"]
        return machines[0] if machines else self.systems[0]


PROFILES: dict[str, Plan] = {
    # the machine side's baseline (first machine listed) is rv-fast, the fastest executor equal to rv-ref;
    # every task at its 2nd to 5th default sizes (lm-builtin trained on the first three)
    # and on the two past them, 40 items per cell, on CPU: well under 5 minutes on 2 cores
    # smollm2 (the published model) comes first among the models, so the headline names it first;
    # it runs 8 items per cell (about 4 minutes), lm-builtin and the machines 40
    "quick": Plan(profile="quick", systems=("rv-fast", "rv-ref", "smollm2", "lm-builtin"), size_rule="quick",
                  items=40, options={"smollm2": {"items": 8}}),
    # every task at every default size, 100 items per cell, every CPU system incl. the qemu peer,
    # and the models in all three modes (trace and compile prompts hold a whole program: a model
    # whose context cannot hold one gets context_overflow records, reported as such); smollm2,
    # whose trace prompts run to 2,400 tokens, 10 items per cell
    "full": Plan(
        profile="full", systems=("rv-fast", "rv-ref", "qemu", "smollm2", "lm-builtin"), size_rule="all",
        items=100, modes=MODES, options={"smollm2": {"items": 10}},
    ),
}


def load_plan_file(path: str | Path) -> dict:
    """A TOML plan: top-level keys of Plan, and [options.<system>] tables."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise PlanError(f"{path}: no such plan file") from None
    except OSError as err:
        raise PlanError(f"{path}: cannot read: {err.strerror}") from None
    except tomllib.TOMLDecodeError as err:
        raise PlanError(f"{path}: not valid TOML: {err}") from None
    except UnicodeDecodeError as err:
        raise PlanError(f"{path}: not valid TOML: not UTF-8 text (byte {err.start})") from None
    return data.get("plan", data) if isinstance(data.get("plan"), dict) else data


def _merged_options(data: dict, update: dict) -> dict:
    """`update` with its options merged into data's per system (a later table adds keys to an
    earlier one instead of replacing it); anything not a table is left for validation to refuse."""
    ours, theirs = data.get("options"), update.get("options")
    if not isinstance(ours, dict) or not isinstance(theirs, dict):
        return update
    merged = dict(ours)
    for name, options in theirs.items():
        both = isinstance(options, dict) and isinstance(merged.get(name), dict)
        merged[name] = {**merged[name], **options} if both else options
    return {**update, "options": merged}


def _drop_profile_options(data: dict, defaults: Plan, items_given: bool) -> None:
    """A profile's own options give way: those of a system the plan no longer runs go, and its
    per-system item counts go where the user gave an item count of their own."""
    given = data.get("options")
    if not isinstance(given, dict) or not isinstance(data.get("systems"), list | tuple):
        return
    kept = {}
    for name, options in given.items():
        own = defaults.options.get(name)
        if name not in data["systems"] and options == own:
            continue
        if items_given and isinstance(options, dict) and own and options.get("items") == own.get("items"):
            options = {key: value for key, value in options.items() if key != "items"}
            if not options:
                continue
        kept[name] = options
    data["options"] = kept


def build_plan(
    profile: str | None = None, plan_file: str | Path | None = None, overrides: dict | None = None
) -> Plan:
    """Profile, then plan file, then flags: each later one wins, key by key; then validated."""
    if profile is not None and profile not in PROFILES:
        raise PlanError(f"unknown profile '{profile}' (known: {', '.join(PROFILES)})")
    data = PROFILES[profile].as_dict() if profile else Plan().as_dict()
    from_file: dict = {}
    if plan_file is not None:
        from_file = load_plan_file(plan_file)
        if "profile" in from_file and profile is None:
            name = from_file["profile"]
            if name not in PROFILES:
                raise PlanError(f"{plan_file}: unknown profile '{name}' (known: {', '.join(PROFILES)})")
            data = PROFILES[name].as_dict()
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}
    data.update(_merged_options(data, from_file))
    data.update(_merged_options(data, flags))
    defaults = PROFILES.get(data.get("profile") or profile or "") if (profile or "profile" in data) else None
    if defaults is not None:
        _drop_profile_options(data, defaults, items_given="items" in from_file or "items" in flags)
    plan = Plan.from_dict(data)
    plan.validate()
    return plan


def parse_shard(text: str) -> tuple[int, int]:
    """'i/n' (1-based) -> (i, n)."""
    try:
        i, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise PlanError(f"--shard must look like i/n (e.g. 2/8), got '{text}'") from None
    if not 1 <= i <= n:
        raise PlanError(f"--shard {text}: need 1 <= i <= n")
    return i, n


def shard_cells(cells: list[Cell], shard: tuple[int, int] | None) -> list[Cell]:
    """Groups of cells (Cell.group; one cell each outside compile mode) k with k % n == i - 1:
    every cell in exactly one shard, systems spread evenly, a compiled program written once."""
    if shard is None:
        return cells
    i, n = shard
    groups = list(dict.fromkeys(cell.group for cell in cells))
    mine = {group for k, group in enumerate(groups) if k % n == i - 1}
    return [cell for cell in cells if cell.group in mine]


__all__ = ["Cell", "MODES", "Plan", "PlanError", "PROFILES", "build_plan", "parse_shard", "shard_cells"]
