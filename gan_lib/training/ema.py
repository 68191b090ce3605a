"""An exponential moving average of the generator's weights (Karras et al., ICLR 2018; Yazici et al., ICLR 2019).

A WGAN-GP generator's weights circle around a good solution rather than settle
on it; their running average gives smoother, less noisy samples at no training
cost.  The decay follows StyleGAN2-ADA (``training_loop.py``): the average has
a half-life of ``ema_kimg * 1000`` *images*, and with a ramp-up that half-life
is at most ``ema_rampup`` times the images seen so far, so a short run is not
dragged back towards its first, random steps (a fixed decay of 0.999 averages
over ~700 steps, more than the quick profile takes).

BatchNorm running statistics are buffers, not weights; they are copied from
the trained generator at every update (as StyleGAN2-ADA copies buffers), so
the averaged generator normalises with current statistics in eval mode.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

__all__ = ["ema_beta", "make_ema", "update_ema"]


def ema_beta(images_seen: int, *, batch_size: int, ema_kimg: float, ema_rampup: float) -> float:
    """Decay of the weight average after a batch of ``batch_size`` images, ``images_seen`` images into training.

    ``beta = 0.5 ** (batch_size / half_life)`` with
    ``half_life = ema_kimg * 1000`` images, capped at ``ema_rampup * images_seen``
    when ``ema_rampup > 0``.

    Examples
    --------
    >>> round(ema_beta(10**9, batch_size=32, ema_kimg=0.032, ema_rampup=0.0), 3)  # half-life of one batch
    0.5
    >>> ema_beta(0, batch_size=32, ema_kimg=10.0, ema_rampup=0.05)  # first step: copy the weights
    0.0
    """
    half_life = ema_kimg * 1000.0
    if ema_rampup > 0:
        half_life = min(half_life, images_seen * ema_rampup)
    return 0.5 ** (batch_size / half_life) if half_life > 0 else 0.0


def make_ema(model: nn.Module) -> nn.Module:
    """A frozen copy of ``model`` in eval mode, to be updated with :func:`update_ema`."""
    ema = copy.deepcopy(model).eval()
    ema.requires_grad_(False)
    return ema


@torch.no_grad()
def update_ema(ema: nn.Module, model: nn.Module, beta: float) -> None:
    """``ema <- beta * ema + (1 - beta) * model`` for parameters; buffers are copied from ``model``.

    Examples
    --------
    >>> model = nn.Linear(1, 1, bias=False)
    >>> ema = make_ema(model)
    >>> _ = nn.init.constant_(model.weight, 1.0); _ = nn.init.constant_(ema.weight, 0.0)
    >>> update_ema(ema, model, beta=0.75)
    >>> float(ema.weight)
    0.25
    """
    for averaged, current in zip(ema.parameters(), model.parameters()):
        averaged.lerp_(current.detach(), 1.0 - beta)
    for averaged, current in zip(ema.buffers(), model.buffers()):
        averaged.copy_(current)
