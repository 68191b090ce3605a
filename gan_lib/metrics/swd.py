"""Multi-scale sliced Wasserstein distance (SWD) on Laplacian-pyramid patches (Karras et al. 2018, appendix D).

A weight-free measure of how well the *local image statistics* of two sets
agree at each spatial frequency band, defined in "Progressive Growing of GANs
for Improved Quality, Stability, and Variation" (T. Karras, T. Aila, S. Laine,
J. Lehtinen, ICLR 2018, arXiv:1710.10196, appendix D) and implemented in their
reference code ``metrics/sliced_wasserstein.py`` of
github.com/tkarras/progressive_growing_of_gans.  This module re-implements the
same procedure with numpy/scipy; the settings below are those of the reference:

1. **Laplacian pyramid** of every image, from full resolution down to 16 px
   (64-px images → levels 64, 32, 16).  Downsampling blurs with the 5-tap
   binomial kernel ``[1, 4, 6, 4, 1] / 16`` (per axis, mirror borders — what
   ``cv2.pyrDown`` does) and keeps every second pixel; each band is the level
   minus the upsampled next level; the coarsest level is the low-pass residual.
2. **Descriptors**: 128 random 7×7 neighbourhoods per image and level
   (centres drawn uniformly where the whole window fits), flattened to 49-d
   (one grey channel; the reference has 3 colour channels → 147-d).
3. **Normalisation per level and per set**: each set's descriptors of a level
   are shifted and scaled by *that set's* mean and standard deviation over all
   descriptors and pixels (``finalize_descriptors`` in the reference).  SWD
   therefore compares the *shape* of the patch distributions; a global change
   of brightness or contrast of a band is normalised away (MPV/MPVD report
   brightness).
4. **Sliced Wasserstein distance**: 4 repeats × 128 random unit directions
   (= the paper's 512 projections); on each direction the two sets' projections
   are sorted and the mean absolute difference of matching order statistics is
   the 1-D Wasserstein-1 distance; SWD is the mean over directions and repeats.
5. Values are multiplied by 10³, and the average over levels is reported with
   the per-level values (``SWDx1e3_<res>`` and ``SWDx1e3_avg`` in the reference).

The two sets must give equally many descriptors; when the image counts differ
the larger descriptor set is subsampled at random to the smaller (the result
reports the number used).  Intervals come from bootstrap replicates over
images (descriptors are extracted once; each replicate resamples images,
re-normalises and re-projects) with a normal approximation.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.ndimage import correlate1d
from tqdm.auto import tqdm

from gan_lib.imaging import check_image_set
from gan_lib.metrics.bootstrap import Estimate, normal_interval

__all__ = [
    "SWDResult",
    "pyramid_down",
    "pyramid_up",
    "laplacian_pyramid",
    "neighbourhood_descriptors",
    "normalise_descriptors",
    "sliced_wasserstein",
    "swd",
]

#: Per-axis binomial blur of the Burt–Adelson pyramid (``cv2.pyrDown``'s kernel).
_BINOMIAL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
#: Scale factor of reported values (the reference reports SWD × 10³).
SWD_SCALE = 1e3


@dataclasses.dataclass(frozen=True)
class SWDResult:
    """Per-level and average SWD (×10³) between two image sets.

    Attributes
    ----------
    levels : dict[int, Estimate]
        Pyramid level resolution (px, finest first) → SWD × 10³ of that band.
    average : Estimate
        Mean over levels (× 10³).
    n_images, n_reference_images : int
        Images in each set.
    descriptors_per_level : int
        Descriptors per set and level actually compared (after equalising counts).
    """

    levels: dict[int, Estimate]
    average: Estimate
    n_images: int
    n_reference_images: int
    descriptors_per_level: int


def pyramid_down(images: np.ndarray) -> np.ndarray:
    """Blur with the binomial kernel (mirror borders) and keep every second row and column.

    Parameters
    ----------
    images : ndarray, shape (N, H, W)

    Returns
    -------
    ndarray, shape (N, ceil(H/2), ceil(W/2)), float32

    Examples
    --------
    >>> pyramid_down(np.ones((1, 8, 8))).shape
    (1, 4, 4)
    """
    blurred = correlate1d(images.astype(np.float32), _BINOMIAL, axis=1, mode="mirror")
    blurred = correlate1d(blurred, _BINOMIAL, axis=2, mode="mirror")
    return blurred[:, ::2, ::2]


def pyramid_up(images: np.ndarray) -> np.ndarray:
    """Double the size: insert zeros between pixels and interpolate with 2× the binomial kernel per axis.

    The factor 2 per axis (4 in 2-D) restores the mean lost by zero insertion,
    so a constant image stays constant.

    Parameters
    ----------
    images : ndarray, shape (N, h, w)

    Returns
    -------
    ndarray, shape (N, 2h, 2w), float32

    Examples
    --------
    >>> float(pyramid_up(np.ones((1, 4, 4)))[0, 3, 3])
    1.0
    """
    n, h, w = images.shape
    upsampled = np.zeros((n, 2 * h, 2 * w), dtype=np.float32)
    upsampled[:, ::2, ::2] = images
    upsampled = correlate1d(upsampled, 2.0 * _BINOMIAL, axis=1, mode="mirror")
    return correlate1d(upsampled, 2.0 * _BINOMIAL, axis=2, mode="mirror")


def laplacian_pyramid(images: np.ndarray, *, min_size: int = 16) -> list[np.ndarray]:
    """Laplacian pyramid of each image, finest band first, down to ``min_size`` pixels.

    Level ``i`` (except the last) is ``G_i - pyramid_up(G_{i+1})`` with
    ``G_0 = images`` and ``G_{i+1} = pyramid_down(G_i)``; the last level is the
    low-pass ``G_{L-1}``.  Summing the levels after upsampling rebuilds the
    images exactly.

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        ``min(H, W) >= min_size``; H and W divisible by ``2 ** (L - 1)``.
    min_size : int, keyword-only
        Smallest level size (16 in the reference): levels are made while the
        smaller side is at least this.

    Returns
    -------
    list of ndarray
        ``L`` arrays of shape ``(N, H / 2**i, W / 2**i)``, float32.
    """
    size = min(images.shape[1:])
    n_levels = int(np.floor(np.log2(size / min_size))) + 1 if size >= min_size else 0
    if n_levels < 1:
        raise ValueError(f"SWD needs images of at least {min_size}×{min_size} px; got {images.shape[1:]}.")
    factor = 2 ** (n_levels - 1)
    if images.shape[1] % factor or images.shape[2] % factor:
        raise ValueError(
            f"SWD: image size {images.shape[1:]} must be divisible by {factor} for a {n_levels}-level pyramid; "
            "crop or resize to a multiple of it (e.g. a power of two)."
        )
    gaussian = images.astype(np.float32)
    levels = []
    for _ in range(n_levels - 1):
        smaller = pyramid_down(gaussian)
        levels.append(gaussian - pyramid_up(smaller))
        gaussian = smaller
    levels.append(gaussian)
    return levels


def neighbourhood_descriptors(
    level: np.ndarray, *, per_image: int = 128, size: int = 7, rng: np.random.Generator
) -> np.ndarray:
    """Random ``size × size`` neighbourhoods of every image of one pyramid level.

    Parameters
    ----------
    level : ndarray, shape (N, h, w)
        One pyramid level; ``h, w >= size``.
    per_image : int, keyword-only
        Neighbourhoods per image (128 in the reference).
    size : int, keyword-only
        Side of the neighbourhood (7 in the reference).
    rng : numpy Generator, keyword-only
        Draws the neighbourhood positions (uniform over positions where the
        window fits entirely inside the image).

    Returns
    -------
    ndarray, shape (N, per_image, size * size), float32
    """
    n, h, w = level.shape
    windows = sliding_window_view(level, (size, size), axis=(1, 2))  # (N, h-size+1, w-size+1, size, size)
    image_index = np.repeat(np.arange(n), per_image)
    top = rng.integers(0, h - size + 1, size=n * per_image)
    left = rng.integers(0, w - size + 1, size=n * per_image)
    patches = windows[image_index, top, left]  # (N * per_image, size, size)
    return patches.reshape(n, per_image, size * size).astype(np.float32)


def normalise_descriptors(descriptors: np.ndarray) -> np.ndarray:
    """Shift and scale a set's descriptors of one level to zero mean and unit standard deviation.

    Mean and standard deviation are taken over all descriptors and all their
    pixels (one grey channel), as the reference's ``finalize_descriptors``.

    Parameters
    ----------
    descriptors : ndarray, shape (K, D)

    Returns
    -------
    ndarray, shape (K, D), float32
    """
    std = descriptors.std()
    if std == 0:
        raise ValueError("SWD: a set's descriptors are constant at one pyramid level (e.g. blank images).")
    return ((descriptors - descriptors.mean()) / std).astype(np.float32)


def sliced_wasserstein(
    descriptors_a: np.ndarray,
    descriptors_b: np.ndarray,
    *,
    n_repeats: int = 4,
    directions_per_repeat: int = 128,
    rng: np.random.Generator,
) -> float:
    """Sliced Wasserstein-1 distance between two equally large point sets (not scaled).

    For each of ``n_repeats × directions_per_repeat`` random unit directions
    both sets are projected, sorted, and the mean absolute difference between
    matching order statistics (the exact 1-D Wasserstein-1 distance of two
    equal-size empirical distributions) is taken; the result is the mean over
    all directions.

    Parameters
    ----------
    descriptors_a, descriptors_b : ndarray, shape (K, D)
    n_repeats, directions_per_repeat : int, keyword-only
        4 × 128 = 512 projections as in the reference.
    rng : numpy Generator, keyword-only
        Draws the directions.

    Returns
    -------
    float

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(100, 3))
    >>> sliced_wasserstein(x, x, rng=np.random.default_rng(1))
    0.0
    """
    if descriptors_a.shape != descriptors_b.shape:
        raise ValueError(
            f"sliced_wasserstein: both sets need the same shape; got {descriptors_a.shape} and {descriptors_b.shape}."
        )
    distances = []
    for _ in range(n_repeats):
        directions = rng.standard_normal((descriptors_a.shape[1], directions_per_repeat))
        directions = (directions / np.linalg.norm(directions, axis=0, keepdims=True)).astype(np.float32)
        # (directions, K): each direction's projections contiguous in memory for the sort.
        proj_a = np.sort(directions.T @ descriptors_a.T, axis=1)
        proj_b = np.sort(directions.T @ descriptors_b.T, axis=1)
        distances.append(float(np.mean(np.abs(proj_a - proj_b))))
    return float(np.mean(distances))


def swd(
    images: np.ndarray,
    reference: np.ndarray,
    *,
    descriptors_per_image: int = 128,
    neighbourhood: int = 7,
    n_repeats: int = 4,
    directions_per_repeat: int = 128,
    min_size: int = 16,
    max_images: int | None = None,
    n_bootstrap: int = 10,
    seed: int = 0,
    progress: bool = True,
) -> SWDResult:
    """Multi-scale SWD × 10³ between an image set and a reference set (procedure in the module docstring).

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Generated (or held-out real) set in [-1, 1].
    reference : ndarray, shape (M, H, W)
        Real training set in [-1, 1], same image size.
    descriptors_per_image, neighbourhood, n_repeats, directions_per_repeat, min_size : int, keyword-only
        The reference settings (128, 7, 4, 128, 16); change them only to explore.
    max_images : int, optional, keyword-only
        Use a random subset of at most this many images of each set (the cost
        grows linearly with the images compared); the note says when it did.
    n_bootstrap : int, keyword-only
        Bootstrap replicates over images for the intervals (0: no interval).
        Each costs about as much as the estimate itself.
    seed : int, keyword-only
        Seed of descriptor positions, subsampling, directions and bootstrap.
    progress : bool, keyword-only
        Show a progress bar over the bootstrap replicates.

    Returns
    -------
    SWDResult
        Lower is better; 0 for identical sets.
    """
    a = check_image_set(images, name="images")
    b = check_image_set(reference, name="reference")
    if a.shape[1:] != b.shape[1:]:
        raise ValueError(
            f"SWD: images and reference must have the same image size; got {a.shape[1:]} and {b.shape[1:]}."
        )
    rng = np.random.default_rng(seed)
    sizes_before = (len(a), len(b))
    if max_images is not None:
        a, b = (x[np.sort(rng.choice(len(x), max_images, replace=False))] if len(x) > max_images else x for x in (a, b))
    levels_a = laplacian_pyramid(a, min_size=min_size)
    levels_b = laplacian_pyramid(b, min_size=min_size)
    resolutions = [level.shape[1] for level in levels_a]
    desc_a = [
        neighbourhood_descriptors(lv, per_image=descriptors_per_image, size=neighbourhood, rng=rng) for lv in levels_a
    ]
    desc_b = [
        neighbourhood_descriptors(lv, per_image=descriptors_per_image, size=neighbourhood, rng=rng) for lv in levels_b
    ]
    count = min(len(a), len(b)) * descriptors_per_image
    settings = dict(n_repeats=n_repeats, directions_per_repeat=directions_per_repeat, count=count)

    estimate = _swd_per_level(desc_a, desc_b, np.arange(len(a)), np.arange(len(b)), rng=rng, **settings)
    replicates = np.array(
        [
            _swd_per_level(
                desc_a, desc_b, rng.integers(0, len(a), len(a)), rng.integers(0, len(b), len(b)), rng=rng, **settings
            )
            for _ in tqdm(range(n_bootstrap), desc="SWD bootstrap", leave=False, disable=not progress)
        ]
    ).reshape(n_bootstrap, len(resolutions))
    note = f"x1e3; {count} descriptors of {neighbourhood}x{neighbourhood} per level and set; levels {resolutions} px"
    for label, used, given in (("images", len(a), sizes_before[0]), ("reference", len(b), sizes_before[1])):
        if used < given:
            note += f"; {label}: random {used} of {given}"
    sizes = dict(n=len(a), n_reference=len(b), note=note)
    levels = {res: normal_interval(estimate[i], replicates[:, i], **sizes) for i, res in enumerate(resolutions)}
    average = normal_interval(float(np.mean(estimate)), replicates.mean(axis=1), **sizes)
    return SWDResult(levels, average, len(a), len(b), count)


def _swd_per_level(
    desc_a: list[np.ndarray],
    desc_b: list[np.ndarray],
    images_a: np.ndarray,
    images_b: np.ndarray,
    *,
    n_repeats: int,
    directions_per_repeat: int,
    count: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """SWD × 10³ per level for the images selected by ``images_a``/``images_b`` (indices, repeats allowed)."""
    values = []
    for level_a, level_b in zip(desc_a, desc_b):
        flat_a = _take(level_a[images_a].reshape(-1, level_a.shape[-1]), count, rng)
        flat_b = _take(level_b[images_b].reshape(-1, level_b.shape[-1]), count, rng)
        values.append(
            SWD_SCALE
            * sliced_wasserstein(
                normalise_descriptors(flat_a),
                normalise_descriptors(flat_b),
                n_repeats=n_repeats,
                directions_per_repeat=directions_per_repeat,
                rng=rng,
            )
        )
    return np.array(values)


def _take(descriptors: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    if len(descriptors) == count:
        return descriptors
    return descriptors[rng.choice(len(descriptors), count, replace=False)]
