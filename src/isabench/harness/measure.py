"""How the harness measures: clocks, a peak-memory sampler, energy counters, a deadline, and
the machine and library facts every run records.

Energy comes only from hardware counters (NVML on NVIDIA GPUs, RAPL under
/sys/class/powercap on CPUs). Where none is readable the figure is null, never an estimate.
"""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psutil

SAMPLE_INTERVAL_S = 0.010


class RssSampler:
    """A background thread reading this process's resident set size about every 10 ms.

    `window()` gives the peak seen between its start and end (both ends read too, so a call
    shorter than the interval still gets a value).
    """

    def __init__(self, interval_s: float = SAMPLE_INTERVAL_S):
        self.interval_s = interval_s
        self.process = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="isabench-rss", daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _read(self) -> int:
        rss = self.process.memory_info().rss
        if rss > self.peak:
            self.peak = rss
        return rss

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._read()

    def start_window(self) -> None:
        self.peak = 0
        self._read()

    def end_window(self) -> int:
        self._read()
        return self.peak


class RaplMeter:
    """CPU package energy from RAPL (microjoule counters that wrap at max_energy_range_uj)."""

    source = "rapl"

    def __init__(self, root: str | Path = "/sys/class/powercap"):
        root = Path(root)
        self.domains = []
        for domain in sorted(root.glob("intel-rapl:*")) if root.is_dir() else []:
            if domain.name.count(":") != 1:  # packages only; sub-domains are inside them
                continue
            energy = domain / "energy_uj"
            try:
                int(energy.read_text())
                wrap = int((domain / "max_energy_range_uj").read_text())
            except (OSError, ValueError):
                continue
            self.domains.append((energy, wrap))
        if not self.domains:
            raise OSError(f"no readable RAPL package counter under {root}")

    def read(self) -> list[int]:
        return [int(path.read_text()) for path, _ in self.domains]

    def joules(self, before: list[int], after: list[int]) -> float:
        total = 0
        for (_, wrap), a, b in zip(self.domains, before, after, strict=True):
            total += b - a if b >= a else b + wrap - a
        return total / 1e6


class NvmlMeter:
    """GPU board energy from NVML's total-energy counter (millijoules since driver load)."""

    source = "nvml"

    def __init__(self, index: int = 0):
        import pynvml  # nvidia-ml-py; absent unless installed

        pynvml.nvmlInit()
        self.pynvml = pynvml
        self.handle = pynvml.nvmlDeviceGetHandleByIndex(index)
        self.read()

    def read(self) -> int:
        return self.pynvml.nvmlDeviceGetTotalEnergyConsumption(self.handle)

    def joules(self, before: int, after: int) -> float:
        return (after - before) / 1e3


def energy_meter(device: str) -> tuple[object | None, str]:
    """(meter, note): a readable counter for this device, or None and why not."""
    try:
        return (NvmlMeter() if device == "cuda" else RaplMeter()), "readable"
    except Exception as err:  # missing module, no driver, no permission: recorded, not fatal
        what = "NVML (pip install nvidia-ml-py)" if device == "cuda" else "RAPL (/sys/class/powercap)"
        return None, f"no energy counter: {what} not readable here ({type(err).__name__}: {err})"


class ItemTimeout(Exception):
    """A call ran past the plan's time limit."""


@contextmanager
def deadline(seconds: float):
    """Raise ItemTimeout in this (main) thread after `seconds`; a no-op off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise ItemTimeout(f"ran past {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_commit() -> dict:
    """The isabench source's git commit and whether it had uncommitted changes (None outside git)."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10
        )
        if commit.returncode != 0:
            return {"commit": None, "dirty": None}
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def environment() -> dict:
    """Versions, hardware and thread settings: saved with every run."""
    import numpy
    import torch

    from .. import __version__

    gpu = None
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        gpu = {
            "name": torch.cuda.get_device_name(0),
            "memory_bytes": props.total_memory,
            "count": torch.cuda.device_count(),
            "cuda": torch.version.cuda,
            "driver": _nvidia_driver(),
        }
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return {
        "isabench": __version__,
        **git_commit(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": affinity,
        "memory_bytes": psutil.virtual_memory().total,
        "torch_threads": torch.get_num_threads(),
        "gpu": gpu,
    }


def _nvidia_driver() -> str | None:
    try:
        done = subprocess.run(
            ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
        )
        return done.stdout.strip().splitlines()[0] if done.returncode == 0 and done.stdout.strip() else None
    except (OSError, subprocess.SubprocessError):
        return None


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
