"""The execution settings of a training run: reuse on resume, the timed probe, rank 0's choice for every rank.

:func:`~gan_lib.training.hardware.resolve_hardware` decides for a machine
given a measurement; this module supplies the measurement and the run's
context: :func:`probe_step_time` times one training step of the run's own
networks (built with the trainer's pieces: state, batcher, step), and
:func:`resolve_run_hardware` reuses a checkpoint's choice on resume, else
resolves with the probe, and under torchrun makes every process take rank 0's
choice.  The run's set-up (:mod:`~gan_lib.training.run_setup`) imports this module; nothing here
imports the set-up or the trainer.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np
import torch

from .batches import TensorBatcher, images_tensor, labels_tensor
from .config import TrainConfig
from .distributed import SINGLE, Distributed, local_device
from .hardware import Hardware, resolve_hardware, time_per_call
from .state import build_state
from .step import train_step

__all__ = ["probe_step_time", "resolve_run_hardware"]


def probe_step_time(
    config: TrainConfig, images: np.ndarray, device: str, *, labels: np.ndarray | None = None
) -> Callable[[str, str], float]:
    """``probe(precision, memory_format) -> seconds`` of one short training step of this run's networks.

    Parameters
    ----------
    config : TrainConfig
        The run's networks and batch size (the probe runs one critic update per step).
    images : np.ndarray
        ``(N, H, W)`` float32 training images in [-1, 1]; the probe uses the first ``config.batch_size``.
    device : str
        Torch device to time on.
    labels : np.ndarray, optional
        ``(N,)`` int64 classes of the images, for a class-conditional run.

    Returns
    -------
    callable
        ``probe(precision, memory_format)``: wall seconds of one step, after a
        fresh set-up; it leaves every global RNG untouched.  Passed to
        :func:`~gan_lib.training.hardware.resolve_hardware` to decide
        ``"auto"`` settings by measurement.
    """
    probe_config = TrainConfig(**{**config.__dict__, "n_critic": 1})

    def measure(precision: str, memory_format: str) -> float:
        fmt = torch.channels_last if memory_format == "channels_last" else torch.contiguous_format
        with torch.random.fork_rng(devices=[]):
            state = build_state(probe_config, device=device, memory_format=fmt, precision=precision)
            real = images_tensor(images[: config.batch_size], device=device, memory_format=fmt)
            batch_labels = None if labels is None else labels_tensor(labels[: config.batch_size], device=device)
            batches = TensorBatcher(real, batch_size=config.batch_size, flips=False, seed=0, labels=batch_labels)
            return time_per_call(
                lambda: train_step(state, batches, config=probe_config, precision=precision).cpu(), repeats=1
            )

    return measure


def resolve_run_hardware(
    config: TrainConfig,
    images: np.ndarray,
    previous: dict[str, Any] | None = None,
    *,
    labels: np.ndarray | None = None,
    world: Distributed = SINGLE,
) -> Hardware:
    """Execution settings of a training run, the same on every process.

    Rank 0 decides.  Resuming from ``previous`` with the same requested
    device, precision and memory format, on a machine that has that device,
    it reuses the checkpoint's settings (threads: ``config.num_threads``, else
    the recorded count), so the run continues exactly as before; otherwise
    :func:`resolve_hardware` resolves ``config``'s settings, timing training
    steps of the run's own networks (:func:`probe_step_time`) where one is ``"auto"`` or
    ``num_threads`` is 0.  Under torchrun the ranks must agree on precision and
    memory format to compute the same algorithm: rank 0 broadcasts its choice
    and each rank takes its own GPU and rank 0's thread count.

    Parameters
    ----------
    config : TrainConfig
        The run's requested ``device``, ``precision``, ``memory_format`` and
        ``num_threads``; its networks and batch size for the timed steps.
    images : np.ndarray
        ``(N, H, W)`` float32 training images in [-1, 1]; the timed steps use
        the first ``config.batch_size``.
    previous : dict, optional
        The checkpoint the run resumes from.
    labels : np.ndarray, optional
        ``(N,)`` int64 classes of the images, for a class-conditional run.
    world : Distributed
        The processes training the run (:data:`~gan_lib.training.distributed.SINGLE`: this one).

    Returns
    -------
    Hardware
        This process's settings (its own ``device`` under torchrun).
    """
    hardware = _run_choice(config, images, previous, labels=labels) if world.is_main else None
    if not world.active:
        return hardware
    hardware = world.broadcast(hardware)
    if not world.is_main:
        torch.set_num_threads(hardware.num_threads)
    return dataclasses.replace(hardware, device=local_device(world, hardware.device))


def _run_choice(
    config: TrainConfig, images: np.ndarray, previous: dict[str, Any] | None, *, labels: np.ndarray | None
) -> Hardware:
    """Rank 0's settings: the checkpoint's when the request is unchanged (exact resume), else resolved afresh."""
    recorded = _recorded(config, previous) if previous is not None else None
    if recorded is not None:
        return recorded
    device = config.device if config.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    needs_probe = "auto" in (config.precision, config.memory_format) or config.num_threads == 0
    return resolve_hardware(
        device=config.device,
        precision=config.precision,
        memory_format=config.memory_format,
        num_threads=config.num_threads,
        probe=probe_step_time(config, images, device, labels=labels) if needs_probe else None,
    )


def _recorded(config: TrainConfig, previous: dict[str, Any]) -> Hardware | None:
    """``previous`` checkpoint's settings (and its thread count applied) if ``config`` asks for the same, else None."""
    before = previous["train_config"]
    same_request = all(before[k] == getattr(config, k) for k in ("device", "precision", "memory_format"))
    recorded = previous["hardware"]
    available = not recorded["device"].startswith("cuda") or torch.cuda.is_available()
    if not (same_request and available):
        return None
    torch.set_num_threads(config.num_threads or recorded["num_threads"])
    return Hardware(**{**recorded, "num_threads": torch.get_num_threads(), "reasons": tuple(recorded["reasons"])})
