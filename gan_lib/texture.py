"""Texture of real and generated mammograms: Sobel edges and GLCM features (thesis X-J, Figs 6–7, XI-A2).

Two families of per-image texture descriptors, each compared between sets as
*distributions* (two-sample Kolmogorov–Smirnov test and Wasserstein-1 distance
per feature), always next to the same comparison between real sets:

* **Sobel edges** (:func:`sobel_magnitude`, :func:`edge_density`,
  :func:`edge_feature_table`): :func:`skimage.filters.sobel` gradient magnitude
  of the image in [0, 1] intensity (so magnitudes are in [0, 1] too); per image
  the mean magnitude and the edge density — the share of tissue pixels whose
  magnitude exceeds one threshold shared by all sets.
* **GLCM** (:func:`glcm_properties`, :func:`glcm_feature_table`):
  :func:`skimage.feature.graycomatrix`/:func:`~skimage.feature.graycoprops` at
  distances (1, 2, 4) px and angles 0, π/4, π/2, 3π/4 (averaged over angles,
  i.e. rotation-invariant), symmetric, for contrast, dissimilarity,
  homogeneity, energy, correlation and ASM.

**Breast region.** Texture is measured only on tissue.  A pixel is tissue when
its model-space value exceeds ``TISSUE_THRESHOLD = -0.9`` (uint8 ≈ 13; the
background of the preprocessed mammograms is -1).  For the GLCM the tissue is
quantised to grey levels ``1 … levels-1`` and background gets the reserved
level 0; the co-occurrence counts of every pair that involves level 0 are
removed before :func:`~skimage.feature.graycoprops` normalises the matrix, so
background and tissue/background borders never contribute.  Images with less
than ``min_tissue_fraction`` tissue (default 0.5) are skipped and counted.
Contrast and dissimilarity are therefore in units of quantised grey levels
(``levels - 1`` tissue levels spanning [0, 255]).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.stats
from skimage.feature import graycomatrix, graycoprops
from skimage.filters import sobel
from tqdm.auto import tqdm

from gan_lib.imaging import check_image_set, to_uint8
from gan_lib.metrics.bootstrap import CONFIDENCE, Estimate, not_computed

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
    "compare_distributions",
    "texture_shift",
    "texture_statistics",
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
    frame = pd.DataFrame({
        "image_index": np.arange(len(magnitudes)),
        "sobel_mean": mean_magnitude,
        "edge_density": edge_density(magnitudes, threshold=threshold, mask=mask),
    })
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


def compare_distributions(features: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Per-feature two-sample KS test and Wasserstein-1 distance between two feature tables.

    Parameters
    ----------
    features, reference : pandas.DataFrame
        Per-image feature tables with the same feature columns (``image_index`` is ignored).

    Returns
    -------
    pandas.DataFrame
        One row per feature: ``feature, n, n_reference, mean, reference_mean,
        ks_statistic, ks_pvalue, wasserstein, wasserstein_rel`` where
        ``wasserstein_rel`` is the distance divided by the reference standard
        deviation (comparable across features).
    """
    columns = [c for c in reference.columns if c != "image_index"]
    missing = sorted(set(columns) - set(features.columns))
    if missing:
        raise ValueError(f"compare_distributions: features lacks column(s) {missing} present in reference.")
    if len(features) < 1 or len(reference) < 1:
        raise ValueError(
            f"compare_distributions: both tables need at least one row; got {len(features)} and {len(reference)} "
            "(were all images skipped for too little tissue?)."
        )
    rows = []
    for column in columns:
        a, b = features[column].to_numpy(float), reference[column].to_numpy(float)
        ks = scipy.stats.ks_2samp(a, b)
        distance = scipy.stats.wasserstein_distance(a, b)
        spread = b.std(ddof=1) if len(b) > 1 else np.nan
        rows.append({
            "feature": column, "n": len(a), "n_reference": len(b), "mean": a.mean(), "reference_mean": b.mean(),
            "ks_statistic": ks.statistic, "ks_pvalue": ks.pvalue, "wasserstein": distance,
            "wasserstein_rel": distance / spread if spread > 0 else np.nan,
        })
    return pd.DataFrame(rows)


def texture_shift(
    features: pd.DataFrame,
    reference: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
) -> Estimate:
    """How far a set's texture has moved from the reference: the mean ``wasserstein_rel`` of compare_distributions.

    Per feature, the Wasserstein-1 distance between the two sets' per-image
    values divided by the reference's standard deviation; then the mean over
    features.  0 when every feature's distribution matches the reference.  A
    feature that is constant in the reference has no scale and is left out of
    the mean (as ``compare_distributions`` gives it NaN).  The interval is a
    percentile bootstrap that resamples the images (rows) of both tables.

    Parameters
    ----------
    features, reference : pandas.DataFrame
        Per-image feature tables (:func:`glcm_feature_table`, :func:`edge_feature_table`).
    columns : sequence of str, optional, keyword-only
        Features to average over; default every column of ``reference`` but ``image_index``.
    n_resamples, seed : int, keyword-only
        Bootstrap settings (the caller's config: ``n_resamples`` of the evaluation or experiment profile).

    Returns
    -------
    Estimate
        ``n`` and ``n_reference`` are the tables' row counts; not computed when a table has fewer than 2 rows.

    Examples
    --------
    >>> table = pd.DataFrame({"contrast": [1.0, 2.0, 3.0], "energy": [0.5, 0.5, 0.5]})
    >>> texture_shift(table, table, n_resamples=50).value
    0.0
    """
    columns = [c for c in reference.columns if c != "image_index"] if columns is None else list(columns)
    if len(features) < 2 or len(reference) < 2:
        return not_computed(f"too few images with enough tissue ({len(features)} and {len(reference)})",
                            n=len(features), n_reference=len(reference))
    a, b = features[columns].to_numpy(float), reference[columns].to_numpy(float)
    spread = b.std(axis=0, ddof=1)
    spread[spread == 0] = np.nan

    def statistic(rows_a: np.ndarray, rows_b: np.ndarray) -> float:
        distances = [scipy.stats.wasserstein_distance(a[rows_a, j], b[rows_b, j]) / spread[j]
                     for j in range(len(columns)) if np.isfinite(spread[j])]
        return float(np.mean(distances)) if distances else float("nan")

    value = statistic(np.arange(len(a)), np.arange(len(b)))
    result = scipy.stats.bootstrap(
        (np.arange(len(a)), np.arange(len(b))), statistic, vectorized=False, paired=False,
        n_resamples=n_resamples, confidence_level=CONFIDENCE, method="percentile", rng=seed,
    )
    ci = result.confidence_interval
    return Estimate(value, float(ci.low), float(ci.high), len(a), len(b),
                    f"percentile bootstrap over the images of both sets, {n_resamples} resamples",
                    f"mean over {len(columns)} features of W1 / reference sd")


def texture_statistics(feature_tables: Mapping[str, pd.DataFrame], *, reference: str = "train") -> pd.DataFrame:
    """:func:`compare_distributions` of every set against the reference set, stacked.

    Parameters
    ----------
    feature_tables : mapping
        Set name (e.g. ``"generated"``, ``"heldout"``, ``"test"``, ``"train"``)
        → per-image feature table with the same columns.
    reference : str, keyword-only
        Name of the reference set.

    Returns
    -------
    pandas.DataFrame
        :func:`compare_distributions`'s columns plus ``comparison`` (``"<set> vs <reference>"``).
    """
    if reference not in feature_tables:
        raise ValueError(f"texture_statistics: reference set {reference!r} not among {sorted(feature_tables)}.")
    parts = [
        compare_distributions(table, feature_tables[reference]).assign(comparison=f"{name} vs {reference}")
        for name, table in feature_tables.items() if name != reference
    ]
    frame = pd.concat(parts, ignore_index=True)
    return frame[["comparison", *[c for c in frame.columns if c != "comparison"]]]
