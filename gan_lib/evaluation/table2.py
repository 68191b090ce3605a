"""Thesis Table 2, extended: what each denoising method gains and what it costs in texture (notebook 03).

One row per set: the generated set as sampled, one per denoising method of
:mod:`gan_lib.denoise`, the real ``heldout`` and ``test`` sets (compared with
train like the generated ones) and ``train`` itself (within-set values).
:func:`gan_lib.evaluation.writers.save_table2` writes it.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from gan_lib.denoise import DEFAULT_PARAMS, denoise, estimate_noise_sigma
from gan_lib.metrics import Estimate, fid, inception_features, mpv, mpvd, nearest_real_scores, not_computed, tidy_table
from gan_lib.metrics.bootstrap import bootstrap_mean

from ..texture import texture_shift
from .config import EvaluationConfig
from .image_sets import EvaluationSets
from .table1 import FEATURE_ROWS
from .texture_stats import edge_threshold_of, texture_features

__all__ = ["compare_denoisers"]


def compare_denoisers(
    generated: np.ndarray,
    sets: EvaluationSets,
    config: EvaluationConfig,
    *,
    methods: Sequence[str] = tuple(DEFAULT_PARAMS),
    params: Mapping[str, Mapping[str, Any]] | None = None,
    inception: Any = None,
    inception_missing: str = "FID weights missing",
    feature_cache: str | os.PathLike[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Thesis Table 2, extended: what each denoising method gains and what it costs in texture.

    Rows: ``generated`` (no denoising), one per method, and the real sets for
    reference (``heldout`` and ``test`` compared with train like the generated
    ones; ``train`` with its own within-set values).  Columns:

    - ``noise sigma [0-1]`` — mean :func:`~gan_lib.denoise.estimate_noise_sigma`;
    - ``MPV [0-255]`` and ``MPVD vs train [0-255]`` (the thesis' Table 2);
    - ``SSIM, nearest train image``;
    - ``edge density`` — share of tissue pixels above the training set's edge threshold;
    - ``GLCM shift vs train`` — :func:`gan_lib.texture.texture_shift` over the GLCM features;
    - ``FID`` — when the Inception weights are present and the sets large enough
      (Inception features are only computed then: no other row here uses them).

    Parameters
    ----------
    generated : ndarray, shape (N, H, W)
        Generated set in [-1, 1] (usually ``sets.generated``).
    sets : EvaluationSets
        Provides the real reference sets.
    config : EvaluationConfig
    methods : sequence of str, keyword-only
        Methods of :data:`gan_lib.denoise.METHODS` to apply.
    params : mapping, optional, keyword-only
        ``{method: {parameter: value}}`` overrides of the defaults.
    inception, inception_missing, feature_cache : keyword-only
        As in :func:`~gan_lib.evaluation.table1.metrics_table`.

    Returns
    -------
    table : pandas.DataFrame
        Tidy layout with ``method`` and ``metric`` key columns.
    denoised : dict
        Method → denoised set ``(N, H, W)``.
    """
    params = dict(params or {})
    unknown = sorted(set(params) - set(methods))
    if unknown:
        raise ValueError(f"compare_denoisers: params given for method(s) {unknown} not in methods={list(methods)}.")
    denoised = {method: denoise(generated, method, **params.get(method, {})) for method in methods}
    candidates: dict[str, np.ndarray | None] = {
        "generated": generated,
        **denoised,
        "heldout": sets.heldout,
        "test": sets.test,
    }
    threshold = edge_threshold_of(sets.train, config)
    train_features = texture_features(sets.train, config, edge_threshold=threshold)
    largest = max(len(images) for images in candidates.values() if images is not None)
    fid_of = _fid_against_train(
        sets.train, config, largest=largest, inception=inception, missing=inception_missing, feature_cache=feature_cache
    )
    rows: dict[str, dict[str, Estimate]] = {}
    for name, images in candidates.items():
        if images is None:
            continue
        row = _denoising_row(images, sets.train, train_features, config, edge_threshold=threshold)
        row[FEATURE_ROWS["FID"]] = fid_of(images)
        rows[name] = row
    boot, seed = config.n_resamples, config.seed
    rows["train"] = {
        "noise sigma [0-1]": bootstrap_mean(estimate_noise_sigma(sets.train), n_resamples=boot, seed=seed),
        "MPV [0-255]": mpv(sets.train, n_resamples=boot, seed=seed),
        "edge density": bootstrap_mean(train_features["edge_density"].to_numpy(), n_resamples=boot, seed=seed),
    }
    return tidy_table(rows, row_name="method", column_name="metric"), denoised


def _denoising_row(
    images: np.ndarray,
    train: np.ndarray,
    train_features: pd.DataFrame,
    config: EvaluationConfig,
    *,
    edge_threshold: float,
) -> dict[str, Estimate]:
    """Table 2's columns but FID for one set against ``train`` (its texture features already in ``train_features``)."""
    boot, seed = config.n_resamples, config.seed
    table = texture_features(images, config, edge_threshold=edge_threshold)
    glcm_columns = [c for c in train_features.columns if c not in ("image_index", "sobel_mean", "edge_density")]
    return {
        "noise sigma [0-1]": bootstrap_mean(estimate_noise_sigma(images), n_resamples=boot, seed=seed),
        "MPV [0-255]": mpv(images, n_resamples=boot, seed=seed),
        "MPVD vs train [0-255]": mpvd(images, train, n_resamples=boot, seed=seed),
        "SSIM, nearest train image": nearest_real_scores(images, train, n_resamples=boot, seed=seed).ssim,
        "edge density": bootstrap_mean(table["edge_density"].to_numpy(), n_resamples=boot, seed=seed),
        "GLCM shift vs train": texture_shift(
            table, train_features, columns=glcm_columns, n_resamples=config.texture_resamples, seed=seed
        ),
    }


def _fid_against_train(
    train: np.ndarray,
    config: EvaluationConfig,
    *,
    largest: int,
    inception: Any,
    missing: str,
    feature_cache: str | os.PathLike[str] | None,
) -> Callable[[np.ndarray], Estimate]:
    """``images -> Estimate``: Table 2's FID cell against ``train``, or "not computed" and why.

    The training set's Inception features are computed once, here, and only
    when some set (``largest`` images) and ``train`` both reach
    ``config.fid_min_images``.
    """
    fid_possible = min(len(train), largest) >= config.fid_min_images
    features_train = (
        inception_features(train, model=inception, cache_dir=feature_cache)
        if inception is not None and fid_possible
        else None
    )

    def fid_of(images: np.ndarray) -> Estimate:
        if inception is None:
            return not_computed(missing)
        if features_train is None or len(images) < config.fid_min_images:
            return not_computed(
                f"needs >= {config.fid_min_images} images per set", n=len(images), n_reference=len(train)
            )
        return fid(
            inception_features(images, model=inception, cache_dir=feature_cache),
            features_train,
            min_images=config.fid_min_images,
            n_bootstrap=config.n_costly_bootstrap,
            seed=config.seed,
        )

    return fid_of
