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

"$PYTHON" -m pip install -q -e ".[dev]" 2>&1 | grep -vE "Running pip as the 'root' user|is ignored: it is neither" >&2 || true
"$PYTHON" -c "import isabench" # fail here, not later, if the install did not take
