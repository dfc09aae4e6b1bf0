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
"$PYTHON" -m ruff check src tests benchmarks
"$PYTHON" -m pytest -q "$@"
