"""Decode speed of smollm2 on one device: generated tokens per second at several batch sizes.

Usage: python3 scripts/smollm2_speed.py --device cuda --dtypes bf16 --batches 1 64 1024 --out speed.json
Prompts are battery instructions; every row decodes exactly --new-tokens tokens (the end-of-turn
token switched off), on isabench's runtime (the smollm2 system's engine).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import torch  # noqa: E402

from isabench.lm.backends.smollm2 import Smollm2Backend  # noqa: E402
from isabench.tasks import TASKS  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtypes", nargs="+", default=["fp32"])
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 16])
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    prompts = [item.instruction for task in TASKS.values()
               for item in task.items(task.sizes[1], 8, seed=99)]  # fmt: skip
    rows = []
    for dtype in args.dtypes:
        backend = Smollm2Backend(args.device, {"dtype": dtype, "engine": "isabench", "threads": "auto"})
        backend.load()
        runtime = backend.runtime
        runtime.eos_ids = frozenset()  # every row decodes exactly new_tokens
        for batch in args.batches:
            chunk = (prompts * (batch // len(prompts) + 1))[:batch]
            runtime.generate(chunk, max_new_tokens=4, batch_size=batch)  # warm-up
            seconds = []
            for _ in range(args.rounds):
                if args.device == "cuda":
                    torch.cuda.synchronize()
                start = time.perf_counter()
                runtime.generate(chunk, max_new_tokens=args.new_tokens, batch_size=batch)
                if args.device == "cuda":
                    torch.cuda.synchronize()
                seconds.append(time.perf_counter() - start)
            best = min(seconds)
            rows.append({"dtype": dtype, "batch_size": batch, "new_tokens": args.new_tokens,
                         "seconds": seconds, "tokens_per_s": batch * args.new_tokens / best,
                         "threads": torch.get_num_threads()})  # fmt: skip
            print(f"{dtype} batch {batch}: {rows[-1]['tokens_per_s']:,.0f} tokens/s", file=sys.stderr)
        backend.close()
    device = torch.cuda.get_device_name(0) if args.device == "cuda" else "cpu"
    result = {"device": device, "torch": torch.__version__, "rows": rows}
    Path(args.out).write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
