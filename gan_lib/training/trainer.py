"""The WGAN-GP training run: :func:`train` (thesis section X-D).

:func:`train` loops :func:`~gan_lib.training.step.train_step` (one generator
iteration) from a fresh start or the run's last checkpoint to
``config.steps``, with run-folder set-up, logging, sample grids,
checkpoints and the NaN/inf guard.  All file output goes through
:class:`~gan_lib.training.run_folder.RunFolder`.

Speed without changing the algorithm (measured in ``benchmarks/train_step.py``):
real batches are sliced from one in-memory tensor instead of collated per
sample (or, for fresh crops of a crop table, cut from memory maps in whole
batches, :mod:`gan_lib.training.crops`), statistics stay on the device until a log step, and precision/memory
format are chosen per machine (:mod:`gan_lib.training.hardware`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from tqdm import tqdm

from ..config import config_to_dict
from ..data.working import CropTable
from ..imaging import check_image_set
from ..models import call_with_labels
from .batches import TensorBatcher
from .checkpoint import load_checkpoint, network_specs
from .config import EXECUTION_FIELDS, TrainConfig
from .crops import CropSource
from .distributed import Distributed, init_distributed
from .hardware import Hardware, autocast
from .lr_schedule import lr_factor, run_progress, set_learning_rates
from .monitor import Monitor
from .run_folder import STAT_NAMES, RunFolder
from .run_setup import images_fingerprint, prepare_run
from .state import TrainState
from .step import train_step

__all__ = ["TrainResult", "TrainingDiverged", "train"]


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the run stopped and its last good checkpoint was kept."""


@dataclass(frozen=True)
class TrainResult:
    """What :func:`train` did and where it wrote it."""

    run_dir: Path
    step: int  # generator updates done in total
    checkpoint: Path  # checkpoints/last.pt
    log: Path  # train_log.csv
    samples: list[Path] = field(default_factory=list)  # fixed-noise grids, in step order
    hardware: dict[str, Any] = field(default_factory=dict)  # resolved execution settings
    seconds: float = 0.0  # wall time of this call
    resumed_from: int | None = None  # step of the checkpoint resumed from, if any


def _check_images(
    images: Any, config: TrainConfig, *, name: str = "images", min_count: int | None = None
) -> np.ndarray:
    """``images`` as float32 ``(N, H, W)`` in [-1, 1], checked: ``H == W == image_size``, ``N >= min_count``
    (default ``batch_size``)."""
    images = check_image_set(images, name=f"train: {name}", min_count=min_count or config.batch_size)
    if images.shape[1:] != (config.image_size, config.image_size):
        raise ValueError(
            f"train: {name} are {images.shape[1]}x{images.shape[2]} px but config.image_size={config.image_size}; "
            "prepare the data at the training size or change image_size."
        )
    return images


def _check_labels(labels: Any, config: TrainConfig, count: int) -> np.ndarray | None:
    """``labels`` as ``int64 (count,)`` for a class-conditional config, ``None`` otherwise; a clear error if they
    do not fit."""
    if config.num_classes == 0:
        if labels is not None:
            raise ValueError(
                "train: labels were given but config.num_classes is 0; set num_classes with the "
                "conditional networks (generator='conditional_hybrid_generator', "
                "critic='projection_critic')."
            )
        return None
    if labels is None:
        raise ValueError(
            f"train: config.num_classes={config.num_classes} needs labels, one class per image "
            "(train(config, images, run_dir, labels=...))."
        )
    labels = np.asarray(labels)
    if labels.shape != (count,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"train: labels must be {count} integers, one per image; got {labels.dtype} {labels.shape}.")
    counts = np.bincount(labels.clip(0), minlength=config.num_classes)
    if labels.min() < 0 or labels.max() >= config.num_classes or (counts == 0).any():
        raise ValueError(
            f"train: labels must lie in [0, {config.num_classes}) with every class present "
            f"(config.num_classes); got values {np.unique(labels).tolist()}."
        )
    return labels.astype(np.int64)


def _checkpoint_to_resume(
    folder: RunFolder, config: TrainConfig, data_config: dict[str, Any] | None, images_sha256: str, *, resume: bool
) -> dict[str, Any] | None:
    """The checkpoint the run in ``folder`` continues from, or None for a new run.

    Raises ``FileExistsError`` for an existing run without ``resume`` and
    ``ValueError`` when it was started with a different experiment or data.
    """
    if not folder.last_checkpoint.exists():
        return None
    if not resume:
        raise FileExistsError(
            f"train: run {folder.path} already has a checkpoint; pass resume=True (--resume) to continue it, "
            "or choose another run name."
        )
    checkpoint = load_checkpoint(folder.last_checkpoint)
    _check_resumable(checkpoint, config, data_config, images_sha256, folder)
    return checkpoint


def _check_resumable(
    checkpoint: dict[str, Any],
    config: TrainConfig,
    data_config: dict[str, Any] | None,
    images_sha256: str,
    folder: RunFolder,
) -> None:
    """Refuse to resume a run with a different experiment (anything but EXECUTION_FIELDS) or different data."""
    before, now, defaults = checkpoint["train_config"], config_to_dict(config), config_to_dict(TrainConfig())
    # A field the checkpoint predates had its default value then.
    changed = [
        f"{k}: {before.get(k, defaults[k])!r} -> {now[k]!r}"
        for k in now
        if k not in EXECUTION_FIELDS and before.get(k, defaults[k]) != now[k]
    ]
    if checkpoint["data_config"] != data_config:
        changed.append(f"data config: {checkpoint['data_config']} -> {data_config}")
    elif checkpoint["images_sha256"] != images_sha256:
        changed.append("training images: their content differs from the images the run started with")
    if changed:
        raise ValueError(
            f"train: cannot resume run {folder.path} with a different experiment ({'; '.join(changed)}). "
            f"Only {list(EXECUTION_FIELDS)} may change on resume; use the original settings or a new run name."
        )


def _budget_spent(checkpoint: dict[str, Any], config: TrainConfig) -> bool:
    """Whether the run of ``checkpoint`` has ``config.steps`` steps, or ``config.train_minutes`` of training."""
    minutes = checkpoint["elapsed_seconds"] / 60.0
    return checkpoint["step"] >= config.steps or (config.train_minutes > 0 and minutes >= config.train_minutes)


def _already_complete(
    folder: RunFolder, checkpoint: dict[str, Any], config: TrainConfig, *, main: bool, started: float
) -> TrainResult:
    """The result of resuming a run that has used its step or time budget: nothing to train."""
    if main:
        minutes = checkpoint["elapsed_seconds"] / 60.0
        limit = f" or {config.train_minutes:g}" if config.train_minutes else ""
        print(
            f"train: run {folder.path.name} is already complete ({checkpoint['step']}/{config.steps} steps, "
            f"{minutes:.1f}{limit} minutes of training); nothing to do. Raise steps or train_minutes to train longer."
        )
    return TrainResult(
        folder.path,
        checkpoint["step"],
        folder.last_checkpoint,
        folder.log_path,
        folder.sample_paths(),
        checkpoint["hardware"],
        time.perf_counter() - started,
        checkpoint["step"],
    )


def _sample(state: TrainState, z: torch.Tensor, labels: torch.Tensor | None, hardware: Hardware) -> torch.Tensor:
    """Images of the sampling generator (the weight average if any) for latent vectors ``z``, in eval mode.

    A generator with noise stages gets the same noise images at every grid (seed 0), so grids show training only.
    """
    model = state.generator_ema if state.generator_ema is not None else state.generator
    was_training = model.training
    model.eval()
    with torch.inference_mode(), autocast(hardware.precision, hardware.device):
        labels = None if labels is None else labels.to(hardware.device)
        if getattr(model, "noise_sizes", ()):  # fixed noise images too, drawn apart from the training's random state
            noise = model.draw_noise(len(z), generator=torch.Generator().manual_seed(0))
            samples = model(z.to(hardware.device), [t.to(hardware.device) for t in noise])
        else:
            samples = call_with_labels(model, z.to(hardware.device), labels)
    model.train(was_training)
    return samples


def _stop_if_diverged(block: torch.Tensor, first_step: int, *, last_good: int | None, folder: RunFolder) -> None:
    """Raise :class:`TrainingDiverged` at the first NaN/inf in ``block``; return if every statistic is finite.

    ``block`` is ``(k, len(STAT_NAMES))``, the statistics of steps
    ``first_step`` to ``first_step + k - 1``.  The message names that step,
    the statistic and its value, and the checkpoint left in place (that of
    step ``last_good``; none if it is None).
    """
    bad = ~torch.isfinite(block)
    if not bad.any():
        return
    row, col = (int(i) for i in bad.nonzero()[0])
    kept = (
        f"the last good checkpoint (step {last_good}) is kept at {folder.last_checkpoint}"
        if last_good is not None
        else "no checkpoint had been written yet"
    )
    raise TrainingDiverged(
        f"train: training diverged at step {first_step + row}: {STAT_NAMES[col]} = {float(block[row, col])}; "
        f"stopped, and {kept}. Lower lr, keep gp_lambda at 10, or use precision='fp32'."
    )


def _time_is_up(clock: float, train_minutes: float, world: Distributed) -> bool:
    """Whether ``train_minutes`` of wall time have passed since ``clock`` (False when 0), as rank 0 measured it."""
    return bool(train_minutes) and world.broadcast(time.perf_counter() - clock >= 60.0 * train_minutes)


def _train_steps(
    state: TrainState,
    batches: TensorBatcher | CropSource,
    folder: RunFolder,
    *,
    config: TrainConfig,
    hardware: Hardware,
    world: Distributed,
    save: Callable[..., dict[str, Any]],
    grid: tuple[torch.Tensor, torch.Tensor | None],
    elapsed: float,
    last_good: int | None,
    progress: bool,
    monitor: Monitor,
) -> None:
    """The loop of :func:`train`: steps ``state.step + 1`` to ``config.steps``, with logs, samples and checkpoints.

    With ``config.train_minutes`` the loop also ends at the first logging step
    at which the run's training time, earlier sessions included, has reached
    the budget; that step is written as the last one.

    Every ``log_every`` steps (and at each checkpoint and the last step) the
    statistics are averaged over the ranks, appended to the log and checked
    for NaN/inf; every ``sample_every`` steps the sampling generator draws a
    grid from ``grid`` (the fixed latent vectors, and classes or None); every
    ``checkpoint_every`` steps ``save(elapsed_seconds=...)`` is written; at
    ``monitor``'s evaluation steps (logged first, so a NaN stops the run
    before it is scored) the run is evaluated.
    ``elapsed`` is the training time of earlier sessions in seconds and
    ``last_good`` the step of the checkpoint resumed from (None for a new
    run).  Only rank 0 writes.
    """
    trained_generator = state.generator_ddp or state.generator
    generator_fn = torch.compile(trained_generator) if config.compile else trained_generator
    clock = time.perf_counter() - elapsed
    pending: list[torch.Tensor] = []
    pending_seconds: list[float] = []
    bar = tqdm(
        total=config.steps,
        initial=state.step,
        disable=not (progress and world.is_main),
        unit="step",
        dynamic_ncols=True,
        desc=f"train {folder.path.name}"
        + (f" (stops at {config.train_minutes:g} min)" if config.train_minutes else ""),
    )
    base_rates = (state.opt_generator, config.lr), (state.opt_critic, config.lr * config.critic_lr_scale)
    try:
        for step in range(state.step + 1, config.steps + 1):
            if step == state.step + 1 or (config.lr_decay_start < 1.0 and (step - 1) % config.log_every == 0):
                # at the start (a checkpoint keeps the rate it ended with) and every log_every steps, by rank 0's clock
                seconds = world.broadcast(time.perf_counter() - clock)
                progress = run_progress(step - 1, seconds, steps=config.steps, train_minutes=config.train_minutes)
                set_learning_rates(lr_factor(progress, decay_start=config.lr_decay_start), *base_rates)
            pending.append(
                train_step(state, batches, config=config, precision=hardware.precision, generator_fn=generator_fn)
            )
            state.step = step
            pending_seconds.append(time.perf_counter() - clock)
            bar.update(1)
            is_last = step == config.steps or (
                step % config.log_every == 0 and _time_is_up(clock, config.train_minutes, world)
            )
            evaluate = monitor.due(step, is_last=is_last)
            if step % config.log_every == 0 or step % config.checkpoint_every == 0 or is_last or evaluate:
                # Each rank's losses are means over its shard; their mean over ranks is the global-batch mean.
                block = world.mean(torch.stack(pending)).cpu()
                first = step - len(pending) + 1
                if world.is_main:
                    folder.append_log(first, block, pending_seconds)
                    folder.write_log()
                    monitor.log_stats(first, block)
                pending, pending_seconds = [], []
                _stop_if_diverged(block, first, last_good=last_good, folder=folder)
                bar.set_postfix(W=f"{block[-1, 2]:.3g}", GP=f"{block[-1, 3]:.3g}", refresh=False)
            if world.is_main and (step % config.sample_every == 0 or is_last):
                samples = _sample(state, *grid, hardware)
                folder.write_samples(step, samples)
                monitor.log_samples(step, samples)
            if evaluate:
                monitor.evaluate(
                    state,
                    step,
                    seconds=time.perf_counter() - clock,
                    save=lambda: save(elapsed_seconds=time.perf_counter() - clock),
                )
            if step % config.checkpoint_every == 0 or is_last:
                if world.is_main:
                    folder.write_checkpoint(save(elapsed_seconds=time.perf_counter() - clock))
                last_good = step
            if is_last:
                break
    finally:
        bar.close()
        monitor.close()


def train(
    config: TrainConfig,
    images: np.ndarray | CropTable,
    run_dir: str | os.PathLike[str],
    *,
    resume: bool = False,
    data_config: Any = None,
    progress: bool = True,
    labels: np.ndarray | None = None,
    heldout: np.ndarray | None = None,
) -> TrainResult:
    """Train a WGAN-GP on ``images`` and write the run folder ``run_dir``.

    Parameters
    ----------
    config : TrainConfig
        The experiment; validated on creation.
    images : np.ndarray or CropTable
        ``(N, H, W)`` (or ``(N, 1, H, W)``) float32 in [-1, 1] with
        ``H == W == config.image_size`` and ``N >= config.batch_size`` — e.g.
        ``gan_lib.data.prepare_dataset(...).images("train")`` — batched by a
        ``TensorBatcher``; or the valid crops of stored working images
        (``prepare_dataset(...).crop_table("train")``), each batch fresh random
        crops (:class:`~gan_lib.training.crops.CropSource`; unconditional runs).
    run_dir : path-like
        The run folder (``gan_lib.config.run_dir(name)``); layout in
        :mod:`gan_lib.training.run_folder`.
    resume : bool
        Continue from ``checkpoints/last.pt`` if it exists (exactly: same
        batches, noise and updates as an uninterrupted run on the same
        machine); start fresh if it does not.  A finished run returns at once.
        Without ``resume``, an existing checkpoint is an error.
    data_config : dataclass, optional
        The ``gan_lib.data.DataConfig`` the images came from, recorded in
        ``config.json`` and checked on resume.
    progress : bool
        Show a tqdm bar (steps/s and ETA).
    labels : np.ndarray, optional
        ``(N,)`` integer class of each image in ``[0, config.num_classes)``,
        every class present; required for, and only for, a class-conditional
        config.  Part of the data a resumed run must match.
    heldout : np.ndarray, optional
        ``(K, H, W)`` real images the run does not train on (e.g. the
        ``heldout`` split), for the critic's held-out Wasserstein estimate and
        the held-out floor of the evaluations (``config.eval_every > 0``;
        :mod:`gan_lib.training.monitor`, which also describes ``metrics.jsonl``
        and ``checkpoints/best.pt``).

    Under ``torchrun`` (environment variables ``RANK``/``WORLD_SIZE``) every
    process calls this function with the same arguments; they train one run
    together with ``DistributedDataParallel`` (:mod:`gan_lib.training.distributed`)
    with the semantics of one process and the same global ``batch_size``.
    Only rank 0 writes the run folder and shows progress; every rank returns
    the same ``TrainResult``.

    Returns
    -------
    TrainResult

    Raises
    ------
    ValueError
        Bad images, or resuming with a different experiment or data.
    FileExistsError
        ``run_dir`` already holds a checkpoint and ``resume`` is False.
    TrainingDiverged
        A loss became NaN/inf; the message names the step and the loss, and the
        last good checkpoint is left in place.
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(f"train: config must be a TrainConfig; got {type(config).__name__}.")
    crops = images if isinstance(images, CropTable) else None
    if crops is not None and labels is not None:
        raise ValueError(
            "train: a class-conditional run needs labelled images; pass the fixed set "
            "(dataset.images('train'), real_data='patches') instead of a crop table."
        )
    images = _check_images(images if crops is None else crops.preview(config.batch_size), config)
    world = init_distributed(config.device)
    world.local_batch(config.batch_size)  # refuses a global batch that does not split over the processes
    main = world.is_main
    started = time.perf_counter()
    folder = RunFolder(run_dir)
    labels = _check_labels(labels, config, len(images))
    # The labels are part of the data: a resumed conditional run must see the same images with the same labels.
    images_sha256 = crops.fingerprint() if crops is not None else images_fingerprint(images, labels)
    data_dict = config_to_dict(data_config) if data_config is not None else None

    checkpoint = _checkpoint_to_resume(folder, config, data_dict, images_sha256, resume=resume)
    if checkpoint is not None and _budget_spent(checkpoint, config):
        return _already_complete(folder, checkpoint, config, main=main, started=started)
    run = prepare_run(
        config,
        images,
        checkpoint=checkpoint,
        labels=labels,
        crops=crops,
        data_config=data_dict,
        world=world,
        images_sha256=images_sha256,
    )
    state, hardware = run.state, run.hardware
    folder.load_log(up_to_step=state.step)
    # the evaluations' fixed real subset: from the fixed set, or from the crop table's seed-0 crops
    monitor = Monitor(
        folder,
        config,
        images if crops is None else crops.preview(max(config.eval_count, 1)),
        labels=labels,
        main=main,
        heldout=None if heldout is None else _check_images(heldout, config, name="heldout", min_count=1),
    )
    monitor_settings = monitor.start(resumed_from=run.resumed_from)
    if main:
        folder.write_config(
            {
                "train": config_to_dict(config),
                "data": data_dict,
                "hardware": hardware.to_dict(),
                "images": {
                    "count": len(images) if crops is None else crops.total,
                    "sha256": images_sha256,
                    **({"class_counts": np.bincount(labels).tolist()} if labels is not None else {}),
                },
                "world_size": world.world_size,
                "monitor": monitor_settings,
                **network_specs(config),
            }
        )
    _train_steps(
        state,
        run.batches,
        folder,
        config=config,
        hardware=hardware,
        world=world,
        save=run.checkpoint,
        grid=(run.fixed_noise, run.fixed_labels),
        elapsed=run.elapsed_seconds,
        last_good=run.resumed_from,
        progress=progress,
        monitor=monitor,
    )
    if world.active:
        torch.distributed.barrier()  # every rank returns after rank 0 has written the final checkpoint
    return TrainResult(
        folder.path,
        state.step,
        folder.last_checkpoint,
        folder.log_path,
        folder.sample_paths(),
        hardware.to_dict(),
        time.perf_counter() - started,
        run.resumed_from,
    )
