"""The sample-quality metrics of a generated set against the training set, by name (one registry).

Table 1 (:func:`gan_lib.evaluation.metrics_table`) and the quality-vs-time
benchmark (``benchmarks/quality_vs_time.py``) take these rows from
:func:`quality_metrics`, so they compute the same numbers with the same
settings; like StyleGAN2-ADA's ``metric_main``, a metric is added once, in
:data:`QUALITY_METRICS`, with its Table 1 label in :data:`QUALITY_ROWS`:

- ``swd`` — multi-scale sliced Wasserstein distance x 10^3, the average over
  pyramid levels, and each level as ``swd_<res>px`` (lower is better);
- ``diversity`` — mean pairwise MS-SSIM within the set (mode collapse shows
  as values far above the real sets');
- ``spectral`` — the four spectral rows of
  :func:`~gan_lib.evaluation.spectral_rows.spectral_rows` (median slope beta,
  fine-band power in dB, the spectral reader's AUC, the blur-equivalent sigma),
  where blur shows;
- ``cnn_reader`` — the ROC AUC of the blur-aware CNN reader
  (:mod:`gan_lib.metrics.cnn_reader`);
- ``orientation`` — the orientation bias of the fine detail
  (:func:`~gan_lib.metrics.orientation_bias_estimate`, dB): a lattice or
  streaks shared by the samples, which the radial spectrum averages away;
- ``statistics_reader`` and ``c2st`` — the ROC AUC of the two readers of
  :mod:`gan_lib.metrics.c2st` telling the set from the training set
  (0.5 = indistinguishable).

Table 1 reports :data:`TABLE1_METRICS`: every metric but ``c2st``, the 4-epoch
CNN reader, which reads real patches blurred by 1 px at chance, below its own
real-vs-real floors, so a blurrier generator could score better
(``docs/results/readers.md``); the quality-vs-time benchmark keeps it beside
its earlier results.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from gan_lib.metrics import Estimate, ms_ssim_diversity, not_computed, swd
from gan_lib.metrics.c2st import c2st, statistics_reader
from gan_lib.metrics.cnn_reader import cnn_reader
from gan_lib.metrics.orientation import orientation_bias_estimate
from gan_lib.metrics.spectral import fine_band_edge

from .config import EvaluationConfig
from .spectral_rows import ladder_values, spectral_row_names, spectral_rows

__all__ = [
    "QUALITY_METRICS",
    "QUALITY_ROWS",
    "TABLE1_METRICS",
    "quality_metrics",
    "within_set_diversity",
    "quality_row_label",
]

#: Keys of the ``spectral`` metric and their Table 1 labels (against the training set).
_SPECTRAL_KEYS = dict(zip(("slope", "fine_band", "spectral_reader", "blur_sigma"), spectral_row_names("train")))

#: A quality metric: ``(images, train, config) -> {key: Estimate}``.
QualityMetric = Callable[[np.ndarray, np.ndarray, EvaluationConfig], dict[str, Estimate]]


def within_set_diversity(images: np.ndarray, config: EvaluationConfig) -> Estimate:
    """Mean pairwise MS-SSIM within ``images (N, H, W)`` over ``config.diversity_pairs`` pairs, with its interval."""
    return ms_ssim_diversity(images, max_pairs=config.diversity_pairs, seed=config.seed, n_resamples=config.n_resamples)


def _swd(images: np.ndarray, train: np.ndarray, config: EvaluationConfig) -> dict[str, Estimate]:
    result = swd(
        images, train, max_images=config.swd_max_images, n_bootstrap=config.n_costly_bootstrap, seed=config.seed
    )
    return {**{f"swd_{res}px": est for res, est in result.levels.items()}, "swd": result.average}


def _spectral(images: np.ndarray, train: np.ndarray, config: EvaluationConfig) -> dict[str, Estimate]:
    rows = spectral_rows(
        images,
        train,
        reference_name="train",
        ladder=ladder_values(train),
        n_resamples=config.n_resamples,
        seed=config.seed,
    )
    return {key: rows[label] for key, label in _SPECTRAL_KEYS.items()}


def _orientation(images: np.ndarray, train: np.ndarray, config: EvaluationConfig) -> dict[str, Estimate]:
    """Orientation bias from the fine band's lower edge (:func:`~gan_lib.metrics.spectral.fine_band_edge`)."""
    estimate = orientation_bias_estimate(
        images, train, min_frequency=fine_band_edge(images.shape[-1]), n_resamples=config.n_resamples, seed=config.seed
    )
    return {"orientation": estimate}


#: Metric name -> its function; each returns its key(s) with an :class:`Estimate` (value, 95 % CI, sizes).
QUALITY_METRICS: dict[str, QualityMetric] = {
    "swd": _swd,
    "diversity": lambda images, train, config: {"diversity": within_set_diversity(images, config)},
    "spectral": _spectral,
    "orientation": _orientation,
    "cnn_reader": lambda images, train, config: {"cnn_reader": cnn_reader(train, images, seed=config.seed).auc},
    "statistics_reader": lambda images, train, config: {
        "statistics_reader": statistics_reader(train, images, seed=config.seed).auc
    },
    "c2st": lambda images, train, config: {"c2st": c2st(train, images, seed=config.seed).auc},
}

#: The metrics Table 1 reports (module docstring: why not ``c2st``).
TABLE1_METRICS: tuple[str, ...] = ("swd", "diversity", "spectral", "orientation", "cnn_reader", "statistics_reader")

#: Table 1's row label of each metric key (the SWD levels: :func:`quality_row_label`).
QUALITY_ROWS: dict[str, str] = {
    "swd": "SWD x1e3, average",
    "diversity": "MS-SSIM within set (diversity)",
    **_SPECTRAL_KEYS,
    "orientation": "fine-detail orientation bias vs train [dB]",
    "cnn_reader": "blur-aware CNN reader AUC vs train",
    "statistics_reader": "statistics-reader AUC vs train",
    "c2st": "C2ST AUC, 4-epoch CNN reader vs train",
}


def quality_row_label(key: str) -> str:
    """Table 1's label of a key of :func:`quality_metrics`, e.g. ``"swd_16px"`` -> ``"SWD x1e3, 16 px level"``.

    Examples
    --------
    >>> quality_row_label("swd_16px"), quality_row_label("cnn_reader")
    ('SWD x1e3, 16 px level', 'blur-aware CNN reader AUC vs train')
    """
    if key.startswith("swd_") and key.endswith("px"):
        return f"SWD x1e3, {key[4:-2]} px level"
    return QUALITY_ROWS[key]


def quality_metrics(
    images: np.ndarray, train: np.ndarray, config: EvaluationConfig, *, metrics: Sequence[str] = tuple(QUALITY_METRICS)
) -> dict[str, Estimate]:
    """The ``metrics`` of :data:`QUALITY_METRICS` for ``images`` against ``train``, in registry order.

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Generated (or real) set in [-1, 1].  A set holding NaN/inf (a diverged
        generator) gets every metric as not computed, with the reason, instead of an error.
    train : ndarray, shape (M, H, W)
        The reference set in [-1, 1].
    config : EvaluationConfig
        ``swd_max_images``, ``n_costly_bootstrap``, ``diversity_pairs``, ``n_resamples`` and ``seed``.
    metrics : sequence of str
        Names of :data:`QUALITY_METRICS` (default all).

    Returns
    -------
    dict
        Key -> :class:`Estimate`: ``swd_<res>px`` per pyramid level and ``swd``, ``diversity``, ``slope``,
        ``fine_band``, ``spectral_reader``, ``blur_sigma``, ``orientation``, ``cnn_reader``,
        ``statistics_reader``, ``c2st`` (those asked for).
    """
    unknown = sorted(set(metrics) - set(QUALITY_METRICS))
    if unknown:
        raise ValueError(f"quality_metrics: unknown metrics {unknown}; choose from {list(QUALITY_METRICS)}.")
    if not np.all(np.isfinite(images)):
        reason = "generated images hold NaN/inf (training diverged)"
        keys = [key for name in metrics for key in (_SPECTRAL_KEYS if name == "spectral" else (name,))]
        return {
            key: not_computed(reason, n=len(images), n_reference=None if key in ("diversity", "slope") else len(train))
            for key in keys
        }
    out: dict[str, Estimate] = {}
    for name in metrics:
        out.update(QUALITY_METRICS[name](images, train, config))
    return out
