"""What the trainer measures at each evaluation: weight-free quality numbers and the critic's diagnostics.

Pure functions of image sets and a critic, used by :class:`~gan_lib.training.monitor.Monitor`
(every ``TrainConfig.eval_every`` steps) and usable on their own.  Sets are
``float32 (N, H, W)`` in [-1, 1]; every number is a plain float so that a
record is one JSON line of ``metrics.jsonl``.

Quality (:func:`quality_numbers`, generated set against a fixed real subset of the training images):

- ``swd``: multi-scale sliced Wasserstein distance x 10^3 (:func:`gan_lib.metrics.swd`), on 16 descriptors
  per image instead of the reference's 128 and without bootstrap (cost; fewer descriptors raise the floor, so
  compare it along a run, not with Table 1's SWD);
- ``beta_generated``, ``beta_real``, ``beta_gap``: median spectral slope of each set and their difference
  (generated - real; > 0 = steeper = blurrier, :func:`gan_lib.metrics.spectral.spectral_slope`);
- ``fine_band_db``: fine-band power of the generated set against the real subset (dB; < 0 = blurrier);
- ``orientation_db``: the largest |share of fine-band power per 15 degree orientation sector| against the real
  subset's (dB, :func:`gan_lib.metrics.orientation.orientation_bias_db`; Table 1's orientation row without its
  bootstrap): a few dB = streaks or a lattice shared by the samples, which the two numbers above average away;
- ``reader_auc``: the spectral two-sample reader's cross-validated AUC (0.5 = spectra indistinguishable), one
  fold assignment (the reader's default averages three; cost);
- ``ms_ssim``: mean pairwise MS-SSIM over 128 pairs of the generated set (far above the real set's = mode
  collapse; the held-out floor of ``config.json`` holds the held-out set's).

Critic (:func:`critic_numbers`, on plain images: DiffAugment is not applied here):

- ``w_train``: ``E[D(train)] - E[D(G(z))]``, the Wasserstein estimate on the fixed real subset;
- ``w_heldout``: ``E[D(heldout)] - E[D(G(z))]``, the same on held-out real images (the WGAN-GP authors'
  "dev disc cost", negated);
- ``w_train_heldout``: ``E[D(train)] - E[D(heldout)]``; well above 0 = the critic scores the images it trains
  on higher than real images it never saw: it memorises (overfitting check);
- ``r_t``: ``E[sign(D(train))]``, ADA's overfitting heuristic (Karras et al. 2020, eq. 1).  ADA's critic is
  logistic; a Wasserstein critic's scores have a free offset (nothing pins it without the drift term), so here
  r_t reads that offset as much as overfitting (the quick run: -1 at most evaluations), and ``w_train_heldout``
  is the overfitting check that does not depend on it;
- ``gradient_penalty``: ``lambda * E[(||grad D(x^)|| - 1)^2]`` on interpolates with fixed weights;
- ``grad_norm_real``, ``grad_norm_generated``: mean ``||grad_x D(x)||`` at real and at generated images;
- ``w_lowpass``, ``w_highpass``: the Wasserstein estimate with both sets Gaussian-blurred (sigma
  :data:`SPLIT_SIGMA` px) and with both reduced to what the blur removes (image minus its low-pass): which
  band the critic tells the sets apart in.  The critic is not linear, so the two need not add up to ``w_train``.

Frequencies are in cycles per patch; both data profiles give a patch one field of view, so the bands are the
spectral module's defaults wherever they fit below Nyquist (:func:`spectral_bands`).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
from torch import nn
from torchvision.transforms.functional import gaussian_blur

from ..metrics.diversity import ms_ssim_diversity
from ..metrics.orientation import orientation_bias_db
from ..metrics.spectral import fine_band_edge, fine_band_power_db, spectral_reader_auc, spectral_slope
from ..metrics.swd import swd
from ..models import call_with_labels
from .losses import gradient_penalty

__all__ = [
    "QUALITY_NAMES",
    "CRITIC_NAMES",
    "SCORE_TERMS",
    "SPLIT_SIGMA",
    "spectral_bands",
    "quality_numbers",
    "critic_numbers",
    "blur",
    "selection_scales",
    "selection_score",
]

#: Keys of :func:`quality_numbers`.
QUALITY_NAMES = (
    "swd",
    "beta_generated",
    "beta_real",
    "beta_gap",
    "fine_band_db",
    "orientation_db",
    "reader_auc",
    "ms_ssim",
)
#: Keys of :func:`critic_numbers`.
CRITIC_NAMES = (
    "w_train",
    "w_heldout",
    "w_train_heldout",
    "r_t",
    "gradient_penalty",
    "grad_norm_real",
    "grad_norm_generated",
    "w_lowpass",
    "w_highpass",
)
#: Quality numbers of the selection score, each taken as an absolute value (:func:`selection_score`).
SCORE_TERMS = ("swd", "beta_gap", "fine_band_db")
#: Gaussian sigma (px) of the low-/high-pass split of the critic's diagnostics and of the selection's scale.
SPLIT_SIGMA = 1.0


def spectral_bands(image_size: int) -> tuple[tuple[float, float], float]:
    """``(slope band, fine-band lower edge)`` in cycles/patch for ``image_size``-px patches.

    The spectral module's defaults (2-24 and 16) where they fit; smaller
    patches (32 px, tests) take the same fractions of Nyquist (3/4 and 1/2).

    Examples
    --------
    >>> spectral_bands(64), spectral_bands(128), spectral_bands(32)
    (((2.0, 24.0), 16.0), ((2.0, 24.0), 16.0), ((2.0, 12.0), 8.0))
    """
    return (2.0, min(24.0, 0.75 * image_size / 2)), fine_band_edge(image_size)


def _score_numbers(generated: np.ndarray, real: np.ndarray, *, seed: int) -> dict[str, float]:
    """The numbers of :data:`SCORE_TERMS` and the two slopes (the cheap part of :func:`quality_numbers`)."""
    band, fine = spectral_bands(real.shape[-1])
    beta_generated = float(np.nanmedian(spectral_slope(generated, band=band)))
    beta_real = float(np.nanmedian(spectral_slope(real, band=band)))
    return {
        "swd": float(
            swd(generated, real, descriptors_per_image=16, n_bootstrap=0, seed=seed, progress=False).average.value
        ),
        "beta_generated": beta_generated,
        "beta_real": beta_real,
        "beta_gap": beta_generated - beta_real,
        "fine_band_db": fine_band_power_db(generated, real, min_frequency=fine),
    }


def quality_numbers(generated: np.ndarray, real: np.ndarray, *, seed: int = 0) -> dict[str, float]:
    """The weight-free quality numbers of ``generated (N, H, H)`` against ``real (M, H, H)`` (module docstring).

    Deterministic for fixed inputs and ``seed`` (no global random state is used).
    Needs at least 5 images per set (the reader's folds).
    """
    fine = fine_band_edge(real.shape[-1])
    return {
        **_score_numbers(generated, real, seed=seed),
        "orientation_db": float(np.abs(orientation_bias_db(generated, real, min_frequency=fine)).max()),
        "reader_auc": float(spectral_reader_auc(generated, real, folds=5, repeats=1, seed=seed).value),
        "ms_ssim": float(ms_ssim_diversity(generated, max_pairs=128, n_resamples=2, seed=seed, progress=False).value),
    }


def blur(images: torch.Tensor, sigma: float = SPLIT_SIGMA) -> torch.Tensor:
    """Gaussian low-pass of ``images (N, C, H, W)`` (kernel ``2 ceil(3 sigma) + 1`` px, reflected borders).

    Examples
    --------
    >>> round(float(blur(torch.ones(1, 1, 8, 8)).mean()), 6)  # a constant image stays constant
    1.0
    """
    size = 2 * math.ceil(3 * sigma) + 1
    return gaussian_blur(images, [size, size], [sigma, sigma])


def _scores_and_norms(
    critic: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor | None,
    chunk: int,
    view: Callable[[torch.Tensor], torch.Tensor],
) -> tuple[torch.Tensor, torch.Tensor]:
    """Critic scores ``(N,)`` and gradient norms ``(N,)`` at its input ``view(images)``, in chunks of ``chunk``
    images (fp32)."""
    scores, norms = [], []
    for start in range(0, len(images), chunk):
        x = view(images[start : start + chunk].detach().float()).detach().requires_grad_(True)
        part = None if labels is None else labels[start : start + chunk]
        s = call_with_labels(critic, x, part).flatten()
        (grad,) = torch.autograd.grad(s.sum(), x)  # inputs only: the critic's .grad is left alone
        scores.append(s.detach())
        norms.append(grad.flatten(1).norm(dim=1))
    return torch.cat(scores), torch.cat(norms)


def critic_numbers(
    critic: nn.Module,
    real: torch.Tensor,
    generated: torch.Tensor,
    *,
    heldout: torch.Tensor | None = None,
    labels: torch.Tensor | None = None,
    gp_lambda: float = 10.0,
    alpha: torch.Tensor,
    chunk: int = 64,
    view: Callable[[torch.Tensor], torch.Tensor] | None = None,
    dual_norm: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> dict[str, float | None]:
    """The critic's diagnostics (module docstring) on ``real`` and ``generated (N, 1, H, W)`` on its device.

    Parameters
    ----------
    critic : nn.Module
        The plain critic (not the DDP wrapper); its weights and ``.grad`` are untouched.
    real, generated : torch.Tensor
        ``(N, 1, H, W)``, pairs sharing ``labels[i]`` for a class-conditional critic.
    heldout : torch.Tensor, optional
        ``(K, 1, H, W)`` held-out real images; without it (or for a conditional critic, whose held-out images
        carry no labels here) the three held-out numbers are ``None``.
    labels : torch.Tensor, optional
        ``(N,)`` classes of a class-conditional critic.
    gp_lambda : float
        Weight of the reported penalty (``TrainConfig.gp_lambda``).
    alpha : torch.Tensor
        ``(N, 1, 1, 1)`` fixed interpolation weights of the penalty.
    chunk : int
        Images per forward/backward (memory only).
    view : callable, optional
        The fixed transform the critic sees images through (``gan_lib.training.critic_view.make_critic_view``,
        ``(N, 1, H, W) -> (N, C, H, W)``), applied after the low-/high-pass split; the gradient norms and the
        penalty are taken at the critic's input, as in training.  None: pixels.
    dual_norm : callable, optional
        The penalty's norm of the gradient (``TrainConfig.penalty_norm="sobolev_fft"``), as in training.
    """
    view = view or (lambda x: x)
    d_real, g_real = _scores_and_norms(critic, real, labels, chunk, view)
    d_fake, g_fake = _scores_and_norms(critic, generated, labels, chunk, view)
    split = {}
    for name, transform in (("lowpass", blur), ("highpass", lambda x: x - blur(x))):
        band_real, _ = _scores_and_norms(critic, transform(real), labels, chunk, view)
        band_fake, _ = _scores_and_norms(critic, transform(generated), labels, chunk, view)
        split[f"w_{name}"] = float(band_real.mean() - band_fake.mean())
    penalties = [
        gradient_penalty(
            critic,
            view(real[i : i + chunk].float()),
            view(generated[i : i + chunk].float()),
            weight=gp_lambda,
            alpha=alpha[i : i + chunk],
            dual_norm=dual_norm,
            labels=None if labels is None else labels[i : i + chunk],
        )[0].detach()
        * len(real[i : i + chunk])
        for i in range(0, len(real), chunk)
    ]
    numbers: dict[str, float | None] = {
        "w_train": float(d_real.mean() - d_fake.mean()),
        "w_heldout": None,
        "w_train_heldout": None,
        "r_t": float(torch.sign(d_real).mean()),
        "gradient_penalty": float(torch.stack(penalties).sum() / len(real)),
        "grad_norm_real": float(g_real.mean()),
        "grad_norm_generated": float(g_fake.mean()),
        **split,
    }
    if heldout is not None and labels is None:
        d_held, _ = _scores_and_norms(critic, heldout, None, chunk, view)
        numbers["w_heldout"] = float(d_held.mean() - d_fake.mean())
        numbers["w_train_heldout"] = float(d_real.mean() - d_held.mean())
    return numbers


def selection_scales(real: np.ndarray, *, seed: int = 0) -> dict[str, float]:
    """The denominators of :func:`selection_score`: each :data:`SCORE_TERMS` value of ``real`` blurred by
    :data:`SPLIT_SIGMA` px against ``real`` itself (what "as blurry as a one-pixel blur" reads), computed as
    :func:`quality_numbers` computes them.  A term that reads 0 for the blur (it cannot see blur) gets scale 1.
    """
    blurred = blur(torch.from_numpy(np.ascontiguousarray(real, dtype=np.float32))[:, None])[:, 0].numpy()
    values = _score_numbers(blurred, real, seed=seed)
    return {term: abs(values[term]) or 1.0 for term in SCORE_TERMS}


def selection_score(record: dict[str, float], scales: dict[str, float]) -> float:
    """Mean of ``|record[term]| / scales[term]`` over :data:`SCORE_TERMS`: 0 = the real subset, 1 = on average
    as far from it as the subset blurred by one pixel.  Lower is better.

    Examples
    --------
    >>> selection_score({"swd": 20.0, "beta_gap": -1.0, "fine_band_db": -10.0},
    ...                 {"swd": 40.0, "beta_gap": 2.0, "fine_band_db": 20.0})
    0.5
    """
    return float(np.mean([abs(record[term]) / scales[term] for term in SCORE_TERMS]))
