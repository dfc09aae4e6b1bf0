"""The systems the harness can run, by name: fixed ones (rv-ref, lm-builtin, ...) and families
named `<family>:<model>` whose backend comes from `lm.backends` (hf:, openai:).

A family name is normalised when a plan is read: `hf:./models/qwen` becomes the system
`hf:qwen` with option path = "./models/qwen", so records and reports carry the model's name
while the plan keeps where it came from. Adding a backend is one module and one line here.
"""

from __future__ import annotations

import functools

from ...lm.backends.base import Backend
from .base import Outcome, System, SystemUnavailable
from .control import EmptySystem
from .machine import MachineSystem, QemuSystem, RvBatchSystem, RvFastSystem, RvRefSystem
from .model import LmBuiltinSystem, ModelSystem, Smollm2LlamaCppSystem, Smollm2System

SYSTEMS: dict[str, type[System]] = {
    cls.name: cls
    for cls in (RvRefSystem, RvFastSystem, RvBatchSystem, QemuSystem, LmBuiltinSystem, Smollm2System,
                Smollm2LlamaCppSystem, EmptySystem)
}


def _backend_families() -> dict[str, type[Backend]]:
    from ...lm.backends.hf import HfBackend
    from ...lm.backends.openai import OpenAIBackend

    return {"hf": HfBackend, "openai": OpenAIBackend}


FAMILIES: dict[str, type[Backend]] = _backend_families()


def family_of(name: str) -> type[Backend] | None:
    """The backend of a `<family>:<model>` system name, or None for a fixed name."""
    family, colon, _ = name.partition(":")
    return FAMILIES.get(family) if colon else None


def system_class(name: str) -> type[System] | None:
    """The class of the system called `name`, or None if there is none."""
    if name in SYSTEMS:
        return SYSTEMS[name]
    backend = family_of(name)
    return None if backend is None else _family_system(backend)


@functools.cache
def _family_system(backend: type[Backend]) -> type[ModelSystem]:
    """The ModelSystem subclass that runs `backend` (one per family)."""
    attributes = {"backend_class": backend, "devices": backend.devices, "measures": backend.measures}
    return type(f"{backend.__name__}System", (ModelSystem,), attributes)


def known_systems() -> str:
    """What --systems accepts, for error messages."""
    return ", ".join([*SYSTEMS, *(f"{family}:<model>" for family in FAMILIES)])


def normalize_systems(systems: tuple[str, ...], options: dict) -> tuple[tuple[str, ...], dict, dict]:
    """Family specs as written (hf:./models/qwen) -> system names (hf:qwen) and their options.

    Returns (systems, options, renamed). A spec whose options already name the model (path,
    base_url) is a name already, so a normalised plan normalises to itself."""
    from ..plan import PlanError

    names, options, renamed = [], dict(options), {}
    for spec in systems:
        backend = family_of(spec)
        given = dict(options.get(spec) or {})
        if backend is None or backend.source_key in given:
            names.append(spec)
            continue
        family, _, target = spec.partition(":")
        if not target:
            raise PlanError(f"system '{spec}' names no model: write {family}:<model>")
        label, implied = backend.split_target(target)
        name = f"{family}:{label}"
        if name in names or (name != spec and name in systems):
            raise PlanError(f"two systems would both be named '{name}'; give one of them another path")
        options.pop(spec, None)
        options[name] = {**implied, **given}
        names.append(name)
        renamed[spec] = name
    return tuple(names), options, renamed


def supported_devices(name: str) -> tuple[str, ...]:
    cls = system_class(name)
    return cls.devices if cls else ()


def check_device(device: str) -> None:
    """Raise PlanError for an unknown device or for cuda without a GPU."""
    from ..plan import PlanError

    if device not in ("cpu", "cuda"):
        raise PlanError(f"unknown device '{device}' (use cpu or cuda)")
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise PlanError("device cuda was asked for, but torch sees no CUDA GPU here")


def make_system(name: str, device: str, plan) -> System:
    cls = system_class(name)
    options = (plan.options or {}).get(name)
    if issubclass(cls, ModelSystem):
        return cls(device, options, plan, name=name)
    return cls(device, options, plan)


__all__ = [
    "EmptySystem", "FAMILIES", "MachineSystem", "ModelSystem", "Outcome", "QemuSystem", "RvBatchSystem",
    "RvFastSystem", "RvRefSystem", "SYSTEMS", "System", "SystemUnavailable", "check_device", "family_of",
    "known_systems", "make_system", "normalize_systems", "supported_devices", "system_class",
]  # fmt: skip
