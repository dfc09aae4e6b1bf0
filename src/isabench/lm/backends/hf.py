"""Any causal language model through transformers (`hf:<folder, hub id or .gguf file>`).

Options: path (a local folder, a `.gguf` file — converted once into a cached folder by
lm.gguf_import —, or a hub id handed to transformers as it is), engine ("auto": isabench's
runtime (lm.llama) where the model is a plain Llama in fp32 on CPU or any dtype on CUDA, else
transformers' generate; "isabench"; "transformers"), chat ("auto": the
tokenizer's chat template when it has one; true; false: the instruction text itself, tokenized
as the tokenizer does by default), dtype ("auto": fp32 on CPU, bf16 on CUDA; fp32, bf16, fp16),
attn_implementation and revision (passed to transformers when given), trust_remote_code
(default false), threads ("auto": the fastest CPU thread count, measured; or a number).

Decoding is plain greedy: the model's own generation settings (repetition penalties, forced
tokens, ...) are set aside, so every model answers by argmax alone. FLOPs come from the model's
structure (`ModelCosts`), with the same convention as lm-builtin: each prompt as if decoded
alone, one logit row per forward pass.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

from ..generate import DTYPES, THREAD_PROBE, Generation, fastest_threads
from ..gguf_import import GgufError, converted, is_gguf
from .base import Backend, BackendError

CHAT_CHOICES = {"auto": "auto", True: True, False: False, "true": True, "false": False}
DTYPE_CHOICES = ("auto", *DTYPES)
ENGINES = ("auto", "isabench", "transformers")
FLOPS_RULE = (
    "2 x Linear/Conv1D weights per token (output head excluded) + 4 x layers x heads x head_dim per "
    "query-key pair + 2 x head weights per logit row; each prompt as if decoded alone"
)
# Entries of a model's generation_config that are not reported as set aside: the special ids
# (which are kept) and settings that do not change what greedy decoding answers.
IDS_AND_VERSION = ("eos_token_id", "pad_token_id", "bos_token_id", "transformers_version")
NEUTRAL = {"use_cache": True, "output_attentions": False, "output_hidden_states": False,
           "output_scores": False, "return_dict_in_generate": False}  # fmt: skip
SANE_CONTEXT = 10_000_000  # tokenizers without a limit report model_max_length as ~1e30


def _one_line(err: BaseException) -> str:
    """An exception as one short line: its type and the first non-empty line of its text."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    text = lines[0] if lines else ""
    text = f"{type(err).__name__}: {text}" if text else type(err).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _offline() -> bool:
    """HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE as the environment says now (huggingface_hub reads
    them once, at import)."""
    return any(
        os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _looks_like_path(target: str) -> bool:
    """A filesystem path rather than a hub id ('name' or 'owner/name')."""
    return (
        target.startswith((".", "/", "~", "\\"))
        or Path(target).is_absolute()
        or "\\" in target
        or target.count("/") > 1
    )


def chat_ids(tokenizer, prompt: str) -> list[int]:
    """The ids of one user turn holding `prompt`, through the tokenizer's chat template, with the
    assistant's turn begun."""
    text = tokenizer.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                         tokenize=False)  # fmt: skip
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def _dtype_kwarg() -> str:
    import transformers

    return "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"


@contextmanager
def _no_progress_bars():
    """transformers' loading bars off for a moment (the harness has its own progress lines)."""
    from transformers.utils import logging

    was_on = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_on:
            logging.enable_progress_bar()


def _conv1d_class():
    try:
        from transformers.pytorch_utils import Conv1D
    except ImportError:  # pragma: no cover - every supported transformers has it
        return ()
    return (Conv1D,)


# -- costs from the model's structure ---------------------------------------------------------------


DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8}


@dataclass(frozen=True)
class ModelCosts:
    """What one forward pass of a transformers causal LM costs, from its structure alone.

    linear_weights: weights of every nn.Linear / transformers Conv1D except the output head (2
    FLOPs each per token); attention_width: the sum over layers of attention heads x head dim
    (QK^T and AV: 4 FLOPs per unit per query-key pair); head_in x head_out: the output head (2
    FLOPs per weight per logit row); kv_per_token: key and value elements each token adds to the
    cache. Not modelled: sliding-window attention (counted as full), mixture-of-experts routing
    (every expert counted), and matrices outside Linear/Conv1D modules (their size is kept in
    `uncounted_matrix_parameters` so a reader can tell when that matters).
    """

    model_class: str
    linear_weights: int
    attention_width: int
    head_in: int
    head_out: int
    kv_per_token: int
    parameters: int
    uncounted_matrix_parameters: int
    config_dtype: str | None = None  # the weights' dtype the config declares (from_config only)

    @property
    def element_bytes(self) -> int | None:
        """Bytes per weight (and per cached key or value) at the config's dtype; None if unknown."""
        return DTYPE_BYTES.get(self.config_dtype or "")

    def forward_flops(self, query_tokens: int, key_tokens: int, logit_rows: int) -> int:
        """FLOPs of one forward pass over `query_tokens` new tokens attending to `key_tokens`
        keys (the whole score matrix, masked or not), with logits for `logit_rows` rows."""
        linear = 2 * self.linear_weights * query_tokens
        attention = 4 * self.attention_width * query_tokens * key_tokens
        head = 2 * self.head_in * self.head_out * logit_rows
        return linear + attention + head

    def decode_flops(self, tokens_in: int, tokens_out: int) -> int:
        """A prompt of tokens_in tokens decoded alone to tokens_out tokens with a KV cache: the
        prefill gives the first token, each later one is a one-token forward pass."""
        total = self.forward_flops(tokens_in, tokens_in, 1)
        for j in range(1, tokens_out):
            total += self.forward_flops(1, tokens_in + j, 1)
        return total

    def kv_bytes(self, tokens: int, element_bytes: int) -> int:
        """Bytes of keys and values held for `tokens` tokens."""
        return self.kv_per_token * element_bytes * tokens

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_model(cls, model: torch.nn.Module) -> ModelCosts:
        """Count a built model (real or on the meta device)."""
        config = model.config
        text = config.get_text_config() if hasattr(config, "get_text_config") else config
        head = model.get_output_embeddings()
        linear_types = (torch.nn.Linear, *_conv1d_class())
        seen: set[int] = set()
        if head is not None:
            seen.update(id(p) for p in head.parameters())
        linear = uncounted = 0
        for module in model.modules():
            if module is head:
                continue
            for param in module.parameters(recurse=False):
                if id(param) in seen:
                    continue
                seen.add(id(param))
                if isinstance(module, linear_types):
                    if param.dim() >= 2:
                        linear += param.numel()
                elif param.dim() >= 2 and not isinstance(module, torch.nn.Embedding):
                    uncounted += param.numel()
        layers = int(text.num_hidden_layers)
        heads = int(text.num_attention_heads)
        head_dim = int(getattr(text, "head_dim", None) or text.hidden_size // heads)
        kv_heads = int(getattr(text, "num_key_value_heads", None) or heads)
        if head is not None and hasattr(head, "weight"):
            head_out, head_in = head.weight.shape[-2:]
            if isinstance(head, _conv1d_class()):  # Conv1D stores (in, out)
                head_in, head_out = head_out, head_in
        else:
            head_in, head_out = int(text.hidden_size), int(text.vocab_size)
        return cls(
            model_class=type(model).__name__,
            linear_weights=linear,
            attention_width=layers * heads * head_dim,
            head_in=int(head_in),
            head_out=int(head_out),
            kv_per_token=2 * layers * kv_heads * head_dim,
            parameters=sum(p.numel() for p in model.parameters()),
            uncounted_matrix_parameters=uncounted,
        )

    @classmethod
    def from_config(cls, config, trust_remote_code: bool = False) -> ModelCosts:
        """Count a `PretrainedConfig`'s model without weights (built on the meta device)."""
        from transformers import AutoModelForCausalLM

        try:
            with torch.device("meta"):
                model = AutoModelForCausalLM.from_config(config, trust_remote_code=trust_remote_code)
        except Exception as err:
            raise BackendError(f"cannot build a causal LM from this config: {_one_line(err)}") from None
        declared = getattr(config, "dtype", None) or getattr(config, "torch_dtype", None)
        declared = str(declared).removeprefix("torch.") if declared is not None else None
        return replace(cls.from_model(model), config_dtype=declared)

    @classmethod
    def from_config_path(cls, path: str | Path, trust_remote_code: bool = False) -> ModelCosts:
        """Count the model described by a config.json (the file, or the folder holding it)."""
        from transformers import AutoConfig

        path = Path(path).expanduser()
        if not path.exists():
            raise BackendError(f"{path}: no such config file or folder")
        try:
            config = AutoConfig.from_pretrained(
                str(path), local_files_only=True, trust_remote_code=trust_remote_code
            )
        except Exception as err:
            raise BackendError(f"{path}: cannot read the model config: {_one_line(err)}") from None
        return cls.from_config(config, trust_remote_code)


# -- per-step clock ------------------------------------------------------------------------------------


def _step_clock(start: float, sync):
    """A streamer for generate() that notes when each decoding step's tokens reach the host.
    generate() first puts the prompt; every later put() is one step (one token per lane)."""
    from transformers.generation.streamers import BaseStreamer

    class StepClock(BaseStreamer):
        def __init__(self):
            self.prompt_seen = False
            self.times: list[float] = []

        def put(self, value) -> None:
            if not self.prompt_seen:
                self.prompt_seen = True
                return
            sync()
            self.times.append(time.perf_counter() - start)

        def end(self) -> None:
            return None

    return StepClock()


# -- the backend ---------------------------------------------------------------------------------------


class HfBackend(Backend):
    family = "hf"
    devices = ("cpu", "cuda")
    default_batch_size = 16
    source_key = "path"

    def __init__(self, device: str, options: dict):
        super().__init__(device, options)
        path = options.pop("path", None)
        if not isinstance(path, str | Path) or not str(path).strip():
            raise BackendError(f"option path must name a folder or hub id, got {path!r}")
        self.path = str(path)
        chat = options.pop("chat", "auto")
        key = chat.lower() if isinstance(chat, str) else chat
        if not isinstance(key, str | bool) or key not in CHAT_CHOICES:
            raise BackendError(f"chat must be 'auto', true or false, got {chat!r}")
        self.chat_option = CHAT_CHOICES[key]
        self.dtype_option = options.pop("dtype", "auto")
        if self.dtype_option not in DTYPE_CHOICES:
            raise BackendError(f"dtype must be one of {', '.join(DTYPE_CHOICES)}, got {self.dtype_option!r}")
        self.dtype_name = (
            ("fp32" if device == "cpu" else "bf16") if self.dtype_option == "auto" else self.dtype_option
        )
        self.attn_implementation = options.pop("attn_implementation", None)
        if self.attn_implementation is not None and not isinstance(self.attn_implementation, str):
            raise BackendError(f"attn_implementation must be a name, got {self.attn_implementation!r}")
        self.trust_remote_code = options.pop("trust_remote_code", False)
        if not isinstance(self.trust_remote_code, bool):
            raise BackendError(f"trust_remote_code must be true or false, got {self.trust_remote_code!r}")
        self.revision = options.pop("revision", None)
        if self.revision is not None and not isinstance(self.revision, str):
            raise BackendError(f"revision must be a branch, tag or commit, got {self.revision!r}")
        self.engine_option = options.pop("engine", "auto")
        if self.engine_option not in ENGINES:
            raise BackendError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine_option!r}")
        self.threads_option = options.pop("threads", "auto")
        if self.threads_option != "auto":
            given = self.threads_option
            whole = (isinstance(given, int) and not isinstance(given, bool)) or (
                isinstance(given, str) and given.strip().isdigit()
            )
            if not whole or int(given) < 1:
                raise BackendError(
                    f"threads must be a positive number or 'auto', got {self.threads_option!r}"
                )
        self._encoded: dict[str, list[int]] = {}

    # -- loading ----------------------------------------------------------------------------------
    def _source(self) -> tuple[str, dict]:
        """Where from_pretrained looks, and the keyword arguments shared by tokenizer and model."""
        local = Path(self.path).expanduser()
        if local.is_dir():
            return str(local), {"local_files_only": True, "trust_remote_code": self.trust_remote_code}
        if local.suffix.lower() == ".gguf" or is_gguf(local):
            try:
                self.gguf = {"file": str(local.resolve()), "folder": str(converted(local))}
            except GgufError as err:
                raise BackendError(str(err)) from None
            kwargs = {"local_files_only": True, "trust_remote_code": self.trust_remote_code}
            return self.gguf["folder"], kwargs
        if local.exists():
            raise BackendError(f"{self.path}: not a folder or a GGUF file (a model folder, a .gguf file "
                               "or a hub id is expected)")  # fmt: skip
        if _looks_like_path(self.path):
            raise BackendError(f"{self.path}: no such folder")
        kwargs = {"local_files_only": _offline(), "trust_remote_code": self.trust_remote_code}
        if self.revision is not None:
            kwargs["revision"] = self.revision
        return self.path, kwargs

    def load(self) -> dict:
        import transformers
        from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

        if self.device not in self.devices:
            raise BackendError(f"unknown device '{self.device}' (use cpu or cuda)")
        if self.device == "cuda" and not torch.cuda.is_available():
            raise BackendError("device cuda was asked for, but torch sees no CUDA GPU here")
        source, kwargs = self._source()
        model_kwargs = {**kwargs, _dtype_kwarg(): DTYPES[self.dtype_name]}
        if self.attn_implementation is not None:
            model_kwargs["attn_implementation"] = self.attn_implementation
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
        except Exception as err:
            raise BackendError(f"{self.path}: cannot load the tokenizer: {_one_line(err)}") from None
        try:
            with _no_progress_bars():
                model = AutoModelForCausalLM.from_pretrained(source, **model_kwargs)
            model = model.to(torch.device(self.device)).eval()
        except Exception as err:
            raise BackendError(f"{self.path}: cannot load the model: {_one_line(err)}") from None
        self.tokenizer, self.model = tokenizer, model

        has_template = bool(getattr(tokenizer, "chat_template", None))
        if self.chat_option is True and not has_template:
            raise BackendError(f"{self.path}: chat = true, but the tokenizer has no chat template")
        self.chat = has_template if self.chat_option == "auto" else self.chat_option

        # Plain greedy decoding: the model's own generation settings are set aside.
        own = model.generation_config
        self.eos_ids = self._eos_ids(own, tokenizer, model.config)
        pad = tokenizer.pad_token_id
        if pad is None:
            pad = own.pad_token_id if isinstance(own.pad_token_id, int) else None
        if pad is None:
            pad = self.eos_ids[0] if self.eos_ids else 0
        self.pad_id = int(pad)
        set_aside = {
            k: v
            for k, v in own.to_diff_dict().items()
            if not k.startswith("_") and k not in IDS_AND_VERSION and (k not in NEUTRAL or NEUTRAL[k] != v)
        }
        model.generation_config = GenerationConfig(
            bos_token_id=own.bos_token_id, eos_token_id=self.eos_ids or None, pad_token_id=self.pad_id
        )

        self.costs = ModelCosts.from_model(model)
        dtype = next(model.parameters()).dtype
        self.element_bytes = torch.tensor([], dtype=dtype).element_size()
        self.param_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
        self.engine, engine_rule = self._choose_engine()
        threads, rule = self._choose_threads()
        try:
            # warm-up; and a model that cannot answer at all fails here, not on every item
            self.generate([THREAD_PROBE], max_new_tokens=2)
        except Exception as err:
            raise BackendError(f"{self.path}: cannot generate: {_one_line(err)}") from None
        config = model.config
        chat_rule = "given"
        if self.chat_option == "auto":
            chat_rule = "auto: " + ("the tokenizer's chat template" if self.chat else "no chat template")
        return {
            "path": self.path,
            "model_class": type(model).__name__,
            "config": json.loads(json.dumps(config.to_dict(), default=str)),
            "revision": self.revision,
            "commit_hash": getattr(config, "_commit_hash", None),
            "dtype": self.dtype_name,
            "dtype_rule": "auto: fp32 on CPU, bf16 on CUDA" if self.dtype_option == "auto" else "given",
            "device": self.device,
            "attn_implementation": getattr(config, "_attn_implementation", None),
            "trust_remote_code": self.trust_remote_code,
            "chat": self.chat,
            "chat_rule": chat_rule,
            "tokenizer_class": type(tokenizer).__name__,
            "vocab_size": len(tokenizer),
            "eos_token_ids": self.eos_ids,
            "pad_token_id": self.pad_id,
            "generation": "greedy (argmax); the model's generation_config settings are not applied",
            "generation_config_set_aside": json.loads(json.dumps(set_aside, default=str)),
            "parameters": self.costs.parameters,
            "param_bytes": self.param_bytes,
            "context": self.context,
            "threads": threads,
            "threads_rule": rule,
            "flops": {"rule": FLOPS_RULE, **self.costs.to_dict()},
            "transformers": transformers.__version__,
            "engine": self.engine,
            "engine_rule": engine_rule,
            "gguf": getattr(self, "gguf", None),
        }

    def _choose_engine(self) -> tuple[str, str]:
        """Which loop decodes: isabench's runtime (lm.llama) or transformers' generate."""
        from ..llama import LlamaRuntime, unsupported

        reason = unsupported(self.model)
        if reason is None and self.device == "cpu" and self.dtype_name != "fp32":
            reason = f"dtype {self.dtype_name} on CPU (isabench's runtime runs fp32 there)"
        if self.engine_option == "transformers" or (self.engine_option == "auto" and reason is not None):
            rule = "given" if self.engine_option == "transformers" else f"auto: {reason}"
            return "transformers", rule
        if reason is not None:
            raise BackendError(f"{self.path}: engine = 'isabench' cannot run this model: {reason}")
        self.runtime = LlamaRuntime(
            self.model, self._encode,
            lambda ids: self.tokenizer.decode(ids, skip_special_tokens=True),
            self.eos_ids, self.pad_id, self.costs.forward_flops,
        )  # fmt: skip
        rule = "given" if self.engine_option == "isabench" else "auto: a Llama isabench's runtime decodes"
        return "isabench", rule

    @staticmethod
    def _eos_ids(generation_config, tokenizer, config) -> list[int]:
        """Every id that ends an answer: the generation config's, the model config's, the tokenizer's."""
        ids: list[int] = []
        for value in (generation_config.eos_token_id, getattr(config, "eos_token_id", None),
                      tokenizer.eos_token_id):  # fmt: skip
            for token in value if isinstance(value, list | tuple) else [value]:
                if isinstance(token, int) and token not in ids:
                    ids.append(token)
        return ids

    def _choose_threads(self) -> tuple[int, str]:
        if self.device != "cpu":
            return torch.get_num_threads(), "not chosen (the model runs on CUDA)"
        if self.threads_option != "auto":
            torch.set_num_threads(int(self.threads_option))
            return int(self.threads_option), "given"

        def decode() -> None:
            self.generate([THREAD_PROBE] * 8, max_new_tokens=8)
            self.generate([THREAD_PROBE], max_new_tokens=8)

        key = ("hf", self.path, self.revision, self.dtype_name, self.attn_implementation)
        try:
            chosen = fastest_threads(decode, key)
        except Exception as err:
            raise BackendError(f"{self.path}: cannot generate: {_one_line(err)}") from None
        torch.set_num_threads(chosen)
        return chosen, "measured fastest"

    # -- prompts ----------------------------------------------------------------------------------
    def _encode(self, prompt: str) -> list[int]:
        if prompt in self._encoded:
            return self._encoded[prompt]
        ids = chat_ids(self.tokenizer, prompt) if self.chat else self.tokenizer(prompt)["input_ids"]
        if len(self._encoded) > 4096:
            self._encoded.clear()
        self._encoded[prompt] = list(ids)
        return self._encoded[prompt]

    def prompt_tokens(self, prompt: str) -> int:
        return len(self._encode(prompt))

    def text_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    @property
    def context(self) -> int | None:
        config = self.model.config
        text = config.get_text_config() if hasattr(config, "get_text_config") else config
        limit = getattr(text, "max_position_embeddings", None)
        if isinstance(limit, int) and limit > 0:
            return limit
        limit = getattr(self.tokenizer, "model_max_length", None)
        return int(limit) if isinstance(limit, int) and 0 < limit < SANE_CONTEXT else None

    # -- answering --------------------------------------------------------------------------------
    def _sync(self) -> None:
        if self.device == "cuda":
            torch.cuda.synchronize()

    def generate(self, prompts: list[str], max_new_tokens: int) -> list[Generation]:
        if not prompts:
            return []
        if getattr(self, "engine", None) == "isabench":
            return self.runtime.generate(prompts, max_new_tokens, batch_size=len(prompts))
        return self._generate_transformers(prompts, max_new_tokens)

    @torch.inference_mode()
    def _generate_transformers(self, prompts: list[str], max_new_tokens: int) -> list[Generation]:
        start = time.perf_counter()
        encoded = [self._encode(p) for p in prompts]
        lengths = [len(ids) for ids in encoded]
        width = max(lengths)
        batch = len(prompts)
        ids = torch.full((batch, width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((batch, width), dtype=torch.long)
        for row, tokens in enumerate(encoded):
            if tokens:
                ids[row, width - len(tokens) :] = torch.tensor(tokens)
                mask[row, width - len(tokens) :] = 1
        device = torch.device(self.device)
        clock = _step_clock(start, self._sync)
        out = self.model.generate(
            input_ids=ids.to(device), attention_mask=mask.to(device), do_sample=False, num_beams=1,
            max_new_tokens=max_new_tokens, pad_token_id=self.pad_id, eos_token_id=self.eos_ids or None,
            streamer=clock,
        )  # fmt: skip
        self._sync()
        batch_latency = time.perf_counter() - start
        rows = out[:, width:].tolist()
        steps = len(rows[0]) if rows else 0
        times = clock.times
        ttft = times[0] if times else batch_latency

        def finished(n: int) -> float:
            return times[n - 1] if 0 < n <= len(times) else batch_latency

        eos = set(self.eos_ids)
        padded = self.costs.forward_flops(width, width, 1) + sum(
            self.costs.forward_flops(1, width + j, 1) for j in range(1, steps)
        )
        batch_record = {
            "batch_size": batch, "latency_s": batch_latency, "ttft_s": ttft, "decode_steps": steps,
            "width": width, "flops": padded * batch,
            "kv_cache_bytes": self.costs.kv_bytes(width + steps - 1, self.element_bytes) * batch,
        }  # fmt: skip
        results = []
        for row, n_in in zip(rows, lengths, strict=True):
            cut = next((i for i, token in enumerate(row) if token in eos), None)
            tokens = row[: cut + 1] if cut is not None else row
            n_out = len(tokens)
            results.append(Generation(
                text=self.tokenizer.decode(tokens, skip_special_tokens=True),
                tokens=tokens, tokens_in=n_in, tokens_out=n_out, ttft_s=ttft, latency_s=finished(n_out),
                flops=self.costs.decode_flops(n_in, n_out),
                kv_cache_bytes=self.costs.kv_bytes(n_in + n_out - 1, self.element_bytes),
                param_bytes=self.param_bytes, stopped="eos" if cut is not None else "max_new_tokens",
                batch=batch_record,
            ))  # fmt: skip
        self._encoded.clear()
        return results

    def sync(self) -> None:
        self._sync()

    def close(self) -> None:
        for name in ("runtime", "model", "tokenizer"):
            if hasattr(self, name):
                delattr(self, name)
        if self.device == "cuda" and torch.cuda.is_available():
            torch.cuda.empty_cache()

    @classmethod
    def split_target(cls, target: str) -> tuple[str, dict]:
        """A folder or hub id -> its last path part (hf:./models/qwen -> qwen) and path = target."""
        label = Path(target.rstrip("/\\")).name or target
        return label, {"path": target}
