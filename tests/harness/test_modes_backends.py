"""Every model system in every mode: lm-builtin, hf: and openai: (against `isabench serve`, a real
process on 127.0.0.1 at a free port), on one small random lm-builtin whose context (8,192
tokens) holds a whole program. Its answers are nonsense; what is tested is that each backend
takes the trace and compile prompts through the same path, with the same tokens and answers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

pytest.importorskip("transformers")
pytest.importorskip("openai")
pytest.importorskip("fastapi")

from isabench.harness.plan import build_plan  # noqa: E402
from isabench.harness.records import read_compiles, read_records  # noqa: E402
from isabench.harness.runner import Runner  # noqa: E402
from isabench.lm.checkpoint import save_model  # noqa: E402
from isabench.lm.hf import export_hf  # noqa: E402
from isabench.lm.model import ModelConfig, Transformer  # noqa: E402
from tests.servers import ServerProcess, free_port  # noqa: E402

TASK, SIZE, ITEMS = "parity", 2, 2  # the shortest battery program (3.5 KB) keeps prompts small
CONTEXT = 8192


@pytest.fixture(scope="module")
def long_context(tmp_path_factory) -> tuple[Path, Path]:
    """(checkpoint, transformers export) of a random lm-builtin with an 8,192-token context."""
    torch.manual_seed(3)
    model = Transformer(ModelConfig(dim=32, n_layers=1, n_heads=2, ffn_dim=64, max_seq_len=CONTEXT)).eval()
    root = tmp_path_factory.mktemp("long")
    save_model(model, root / "checkpoint")
    return root / "checkpoint", export_hf(root / "checkpoint", root / "exported")


def test_every_model_system_runs_trace_and_compile(long_context, tmp_path) -> None:
    checkpoint, exported = long_context
    port = free_port()
    command = [sys.executable, "-m", "isabench", "serve", "--checkpoint", str(checkpoint),
               "--host", "127.0.0.1", "--port", str(port), "--threads", "1",
               "--model-name", "long"]  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    common = {"compile_max_new_tokens": 12, "max_new_tokens": 6, "batch_size": 2}
    options = {
        "lm-builtin": {**common, "checkpoint": str(checkpoint), "threads": 1},
        f"hf:{exported}": {**common, "threads": 1},
        f"openai:{url}#long": {**common, "hf_config": str(exported)},
    }
    plan = build_plan(overrides={
        "systems": list(options), "modes": ["direct", "trace", "compile"], "tasks": [TASK],
        "sizes": {TASK: [SIZE]}, "items": ITEMS, "options": options,
    })  # fmt: skip
    with ServerProcess(command, f"http://127.0.0.1:{port}/health", tmp_path / "serve.log"):
        Runner.start(plan, tmp_path / "run", progress=False).run()
    records = read_records(tmp_path / "run")
    systems = ("lm-builtin", "hf:exported", "openai:long")
    assert len(records) == len(systems) * 3 * ITEMS
    for mode in ("direct", "trace"):
        mine = {s: sorted((r["index"], r["output"], r["tokens_in"], r["tokens_out"]) for r in records
                          if r["system"] == s and r["mode"] == mode) for s in systems}  # fmt: skip
        assert all(r["error"] is None for r in records if r["mode"] == mode)
        assert mine["lm-builtin"] == mine["hf:exported"] == mine["openai:long"], mode
    assert any(r["output"] for r in records if r["mode"] == "trace")  # answers, if not right ones
    trace_in = min(r["tokens_in"] for r in records if r["mode"] == "trace")
    assert trace_in > 3000  # the program is in the prompt, and it fit
    compiles = {r["system"]: r for r in read_compiles(tmp_path / "run")}
    assert sorted(compiles) == sorted(systems)
    generated = {s: (c["generated"], c["tokens_in"], c["tokens_out"]) for s, c in compiles.items()}
    assert generated["lm-builtin"] == generated["hf:exported"] == generated["openai:long"]
    for comp in compiles.values():
        assert comp["tokens_out"] <= 12 and comp["ops"] > 0 and comp["latency_s"] > 0
        assert comp["error"]["kind"] in ("no_program", "assemble")  # twelve random tokens
    for r in records:
        if r["mode"] == "compile":
            assert r["error"]["kind"] == compiles[r["system"]]["error"]["kind"] and not r["correct"]
