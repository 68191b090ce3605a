"""Device, precision, memory-format and thread choices, decided per machine.

Mixed precision and ``channels_last`` help or hurt depending on the CPU: with
Intel AMX, bf16 autocast roughly halves the step time of these networks; on
CPUs without native bf16 instructions (AVX2, or AVX-512 without ``avx512_bf16``)
bf16 is emulated and was measured 2.5x *slower*.  ``"auto"`` therefore never
assumes: precision follows the instruction set found in ``/proc/cpuinfo`` (and
a short measurement where the flags are not decisive), and the memory format
is measured on the run's own networks.  The choice is recorded in the run's
``config.json`` and checkpoints and reused on resume so that a resumed run
computes exactly as before.

:func:`resolve_hardware` decides for a machine, given a way to time a
training step (a measurement passed in: this module imports nothing of the
training loop).  The choice for a training run — a checkpoint's choice reused,
the run's own step timed, rank 0's choice broadcast under torchrun — is
:func:`gan_lib.training.run_hardware.resolve_run_hardware`.
"""

from __future__ import annotations

import contextlib
import functools
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, ContextManager

import torch

__all__ = ["Hardware", "resolve_hardware", "cpu_flags", "autocast", "time_per_call"]

_CPUINFO = Path("/proc/cpuinfo")


@dataclass(frozen=True)
class Hardware:
    """Resolved execution settings of one run (JSON-ready via :meth:`to_dict`)."""

    device: str  # torch device string, e.g. "cpu" or "cuda:0"
    precision: str  # "fp32", "bf16" or "fp16" (autocast; fp16 with loss scaling)
    memory_format: str  # "contiguous" or "channels_last"
    num_threads: int  # torch CPU threads in use
    processor: str  # CPU model or GPU name, for the record
    capability: str  # torch's CPU capability (AVX2, AVX512, ...) or CUDA compute capability
    reasons: tuple[str, ...]  # why each "auto" setting was resolved as it was

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "reasons": list(self.reasons)}

    @property
    def torch_memory_format(self) -> torch.memory_format:
        return torch.channels_last if self.memory_format == "channels_last" else torch.contiguous_format


@functools.lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """Instruction-set flags of this CPU from ``/proc/cpuinfo`` (empty where that file does not exist)."""
    if not _CPUINFO.exists():
        return frozenset()
    for line in _CPUINFO.read_text().splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def _cpu_model() -> str:
    if _CPUINFO.exists():
        for line in _CPUINFO.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def autocast(precision: str, device: str) -> ContextManager[Any]:
    """``torch.autocast`` for ``precision="bf16"`` or ``"fp16"``; a no-op context for fp32."""
    if precision in ("bf16", "fp16"):
        dtype = torch.bfloat16 if precision == "bf16" else torch.float16
        return torch.autocast(torch.device(device).type, dtype=dtype)
    return contextlib.nullcontext()


def time_per_call(fn: Callable[[], None], *, repeats: int = 3) -> float:
    """Best-of-``repeats`` wall time of ``fn()`` after one warm-up call, in seconds."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _faster(
    measure: Callable[[str], float], options: tuple[str, str], *, margin: float = 0.1, rounds: int = 2
) -> tuple[str, str]:
    """Pick ``options[1]`` only if it is at least ``margin`` faster than ``options[0]``; returns (choice, note).

    The two are measured alternately, ``rounds`` times each, and the best time
    of each is compared, so a burst of load from other processes on a shared
    machine does not decide the outcome.
    """
    times: dict[str, float] = {o: float("inf") for o in options}
    for _ in range(rounds):
        for option in options:
            times[option] = min(times[option], measure(option))
    base, alt = times[options[0]], times[options[1]]
    choice = options[1] if alt < base * (1 - margin) else options[0]
    return choice, f"{options[0]} {base * 1e3:.0f} ms vs {options[1]} {alt * 1e3:.0f} ms per probe step"


def _with_threads(n: int, fn: Callable[[], float]) -> float:
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        return fn()
    finally:
        torch.set_num_threads(previous)


def _cpu_precision(capability: str, probe: Callable[[str, str], float] | None) -> tuple[str, str]:
    """``"auto"`` precision on this CPU, and why: by its bf16 instructions, measured where they do not decide."""
    flags = cpu_flags()
    if "amx_bf16" in flags:
        return "bf16", "precision: bf16 (CPU has AMX bf16 tiles)"
    if "avx512_bf16" not in flags:
        return "fp32", f"precision: fp32 (CPU {capability} has no native bf16; bf16 would be emulated and slower)"
    if probe is None:
        return "fp32", "precision: fp32 (avx512_bf16 without AMX and no probe to measure it)"
    precision, note = _faster(lambda p: probe(p, "contiguous"), ("fp32", "bf16"))
    return precision, f"precision: {precision} (measured with avx512_bf16: {note})"


def resolve_hardware(
    *,
    device: str = "auto",
    precision: str = "auto",
    memory_format: str = "auto",
    num_threads: int = 0,
    probe: Callable[[str, str], float] | None = None,
) -> Hardware:
    """Resolve ``"auto"`` settings for this machine.

    Parameters
    ----------
    device : str
        ``"auto"`` picks ``cuda`` when available, else ``cpu``.
    precision : {"auto", "fp32", "bf16", "fp16"}
        ``auto``: on CUDA bf16 where the GPU supports it (Ampere and newer),
        else fp16 with loss scaling (the trainer's ``GradScaler`` s); on CPU
        bf16 with AMX (``amx_bf16``), fp32 without any native bf16 instructions,
        and a measurement with ``probe`` when only ``avx512_bf16`` is present.
    memory_format : {"auto", "contiguous", "channels_last"}
        ``auto``: channels_last on CUDA (tensor-core convolutions want NHWC);
        on CPU channels_last unless ``probe`` measures contiguous at least 10 %
        faster.  The two compute the same numbers, and the one-step probe
        understates channels_last's gain: on an idle 2-core AMD EPYC with
        AVX-512 BF16 (2026-12-07) it read the quick project recipe's step
        2-3 % apart in two runs (so the old rule, channels_last only when
        10 % faster, kept contiguous) where 5 minutes of training reached 630 /
        630 steps contiguous and 780 / 830 channels_last.
    num_threads : int
        ``> 0`` calls ``torch.set_num_threads``.  ``0`` on CPU measures torch's
        default (one thread per core) against a single thread with ``probe``
        and keeps the faster: on a machine shared with other jobs, OpenMP
        threads that wait on each other were measured up to 6x slower than one
        thread; on an idle machine the default wins.
    probe : callable, optional
        ``probe(precision, memory_format) -> seconds`` timing one training step of
        the run's own networks (see :func:`gan_lib.training.run_hardware.probe_step_time`).  Without it,
        ``auto`` falls back to the safe choice (fp32, contiguous) and says so.

    Returns
    -------
    Hardware
        The resolved settings and a reason for every automatic decision.
    """
    reasons: list[str] = []
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
        reasons.append(f"device: {device} ({'CUDA available' if device == 'cuda' else 'no CUDA device'})")
    dev = torch.device(device)
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but torch sees no CUDA device; use device='cpu' or 'auto'."
            )
        dev = torch.device("cuda", dev.index if dev.index is not None else torch.cuda.current_device())
    if num_threads > 0:
        torch.set_num_threads(num_threads)
    elif dev.type == "cpu" and probe is not None and torch.get_num_threads() > 1:
        default = torch.get_num_threads()
        choice, note = _faster(
            lambda n: _with_threads(int(n), lambda: probe("fp32", "contiguous")), (str(default), "1")
        )
        torch.set_num_threads(int(choice))
        reasons.append(f"num_threads: {choice} (measured: {note})")

    if dev.type == "cuda":
        processor = torch.cuda.get_device_name(dev)
        capability = "sm_%d%d" % torch.cuda.get_device_capability(dev)
        if precision == "auto":
            precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
            reasons.append(
                f"precision: {precision} (GPU bf16 support: {precision == 'bf16'}; fp16 runs with gradient scaling)"
            )
        if memory_format == "auto":
            memory_format = "channels_last"
            reasons.append("memory_format: channels_last (NHWC convolutions on CUDA)")
    else:
        processor = _cpu_model()
        capability = torch.backends.cpu.get_cpu_capability()
        if precision == "auto":
            precision, reason = _cpu_precision(capability, probe)
            reasons.append(reason)
        if memory_format == "auto":
            if probe is None:
                memory_format = "contiguous"
                reasons.append("memory_format: contiguous (no probe to measure channels_last)")
            else:
                # channels_last is the incumbent: contiguous must measure clearly faster to replace it.
                memory_format, note = _faster(lambda m: probe(precision, m), ("channels_last", "contiguous"))
                reasons.append(f"memory_format: {memory_format} (measured: {note})")
    return Hardware(
        device=str(dev),
        precision=precision,
        memory_format=memory_format,
        num_threads=torch.get_num_threads(),
        processor=processor,
        capability=capability,
        reasons=tuple(reasons),
    )
