"""Thesis Table 1: every metric of the generated set and of the two real floors, each against the training set.

Rows: MSE and SSIM (nearest train image, random train image), MPV, MPVD,
FID, KID, precision and recall (Inception features), SWD per pyramid level,
the mean pairwise MS-SSIM within each set, the spectral rows of
:mod:`.spectral_rows` (slope, fine-band power, spectral reader, blur-equivalent
sigma), the blur-aware CNN reader (:mod:`gan_lib.metrics.cnn_reader`) and the
statistics reader.  The 4-epoch CNN reader (:func:`gan_lib.metrics.c2st.c2st`)
is left out: it reads real patches blurred by 1 px at chance, below its own
real-vs-real floors, so a blurrier generator could score better
(``docs/results/readers.md``).  Columns: ``generated``, ``heldout``
(same-patient floor), ``test`` (other-patient floor) and ``train`` (within-set
rows).  :func:`gan_lib.evaluation.writers.save_table1` writes it.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from gan_lib.metrics import (
    Estimate,
    TooFewImagesError,
    fid,
    inception_features,
    kid,
    mpv,
    mpvd,
    nearest_real_scores,
    not_computed,
    precision_recall,
    random_pair_scores,
    tidy_table,
)
from gan_lib.metrics.pixel import NearestRealScores
from gan_lib.metrics.spectral import slope_estimate

from .config import EvaluationConfig
from .image_sets import EvaluationSets
from .quality import QUALITY_ROWS, TABLE1_METRICS, quality_metrics, quality_row_label, within_set_diversity

__all__ = ["FEATURE_ROWS", "nearest_train_scores", "metrics_table"]

#: Table 1's rows in the TF-Inception pool3 space, each naming it (metric key -> row label).
FEATURE_ROWS: dict[str, str] = {
    metric: f"{metric} (Inception TF-2015)" for metric in ("FID", "KID", "precision", "recall")
}

_TABLE1_ROWS = (
    "MSE, nearest train image",
    "SSIM, nearest train image",
    "MSE, random train image",
    "SSIM, random train image",
    "MPV [0-255]",
    "MPVD vs train [0-255]",
    *FEATURE_ROWS.values(),
    *(label for key, label in QUALITY_ROWS.items() if key != "c2st"),
)


def metrics_table(
    sets: EvaluationSets,
    config: EvaluationConfig,
    *,
    inception: Any = None,
    inception_missing: str = "FID weights missing",
    feature_cache: str | os.PathLike[str] | None = None,
    nearest: Mapping[str, NearestRealScores] | None = None,
) -> pd.DataFrame:
    """Thesis Table 1 as a tidy frame: every metric for generated, held-out and test sets vs train.

    Rows: MSE and SSIM (nearest train image, random train image), MPV, MPVD,
    FID, KID, precision, recall (Inception features; "not computed" without
    the weights), SWD × 10³ per pyramid level and on average, the mean
    pairwise MS-SSIM within each set (the ``train`` column holds the training
    set's own MPV, MS-SSIM and spectral slope), the spectral rows of
    :func:`~gan_lib.evaluation.spectral_rows.spectral_rows` (blur shows there), and the ROC AUC of the
    blur-aware CNN reader and the statistics reader telling each set from the training set
    (0.5 = indistinguishable; the held-out and other-patient columns are the
    real-vs-real floors).

    Parameters
    ----------
    sets : EvaluationSets
    config : EvaluationConfig
    inception : InceptionV3, optional, keyword-only
        From :func:`~gan_lib.evaluation.inception.load_inception_with_note`; ``None`` marks the feature rows
        "not computed".
    inception_missing : str, keyword-only
        Reason shown in those rows.
    feature_cache : path, optional, keyword-only
        Folder where Inception features are kept between notebooks
        (``cache_dir`` of :func:`~gan_lib.metrics.inception_features`).
    nearest : mapping, optional, keyword-only
        :func:`nearest_train_scores` of these ``sets`` and ``config``, when the
        caller has it already (notebook 04 plots its per-image values); sets
        it lacks are searched here.

    Returns
    -------
    pandas.DataFrame
        :func:`gan_lib.metrics.tidy_table` layout (``metric``, ``comparison``, value, CI, n, ...).
        The FID, KID and precision/recall rows use at most ``config.inception_max_images``
        images per set (their ``n`` says how many).
    """
    rows: dict[str, dict[str, Estimate]] = {}

    def put(metric: str, column: str, estimate: Estimate) -> None:
        rows.setdefault(metric, {})[column] = estimate

    train, seed, boot = sets.train, config.seed, config.n_resamples
    nearest = _completed_nearest(nearest, sets, config)
    features_of = _inception_extractor(inception, config, feature_cache)
    features_train = features_of(train) if inception is not None else None
    for column, images in sets.compared().items():
        if images is None:
            reason = f"no {column} split ({sets.missing.get(column, 'empty')})"
            for metric in _TABLE1_ROWS:
                put(metric, column, not_computed(reason))
            continue
        paired = random_pair_scores(images, train, n_resamples=boot, seed=seed)
        put("MSE, nearest train image", column, nearest[column].mse)
        put("SSIM, nearest train image", column, nearest[column].ssim)
        put("MSE, random train image", column, paired["mse"])
        put("SSIM, random train image", column, paired["ssim"])
        put("MPV [0-255]", column, mpv(images, n_resamples=boot, seed=seed))
        put("MPVD vs train [0-255]", column, mpvd(images, train, n_resamples=boot, seed=seed))
        for metric, estimate in _feature_rows(images, features_train, config, features_of, inception_missing).items():
            put(metric, column, estimate)
        for key, estimate in quality_metrics(images, train, config, metrics=TABLE1_METRICS).items():
            put(quality_row_label(key), column, estimate)
    put("MPV [0-255]", "train", mpv(train, n_resamples=boot, seed=seed))
    put(QUALITY_ROWS["diversity"], "train", within_set_diversity(train, config))
    put(QUALITY_ROWS["slope"], "train", slope_estimate(train, seed=seed))
    return tidy_table(rows)


def nearest_train_scores(sets: EvaluationSets, config: EvaluationConfig) -> dict[str, NearestRealScores]:
    """Each compared set against its nearest training images, as Table 1's nearest rows compute it.

    One nearest-neighbour search per set; pass the result to
    :func:`metrics_table` (``nearest=``) to reuse it, e.g. after plotting
    the per-image values.

    Parameters
    ----------
    sets : EvaluationSets
    config : EvaluationConfig
        ``n_resamples`` and ``seed`` (the bootstrap of the two means) are used.

    Returns
    -------
    dict
        Column (``generated``, ``heldout``, ``test``; absent splits left out) →
        :class:`~gan_lib.metrics.pixel.NearestRealScores` of that set against ``sets.train``.
    """
    return {
        column: _nearest_of(images, sets.train, config)
        for column, images in sets.compared().items()
        if images is not None
    }


def _completed_nearest(
    given: Mapping[str, NearestRealScores] | None, sets: EvaluationSets, config: EvaluationConfig
) -> dict[str, NearestRealScores]:
    """:func:`nearest_train_scores` of ``sets``: ``given`` (checked to fit) plus a search for each set it lacks."""
    given = dict(given or {})
    compared = sets.compared()
    resamples = f"percentile bootstrap, {config.n_resamples} resamples"
    for column, scores in given.items():
        images = compared.get(column)
        if (
            images is None
            or (scores.mse.n, scores.mse.n_reference) != (len(images), len(sets.train))
            or scores.mse.ci_method not in ("", resamples)
        ):
            raise ValueError(
                f"metrics_table: nearest[{column!r}] does not belong to these sets and config (it holds "
                f"{scores.mse.n} images vs {scores.mse.n_reference}, {scores.mse.ci_method or 'no interval'}); "
                "pass nearest=nearest_train_scores(sets, config), or leave nearest out."
            )
    return {
        column: given[column] if column in given else _nearest_of(images, sets.train, config)
        for column, images in compared.items()
        if images is not None
    }


def _nearest_of(images: np.ndarray, train: np.ndarray, config: EvaluationConfig) -> NearestRealScores:
    """One set against its nearest training images, with Table 1's bootstrap settings."""
    return nearest_real_scores(images, train, n_resamples=config.n_resamples, seed=config.seed)


def _inception_extractor(
    inception: Any, config: EvaluationConfig, cache_dir: str | os.PathLike[str] | None
) -> Callable[[np.ndarray], np.ndarray]:
    """``images -> (n, 2048)`` Inception features of at most ``config.inception_max_images`` of them.

    The subset is drawn without replacement with ``config.seed``, so the same
    set gives the same subset (and a cache hit) in every notebook.
    """

    def features_of(images: np.ndarray) -> np.ndarray:
        cap = config.inception_max_images
        if 0 < cap < len(images):
            keep = np.sort(np.random.default_rng(config.seed).choice(len(images), cap, replace=False))
            images = images[keep]
        return inception_features(images, model=inception, cache_dir=cache_dir)

    return features_of


def _feature_rows(
    images: np.ndarray,
    features_train: np.ndarray | None,
    config: EvaluationConfig,
    features_of: Callable[[np.ndarray], np.ndarray],
    missing: str,
) -> dict[str, Estimate]:
    """FID, KID, precision and recall of one set against train (or "not computed" rows)."""
    if features_train is None:
        return {label: not_computed(missing) for label in FEATURE_ROWS.values()}
    features = features_of(images)
    try:
        fid_estimate = fid(
            features,
            features_train,
            min_images=config.fid_min_images,
            n_bootstrap=config.n_costly_bootstrap,
            seed=config.seed,
        )
    except TooFewImagesError:
        fid_estimate = not_computed(
            f"needs >= {config.fid_min_images} images per set; have {len(features)} and {len(features_train)}",
            n=len(features),
            n_reference=len(features_train),
        )
    pr = precision_recall(features, features_train, k=config.pr_k)
    return {
        FEATURE_ROWS["FID"]: fid_estimate,
        FEATURE_ROWS["KID"]: kid(
            features, features_train, subset_size=config.kid_subset_size, n_subsets=config.kid_subsets, seed=config.seed
        ),
        FEATURE_ROWS["precision"]: pr["precision"],
        FEATURE_ROWS["recall"]: pr["recall"],
    }
