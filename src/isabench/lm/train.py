"""`isabench train`: instruction-tune lm-builtin from scratch on the battery.

Loss on answer tokens only; AdamW with warm-up and cosine decay; gradient clipping; periodic
per-task evaluation; checkpoints that resume exactly (the data are a function of the step).
"""

from __future__ import annotations

import contextlib
import json
import math
import platform
import shutil
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch
import torch.nn.functional as F

from .checkpoint import TRAIN_CONFIG, TRAINING_STATE, CheckpointError, load_model, save_model
from .data import IGNORE, DataConfig, training_batch
from .model import ModelConfig, Transformer

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


class TrainConfigError(ValueError):
    """A training config file that cannot be used."""


@dataclass
class OptimConfig:
    steps: int = 2000
    batch_size: int = 64
    lr: float = 3e-3
    min_lr_ratio: float = 0.1
    warmup_steps: int = 100
    weight_decay: float = 0.1
    beta2: float = 0.95
    grad_clip: float = 1.0
    seed: int = 0
    threads: int = 0  # 0: keep torch's default
    eval_every: int = 500
    eval_items: int = 8  # per task, at trained sizes
    checkpoint_every: int = 500
    max_minutes: float = 0.0  # 0: no time limit; else stop (and save) after this long
    amp: str = "none"  # "bf16": bfloat16 autocast (CUDA only)
    calibration_steps: int = 30  # with steps = 0: steps timed to fit max_minutes
    # a checkpoint folder whose weights start the run (a warm start), relative to the current
    # directory; its model config must equal [model]. "": start from random weights
    init_from: str = ""


@dataclass
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)

    @classmethod
    def from_toml(cls, path: str | Path) -> TrainConfig:
        """Read a config; every key is checked, so a typo is an error, not a silent default."""
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise TrainConfigError(f"{path}: no such file") from None
        except tomllib.TOMLDecodeError as err:
            raise TrainConfigError(f"{path}: not valid TOML ({err})") from None
        except UnicodeDecodeError as err:
            raise TrainConfigError(f"{path}: not valid TOML (not UTF-8 text, byte {err.start})") from None
        except OSError as err:
            raise TrainConfigError(f"{path}: cannot read: {err.strerror or err}") from None
        sections = {"model": ModelConfig, "data": DataConfig, "optim": OptimConfig}
        unknown = set(raw) - set(sections)
        if unknown:
            raise TrainConfigError(f"{path}: unknown section(s) {sorted(unknown)}")
        built = {}
        for name, cls_ in sections.items():
            values = raw.get(name, {})
            allowed = {f.name for f in fields(cls_)}
            bad = set(values) - allowed
            if bad:
                raise TrainConfigError(f"{path}: unknown key(s) {sorted(bad)} in [{name}]")
            if name == "data" and "tasks" in values:
                values = {**values, "tasks": tuple(values["tasks"])}
            try:
                built[name] = cls_(**values)
            except (TypeError, ValueError) as err:
                raise TrainConfigError(f"{path}: [{name}]: {err}") from None
        config = cls(**built)
        try:
            config.data.task_list()
        except ValueError as err:
            raise TrainConfigError(f"{path}: {err}") from None
        return config

    def to_dict(self) -> dict:
        return {"model": asdict(self.model), "data": asdict(self.data), "optim": asdict(self.optim)}


def learning_rate(optim: OptimConfig, step: int) -> float:
    """Linear warm-up, then cosine decay to min_lr_ratio * lr."""
    if step < optim.warmup_steps:
        return optim.lr * (step + 1) / optim.warmup_steps
    progress = (step - optim.warmup_steps) / max(1, optim.steps - optim.warmup_steps)
    cosine = 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    return optim.lr * (optim.min_lr_ratio + (1 - optim.min_lr_ratio) * cosine)


def make_optimizer(model: Transformer, optim: OptimConfig) -> torch.optim.AdamW:
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": optim.weight_decay},
         {"params": no_decay, "weight_decay": 0.0}],
        lr=optim.lr, betas=(0.9, optim.beta2),
    )  # fmt: skip


def loss_on(model: Transformer, tokens: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    positions = torch.arange(tokens.shape[1], device=tokens.device).expand_as(tokens)
    logits = model(tokens, positions, mask=None)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), labels.reshape(-1),
                           ignore_index=IGNORE)  # fmt: skip


def calibrate_steps(model, optimizer, config: TrainConfig, tasks, device, log) -> int:
    """How many steps fit in optim.max_minutes: time a few steps on a throwaway copy of the
    model and optimizer (so the real run is the same whatever the calibration saw), leave 15 %
    for evaluation and checkpoints."""
    import copy

    optim = config.optim
    trial_model = copy.deepcopy(model)
    trial_optimizer = make_optimizer(trial_model, optim)
    trial_optimizer.load_state_dict(optimizer.state_dict())
    timings = []
    for step in range(optim.calibration_steps):
        tick = time.perf_counter()
        tokens, labels = training_batch(config.data, tasks, step, optim.batch_size,
                                        config.model.max_seq_len)  # fmt: skip
        tokens, labels = tokens.to(device), labels.to(device)
        with (torch.autocast(device_type="cuda", dtype=torch.bfloat16) if optim.amp == "bf16"
              else contextlib.nullcontext()):  # fmt: skip
            loss = loss_on(trial_model, tokens, labels)
        trial_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        trial_optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        timings.append(time.perf_counter() - tick)
    per_step = sorted(timings[len(timings) // 3 :])[len(timings[len(timings) // 3 :]) // 2]
    steps = max(1, int(optim.max_minutes * 60 * 0.85 / per_step))
    log(f"calibration: {per_step * 1000:.1f} ms per step -> {steps} steps in {optim.max_minutes} min")
    return steps


def warm_start(folder: str, model_config: ModelConfig) -> Transformer:
    """The model in `folder`, to continue training from; its shape must be the config's."""
    model = load_model(folder)
    if model.config != model_config:
        raise TrainConfigError(f"optim.init_from {folder}: its model ({model.config.to_dict()}) is not "
                               f"the config's [model] ({model_config.to_dict()})")  # fmt: skip
    return model


def _started_from(folder: str) -> dict | None:
    """What a warm start began with: the folder and the training its weights already had."""
    if not folder:
        return None
    from .checkpoint import read_config

    before = read_config(folder).get("training", {})
    kept = ("steps_done", "train_seconds", "tokens_seen")
    return {"path": folder, **{key: before.get(key) for key in kept}}


def hardware() -> dict:
    """Where training ran, for the model card."""
    info = {"cpu": platform.processor() or platform.machine(), "torch": torch.__version__,
            "threads": torch.get_num_threads()}  # fmt: skip
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info["cpu_count"] = __import__("os").cpu_count()
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def train(config: TrainConfig, out_dir: str | Path, config_path: str | Path | None = None,
          resume: bool = False, device: str = "cpu", progress: bool = True,
          log=print) -> dict:  # fmt: skip
    """Train (or resume) into out_dir; returns the training summary saved in config.json."""
    from .evaluate import accuracy_by_task

    out_dir = Path(out_dir)
    optim = config.optim
    if optim.threads:
        torch.set_num_threads(optim.threads)
    torch.manual_seed(optim.seed)
    tasks = config.data.task_list()
    dev = torch.device(device)

    state_path = out_dir / TRAINING_STATE
    start_step, elapsed, tokens_seen, history = 0, 0.0, 0, []
    if resume:
        if not state_path.exists():
            raise CheckpointError(f"{out_dir}: nothing to resume (no {TRAINING_STATE})")
        model = load_model(out_dir).to(dev)
        optimizer = make_optimizer(model, optim)
        state = torch.load(state_path, weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["rng"])
        start_step, elapsed = state["step"], state["elapsed_s"]
        tokens_seen, history = state["tokens_seen"], state["history"]
        log(f"resuming at step {start_step} of {optim.steps}")
    else:
        model = warm_start(optim.init_from, config.model) if optim.init_from else Transformer(config.model)
        model = model.to(dev)
        optimizer = make_optimizer(model, optim)
    started_from = _started_from(optim.init_from)
    out_dir.mkdir(parents=True, exist_ok=True)
    if config_path is not None and not (out_dir / TRAIN_CONFIG).exists():
        shutil.copyfile(config_path, out_dir / TRAIN_CONFIG)

    def save(step: int) -> dict:
        summary = {
            "steps_done": step, "steps_planned": optim.steps, "train_seconds": round(elapsed, 1),
            "tokens_seen": tokens_seen,
            "tokens_per_second": round(tokens_seen / elapsed, 1) if elapsed else None,
            "parameters": model.parameter_count(), "hardware": hardware(), "device": device,
            "data_seed": config.data.seed, "train_config": config.to_dict(), "history": history,
        }  # fmt: skip
        if started_from:
            summary["init_from"] = started_from
        save_model(model, out_dir, {"training": summary})
        torch.save({"optimizer": optimizer.state_dict(), "rng": torch.get_rng_state(),
                    "step": step, "elapsed_s": elapsed, "tokens_seen": tokens_seen,
                    "history": history}, state_path)  # fmt: skip
        return summary

    if optim.amp not in ("none", "bf16"):
        raise TrainConfigError(f"optim.amp must be 'none' or 'bf16', got {optim.amp!r}")
    if optim.amp == "bf16" and dev.type != "cuda":
        raise TrainConfigError("optim.amp = 'bf16' needs --device cuda")
    if optim.steps == 0:
        if not optim.max_minutes:
            raise TrainConfigError("optim.steps = 0 (fit the time budget) needs optim.max_minutes")
        optim.steps = calibrate_steps(model, optimizer, config, tasks, dev, log)

    def autocast():
        if optim.amp == "bf16":
            return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=optim.steps, initial=start_step, unit="step", dynamic_ncols=True)
    step = start_step
    model.train()
    while step < optim.steps:
        tick = time.perf_counter()
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(optim, step)
        tokens, labels = training_batch(config.data, tasks, step, optim.batch_size,
                                        config.model.max_seq_len)  # fmt: skip
        tokens, labels = tokens.to(dev), labels.to(dev)
        with autocast():
            loss = loss_on(model, tokens, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), optim.grad_clip)
        optimizer.step()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        elapsed += time.perf_counter() - tick
        tokens_seen += int((tokens != 256).sum())
        step += 1
        if bar is not None:
            bar.set_postfix(loss=f"{loss.item():.4f}", lr=f"{learning_rate(optim, step - 1):.2e}")
            bar.update(1)
        if step % optim.eval_every == 0 or step == optim.steps:
            model.eval()
            scores = accuracy_by_task(model, config.data, optim.eval_items, device=device)
            heldout = accuracy_by_task(model, config.data, optim.eval_items, device=device, heldout=True)
            model.train()
            mean = sum(scores.values()) / len(scores)
            mean_heldout = sum(heldout.values()) / len(heldout)
            history.append({"step": step, "loss": round(loss.item(), 5),
                            "mean_accuracy": round(mean, 4), "accuracy": scores,
                            "mean_heldout_accuracy": round(mean_heldout, 4)})  # fmt: skip
            worst = sorted(scores.items(), key=lambda kv: kv[1])[:4]
            log(f"step {step}: loss {loss.item():.4f}, mean exact match {mean:.1%} at trained "
                f"sizes ({mean_heldout:.1%} with held-out templates); lowest: "
                + ", ".join(f"{k} {v:.0%}" for k, v in worst))  # fmt: skip
        if step % optim.checkpoint_every == 0:
            save(step)
        if optim.max_minutes and elapsed > optim.max_minutes * 60:
            log(f"stopping at step {step}: the time limit of {optim.max_minutes} minutes is spent")
            break
    if bar is not None:
        bar.close()
    summary = save(step)
    (out_dir / "history.json").write_text(json.dumps(history, indent=1) + "\n")
    return summary
