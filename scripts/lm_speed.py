"""Decode speed of a model on isabench's runtime on one device: generated tokens per second at
several batch sizes.

Usage: python3 scripts/lm_speed.py --checkpoint DIR --device cuda --dtypes bf16 --out speed.json
       python3 scripts/lm_speed.py --system smollm2 --device cuda --dtypes bf16 fp32 --out speed.json
Prompts are battery instructions; every batch decodes the same number of new tokens.
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
from isabench.lm.generate import Runtime  # noqa: E402
from isabench.lm.paths import DEFAULT_CHECKPOINT  # noqa: E402
from isabench.tasks import TASKS  # noqa: E402


def load_runtime(args: argparse.Namespace, dtype: str) -> Runtime:
    """The system's model on isabench's runtime (smollm2: through its backend, engine isabench)."""
    if args.system == "smollm2":
        backend = Smollm2Backend(args.device, {"dtype": dtype, "engine": "isabench", "threads": "auto"})
        backend.load()
        return backend.runtime
    return Runtime.from_checkpoint(args.checkpoint or DEFAULT_CHECKPOINT, args.device, dtype)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--system", choices=("lm-builtin", "smollm2"), default="lm-builtin")
    parser.add_argument("--checkpoint", help="lm-builtin's checkpoint (default: the shipped one)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtypes", nargs="+", default=["fp32"])
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 64])
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    prompts = [item.instruction for task in TASKS.values()
               for item in task.items(task.sizes[2], 16, seed=99)]  # fmt: skip
    rows = []
    for dtype in args.dtypes:
        runtime = load_runtime(args, dtype)
        for batch in args.batches:
            chunk = (prompts * (batch // len(prompts) + 1))[:batch]
            runtime.generate(chunk, max_new_tokens=4, batch_size=batch)  # warm-up
            times, tokens = [], []
            for _ in range(args.rounds):
                start = time.perf_counter()
                out = runtime.generate(chunk, max_new_tokens=args.new_tokens, batch_size=batch)
                times.append(time.perf_counter() - start)
                # the batch runs until its last lane stops: count what each lane produced
                tokens.append(sum(g.tokens_out for g in out))
            best = min(range(args.rounds), key=lambda i: times[i])
            row = {"system": args.system, "device": args.device, "dtype": dtype, "batch_size": batch,
                   "seconds": times[best], "generated_tokens": tokens[best],
                   "decode_steps": out[0].batch["decode_steps"],
                   "tokens_per_s": tokens[best] / times[best],
                   "lane_steps_per_s": batch * out[0].batch["decode_steps"] / times[best],
                   "threads": torch.get_num_threads()}  # fmt: skip
            if args.device == "cuda":
                row["gpu"] = torch.cuda.get_device_name(0)
            rows.append(row)
            print(json.dumps(row), flush=True)
    Path(args.out).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
