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

The penalty's norm of the input gradient is the dual of the norm the critic
is held 1-Lipschitz in: l2 for pixels (the default), or BWGAN's Sobolev dual
norm (:func:`sobolev_dual_norm`, Adler & Lunz, NeurIPS 2018).
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ..models import call_with_labels

__all__ = ["gradient_penalty", "sobolev_dual_norm", "critic_loss", "generator_loss", "wasserstein_estimate"]


def sobolev_dual_norm(grad: torch.Tensor, *, s: float, c: float = 5.0) -> torch.Tensor:
    """Per-sample ``W^{-s,2}`` norm of ``grad (N, C, H, W)``: the dual norm of BWGAN's Sobolev space ``W^{s,2}``.

    Adler & Lunz (NeurIPS 2018, "Banach Wasserstein GAN", arXiv:1806.06621,
    section 4) hold the critic 1-Lipschitz in the Sobolev norm
    ``||x||_{W^{s,p}} = || F^{-1}[(1 + |xi|^2)^{s/2} F x] ||_p``; the gradient
    penalty then takes the *dual* norm of the input gradient,
    ``||F^{-1}[(1 + |xi|^2)^{-s/2} F g]||_q`` with ``1/p + 1/q = 1``.  As in
    their code (adler-j/bwgan, ``sobolev_utils.sobolev_filter``, used with
    ``s -> -s`` on the gradients in ``cifar10_sobolev.py``), ``|xi|^2`` is
    ``c * (X^2 + Y^2)`` with ``X = min(k, H - k) / (H // 2)`` the frequency index
    ``k`` over the Nyquist index (so ``X`` in [0, 1], 1 at Nyquist; ``c = 5``
    there, "scaling of the coordinate system"), on the image's periodic 2-D
    FFT.  Here ``p = q = 2`` (the Hilbert case, ``EXPONENT = 2`` in their
    script), so by Parseval the norm is ``sqrt(sum |w F g|^2 / (H W))``.
    ``s > 0`` weighs fine scales up in the critic's norm (so *down* in the
    gradient's dual norm); ``s = 0`` is the pixel l2 norm.

    Returns ``(N,)`` float32.

    Examples
    --------
    A constant gradient has only the zero frequency (weight 1): its l2 norm.

    >>> float(sobolev_dual_norm(torch.ones(1, 1, 4, 4), s=1.0))
    4.0
    """
    if grad.ndim != 4:
        raise ValueError(f"sobolev_dual_norm: grad must have shape (N, C, H, W); got {tuple(grad.shape)}.")
    h, w = grad.shape[-2:]

    def axis(n: int) -> torch.Tensor:
        k = torch.arange(n, device=grad.device, dtype=torch.float32)
        return torch.minimum(k, n - k) / max(n // 2, 1)

    weight = (1.0 + c * (axis(h)[:, None] ** 2 + axis(w)[None, :] ** 2)) ** (-s / 2.0)  # H x W
    spectrum = torch.fft.fft2(grad.float()) * weight
    return torch.sqrt(spectrum.abs().square().flatten(1).sum(dim=1) / (h * w))


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
    dual_norm: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two-sided gradient penalty ``weight * E[(||grad_x D(x^)||_* - 1)^2]`` on random interpolates.

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
    dual_norm : callable, optional
        ``(N, C, H, W) gradient -> (N,)`` norms, the dual of the norm the critic
        is to be 1-Lipschitz in (e.g. :func:`sobolev_dual_norm`); the l2 norm
        of the flattened gradient when omitted.

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
        raise ValueError(
            "gradient_penalty: real and fake must have the same shape; "
            f"got {tuple(real.shape)} and {tuple(fake.shape)}."
        )
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
    grad_norm = grad.float().flatten(1).norm(2, dim=1) if dual_norm is None else dual_norm(grad.float())
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
