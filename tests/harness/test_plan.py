"""Plans: profiles, TOML files and flags, validated with one clear error each; shards partition."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from isabench.harness.plan import PROFILES, Plan, PlanError, build_plan, parse_shard, shard_cells
from isabench.tasks import TASKS


def test_quick_profile_covers_every_task_with_sizes_past_training() -> None:
    plan = build_plan("quick")
    assert set(plan.tasks) == set(TASKS)
    assert plan.devices == ("cpu",)
    assert "lm-builtin" in plan.systems and "rv-ref" in plan.systems
    for task in plan.tasks:
        sizes = plan.task_sizes(task)
        assert len(sizes) == 4
        # lm-builtin was trained on each task's first three default sizes
        assert max(sizes) > TASKS[task].sizes[2]


def test_flags_override_profile_and_file(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(
        'profile = "quick"\nitems = 3\ntasks = ["add", "sort"]\n'
        "[sizes]\nadd = [4, 8]\n[options.lm-builtin]\nbatch_size = 4\n"
    )
    plan = build_plan(None, path, {"items": 5, "seed": 9})
    assert (plan.items, plan.seed, plan.tasks) == (5, 9, ("add", "sort"))
    assert plan.task_sizes("add") == (4, 8)
    assert plan.task_sizes("sort") == PROFILES["quick"].task_sizes("sort")
    # the file's options add to the profile's, system by system; its item count is every system's
    assert plan.options == {"lm-builtin": {"batch_size": 4}} and plan.system_items("smollm2") == 5
    path.write_text('profile = "quick"\n[options.lm-builtin]\nbatch_size = 4\n')
    assert build_plan(None, path).options == {"lm-builtin": {"batch_size": 4}, "smollm2": {"items": 8}}
    assert plan.profile == "quick"
    # a profile's options for a system the flags leave out go with it; the user's own stay (an error)
    assert build_plan("quick", None, {"systems": ["rv-ref"]}).options == {}
    # an item count of the user's own is every system's
    assert build_plan("quick", None, {"items": 3}).system_items("smollm2") == 3
    with pytest.raises(PlanError, match="options given for 'smollm2'"):
        build_plan("quick", None, {"systems": ["rv-ref"], "options": {"smollm2": {"items": 2}}})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"systems": ["rv-ref", "gpt-99"]}, "unknown system 'gpt-99'"),
        ({"tasks": ["add", "sqrt"]}, "unknown task 'sqrt'"),
        ({"tasks": ["add"], "sizes": {"add": [0]}}, "size 0 is out of range"),
        ({"tasks": ["gcd"], "sizes": {"gcd": [10]}}, "size 10 is out of range"),
        ({"tasks": ["add"], "sizes": {"sort": [4]}}, "sizes given for 'sort'"),
        ({"devices": ["tpu"]}, "unknown device 'tpu'"),
        ({"items": 0}, "items per cell must be a positive integer"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"baseline": "qemu"}, "baseline 'qemu' is not among"),
        ({"options": {"qemu": {}}}, "options given for 'qemu'"),
        ({"systems": []}, "no systems"),
        ({"size_rule": "most"}, "size_rule must be"),
        ({"colour": "red"}, "unknown plan key(s): colour"),
        ({"systems": ["rv-ref"], "devices": ["cuda"]}, "cuda"),
        ({"options": {"rv-ref": {"items": 0}}}, "options.rv-ref.items must be a positive integer"),
        ({"options": {"rv-ref": {"items": "ten"}}}, "options.rv-ref.items must be a positive integer"),
    ],
)
def test_bad_plans_are_refused_with_a_clear_error(overrides: dict, message: str) -> None:
    if overrides.get("devices") == ["cuda"] and torch.cuda.is_available():
        pytest.skip("this machine has a GPU, so cuda is a valid device")
    with pytest.raises(PlanError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_plan("quick", None, overrides)


def test_cuda_without_gpu_is_refused() -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(PlanError, match="no CUDA GPU"):
        build_plan("quick", None, {"devices": ["cpu", "cuda"]})


def test_bad_plan_files(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="no such plan file"):
        build_plan(None, tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("items = [1,\n")
    with pytest.raises(PlanError, match="not valid TOML"):
        build_plan(None, broken)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('profile = "huge"\n')
    with pytest.raises(PlanError, match="unknown profile 'huge'"):
        build_plan(None, unknown)


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_shards_partition_the_plan(n: int) -> None:
    cells = build_plan("quick").cells()
    shards = [shard_cells(cells, (i, n)) for i in range(1, n + 1)]
    flat = [cell for shard in shards for cell in shard]
    assert sorted(flat, key=str) == sorted(cells, key=str)
    assert len(set(flat)) == len(cells)
    assert shards == [shard_cells(cells, (i, n)) for i in range(1, n + 1)]  # deterministic
    # each system's cells are spread over the shards, not piled on one
    if n > 1:
        assert all(any(c.system == "lm-builtin" for c in shard) for shard in shards)


@pytest.mark.parametrize("text", ["0/2", "3/2", "a/b", "1", "1/2/3"])
def test_bad_shards(text: str) -> None:
    with pytest.raises(PlanError):
        parse_shard(text)


def test_digest_follows_the_plan() -> None:
    assert Plan().digest == Plan().digest
    assert Plan(items=3).digest != Plan(items=4).digest
    assert Plan.from_dict(Plan(items=3).as_dict()) == Plan(items=3)


def test_a_system_may_run_fewer_items_per_cell() -> None:
    plan = build_plan(overrides={"systems": ["rv-ref", "smollm2"], "tasks": ["add"], "sizes": {"add": [2, 4]},
                                 "items": 6, "options": {"smollm2": {"items": 2}}})  # fmt: skip
    counts = {(c.system, c.size): len(c.indices) for c in plan.cells()}
    assert counts == {("rv-ref", 2): 6, ("rv-ref", 4): 6, ("smollm2", 2): 2, ("smollm2", 4): 2}
    assert plan.system_items("smollm2") == 2 and plan.system_items("rv-ref") == 6


def test_the_quick_profile_names_the_published_model_before_lm_builtin() -> None:
    plan = build_plan("quick")
    assert plan.systems.index("smollm2") < plan.systems.index("lm-builtin")
    assert plan.system_items("smollm2") < plan.items
    full = build_plan("full")
    assert full.modes == ("direct", "trace", "compile") and "smollm2" in full.systems
