"""Per-image texture descriptors inside the breast tissue: Sobel edge statistics and GLCM properties."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from skimage.feature import graycomatrix, graycoprops
from skimage.filters import sobel
from tqdm.auto import tqdm

from gan_lib.imaging import check_image_set, to_uint8

__all__ = [
    "TISSUE_THRESHOLD",
    "GLCM_PROPS",
    "GLCM_DISTANCES",
    "GLCM_ANGLES",
    "tissue_mask",
    "sobel_magnitude",
    "edge_density",
    "edge_feature_table",
    "quantise",
    "glcm_properties",
    "glcm_feature_table",
]

#: Model-space value above which a pixel counts as breast tissue (background is -1).
TISSUE_THRESHOLD = -0.9
#: GLCM properties reported (all of skimage's classic Haralick-style ones).
GLCM_PROPS = ("contrast", "dissimilarity", "homogeneity", "energy", "correlation", "ASM")
#: Pixel distances of the co-occurrence pairs.
GLCM_DISTANCES = (1, 2, 4)
#: The four standard directions (radians).
GLCM_ANGLES = (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)


def tissue_mask(images: np.ndarray, *, threshold: float = TISSUE_THRESHOLD) -> np.ndarray:
    """Boolean tissue mask: pixels brighter than ``threshold`` (model space).

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Set in [-1, 1].
    threshold : float, keyword-only

    Returns
    -------
    ndarray, shape (N, H, W), bool

    Examples
    --------
    >>> tissue_mask(np.array([[[-1.0, 0.0]]])).tolist()
    [[[False, True]]]
    """
    return check_image_set(images, name="images") > threshold


def sobel_magnitude(images: np.ndarray) -> np.ndarray:
    """Sobel gradient magnitude of each image (``skimage.filters.sobel`` on intensities in [0, 1]).

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Set in [-1, 1].

    Returns
    -------
    ndarray, shape (N, H, W), float64
        ``sqrt((g_x² + g_y²) / 2)``, in [0, 1] for intensities in [0, 1].
    """
    images = check_image_set(images, name="images")
    intensity = (images.astype(np.float64) + 1.0) / 2.0
    # One image at a time: on a 3-D stack sobel would also differentiate across images.
    return np.stack([sobel(image) for image in tqdm(intensity, desc="Sobel", leave=False, disable=len(images) < 1000)])


def edge_density(magnitudes: np.ndarray, *, threshold: float, mask: np.ndarray | None = None) -> np.ndarray:
    """Share of (tissue) pixels of each image whose Sobel magnitude exceeds ``threshold``.

    Parameters
    ----------
    magnitudes : ndarray, shape (N, H, W)
        From :func:`sobel_magnitude`.
    threshold : float, keyword-only
        The same value for every compared set (e.g. a percentile of the real
        training set's magnitudes).
    mask : ndarray of bool, shape (N, H, W), optional, keyword-only
        Pixels to count (default all).

    Returns
    -------
    ndarray, shape (N,), float64 in [0, 1]; ``nan`` for an image with an empty mask.

    Examples
    --------
    >>> edge_density(np.array([[[0.0, 0.5], [0.2, 0.9]]]), threshold=0.3)
    array([0.5])
    """
    mask = np.ones(magnitudes.shape, dtype=bool) if mask is None else mask
    edges = (magnitudes > threshold) & mask
    counts = mask.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, edges.sum(axis=(1, 2)) / counts, np.nan)


def edge_feature_table(
    images: np.ndarray, *, threshold: float, tissue_threshold: float = TISSUE_THRESHOLD
) -> pd.DataFrame:
    """Per-image Sobel features inside the tissue: mean gradient magnitude and edge density.

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Set in [-1, 1].
    threshold : float, keyword-only
        Edge threshold on the magnitude (see :func:`edge_density`).
    tissue_threshold : float, keyword-only
        See :func:`tissue_mask`.

    Returns
    -------
    pandas.DataFrame
        Columns ``image_index, sobel_mean, edge_density``; images without tissue are dropped.
    """
    magnitudes = sobel_magnitude(images)
    mask = tissue_mask(images, threshold=tissue_threshold)
    counts = mask.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_magnitude = np.where(counts > 0, (magnitudes * mask).sum(axis=(1, 2)) / counts, np.nan)
    frame = pd.DataFrame(
        {
            "image_index": np.arange(len(magnitudes)),
            "sobel_mean": mean_magnitude,
            "edge_density": edge_density(magnitudes, threshold=threshold, mask=mask),
        }
    )
    return frame.dropna().reset_index(drop=True)


def quantise(images: np.ndarray, *, levels: int = 32, tissue_threshold: float = TISSUE_THRESHOLD) -> np.ndarray:
    """Quantise tissue to grey levels ``1 … levels-1`` and set background to the reserved level 0.

    Tissue intensities ``v`` in uint8 [0, 255] (:func:`gan_lib.imaging.to_uint8`)
    map to ``1 + v * (levels - 1) // 256``.

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Set in [-1, 1].
    levels : int, keyword-only
        Grey levels including the background level (2 … 256).
    tissue_threshold : float, keyword-only
        See :func:`tissue_mask`.

    Returns
    -------
    ndarray, shape (N, H, W), uint8

    Examples
    --------
    >>> quantise(np.array([[[-1.0, -0.5, 1.0]]]), levels=8).tolist()
    [[[0, 2, 7]]]
    """
    if not 2 <= levels <= 256:
        raise ValueError(f"quantise: levels must be between 2 and 256; got {levels}.")
    images = check_image_set(images, name="images")
    grey = 1 + to_uint8(images).astype(np.int64) * (levels - 1) // 256
    return np.where(tissue_mask(images, threshold=tissue_threshold), grey, 0).astype(np.uint8)


def glcm_properties(
    quantised: np.ndarray,
    *,
    levels: int,
    distances: Sequence[int] = GLCM_DISTANCES,
    angles: Sequence[float] = GLCM_ANGLES,
    props: Sequence[str] = GLCM_PROPS,
) -> dict[str, np.ndarray] | None:
    """GLCM properties of one quantised image, background level 0 excluded, averaged over angles.

    Parameters
    ----------
    quantised : ndarray, shape (H, W), integer
        Grey levels in ``0 … levels-1``; 0 marks pixels to exclude (see :func:`quantise`).
    levels : int, keyword-only
    distances, angles, props : keyword-only
        Passed to :func:`skimage.feature.graycomatrix` (symmetric) and
        :func:`skimage.feature.graycoprops`.

    Returns
    -------
    dict or None
        ``{prop: array of shape (len(distances),)}``, or ``None`` when some
        distance/angle has no tissue–tissue pair.

    Examples
    --------
    >>> stripes = np.tile(np.array([1, 3], np.uint8), (8, 4))  # vertical stripes of levels 1 and 3
    >>> glcm_properties(stripes, levels=4, distances=(1, 2), angles=(0.0,))["contrast"]
    array([4., 0.])
    """
    quantised = np.asarray(quantised)
    if quantised.ndim != 2 or not np.issubdtype(quantised.dtype, np.integer):
        raise ValueError(
            f"glcm_properties: expected one integer image (H, W); got {quantised.dtype} of shape {quantised.shape}. "
            "Quantise model-space images with gan_lib.texture.quantise first."
        )
    if quantised.min() < 0 or quantised.max() >= levels:
        raise ValueError(
            f"glcm_properties: values must lie in 0..{levels - 1}; got {quantised.min()}..{quantised.max()}."
        )
    counts = graycomatrix(quantised, distances=list(distances), angles=list(angles), levels=levels, symmetric=True)
    counts[0, :] = 0
    counts[:, 0] = 0
    if np.any(counts.sum(axis=(0, 1)) == 0):
        return None
    return {prop: graycoprops(counts, prop).mean(axis=1) for prop in props}


def glcm_feature_table(
    images: np.ndarray,
    *,
    levels: int = 32,
    distances: Sequence[int] = GLCM_DISTANCES,
    angles: Sequence[float] = GLCM_ANGLES,
    props: Sequence[str] = GLCM_PROPS,
    tissue_threshold: float = TISSUE_THRESHOLD,
    min_tissue_fraction: float = 0.5,
) -> pd.DataFrame:
    """GLCM features of every image with enough tissue, one row per image.

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Set in [-1, 1].
    levels, distances, angles, props : keyword-only
        GLCM settings (see the module docstring).
    tissue_threshold : float, keyword-only
        See :func:`tissue_mask`.
    min_tissue_fraction : float, keyword-only
        Images with a smaller tissue share are skipped.

    Returns
    -------
    pandas.DataFrame
        ``image_index`` and one column per property and distance, e.g.
        ``contrast_d1``; ``frame.attrs["n_skipped"]`` counts skipped images.
    """
    quantised = quantise(images, levels=levels, tissue_threshold=tissue_threshold)
    tissue_share = (quantised > 0).mean(axis=(1, 2))
    rows = []
    for index in tqdm(range(len(quantised)), desc="GLCM", unit="image", leave=False, disable=len(quantised) < 500):
        if tissue_share[index] < min_tissue_fraction:
            continue
        values = glcm_properties(quantised[index], levels=levels, distances=distances, angles=angles, props=props)
        if values is None:
            continue
        row = {"image_index": index}
        for prop, per_distance in values.items():
            row.update({f"{prop}_d{d}": float(v) for d, v in zip(distances, per_distance)})
        rows.append(row)
    columns = ["image_index"] + [f"{p}_d{d}" for p in props for d in distances]
    frame = pd.DataFrame(rows, columns=columns)
    frame.attrs["n_skipped"] = len(quantised) - len(frame)
    return frame
