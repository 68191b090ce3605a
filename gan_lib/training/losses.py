"""WGAN-GP objectives as free functions (Gulrajani et al., 2017, arXiv:1704.00028, Algorithm 1).

Conventions: a critic maps ``(N, 1, H, W)`` images to ``(N, 1)`` unbounded
scores; losses are scalars to *minimise*.  With ``D`` the critic, ``G`` the
generator, real ``x`` and generated ``x~``:

- critic loss ``E[D(x~)] - E[D(x)] + lambda * E[(||grad D(x^)||_2 - 1)^2] (+ eps * E[D(x)^2])``
- generator loss ``-E[D(x~)]``
- Wasserstein estimate ``E[D(x)] - E[D(x~)]`` (the negated first two terms),

where ``x^ = a x + (1 - a) x~`` with ``a ~ U[0, 1]`` per sample.  The optional
drift term (Karras et al., 2018, arXiv:1710.10196, section A.1, eps = 0.001)
keeps critic scores from wandering far from zero.
"""
from __future__ import annotations

import torch
from torch import nn

from ..models import call_with_labels

__all__ = ["gradient_penalty", "critic_loss", "generator_loss", "wasserstein_estimate"]


def gradient_penalty(
    critic: nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    *,
    weight: float = 10.0,
    alpha: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    grad_scaler: torch.amp.GradScaler | None = None,
    labels: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two-sided gradient penalty ``weight * E[(||grad_x D(x^)||_2 - 1)^2]`` on random interpolates.

    Parameters
    ----------
    critic : nn.Module
        ``(N, 1, H, W) -> (N, 1)``; must treat samples independently (no BatchNorm).
    real, fake : torch.Tensor
        ``(N, 1, H, W)`` batches of the same shape; ``fake`` should be detached
        from the generator (the penalty trains the critic only).
    weight : float
        The penalty coefficient lambda (10 in the paper and the thesis).
    alpha : torch.Tensor, optional
        ``(N, 1, 1, 1)`` interpolation weights in [0, 1]; drawn ``U[0, 1]``
        from ``generator`` when omitted.
    generator : torch.Generator, optional
        Random source for ``alpha`` (for reproducible training).
    grad_scaler : torch.amp.GradScaler, optional
        The critic's loss scaler under fp16 autocast.  The input gradient is
        then taken of the *scaled* scores (so small fp16 gradients do not flush
        to zero) and divided by the scale before the norm, as in the PyTorch
        AMP examples' "Gradient penalty" recipe; an overflow shows up as an
        inf penalty, and the scaler then skips that update.
    labels : torch.Tensor, optional
        ``(N,)`` labels of a class-conditional critic ``(x, labels) -> (N, 1)``:
        interpolate ``i`` lies between ``real[i]`` and ``fake[i]``, which share
        label ``labels[i]``, and is scored with it.

    Returns
    -------
    penalty : torch.Tensor
        Scalar, already multiplied by ``weight``; differentiable w.r.t. the
        critic's parameters (the input gradient is built with ``create_graph=True``).
    grad_norm : torch.Tensor
        ``(N,)`` per-sample input-gradient norms, detached (for logging).

    Examples
    --------
    A linear critic ``D(x) = w . x`` has gradient ``w`` everywhere, so the
    penalty is ``weight * (||w|| - 1)^2``:

    >>> d = nn.Sequential(nn.Flatten(), nn.Linear(4, 1, bias=False))
    >>> _ = nn.init.constant_(d[1].weight, 1.0)  # ||w|| = 2
    >>> x = torch.zeros(3, 1, 2, 2)
    >>> float(gradient_penalty(d, x, x + 1, weight=10.0)[0].detach())
    10.0
    """
    if real.shape != fake.shape:
        raise ValueError("gradient_penalty: real and fake must have the same shape; "
                         f"got {tuple(real.shape)} and {tuple(fake.shape)}.")
    if alpha is None:
        alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device, dtype=real.dtype, generator=generator)
    # fake may be in autocast's half precision; interpolate in the real images' dtype.
    interpolates = torch.lerp(fake.detach().to(real.dtype), real.detach(), alpha).requires_grad_(True)
    scores = call_with_labels(critic, interpolates, labels).sum()
    scaled = grad_scaler is not None and grad_scaler.is_enabled()
    (grad,) = torch.autograd.grad(grad_scaler.scale(scores) if scaled else scores, interpolates, create_graph=True)
    if scaled:
        grad = grad.float() / grad_scaler.get_scale()
    # The norm is taken in float32 even under bf16 autocast: (||g|| - 1)^2 is
    # a small difference of numbers near 1, where bf16's 8 mantissa bits fail.
    grad_norm = grad.float().flatten(1).norm(2, dim=1)
    penalty = weight * (grad_norm - 1.0).square().mean()
    return penalty, grad_norm.detach()


def critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor, *, drift: float = 0.0) -> torch.Tensor:
    """``E[D(fake)] - E[D(real)] + drift * E[D(real)^2]`` (without the gradient penalty).

    Examples
    --------
    >>> float(critic_loss(torch.tensor([2.0, 4.0]), torch.tensor([1.0, 1.0])))
    -2.0
    """
    loss = fake_scores.float().mean() - real_scores.float().mean()
    if drift:
        loss = loss + drift * real_scores.float().square().mean()
    return loss


def generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """``-E[D(G(z))]``: the generator raises the critic's score of its samples."""
    return -fake_scores.float().mean()


def wasserstein_estimate(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """``E[D(real)] - E[D(fake)]``: the critic's estimate of the Wasserstein-1 distance (detached)."""
    return (real_scores.float().mean() - fake_scores.float().mean()).detach()
