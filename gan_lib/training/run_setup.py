"""One training run's set-up: :func:`prepare_run` builds what the loop trains, fresh or from a checkpoint.

:func:`~gan_lib.training.trainer.train` and the benchmarks
(``benchmarks/train_step.py``, ``benchmarks/quality_vs_time.py``) set a run up
through this one function, so they train the same algorithm with the same
random streams: execution settings resolved for the run
(:func:`~gan_lib.training.run_hardware.resolve_run_hardware`), networks and
optimisers (:func:`~gan_lib.training.state.build_state`), the real-image
batcher seeded with ``config.seed + 2``, the fixed sample-grid inputs, and, on
resume, everything :func:`~gan_lib.training.checkpoint.restore_checkpoint`
puts back.  :meth:`PreparedRun.checkpoint` writes the one checkpoint schema of
:mod:`gan_lib.training.checkpoint`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..data.working import CropTable
from .batches import TensorBatcher, images_tensor, labels_tensor
from .checkpoint import make_checkpoint, restore_checkpoint
from .config import TrainConfig
from .crops import CropSource, auto_loader_workers
from .distributed import SINGLE, Distributed
from .hardware import Hardware
from .run_hardware import resolve_run_hardware
from .state import TrainState, build_state, parallelize

__all__ = ["PreparedRun", "prepare_run", "real_batches", "images_fingerprint", "grid_inputs"]


@dataclass
class PreparedRun:
    """A training run ready for its next step: state, batches, settings, and what its checkpoints record."""

    config: TrainConfig
    state: TrainState  # networks, optimisers, noise generator; state.step = steps done
    batches: TensorBatcher | CropSource
    hardware: Hardware
    world: Distributed
    fixed_noise: torch.Tensor  # (sample_count, latent_dim) latent vectors of the sample grids
    fixed_labels: torch.Tensor | None  # (sample_count,) classes of a conditional run's grids
    images_sha256: str  # fingerprint of the training images (and labels)
    data_config: dict[str, Any] | None
    elapsed_seconds: float  # training wall time of earlier sessions (0 for a new run), in seconds
    resumed_from: int | None  # step of the checkpoint it continues, None for a new run

    def checkpoint(self, *, elapsed_seconds: float) -> dict[str, Any]:
        """The run's checkpoint at ``state.step`` (:func:`~gan_lib.training.checkpoint.make_checkpoint`).

        ``elapsed_seconds`` is the training wall time so far, all sessions together.
        """
        return make_checkpoint(
            self.state,
            self.batches,
            elapsed_seconds=elapsed_seconds,
            config=self.config,
            data_config=self.data_config,
            hardware=self.hardware,
            fixed_noise=self.fixed_noise,
            fixed_labels=self.fixed_labels,
            images_sha256=self.images_sha256,
            world_size=self.world.world_size,
        )


def images_fingerprint(images: np.ndarray, labels: np.ndarray | None = None) -> str:
    """SHA-256 of the training images' bytes and, for a conditional run, their labels' (a resume must match it)."""
    return hashlib.sha256(images.tobytes() + (labels.tobytes() if labels is not None else b"")).hexdigest()


def grid_inputs(config: TrainConfig, *, conditional: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
    """A new run's fixed sample-grid inputs: latent vectors ``(sample_count, latent_dim)`` and classes or None.

    The vectors come from their own generator seeded with ``config.seed`` (the
    global RNGs are untouched); a conditional run's ``(sample_count,)``
    classes come in equal consecutive blocks (rows of the grid).
    """
    noise = torch.randn(config.sample_count, config.latent_dim, generator=torch.Generator().manual_seed(config.seed))
    labels = torch.arange(config.sample_count) * config.num_classes // config.sample_count if conditional else None
    return noise, labels


def real_batches(
    images: np.ndarray,
    crops: CropTable | None,
    labels: np.ndarray | None,
    *,
    config: TrainConfig,
    hardware: Hardware,
    world: Distributed,
) -> TensorBatcher | CropSource:
    """The run's real batches: fresh crops of ``crops`` (a :class:`CropSource`), else the fixed ``images``.

    Both are seeded with ``config.seed + 2`` and, under torchrun, give each
    rank its slice of the global batch.
    """
    device, fmt = hardware.device, hardware.torch_memory_format
    if crops is not None:
        return CropSource(
            crops,
            batch_size=config.batch_size,
            flips=config.flips,
            seed=config.seed + 2,
            shard=world,
            weighting=config.crop_weighting,
            device=device,
            memory_format=fmt,
            workers=auto_loader_workers(device, config.loader_workers),
        )
    return TensorBatcher(
        images_tensor(images, device=device, memory_format=fmt),
        batch_size=config.batch_size,
        flips=config.flips,
        seed=config.seed + 2,
        shard=world,
        labels=None if labels is None else labels_tensor(labels, device=device),
    )


def prepare_run(
    config: TrainConfig,
    images: np.ndarray,
    *,
    checkpoint: dict[str, Any] | None = None,
    labels: np.ndarray | None = None,
    crops: CropTable | None = None,
    data_config: dict[str, Any] | None = None,
    world: Distributed = SINGLE,
    images_sha256: str | None = None,
) -> PreparedRun:
    """Set a training run up, fresh or continuing ``checkpoint`` exactly.

    Parameters
    ----------
    config : TrainConfig
        The experiment (validated by the caller, e.g. :func:`~gan_lib.training.trainer.train`).
    images : np.ndarray
        ``(N, H, W)`` float32 training images in [-1, 1], ``N >= config.batch_size``: the fixed set the
        batches come from, or, with ``crops``, a preview batch of it (the hardware probe times it).
    checkpoint : dict, optional
        A loaded checkpoint of this run to continue: its hardware choice is
        reused when the request is unchanged, and its networks, optimisers,
        RNG states (the global ones too), batcher position and grid inputs
        are restored.
    labels : np.ndarray, optional
        ``(N,)`` int64 classes of a class-conditional run.
    crops : CropTable, optional
        The valid crops of stored working images: every batch is fresh random
        crops (:class:`~gan_lib.training.crops.CropSource`) instead of the fixed ``images``.
    data_config : dict, optional
        The data config the images came from, recorded in checkpoints.
    world : Distributed
        The processes training the run together.
    images_sha256 : str, optional
        The data's fingerprint when the caller has it (:func:`images_fingerprint`, or the crop table's); else
        computed from ``images`` and ``labels``.

    Returns
    -------
    PreparedRun
    """
    hardware = resolve_run_hardware(config, images, checkpoint, labels=labels, world=world)
    device, fmt = hardware.device, hardware.torch_memory_format
    if torch.device(device).type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed shapes: let cuDNN pick the fastest convolution algorithms
    state = parallelize(build_state(config, device=device, memory_format=fmt, precision=hardware.precision), world)
    batches = real_batches(images, crops, labels, config=config, hardware=hardware, world=world)
    fixed_noise, fixed_labels = grid_inputs(config, conditional=labels is not None)
    elapsed = 0.0
    if checkpoint is not None:
        restore_checkpoint(checkpoint, state, batches)
        fixed_noise, fixed_labels = checkpoint["fixed_noise"], checkpoint.get("fixed_labels")
        elapsed = checkpoint["elapsed_seconds"]
    if images_sha256 is None:
        images_sha256 = crops.fingerprint() if crops is not None else images_fingerprint(images, labels)
    return PreparedRun(
        config=config,
        state=state,
        batches=batches,
        hardware=hardware,
        world=world,
        fixed_noise=fixed_noise,
        fixed_labels=fixed_labels,
        images_sha256=images_sha256,
        data_config=data_config,
        elapsed_seconds=elapsed,
        resumed_from=state.step if checkpoint is not None else None,
    )
