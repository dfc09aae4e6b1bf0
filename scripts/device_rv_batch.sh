#!/usr/bin/env bash
# The GPU check of rv-batch, as one script for a lent GPU machine (written for an NVIDIA H200;
# about 5 minutes there): the CUDA tests of tests/rv/test_batch.py, then a throughput sweep vs
# batch size on cuda (compiled step; a short eager sweep for comparison).
# Writes into $OUT (default ./device-out): nvidia-smi.txt, pytest-cuda.txt, rv-batch-cuda.json,
# rv-batch-cuda-eager.json. Exits non-zero if a test failed or a lane differed from rv-ref.
# Without a GPU the same steps run on the CPU with a small configuration:
#   DEVICE=cpu BATCHES="1 16 256" TARGET=2e6 EAGER_BATCHES=16 bash scripts/device_rv_batch.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-device-out}
DEVICE=${DEVICE:-cuda}
BATCHES=${BATCHES:-16 256 4096 65536 262144 1048576}
TARGET=${TARGET:-4e9}  # instructions per timed batch (fewer iterations per lane at large batch)
EAGER_BATCHES=${EAGER_BATCHES:-65536 1048576}
EAGER_TARGET=${EAGER_TARGET:-2e8}
MEMORY_SIZE=${MEMORY_SIZE:-81920}  # loop.s needs 0x13000; 16 KiB mapped: 16 GiB at 1M lanes
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
if ! python3 -c "import isabench" 2>/dev/null; then
    python3 -m pip install -e . --no-deps --no-build-isolation -q
fi
(nvidia-smi || true
 python3 -c "import torch; print('torch', torch.__version__, 'cuda available:', torch.cuda.is_available(),
             torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')") \
    > "$OUT/nvidia-smi.txt" 2>&1
cat "$OUT/nvidia-smi.txt"

failed=0
# The tests of the requested device (their ids carry it), and the no-GPU error test.
timeout 200 python3 -m pytest tests/rv/test_batch.py -k "$DEVICE" -q -p no:cacheprovider \
    --durations=10 2>&1 | tee "$OUT/pytest-$DEVICE.txt" || failed=1

timeout 240 python3 scripts/rv_batch_speed.py --device "$DEVICE" --batches $BATCHES \
    --target-instructions "$TARGET" --memory-size "$MEMORY_SIZE" \
    --out "$OUT/rv-batch-$DEVICE.json" || failed=1
timeout 120 python3 scripts/rv_batch_speed.py --device "$DEVICE" --batches $EAGER_BATCHES \
    --target-instructions "$EAGER_TARGET" --memory-size "$MEMORY_SIZE" --no-compile \
    --out "$OUT/rv-batch-$DEVICE-eager.json" || failed=1
ls -la "$OUT"
exit $failed
