"""The mutable state of a training run: networks, optimisers, loss scalers, the noise generator and the step.

:func:`build_state` makes it fresh for a config, :func:`parallelize` prepares
it for data-parallel training, :func:`gan_lib.training.trainer.train_step`
advances it, and :mod:`gan_lib.training.checkpoint` saves and restores it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from ..models import get_model
from .config import TrainConfig
from .distributed import SINGLE, Distributed, wrap
from .ema import make_ema

__all__ = ["TrainState", "build_state", "parallelize"]


@dataclass
class TrainState:
    """The mutable state of a run: networks, optimisers, the noise generator and the step counter."""

    generator: nn.Module
    critic: nn.Module
    opt_generator: torch.optim.Optimizer
    opt_critic: torch.optim.Optimizer
    noise: torch.Generator  # latent vectors, gradient-penalty weights and DiffAugment draws, on the device
    step: int = 0  # generator updates done
    generator_ema: nn.Module | None = None  # weight average of the generator (config.ema_kimg > 0); used for sampling
    # --- data-parallel and fp16 execution (defaults: one process, no scaling); see parallelize(), build_state() ---
    world: Distributed = SINGLE  # this process's rank and the number of processes
    generator_ddp: nn.Module | None = None  # DistributedDataParallel(generator) under torchrun
    critic_ddp: nn.Module | None = None  # DistributedDataParallel(critic) under torchrun
    replicate_generator: bool = False  # run G on the global batch on every rank (CPU: no SyncBatchNorm)
    scaler_critic: torch.amp.GradScaler = field(default_factory=lambda: torch.amp.GradScaler("cpu", enabled=False))
    scaler_generator: torch.amp.GradScaler = field(default_factory=lambda: torch.amp.GradScaler("cpu", enabled=False))


def build_state(
    config: TrainConfig, *, device: str, memory_format: torch.memory_format, precision: str = "fp32"
) -> TrainState:
    """Fresh networks (seeded with ``config.seed``) and Adam optimisers on ``device``.

    ``config.ema_kimg > 0`` adds the generator's weight average (a copy of the
    fresh generator).  ``precision="fp16"`` adds one ``GradScaler`` per
    optimiser (loss scaling); other precisions need none.
    """
    torch.manual_seed(config.seed)
    generator = get_model(config.generator, **config.generator_kwargs()).to(device, memory_format=memory_format)
    critic = get_model(config.critic, **config.critic_kwargs()).to(device, memory_format=memory_format)
    state = TrainState(
        generator=generator,
        critic=critic,
        opt_generator=torch.optim.Adam(generator.parameters(), lr=config.lr, betas=config.betas),
        opt_critic=torch.optim.Adam(critic.parameters(), lr=config.lr * config.critic_lr_scale, betas=config.betas),
        noise=torch.Generator(device=device).manual_seed(config.seed + 1),
        generator_ema=make_ema(generator) if config.ema_kimg > 0 else None,
    )
    if precision == "fp16":
        # A start at 2**10 instead of 2**16 skips fewer of the first updates while the scale calibrates.
        state.scaler_critic = torch.amp.GradScaler(torch.device(device).type, init_scale=2.0**10)
        state.scaler_generator = torch.amp.GradScaler(torch.device(device).type, init_scale=2.0**10)
    return state


def parallelize(state: TrainState, world: Distributed) -> TrainState:
    """Prepare ``state`` for data-parallel training on ``world``.

    Under torchrun the generator and critic are wrapped in
    ``DistributedDataParallel`` (``state.generator``/``state.critic`` stay the
    plain modules, so checkpoints hold unwrapped ``state_dict`` s).  The
    generator's BatchNorm layers become ``SyncBatchNorm`` on CUDA, so their
    batch statistics are those of the global batch; on CPU, where PyTorch has no
    ``SyncBatchNorm``, ``replicate_generator`` makes every rank run the generator
    on the global batch instead.  Returns ``state``, changed in place.
    """
    device = next(state.generator.parameters()).device
    state.world = world
    if world.active:
        if device.type == "cuda":
            # Conversion keeps the Parameter objects, so the optimiser built on them stays valid.
            state.generator = nn.SyncBatchNorm.convert_sync_batchnorm(state.generator)
        else:
            state.replicate_generator = True
        state.generator_ddp = wrap(state.generator, world)
        state.critic_ddp = wrap(state.critic, world)
    return state
