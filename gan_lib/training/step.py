"""One WGAN-GP generator iteration (Gulrajani et al., 2017, Algorithm 1; thesis section X-D).

:func:`train_step` performs ``n_critic`` critic updates on fresh real and
generated batches, then one generator update, and returns its statistics as a
tensor without synchronising; :func:`gan_lib.training.trainer.train` runs it
in a loop.

A class-conditional run (``config.num_classes > 0``, with
:mod:`gan_lib.models.conditional`'s networks) trains on labelled images:
each critic update generates images for the real batch's labels, so every
real/generated pair, and the interpolate the gradient penalty is taken on,
share one label; the generator update draws its labels from the training
labels (the classes in their training proportions).

Speed without changing the algorithm (measured in ``benchmarks/train_step.py``):
generated images for critic updates are produced under ``no_grad`` (no
generator graph is built only to be discarded), the critic's weights do not
require gradients during the generator update, and statistics stay on the
device until the caller reads them.
"""

from __future__ import annotations

from typing import Callable

import torch

from ..models import call_with_labels
from .batches import TensorBatcher
from .config import TrainConfig
from .critic_view import make_critic_view
from .diffaugment import apply_params, draw_params, parse_policy
from .ema import ema_beta, update_ema
from .hardware import autocast
from .losses import critic_loss, generator_loss, gradient_penalty, sobolev_dual_norm, wasserstein_estimate
from .spectral_loss import spectral_moment_loss
from .state import TrainState

__all__ = ["train_step"]


def train_step(
    state: TrainState,
    batches: TensorBatcher,
    *,
    config: TrainConfig,
    precision: str,
    generator_fn: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> torch.Tensor:
    """One generator iteration: ``config.n_critic`` critic updates, then one generator update.

    With ``config.diffaugment`` every image the critic scores, real or
    generated, is augmented first (fresh draws per batch), and the gradient
    penalty is taken on interpolates of the augmented images.  With
    ``config.penalty_norm`` the critic sees a fixed transform of each
    (augmented) image, also before the interpolation
    (:mod:`~gan_lib.training.critic_view`), or the penalty takes BWGAN's dual
    Sobolev norm of the gradient (``"sobolev_fft"``).  With
    ``config.gp_every = k > 1`` the penalty is computed on every k-th critic
    update only (counted over the run, from ``state.step``) with weight
    ``k * gp_lambda``.  With a weight average (``state.generator_ema``) it is
    updated after the generator update.

    Parameters
    ----------
    state : TrainState
        Networks and optimisers, updated in place (``state.step`` is not).
    batches : TensorBatcher
        Real batches ``(batch_size, 1, H, W)`` in [-1, 1] on the device, with
        their labels when the networks are class-conditional.
    config : TrainConfig
        Supplies ``batch_size``, ``latent_dim``, ``n_critic``, ``gp_lambda``, ``gp_every``, ``drift``,
        ``spectral_weight``, ``spectral_orientations``, ``diffaugment``, ``ema_kimg``, ``ema_rampup``.
    precision : {"fp32", "bf16", "fp16"}
        Autocast precision of the forward passes; ``"fp16"`` needs the loss
        scalers that :func:`~gan_lib.training.state.build_state` puts in ``state``.
    generator_fn : callable, optional
        The generator's forward to use (e.g. a ``torch.compile`` d version);
        by default ``state.generator_ddp`` under torchrun, else ``state.generator``.
        Under torchrun it is called on the global latent batch (CPU) or on this
        rank's slice of it (CUDA, ``SyncBatchNorm``).

    Returns
    -------
    torch.Tensor
        ``(len(STAT_NAMES),)`` float32 on the device, in the order of
        :data:`~gan_lib.training.run_folder.STAT_NAMES`.  Not synchronised:
        read it in blocks (``torch.stack(...).cpu()``) at log steps.
    """
    if precision == "fp16" and not state.scaler_critic.is_enabled():
        raise ValueError(
            "train_step: precision='fp16' needs gradient scaling; prepare the state with "
            "build_state(..., precision='fp16')."
        )
    # ``is not None``, not truthiness: a torch.compile'd module forwards ``len()`` to a module that has none.
    generate = generator_fn if generator_fn is not None else (state.generator_ddp or state.generator)
    device = next(state.generator.parameters()).device
    policy = parse_policy(config.diffaugment)
    view = make_critic_view(
        config.penalty_norm,
        laplacian_scale=config.laplacian_scale,
        whitening_beta=config.whitening_beta,
        detail_scale=config.detail_scale,
    )

    def augment(images: torch.Tensor) -> torch.Tensor:
        """DiffAugment with draws for the global batch, of which this rank keeps its slice; then the critic's view."""
        if policy:
            params = draw_params(config.batch_size, images.shape[-1], policy, generator=state.noise, device=device)
            images = apply_params(images, {name: state.world.shard(value) for name, value in params.items()})
        return images if view is None else view(images)

    sums = torch.zeros(4, device=device)  # critic loss, Wasserstein estimate, GP, critic grad norm
    applied = 0  # critic updates applied (fp16 loss scaling skips those whose gradients overflowed)
    for i in range(config.n_critic):
        with_penalty = (state.step * config.n_critic + i) % config.gp_every == 0
        stats = _critic_update(
            state,
            batches,
            config=config,
            precision=precision,
            generate=generate,
            augment=augment,
            with_penalty=with_penalty,
        )
        if stats is not None:
            applied += 1
            sums += stats
    g_loss, g_norm = _generator_update(
        state, batches, config=config, precision=precision, generate=generate, augment=augment
    )
    if state.generator_ema is not None:
        images_seen = state.step * config.batch_size  # before this step's batch, as StyleGAN2-ADA counts
        beta = ema_beta(
            images_seen, batch_size=config.batch_size, ema_kimg=config.ema_kimg, ema_rampup=config.ema_rampup
        )
        update_ema(state.generator_ema, state.generator, beta)
    # All n_critic updates skipped (repeated fp16 overflow) leaves nothing to report: NaN, which the
    # divergence guard then reports.
    means = sums / applied if applied else torch.full_like(sums, float("nan"))
    return torch.stack([means[0], g_loss, means[1], means[2], means[3], g_norm]).float()


def _critic_update(
    state: TrainState,
    batches: TensorBatcher,
    *,
    config: TrainConfig,
    precision: str,
    generate: Callable[..., torch.Tensor],
    augment: Callable[[torch.Tensor], torch.Tensor],
    with_penalty: bool,
) -> torch.Tensor | None:
    """One critic update on the next real batch and generated images for its labels (see :func:`train_step`).

    ``generate`` is the generator's forward and ``augment`` DiffAugment (or
    the identity); ``with_penalty`` says whether this update takes the
    gradient penalty (weight ``gp_every * gp_lambda``).

    Returns
    -------
    torch.Tensor or None
        ``(4,)`` on the device: critic loss, Wasserstein estimate, gradient
        penalty and the critic's gradient norm; None where fp16 loss scaling
        skipped the update (its gradients overflowed).
    """
    D, scaler, shard = state.critic, state.scaler_critic, state.world.shard
    critic_sync = state.critic_ddp or D  # its backward averages the critic's gradients over ranks
    device = next(state.generator.parameters()).device
    real, labels = batches.draw()  # this rank's share of the global batch; the global batch's labels (or None)
    local_labels = None if labels is None else shard(labels)
    # Global draws from the shared generator, then this rank's slice: the union over ranks is
    # exactly what one process draws, in the same order (latent vectors, GP weights, augmentations).
    z = torch.randn(config.batch_size, config.latent_dim, device=device, generator=state.noise)
    alpha = shard(torch.rand(config.batch_size, 1, 1, 1, device=device, dtype=real.dtype, generator=state.noise))
    real = augment(real)
    with autocast(precision, device.type):
        with torch.no_grad():  # the critic update needs samples, not the generator's graph
            fake = _generate_shard(generate, z, labels, state)  # the real batch's labels: pairs share one
        fake = augment(fake)
        real_scores = call_with_labels(critic_sync, real, local_labels)
        fake_scores = call_with_labels(critic_sync, fake, local_labels)
        # The penalty's double backward goes through the plain critic: DDP does not support
        # torch.autograd.grad.  Its weight gradients reach the same parameters in the loss's
        # backward below, whose DDP hooks fire once per parameter with the summed gradient,
        # so the all-reduce averages the whole critic gradient, penalty included.
        if with_penalty:
            dual = (
                None
                if config.penalty_norm != "sobolev_fft"
                else (lambda g: sobolev_dual_norm(g, s=config.sobolev_s, c=config.sobolev_c))
            )
            penalty, _ = gradient_penalty(
                D,
                real,
                fake,
                weight=config.gp_lambda * config.gp_every,
                alpha=alpha,
                grad_scaler=scaler,
                labels=local_labels,
                dual_norm=dual,
            )
        else:
            penalty = torch.zeros((), device=device)
        loss = critic_loss(real_scores, fake_scores, drift=config.drift) + penalty
    state.opt_critic.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    scaler.unscale_(state.opt_critic)
    grad_norm = torch.nn.utils.get_total_norm([p.grad for p in D.parameters()])
    scale = scaler.get_scale() if scaler.is_enabled() else None
    scaler.step(state.opt_critic)
    scaler.update()
    if scale is not None and scaler.get_scale() < scale:
        return None  # fp16 overflow: the scaler skipped this update (and lowered its scale); nothing to average
    return torch.stack([loss.detach(), wasserstein_estimate(real_scores, fake_scores), penalty.detach(), grad_norm])


def _generator_update(
    state: TrainState,
    batches: TensorBatcher,
    *,
    config: TrainConfig,
    precision: str,
    generate: Callable[..., torch.Tensor],
    augment: Callable[[torch.Tensor], torch.Tensor],
) -> tuple[torch.Tensor, torch.Tensor]:
    """One generator update against the critic, for classes drawn in their training proportions (if any).

    ``generate`` and ``augment`` are as in :func:`_critic_update`.  The
    critic's weights do not require gradients meanwhile.  With
    ``config.spectral_weight > 0`` the loss adds that times
    :func:`~gan_lib.training.spectral_loss.spectral_moment_loss` of the
    generated images against a fresh real batch, over
    ``config.spectral_orientations`` sectors per annulus (the logged loss is
    the adversarial term alone).

    Returns
    -------
    tuple of torch.Tensor
        The generator loss and the generator's gradient norm, 0-dim on the
        device; the norm is 0 where fp16 loss scaling skipped the update.
    """
    G, D, scaler = state.generator, state.critic, state.scaler_generator
    device = next(G.parameters()).device
    D.requires_grad_(False)  # the generator update needs dD/dx only, not the critic's weight gradients
    try:
        z = torch.randn(config.batch_size, config.latent_dim, device=device, generator=state.noise)
        labels = None
        if batches.labels is not None:  # the classes in their training proportions
            labels = batches.labels[
                torch.randint(
                    len(batches.labels), (config.batch_size,), device=batches.labels.device, generator=state.noise
                )
            ]
        with autocast(precision, device.type):
            # The plain critic: its weights are frozen here, so there is nothing of it to synchronise.
            images = _generate_shard(generate, z, labels, state)
            g_loss = generator_loss(
                call_with_labels(D, augment(images), None if labels is None else state.world.shard(labels))
            )
        total = g_loss
        if config.spectral_weight > 0:  # against a fresh real batch, un-augmented (float32 FFTs, outside autocast)
            real, _ = batches.draw()
            total = g_loss + config.spectral_weight * spectral_moment_loss(images, real, config.spectral_orientations)
        state.opt_generator.zero_grad(set_to_none=True)
        scaler.scale(total).backward()
        scaler.unscale_(state.opt_generator)
        g_norm = torch.nn.utils.get_total_norm([p.grad for p in G.parameters() if p.grad is not None])
        scale = scaler.get_scale() if scaler.is_enabled() else None
        scaler.step(state.opt_generator)
        scaler.update()
        if scale is not None and scaler.get_scale() < scale:
            g_norm = torch.zeros_like(g_norm)  # fp16 overflow: the update was skipped (logged as norm 0)
    finally:
        D.requires_grad_(True)
    return g_loss.detach(), g_norm


def _generate_shard(
    generate: Callable[..., torch.Tensor], z: torch.Tensor, labels: torch.Tensor | None, state: TrainState
) -> torch.Tensor:
    """This rank's slice of ``generate(z[, labels])`` for the global batch ``z`` (all of it in one process)."""
    if not state.world.active:
        return call_with_labels(generate, z, labels)
    if state.replicate_generator:  # BatchNorm sees the global batch; gradients still flow through this rank's slice
        return state.world.shard(call_with_labels(generate, z, labels))
    return call_with_labels(generate, state.world.shard(z), None if labels is None else state.world.shard(labels))
