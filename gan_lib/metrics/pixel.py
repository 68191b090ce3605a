"""Pixel-level similarity between unpaired image sets: MSE, SSIM, MPV and MPVD (thesis X-H1, X-H2, X-H4, X-H5).

Generated and real mammograms are not paired, so a per-image MSE or SSIM needs
a rule that says which real image a generated image is compared with.  Two are
provided and both are reported:

* **nearest real** (:func:`nearest_real_scores`): each query image against the
  reference image closest to it in MSE.  Low MSE / high SSIM here means "looks
  like some training image" — and, when far below the real-vs-real floor,
  memorisation.
* **random pairs** (:func:`random_pair_scores`): each query image against a
  reference image drawn at random.  This measures how alike two typical images
  of the sets are, without the optimistic selection of the nearest neighbour.

Neither number means much alone: the same protocol applied to real held-out
images of the training patient (same-patient floor) and to another patient's
images (other-patient floor) tells what a *real* image scores.

All sets are ``float32 (N, H, W)`` in model space [-1, 1] (``docs/ARCHITECTURE.md``);
MSE and SSIM are computed there with ``data_range=2.0``; MPV is reported in
display units [0, 255] via :func:`gan_lib.imaging.to_uint8`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from skimage.metrics import structural_similarity
from tqdm.auto import tqdm

from gan_lib.imaging import check_image_set, to_uint8
from gan_lib.metrics.bootstrap import Estimate, bootstrap_mean, bootstrap_statistic

__all__ = [
    "DATA_RANGE",
    "mse",
    "ssim",
    "mean_pixel_values",
    "mpv",
    "mpvd",
    "nearest_neighbours",
    "NearestRealScores",
    "nearest_real_scores",
    "random_pair_scores",
]

#: Width of model space [-1, 1]: the ``data_range`` SSIM needs for float images.
DATA_RANGE = 2.0


def mse(images_a: np.ndarray, images_b: np.ndarray) -> np.ndarray:
    """Mean squared error of each pair ``(images_a[i], images_b[i])``, in model-space units.

    Parameters
    ----------
    images_a, images_b : ndarray, shape (N, H, W)
        Paired sets in [-1, 1].

    Returns
    -------
    ndarray, shape (N,), float64
        ``mean((a - b) ** 2)`` over pixels; in [0, 4].

    Examples
    --------
    >>> a = np.zeros((1, 4, 4), np.float32)
    >>> mse(a, a + 0.5)
    array([0.25])
    """
    a, b = _check_pair_sets(images_a, images_b)
    diff = a.astype(np.float64) - b.astype(np.float64)
    return np.mean(diff * diff, axis=(1, 2))


def ssim(images_a: np.ndarray, images_b: np.ndarray, *, data_range: float = DATA_RANGE) -> np.ndarray:
    """SSIM of each pair with :func:`skimage.metrics.structural_similarity`.

    skimage's defaults are kept (7×7 uniform window, K1=0.01, K2=0.03, sample
    covariance); ``data_range`` is 2.0 because images live in [-1, 1].

    Parameters
    ----------
    images_a, images_b : ndarray, shape (N, H, W)
        Paired sets in [-1, 1]; H and W at least 7.
    data_range : float, keyword-only
        Width of the value range.

    Returns
    -------
    ndarray, shape (N,), float64
        SSIM in [-1, 1]; 1 for identical images.

    Examples
    --------
    >>> a = np.linspace(-1, 1, 64, dtype=np.float32).reshape(1, 8, 8)
    >>> ssim(a, a)
    array([1.])
    """
    a, b = _check_pair_sets(images_a, images_b)
    if min(a.shape[1:]) < 7:
        raise ValueError(f"ssim: images must be at least 7×7 for the 7×7 SSIM window; got {a.shape[1:]}.")
    pairs = tqdm(range(len(a)), desc="SSIM", unit="pair", leave=False, disable=len(a) < 500)
    return np.array([structural_similarity(a[i], b[i], data_range=data_range) for i in pairs])


def mean_pixel_values(images: np.ndarray) -> np.ndarray:
    """Mean pixel value of each image in display units [0, 255] (thesis X-H4).

    Images are mapped with :func:`gan_lib.imaging.to_uint8` first, so the
    numbers match the 8-bit images a reader sees.

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Set in [-1, 1].

    Returns
    -------
    ndarray, shape (N,), float64

    Examples
    --------
    >>> mean_pixel_values(np.full((2, 4, 4), -1.0, np.float32))
    array([0., 0.])
    """
    images = check_image_set(images, name="images")
    return to_uint8(images).reshape(len(images), -1).mean(axis=1, dtype=np.float64)


def mpv(images: np.ndarray, *, n_resamples: int = 1000, seed: int = 0) -> Estimate:
    """Mean pixel value (MPV) of a set in [0, 255] with a bootstrap 95 % interval over images.

    The set's MPV is the mean of the per-image means (all images have the same
    size, so it equals the mean over all pixels).

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Set in [-1, 1].
    n_resamples, seed : keyword-only
        Bootstrap settings.

    Returns
    -------
    Estimate
    """
    return bootstrap_mean(mean_pixel_values(images), n_resamples=n_resamples, seed=seed)


def mpvd(images: np.ndarray, reference: np.ndarray, *, n_resamples: int = 1000, seed: int = 0) -> Estimate:
    """Mean pixel value difference ``|MPV(images) - MPV(reference)|`` in [0, 255] (thesis X-H5).

    The interval resamples the images of both sets independently.

    Parameters
    ----------
    images, reference : ndarray, shape (N, H, W) and (M, H', W')
        Sets in [-1, 1]; sizes may differ.
    n_resamples, seed : keyword-only
        Bootstrap settings.

    Returns
    -------
    Estimate
        ``n`` = N, ``n_reference`` = M.

    Examples
    --------
    >>> a = np.zeros((3, 4, 4), np.float32)
    >>> mpvd(a + 0.2, a).value  # 0.2 -> 153, 0.0 -> 128 in uint8
    25.0
    """
    return bootstrap_statistic(
        _abs_mean_difference,
        [mean_pixel_values(images), mean_pixel_values(reference)],
        n_resamples=n_resamples,
        seed=seed,
    )


def nearest_neighbours(
    queries: np.ndarray, references: np.ndarray, *, batch_size: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """For each query image, the reference image with the smallest MSE.

    Vectorised: squared distances come from ``|q|² + |r|² - 2 q·r`` as one
    matrix product per chunk of ``batch_size`` queries (memory
    ``batch_size × M`` floats); the MSE to the chosen neighbour is then
    recomputed exactly, so identical images give exactly 0.

    Parameters
    ----------
    queries : ndarray, shape (N, H, W)
    references : ndarray, shape (M, H, W)
        Sets in [-1, 1] with the same image size.
    batch_size : int, keyword-only
        Queries per chunk.

    Returns
    -------
    indices : ndarray, shape (N,), int64
        Index into ``references`` of each query's nearest neighbour.
    mse : ndarray, shape (N,), float64
        MSE between each query and that neighbour.

    Examples
    --------
    >>> refs = np.stack([np.full((4, 4), v, np.float32) for v in (-0.5, 0.0, 0.5)])
    >>> nearest_neighbours(refs[[2, 0]] + 0.1, refs)[0]
    array([2, 0])
    """
    q = check_image_set(queries, name="queries")
    r = check_image_set(references, name="references")
    _check_same_image_size(q, r, "queries", "references")
    q_flat = q.reshape(len(q), -1)
    r_flat = r.reshape(len(r), -1)
    r_sq = np.einsum("ij,ij->i", r_flat, r_flat)
    indices = np.empty(len(q), dtype=np.int64)
    chunks = range(0, len(q), batch_size)
    for start in tqdm(chunks, desc="nearest neighbours", unit="chunk", leave=False, disable=len(chunks) < 4):
        block = q_flat[start : start + batch_size]
        # |q|² is constant per row and does not change the arg-min.
        distances = r_sq[None, :] - 2.0 * (block @ r_flat.T)
        indices[start : start + batch_size] = np.argmin(distances, axis=1)
    return indices, mse(q, r[indices])


@dataclasses.dataclass(frozen=True, eq=False)
class NearestRealScores:
    """What :func:`nearest_real_scores` measured: the two means and the per-image values behind them.

    Shapes: every array is ``(N,)``, one entry per query image, in query order.
    """

    mse: Estimate  # mean MSE to the nearest reference image, model-space units, with its bootstrap CI
    ssim: Estimate  # mean SSIM to that same image (data_range=2), with its bootstrap CI
    nearest_index: np.ndarray  # (N,) int64: index into the reference set of each image's nearest image (by MSE)
    per_image_mse: np.ndarray  # (N,) float64: what ``mse`` averages
    per_image_ssim: np.ndarray  # (N,) float64: what ``ssim`` averages


def nearest_real_scores(
    images: np.ndarray, reference: np.ndarray, *, n_resamples: int = 1000, seed: int = 0
) -> NearestRealScores:
    """Protocol (a): MSE and SSIM of each image to its nearest reference image (nearest by MSE).

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Generated (or held-out real) set in [-1, 1].
    reference : ndarray, shape (M, H, W)
        Real training set in [-1, 1].
    n_resamples, seed : keyword-only
        Bootstrap settings for the intervals (over the N images).

    Returns
    -------
    NearestRealScores
        ``.mse`` and ``.ssim``: means over the N images (:class:`Estimate`);
        the per-image values and nearest indices behind them, so a caller
        that also plots them need not search again.
    """
    indices, errors = nearest_neighbours(images, reference)
    images = check_image_set(images, name="images")
    reference = check_image_set(reference, name="reference")
    similarity = ssim(images, reference[indices])
    note = "each image vs its nearest reference image (nearest by MSE)"
    kwargs = dict(n_resamples=n_resamples, seed=seed, n_reference=len(reference), note=note)
    return NearestRealScores(
        bootstrap_mean(errors, **kwargs), bootstrap_mean(similarity, **kwargs), indices, errors, similarity
    )


def random_pair_scores(
    images: np.ndarray, reference: np.ndarray, *, seed: int = 0, n_resamples: int = 1000
) -> dict[str, Estimate]:
    """Protocol (b): MSE and SSIM of each image to a reference image drawn at random.

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Generated (or held-out real) set in [-1, 1].
    reference : ndarray, shape (M, H, W)
        Real training set in [-1, 1].
    seed : int, keyword-only
        Seed of the pairing (reference index drawn uniformly with replacement)
        and of the bootstrap.
    n_resamples : int, keyword-only
        Bootstrap resamples.

    Returns
    -------
    dict
        ``{"mse": Estimate, "ssim": Estimate}``, means over the N pairs.
    """
    images = check_image_set(images, name="images")
    reference = check_image_set(reference, name="reference")
    _check_same_image_size(images, reference, "images", "reference")
    partners = np.random.default_rng(seed).integers(0, len(reference), size=len(images))
    note = "each image vs a reference image drawn at random"
    kwargs = dict(n_resamples=n_resamples, seed=seed, n_reference=len(reference), note=note)
    return {
        "mse": bootstrap_mean(mse(images, reference[partners]), **kwargs),
        "ssim": bootstrap_mean(ssim(images, reference[partners]), **kwargs),
    }


def _abs_mean_difference(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.abs(np.mean(a, axis=axis) - np.mean(b, axis=axis))


def _check_pair_sets(images_a: np.ndarray, images_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = check_image_set(images_a, name="images_a")
    b = check_image_set(images_b, name="images_b")
    if a.shape != b.shape:
        raise ValueError(
            f"images_a and images_b must be paired sets of the same shape; got {a.shape} and {b.shape}. "
            "For unpaired sets use nearest_real_scores or random_pair_scores."
        )
    return a, b


def _check_same_image_size(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if a.shape[1:] != b.shape[1:]:
        raise ValueError(
            f"{name_a} and {name_b} must hold images of the same size; got {a.shape[1:]} and {b.shape[1:]}. "
            "Generate at the training resolution or resize one set first."
        )
