#!/usr/bin/env bash
# The GPU checks of lm-builtin, as one script for a lent GPU machine: train the larger variant
# (configs/lm-builtin-gpu.toml), evaluate it on the GPU, and measure decode speed there.
# Writes into $OUT (default ./device-out): train.log, config.json, history.json,
# eval-gpu.json, speed-gpu.json, nvidia-smi.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-device-out}
CONFIG=${CONFIG:-configs/lm-builtin-gpu.toml}
DEVICE=${DEVICE:-cuda}
mkdir -p "$OUT"
export PYTHONPATH=src PYTHONUNBUFFERED=1
CKPT=${CKPT:-/tmp/isabench-gpu-ckpt}
(nvidia-smi; python3 -c "import torch; print(torch.__version__, torch.cuda.get_device_name(0))") \
    > "$OUT/nvidia-smi.txt" 2>&1
python3 -m isabench train --config "$CONFIG" --out "$CKPT" --device "$DEVICE" --no-progress \
    2>&1 | tee "$OUT/train.log"
cp "$CKPT/config.json" "$CKPT/history.json" "$OUT/" 2>/dev/null
python3 -m isabench lm eval --checkpoint "$CKPT" --device "$DEVICE" --items 20 \
    --out "$OUT/eval-gpu.json" 2>&1 | tail -30
DTYPES=fp32; [ "$DEVICE" = cuda ] && DTYPES="fp32 bf16"
python3 scripts/lm_speed.py --checkpoint "$CKPT" --device "$DEVICE" --dtypes $DTYPES \
    --batches 1 64 1024 --out "$OUT/speed-gpu.json"
ls -la "$OUT"
