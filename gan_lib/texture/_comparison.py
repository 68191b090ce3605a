"""Texture compared between sets: per-feature KS tests and Wasserstein-1 distances, and the one-number shift."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.stats

from gan_lib.metrics.bootstrap import CONFIDENCE, Estimate, not_computed

__all__ = ["compare_distributions", "texture_shift", "texture_statistics"]


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
        rows.append(
            {
                "feature": column,
                "n": len(a),
                "n_reference": len(b),
                "mean": a.mean(),
                "reference_mean": b.mean(),
                "ks_statistic": ks.statistic,
                "ks_pvalue": ks.pvalue,
                "wasserstein": distance,
                "wasserstein_rel": distance / spread if spread > 0 else np.nan,
            }
        )
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
        return not_computed(
            f"too few images with enough tissue ({len(features)} and {len(reference)})",
            n=len(features),
            n_reference=len(reference),
        )
    a, b = features[columns].to_numpy(float), reference[columns].to_numpy(float)
    spread = b.std(axis=0, ddof=1)
    spread[spread == 0] = np.nan

    def statistic(rows_a: np.ndarray, rows_b: np.ndarray) -> float:
        distances = [
            scipy.stats.wasserstein_distance(a[rows_a, j], b[rows_b, j]) / spread[j]
            for j in range(len(columns))
            if np.isfinite(spread[j])
        ]
        return float(np.mean(distances)) if distances else float("nan")

    value = statistic(np.arange(len(a)), np.arange(len(b)))
    result = scipy.stats.bootstrap(
        (np.arange(len(a)), np.arange(len(b))),
        statistic,
        vectorized=False,
        paired=False,
        n_resamples=n_resamples,
        confidence_level=CONFIDENCE,
        method="percentile",
        rng=seed,
    )
    ci = result.confidence_interval
    return Estimate(
        value,
        float(ci.low),
        float(ci.high),
        len(a),
        len(b),
        f"percentile bootstrap over the images of both sets, {n_resamples} resamples",
        f"mean over {len(columns)} features of W1 / reference sd",
    )


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
        for name, table in feature_tables.items()
        if name != reference
    ]
    frame = pd.concat(parts, ignore_index=True)
    return frame[["comparison", *[c for c in frame.columns if c != "comparison"]]]
