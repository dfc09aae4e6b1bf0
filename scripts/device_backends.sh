#!/usr/bin/env bash
# The GPU checks of the model backends, as one script for a lent GPU machine: the shipped
# lm-builtin and its transformers export (hf:) on CUDA through the harness, then isabench serve on
# CUDA measured through openai: and its throughput benchmark. DEVICE=cpu runs the same steps on
# the CPU (how the script itself is checked on a machine without a GPU).
# Writes into $OUT (default ./device-out): nvidia-smi.txt, run-cuda/ (records, manifest,
# summary), serve.log, serve-bench.json.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-device-out}
DEVICE=${DEVICE:-cuda}
PORT=${PORT:-8765}
mkdir -p "$OUT"
export PYTHONPATH=src PYTHONUNBUFFERED=1
(nvidia-smi; python3 -c "import torch; print(torch.__version__, torch.cuda.is_available())") \
    > "$OUT/nvidia-smi.txt" 2>&1
EXPORT=${EXPORT:-/tmp/isabench-export/lm-builtin}
python3 -m isabench lm export-hf src/isabench/lm/default "$EXPORT"

python3 -m isabench serve --device "$DEVICE" --port "$PORT" --threads 1 2> "$OUT/serve.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
for _ in $(seq 1 120); do  # bounded: at most 60 s
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/health', timeout=1)" \
        2>/dev/null && break
    sleep 0.5
done

python3 -m isabench run --devices "$DEVICE" \
    --systems "lm-builtin,hf:$EXPORT,openai:http://127.0.0.1:$PORT/v1#lm-builtin" \
    --tasks add,sort,reverse_string,uppercase --sizes 2,4 --items 64 --out "$OUT/run-$DEVICE" \
    --no-progress 2>&1 | tail -12
kill $SERVER 2>/dev/null
ISABENCH_BENCH_DEVICE="$DEVICE" python3 -m pytest benchmarks/test_serve.py -q -p no:cacheprovider \
    --benchmark-json="$OUT/serve-bench.json" 2>&1 | tail -5
ls -la "$OUT"
