"""Texture of each evaluation set against the training set (notebook 05, Figs 6–7; Table 2's texture columns).

Per image, inside the breast tissue: the GLCM properties and Sobel statistics of
:mod:`gan_lib.texture`, with one edge threshold for every set (a percentile of
the training set's tissue Sobel magnitudes).  Sets are then compared feature
by feature (KS test and Wasserstein-1, :func:`gan_lib.texture.texture_statistics`)
and summarised as one number, the mean Wasserstein-1 shift in training
standard deviations (:func:`gan_lib.texture.texture_shift`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gan_lib.texture import (
    edge_feature_table,
    glcm_feature_table,
    sobel_magnitude,
    texture_statistics,
    tissue_mask,
)

from .config import EvaluationConfig
from .image_sets import EvaluationSets

__all__ = ["texture_features", "edge_threshold_of", "texture_comparison"]


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
        for name, images in named.items()
        if images is not None
    }
    return features, texture_statistics(features, reference="train"), threshold


def edge_threshold_of(reference: np.ndarray, config: EvaluationConfig) -> float:
    """The edge threshold: ``config.edge_percentile`` of the reference set's tissue Sobel magnitudes."""
    magnitudes = sobel_magnitude(reference)
    return float(np.percentile(magnitudes[tissue_mask(reference)], config.edge_percentile))
