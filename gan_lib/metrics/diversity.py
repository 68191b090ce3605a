"""Within-set diversity as mean pairwise MS-SSIM (Wang, Simoncelli & Bovik 2003; used for GANs by Odena et al. 2017).

The more alike the images of a set are, the higher their mean pairwise
MS-SSIM.  Computed on generated images and on real images of the same size, it
exposes mode collapse: a generator that emits few distinct images has a mean
MS-SSIM far *above* the real set's.

MS-SSIM (Wang et al. 2003, eq. 7)::

    MS-SSIM(x, y) = SSIM_M(x, y) ** w_M * prod_{j < M} cs_j(x, y) ** w_j

where ``cs_j`` is the mean contrast-structure term at scale ``j``, ``SSIM_M``
the mean SSIM (luminance × contrast-structure) at the coarsest scale ``M`` (as
in the authors' MATLAB code), and between scales the images are low-pass
filtered and halved with a 2×2 mean (the MATLAB code's filter).  Weights
``w = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)`` for five scales.

Choices made here, all documented in the result's note:

* Local statistics follow :func:`skimage.metrics.structural_similarity`'s
  defaults (7×7 uniform window, sample covariance, K1 = 0.01, K2 = 0.03, a
  border of 3 px excluded) with ``data_range = 2`` for [-1, 1], so that one
  scale reproduces skimage's SSIM exactly (tested).  scikit-image has no
  MS-SSIM and torchmetrics is not a dependency, hence this implementation.
* Five scales need the coarsest image to hold the 7×7 window, i.e. at least
  7 · 2⁴ = 112 px.  Smaller images use as many scales as fit (64-px patches:
  4 scales, 64 → 8 px) and the first weights renormalised to sum to 1.
* Negative ``cs`` values (anti-correlated structure) are clipped to 0 before
  the fractional powers, as torchmetrics' ``normalize="relu"`` does; otherwise
  the product is undefined.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter
from skimage.transform import downscale_local_mean
from tqdm.auto import tqdm

from gan_lib.imaging import check_image_set
from gan_lib.metrics.bootstrap import Estimate, bootstrap_mean

__all__ = ["MS_SSIM_WEIGHTS", "ms_ssim_scales", "ms_ssim", "ms_ssim_diversity"]

#: Scale weights of Wang et al. 2003 (finest first).
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
_K1, _K2 = 0.01, 0.03


def ms_ssim_scales(image_size: int, *, win_size: int = 7) -> int:
    """Number of MS-SSIM scales (at most 5) whose coarsest image still holds the window.

    Examples
    --------
    >>> ms_ssim_scales(64), ms_ssim_scales(256), ms_ssim_scales(7)
    (4, 5, 1)
    """
    if image_size < win_size:
        raise ValueError(f"MS-SSIM: images must be at least {win_size} px; got {image_size}.")
    return min(len(MS_SSIM_WEIGHTS), int(np.floor(np.log2(image_size / win_size))) + 1)


def ms_ssim(
    images_a: np.ndarray,
    images_b: np.ndarray,
    *,
    data_range: float = 2.0,
    n_scales: int | None = None,
    win_size: int = 7,
) -> np.ndarray:
    """MS-SSIM of each pair ``(images_a[i], images_b[i])``, vectorised over pairs.

    Parameters
    ----------
    images_a, images_b : ndarray, shape (P, H, W)
        Paired sets in [-1, 1].
    data_range : float, keyword-only
        Width of the value range (2.0 for [-1, 1]).
    n_scales : int, optional, keyword-only
        Scales to use; default :func:`ms_ssim_scales` of the smaller side.
        ``n_scales=1`` is plain SSIM and equals skimage's ``structural_similarity``.
    win_size : int, keyword-only
        Side of the uniform window.

    Returns
    -------
    ndarray, shape (P,), float64
        In [0, 1] (1 for identical images) when ``n_scales > 1``; plain SSIM in
        [-1, 1] when ``n_scales == 1``.

    Examples
    --------
    >>> x = np.random.default_rng(0).uniform(-1, 1, (2, 64, 64))
    >>> ms_ssim(x, x)
    array([1., 1.])
    """
    a = check_image_set(images_a, name="images_a").astype(np.float64)
    b = check_image_set(images_b, name="images_b").astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"ms_ssim: images_a and images_b must have the same shape; got {a.shape} and {b.shape}.")
    available = ms_ssim_scales(min(a.shape[1:]), win_size=win_size)
    n_scales = available if n_scales is None else n_scales
    if not 1 <= n_scales <= available:
        raise ValueError(
            f"ms_ssim: n_scales must be between 1 and {available} for {a.shape[1:]} images with a "
            f"{win_size}×{win_size} window; got {n_scales}."
        )
    weights = np.array(MS_SSIM_WEIGHTS[:n_scales]) / np.sum(MS_SSIM_WEIGHTS[:n_scales])
    c1, c2 = (_K1 * data_range) ** 2, (_K2 * data_range) ** 2
    result = np.ones(len(a))
    for scale in range(n_scales):
        luminance, contrast_structure = _ssim_terms(a, b, c1=c1, c2=c2, win_size=win_size)
        if n_scales == 1:
            return (luminance * contrast_structure).mean(axis=(1, 2))
        if scale < n_scales - 1:
            cs = np.maximum(contrast_structure.mean(axis=(1, 2)), 0.0)
            result *= cs ** weights[scale]
            a, b = _halve(a), _halve(b)
        else:
            full = np.maximum((luminance * contrast_structure).mean(axis=(1, 2)), 0.0)
            result *= full ** weights[scale]
    return result


def ms_ssim_diversity(
    images: np.ndarray,
    *,
    max_pairs: int = 2000,
    seed: int = 0,
    n_resamples: int = 1000,
    batch_size: int = 256,
    progress: bool = True,
) -> Estimate:
    """Mean pairwise MS-SSIM within a set (higher = less diverse) with a bootstrap interval over pairs.

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Set in [-1, 1], ``N >= 2``.
    max_pairs : int, keyword-only
        All ``N(N-1)/2`` distinct pairs are used when there are at most this
        many; otherwise this many distinct pairs drawn at random.
    seed : int, keyword-only
        Seed of the pair draw and the bootstrap.
    n_resamples : int, keyword-only
        Bootstrap resamples (over pairs; pairs sharing an image are not
        independent, so the interval is somewhat optimistic).
    batch_size : int, keyword-only
        Pairs per vectorised batch.
    progress : bool, keyword-only
        Show a progress bar over the batches of pairs.

    Returns
    -------
    Estimate
        ``n`` = number of images; the note gives pairs and scales used.
    """
    images = check_image_set(images, name="images", min_count=2)
    first, second = _distinct_pairs(len(images), max_pairs=max_pairs, seed=seed)
    n_scales = ms_ssim_scales(min(images.shape[1:]))
    values = np.concatenate(
        [
            ms_ssim(images[first[i : i + batch_size]], images[second[i : i + batch_size]])
            for i in tqdm(
                range(0, len(first), batch_size), desc="MS-SSIM pairs", unit="batch", leave=False, disable=not progress
            )
        ]
    )
    note = (
        f"{len(first)} pairs; {n_scales} of 5 scales ({images.shape[1]}->{images.shape[1] // 2 ** (n_scales - 1)} px)"
        + (", weights renormalised" if n_scales < 5 else "")
    )
    estimate = bootstrap_mean(values, n_resamples=n_resamples, seed=seed, note=note)
    return Estimate(
        estimate.value, estimate.ci_low, estimate.ci_high, len(images), None, estimate.ci_method + " over pairs", note
    )


def _ssim_terms(a: np.ndarray, b: np.ndarray, *, c1: float, c2: float, win_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Luminance and contrast-structure maps (border of ``(win_size-1)//2`` cropped), as skimage computes them."""
    size = (1, win_size, win_size)
    cov_norm = win_size**2 / (win_size**2 - 1)
    ux, uy = uniform_filter(a, size=size), uniform_filter(b, size=size)
    vx = cov_norm * (uniform_filter(a * a, size=size) - ux * ux)
    vy = cov_norm * (uniform_filter(b * b, size=size) - uy * uy)
    vxy = cov_norm * (uniform_filter(a * b, size=size) - ux * uy)
    luminance = (2 * ux * uy + c1) / (ux * ux + uy * uy + c1)
    contrast_structure = (2 * vxy + c2) / (vx + vy + c2)
    pad = (win_size - 1) // 2
    crop = (slice(None), slice(pad, -pad or None), slice(pad, -pad or None))
    return luminance[crop], contrast_structure[crop]


def _halve(images: np.ndarray) -> np.ndarray:
    """2×2 mean and subsampling (odd sizes lose their last row/column)."""
    h, w = images.shape[1] // 2 * 2, images.shape[2] // 2 * 2
    return downscale_local_mean(images[:, :h, :w], (1, 2, 2))


def _distinct_pairs(n: int, *, max_pairs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays of distinct unordered pairs ``i < j``: all of them, or ``max_pairs`` drawn without replacement.

    Pairs are numbered row by row in the upper triangle; drawn numbers are
    mapped back to ``(i, j)`` in closed form, so no ``N²`` array is built.
    """
    total = n * (n - 1) // 2
    codes = (
        np.arange(total)
        if total <= max_pairs
        else np.sort(np.random.default_rng(seed).choice(total, max_pairs, replace=False))
    )
    first = n - 2 - np.floor(np.sqrt(-8.0 * codes + 4.0 * n * (n - 1) - 7) / 2.0 - 0.5).astype(np.int64)
    second = codes + first + 1 - total + (n - first) * (n - first - 1) // 2
    return first, second
