"""A learning rate held, then decayed linearly to zero over the run's last stretch (CycleGAN's schedule).

With a constant learning rate a WGAN-GP generator keeps circling its
equilibrium: on the quick profile the blur-aware CNN reader of checkpoints 200
steps apart swings between 0.53 and 0.88 from 2000 steps on
(docs/results/generator_ablation.md, tenth session), so a run's last step is a
draw from that swing.  Zhu et al. (ICCV 2017, CycleGAN; pix2pix's
``lr_policy="linear"``) keep the rate for the first part of training and then
let it fall linearly to zero, so the run ends where the oscillation has been
damped rather than wherever it happens to be.

The run's *progress* is the larger of ``step / steps`` and ``training time /
train_minutes`` (a time budget usually ends a CPU run long before its step
cap), so the same setting works for step- and time-limited runs.  The trainer
recomputes the factor at every (re)start and then every ``log_every`` steps,
by rank 0's clock, and applies it to both optimisers (the critic keeps its
``critic_lr_scale`` ratio).  A run resumed with a
larger budget reads its progress against the new budget: its rate rises
again, and the decay happens over the new budget's last stretch.
"""

from __future__ import annotations

import torch

__all__ = ["run_progress", "lr_factor", "set_learning_rates"]


def run_progress(step: int, seconds: float, *, steps: int, train_minutes: float) -> float:
    """How far through its budget a run is, in [0, 1]: the larger of the step and time fractions.

    ``seconds`` is the training time so far (all sessions); ``train_minutes``
    0 means no time budget.

    Examples
    --------
    >>> run_progress(100, 150.0, steps=20_000, train_minutes=5.0)  # the time budget is nearer its end
    0.5
    >>> run_progress(100, 150.0, steps=200, train_minutes=0.0)
    0.5
    """
    by_steps = step / steps
    by_time = seconds / (60.0 * train_minutes) if train_minutes > 0 else 0.0
    return min(1.0, max(by_steps, by_time))


def lr_factor(progress: float, *, decay_start: float) -> float:
    """The learning-rate multiplier at ``progress`` in [0, 1]: 1 until ``decay_start``, then linear to 0 at 1.

    ``decay_start`` 1 keeps the rate constant.

    Examples
    --------
    >>> lr_factor(0.25, decay_start=0.5), lr_factor(0.75, decay_start=0.5), lr_factor(1.0, decay_start=0.5)
    (1.0, 0.5, 0.0)
    >>> lr_factor(0.99, decay_start=1.0)
    1.0
    """
    if progress <= decay_start or decay_start >= 1.0:
        return 1.0
    return max(0.0, (1.0 - progress) / (1.0 - decay_start))


def set_learning_rates(factor: float, *optimizers_and_rates: tuple[torch.optim.Optimizer, float]) -> None:
    """Set every parameter group of each ``(optimizer, base_rate)`` pair to ``factor * base_rate``."""
    for optimizer, base_rate in optimizers_and_rates:
        for group in optimizer.param_groups:
            group["lr"] = factor * base_rate
