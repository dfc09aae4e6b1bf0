#!/usr/bin/env bash
# Make a trained checkpoint the shipped default: copy it into the package, evaluate it
# (`isabench lm eval`, 20 items per size and cell) and write its model card.
# Usage: scripts/ship_default.sh CHECKPOINT_DIR [CONFIG]
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=${1:?usage: scripts/ship_default.sh CHECKPOINT_DIR [CONFIG]}
CONFIG=${2:-configs/lm-builtin.toml}
DEST=src/isabench/lm/default
mkdir -p "$DEST"
rm -f "$DEST"/*
cp "$SRC/model.safetensors" "$SRC/config.json" "$SRC/history.json" "$DEST/"
cp "$CONFIG" "$DEST/train_config.toml"
python3 -m isabench lm eval --checkpoint "$DEST" --items 20 --out "$DEST/eval.json"
python3 - "$DEST" "$CONFIG" <<'PY'
import sys
from isabench.lm.card import write_card
print(write_card(sys.argv[1], f"{sys.argv[1]}/eval.json", config_name=sys.argv[2]))
PY
