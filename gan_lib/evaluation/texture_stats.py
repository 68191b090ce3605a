"""Texture of each evaluation set against the training set (notebook 05, Figs 6–7; Table 2's texture columns).

Per image, inside the breast tissue: the GLCM properties and Sobel statistics of
:mod:`gan_lib.texture`, with one edge threshold for every set (a percentile of
the training set's tissue Sobel magnitudes).  Sets are then compared feature
by feature (KS test and Wasserstein-1, :func:`gan_lib.texture.texture_statistics`)
and summarised as one number, the mean Wasserstein-1 shift in training
standard deviations (:func:`feature_shift`).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import scipy.stats

from gan_lib.metrics import Estimate
from gan_lib.metrics.bootstrap import CONFIDENCE
from gan_lib.texture import (
    edge_feature_table,
    glcm_feature_table,
    sobel_magnitude,
    texture_statistics,
    tissue_mask,
)

from .config import EvaluationConfig
from .image_sets import EvaluationSets

__all__ = ["texture_features", "edge_threshold_of", "texture_comparison", "feature_shift"]


def texture_features(images: np.ndarray, config: EvaluationConfig, *, edge_threshold: float) -> pd.DataFrame:
    """Per-image texture features of one set: GLCM properties and Sobel statistics inside the tissue.

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Set in [-1, 1].
    config : EvaluationConfig
        ``glcm_levels`` and ``min_tissue_fraction`` are used.
    edge_threshold : float, keyword-only
        Sobel magnitude above which a pixel is an edge (shared by all sets;
        see :func:`edge_threshold_of`).

    Returns
    -------
    pandas.DataFrame
        ``image_index``, the GLCM columns (e.g. ``contrast_d1``), ``sobel_mean``
        and ``edge_density``; images skipped for too little tissue are absent
        (``attrs["n_skipped"]``).
    """
    glcm = glcm_feature_table(images, levels=config.glcm_levels, min_tissue_fraction=config.min_tissue_fraction)
    edges = edge_feature_table(images, threshold=edge_threshold)
    merged = glcm.merge(edges, on="image_index", how="inner")
    merged.attrs["n_skipped"] = len(images) - len(merged)
    return merged


def texture_comparison(
    sets: EvaluationSets, config: EvaluationConfig
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, float]:
    """Texture features of every set and their per-feature KS / Wasserstein comparison with train.

    Returns
    -------
    features : dict
        Set name (``generated``, ``heldout``, ``test``, ``train``) → :func:`texture_features` table.
    stats : pandas.DataFrame
        :func:`gan_lib.texture.texture_statistics` of every set against ``train``
        (the real-vs-real rows are the reference for the generated rows).
    edge_threshold : float
        The Sobel edge threshold used (from the training set).
    """
    threshold = edge_threshold_of(sets.train, config)
    named = {**sets.compared(), "train": sets.train}
    features = {
        name: texture_features(images, config, edge_threshold=threshold)
        for name, images in named.items() if images is not None
    }
    return features, texture_statistics(features, reference="train"), threshold


def edge_threshold_of(reference: np.ndarray, config: EvaluationConfig) -> float:
    """The edge threshold: ``config.edge_percentile`` of the reference set's tissue Sobel magnitudes."""
    magnitudes = sobel_magnitude(reference)
    return float(np.percentile(magnitudes[tissue_mask(reference)], config.edge_percentile))


def feature_shift(
    features: pd.DataFrame,
    reference: pd.DataFrame,
    columns: Sequence[str],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
) -> Estimate:
    """Mean over ``columns`` of the Wasserstein-1 distance to the reference, in reference standard deviations.

    A single "how far has the texture moved" number: 0 when every feature's
    distribution matches the reference.  The interval resamples the images
    (rows) of both tables (percentile bootstrap).

    Parameters
    ----------
    features, reference : pandas.DataFrame
        Per-image feature tables (e.g. :func:`texture_features`).
    columns : sequence of str
        Features to average over.
    n_resamples, seed : keyword-only
        Bootstrap settings.

    Returns
    -------
    Estimate
    """
    a = features[list(columns)].to_numpy(float)
    b = reference[list(columns)].to_numpy(float)
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"feature_shift: both tables need >= 2 rows; got {len(a)} and {len(b)}.")
    scale = b.std(axis=0, ddof=1)
    scale[scale == 0] = 1.0

    def statistic(rows_a: np.ndarray, rows_b: np.ndarray) -> float:
        return float(np.mean([
            scipy.stats.wasserstein_distance(a[rows_a, j], b[rows_b, j]) / scale[j] for j in range(a.shape[1])
        ]))

    value = statistic(np.arange(len(a)), np.arange(len(b)))
    result = scipy.stats.bootstrap(
        (np.arange(len(a)), np.arange(len(b))), statistic, vectorized=False, paired=False,
        n_resamples=n_resamples, confidence_level=CONFIDENCE, method="percentile", rng=seed,
    )
    ci = result.confidence_interval
    return Estimate(value, float(ci.low), float(ci.high), len(a), len(b),
                    f"percentile bootstrap, {n_resamples} resamples",
                    f"mean over {len(columns)} features of W1 / reference sd")
