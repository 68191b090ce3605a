"""Fixed linear transforms of every image the critic sees, applied before the gradient penalty's interpolation.

WGAN-GP holds the critic 1-Lipschitz in the distance of what it is given.
Given pixels, that is the pixel (l2) distance, in which a one-pixel blur of a
texture with a steep spectrum (power ~ f^-beta, beta ~ 3) costs a few per cent
of the image's variance: blur is nearly free for the generator (Schwarz, Liao
& Geiger, NeurIPS 2021, "On the frequency bias of generative models").  A
fixed linear map ``T`` applied to real and generated images *before* the
critic and before the penalty's interpolation (``T`` is linear, so the
interpolate of ``T x`` and ``T x~`` is ``T`` of theirs) makes the penalty hold
the critic 1-Lipschitz in ``||T x||_2`` instead, a norm of the user's choice:

``"laplacian_stack"``
    ``T x = [x, a * Lap(x)]`` (two channels; ``Lap`` the 4-neighbour discrete
    Laplacian, reflection-padded; ``a`` = ``laplacian_scale``).  ``||T x||^2 =
    ||x||^2 + a^2 ||Lap x||^2`` is a discrete Sobolev H^2-type norm: at
    frequency ``f`` (cycles/px) a sinusoid's energy is weighted by
    ``1 + a^2 (4 sin^2(pi f_x) + 4 sin^2(pi f_y))^2``, up to ``1 + 64 a^2`` at
    the Nyquist corner.  In the issue's probes (1500 steps) it moved the
    spectral slope from 5.5 to 3.7, where the same channel *inside* the critic
    (penalty still in pixels) made the generator paint a lattice.
``"whitening"``
    ``T x = W * x``, a radial filter with gain ``c * max(r, r0)^(beta/2)`` at
    radial frequency ``r`` (cycles/px; ``r0`` one cycle per reflected 2H
    period): the approximate inverse of a power spectrum ``r^-beta``, so a
    texture of slope ``beta`` comes out white and every frequency band counts
    by its share of the *whitened* variance.  ``c`` makes the filter keep the
    total energy of an ``r^-beta`` spectrum on the grid, so the penalty's scale
    stays comparable with pixels.  Applied in Fourier space on the image
    extended by reflection to ``2H x 2W`` (even, hence periodic without a
    jump at the border), then cropped.
``"whitening_stack"``
    ``T x = [x, W * x]`` (two channels): the whitened image beside the pixels,
    so the critic keeps the brightness and contrast that whitening alone
    weighs down (``||T x||^2 = ||x||^2 + ||W * x||^2``).  Alone, whitening
    let 200-step probes drift to low-contrast grey patches.

The third Sobolev option, BWGAN's dual-norm penalty, changes the penalty
itself, not the critic's input (:func:`gan_lib.training.losses.sobolev_dual_norm`).

A detail channel (``TrainConfig.detail_scale = b > 0``) adds one more channel
to any of these views: ``b`` times each image's Laplacian divided by that
image's own Laplacian standard deviation
(:func:`gan_lib.metrics.cnn_reader.normalised_laplacian`), the input of the
blur-aware CNN reader, computed by the reader's own function.
It is not linear: the penalty, still taken on interpolates of the views, then
holds the critic 1-Lipschitz in the distance of the views themselves, in which
two images whose fine detail has the same energy but a different spatial
pattern (smoother grain, correlated neighbours) are ``b sqrt(H W)``-scale apart
however faint that detail is.
"""

from __future__ import annotations

from typing import Callable

import torch

from ..metrics.cnn_reader import laplacian, normalised_laplacian

__all__ = [
    "CRITIC_VIEWS",
    "view_channels",
    "laplacian",
    "laplacian_stack",
    "normalised_laplacian",
    "whitening_gain",
    "whiten",
    "make_critic_view",
]

#: Values of ``TrainConfig.penalty_norm`` and the critic's input channels each needs.
CRITIC_VIEWS: dict[str, int] = {
    "pixel": 1,
    "laplacian_stack": 2,
    "sobolev_fft": 1,
    "whitening": 1,
    "whitening_stack": 2,
}


def view_channels(penalty_norm: str, *, detail_scale: float = 0.0) -> int:
    """Channels the critic sees under ``penalty_norm`` (a :data:`CRITIC_VIEWS` key); one more with a detail channel."""
    if penalty_norm not in CRITIC_VIEWS:
        raise ValueError(f"critic_view: penalty_norm must be one of {list(CRITIC_VIEWS)}; got {penalty_norm!r}.")
    return CRITIC_VIEWS[penalty_norm] + (1 if detail_scale > 0 else 0)


def laplacian_stack(x: torch.Tensor, *, scale: float) -> torch.Tensor:
    """``(N, 1, H, W) -> (N, 2, H, W)``: the image and ``scale`` times its 4-neighbour Laplacian (reflect-padded).

    Examples
    --------
    A constant image has a zero Laplacian; a single bright pixel's is -4 there:

    >>> laplacian_stack(torch.ones(1, 1, 4, 4), scale=6.0)[0, 1].abs().max().item()
    0.0
    >>> x = torch.zeros(1, 1, 5, 5); x[0, 0, 2, 2] = 1.0
    >>> laplacian_stack(x, scale=1.0)[0, 1, 2, 2].item()
    -4.0
    """
    if x.ndim != 4 or x.shape[1] != 1:
        raise ValueError(f"laplacian_stack: x must have shape (N, 1, H, W); got {tuple(x.shape)}.")
    return torch.cat([x, scale * laplacian(x)], dim=1)


def whitening_gain(height: int, width: int, *, beta: float) -> torch.Tensor:
    """``(height, width)`` float64 gain ``c * max(r, r0)^(beta / 2)`` on the ``torch.fft.fftfreq`` grid.

    ``r`` is the radial frequency in cycles/px, ``r0 = 1 / max(height, width)``
    the lowest non-zero one (DC gets its gain), and ``c`` is chosen so that
    ``sum(gain^2 * P) = sum(P)`` for ``P = max(r, r0)^-beta``: an ``r^-beta``
    texture keeps its energy, spread evenly over frequencies.

    Examples
    --------
    ``beta = 0`` (white texture) needs no whitening:

    >>> bool(torch.allclose(whitening_gain(8, 8, beta=0.0), torch.ones(8, 8, dtype=torch.float64)))
    True
    """
    fy = torch.fft.fftfreq(height, dtype=torch.float64)[:, None]
    fx = torch.fft.fftfreq(width, dtype=torch.float64)[None, :]
    radius = torch.sqrt(fy**2 + fx**2).clamp_min(1.0 / max(height, width))
    power = radius ** (-beta)
    c = torch.sqrt(power.sum() / (radius**beta * power).sum())
    return c * radius ** (beta / 2)


def whiten(x: torch.Tensor, *, beta: float) -> torch.Tensor:
    """Filter ``x (N, C, H, W)`` by :func:`whitening_gain` on its ``2H x 2W`` reflection; same shape, differentiable.

    Examples
    --------
    >>> whiten(torch.randn(2, 1, 16, 16), beta=3.0).shape
    torch.Size([2, 1, 16, 16])
    """
    if x.ndim != 4:
        raise ValueError(f"whiten: x must have shape (N, C, H, W); got {tuple(x.shape)}.")
    h, w = x.shape[-2:]
    even = torch.cat([x, x.flip(-1)], dim=-1)
    even = torch.cat([even, even.flip(-2)], dim=-2).float()  # N x C x 2H x 2W, periodic and continuous
    gain = whitening_gain(2 * h, 2 * w, beta=beta).to(device=x.device, dtype=torch.float32)
    return torch.fft.ifft2(torch.fft.fft2(even) * gain).real[..., :h, :w].to(x.dtype)


def make_critic_view(
    penalty_norm: str, *, laplacian_scale: float = 6.0, whitening_beta: float = 3.4, detail_scale: float = 0.0
) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """The transform of ``penalty_norm`` (``(N, 1, H, W) -> (N, C, H, W)``), or None where the critic sees pixels.

    ``"pixel"`` and ``"sobolev_fft"`` (which changes the penalty instead) need
    no transform.  ``detail_scale > 0`` appends ``detail_scale`` times
    :func:`normalised_laplacian` as the last channel.

    >>> make_critic_view("pixel") is None
    True
    >>> make_critic_view("laplacian_stack")(torch.zeros(3, 1, 8, 8)).shape
    torch.Size([3, 2, 8, 8])
    >>> make_critic_view("laplacian_stack", detail_scale=0.5)(torch.zeros(3, 1, 8, 8)).shape
    torch.Size([3, 3, 8, 8])
    """
    view_channels(penalty_norm)
    base = _linear_view(penalty_norm, laplacian_scale=laplacian_scale, whitening_beta=whitening_beta)
    if detail_scale <= 0:
        return base
    return lambda x: torch.cat([x if base is None else base(x), detail_scale * normalised_laplacian(x)], dim=1)


def _linear_view(
    penalty_norm: str, *, laplacian_scale: float, whitening_beta: float
) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """The linear transform of ``penalty_norm``, or None for the pixels themselves."""
    if penalty_norm == "laplacian_stack":
        return lambda x: laplacian_stack(x, scale=laplacian_scale)
    if penalty_norm == "whitening":
        return lambda x: whiten(x, beta=whitening_beta)
    if penalty_norm == "whitening_stack":
        return lambda x: torch.cat([x, whiten(x, beta=whitening_beta)], dim=1)
    return None
