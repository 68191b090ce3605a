"""The statistics behind every interval outside the image metrics: rank AUC, proportions, means over seeds.

One implementation each, on top of scipy, so the memorisation audit, the
RQ2 classifiers, label fidelity, the reader study and the tables compute the
same quantity the same way:

- :func:`rank_auc` — the Mann-Whitney AUC from mid-ranks (ties count one
  half), vectorised over bootstrap resamples;
- :func:`auc_estimate` — that AUC with a stratified percentile-bootstrap interval
  (each class resampled on its own, class sizes kept);
- :func:`proportion_estimate` — a binomial proportion with the Wilson or the
  exact Clopper-Pearson interval (:meth:`scipy.stats.binomtest.proportion_ci`);
- :func:`t_estimate` — a mean over a few runs (seeds) with a Student-t interval;
- :func:`percentile_interval` — the percentile interval of bootstrap replicates
  computed elsewhere (e.g. several metrics from one set of resamples);
- :func:`mean_rows_estimate` — a statistic of two sets' mean feature rows (per-image
  spectra pooled by annulus or orientation) with a percentile-bootstrap interval.

Each returns an :class:`~gan_lib.metrics.bootstrap.Estimate`, so a table column
pair is always spelled ``<name>_ci_low`` / ``<name>_ci_high``
(:func:`estimate_columns`).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import scipy.stats

from gan_lib.metrics.bootstrap import CONFIDENCE, Estimate

__all__ = [
    "mean_rows_estimate",
    "rank_auc",
    "auc_estimate",
    "proportion_estimate",
    "t_estimate",
    "percentile_interval",
    "estimate_columns",
]

SeedLike = int | np.random.Generator


def rank_auc(positive: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """Row-wise probability that a positive score exceeds a negative one (Mann-Whitney AUC, ties count 1/2).

    Parameters
    ----------
    positive : ndarray, shape (B, P)
        Scores of the positive items, one row per (resampled) set.
    negative : ndarray, shape (B, M)
        Scores of the negative items.

    Returns
    -------
    ndarray, shape (B,)
        The AUC of each row; equal to :func:`sklearn.metrics.roc_auc_score`.

    Examples
    --------
    >>> rank_auc(np.array([[3.0, 2.0]]), np.array([[1.0, 2.0]]))
    array([0.875])
    """
    positive, negative = np.atleast_2d(positive), np.atleast_2d(negative)
    n_pos, n_neg = positive.shape[1], negative.shape[1]
    ranks = scipy.stats.rankdata(np.concatenate([positive, negative], axis=1), axis=1)
    return (ranks[:, :n_pos].sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def percentile_interval(replicates: np.ndarray, *, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The central ``confidence`` percentile interval of bootstrap ``replicates`` (NaN replicates ignored).

    Examples
    --------
    >>> low, high = percentile_interval(np.arange(101.0))
    >>> round(low, 6), round(high, 6)
    (2.5, 97.5)
    """
    alpha = (1 - confidence) / 2
    low, high = np.nanquantile(np.asarray(replicates, dtype=np.float64), [alpha, 1 - alpha])
    return float(low), float(high)


def mean_rows_estimate(
    statistic: Callable[[np.ndarray, np.ndarray], np.ndarray],
    rows: np.ndarray,
    reference_rows: np.ndarray,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    note: str = "",
) -> Estimate:
    """``statistic`` of two sets' mean rows, with a percentile-bootstrap interval (both sets resampled).

    Each resample draws the rows of both sets with replacement, as multinomial
    counts, so all resamples are one matrix product.

    Parameters
    ----------
    statistic : callable
        ``statistic(mean, mean_reference)`` on arrays whose last axis is the
        feature axis, one value per leading index: it is called on ``(K,)``
        and on ``(n_resamples, K)`` means.
    rows, reference_rows : ndarray, shape (N, K) and (M, K)
        Per-image features of the two sets (e.g. power per annulus).
    n_resamples, seed, note
        Resamples, their seed, and the note of the result.

    Examples
    --------
    >>> gap = lambda a, b: (a - b).sum(axis=-1)
    >>> est = mean_rows_estimate(gap, np.ones((5, 2)), np.zeros((4, 2)))
    >>> est.value, est.ci_low, est.ci_high, est.n, est.n_reference
    (2.0, 2.0, 2.0, 5, 4)
    """
    value = float(statistic(rows.mean(axis=0), reference_rows.mean(axis=0)))
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(rows), np.full(len(rows), 1 / len(rows)), size=n_resamples)
    counts_reference = rng.multinomial(
        len(reference_rows), np.full(len(reference_rows), 1 / len(reference_rows)), size=n_resamples
    )
    replicates = statistic(counts @ rows / len(rows), counts_reference @ reference_rows / len(reference_rows))
    low, high = percentile_interval(replicates)
    return Estimate(
        value, low, high, len(rows), len(reference_rows), f"percentile bootstrap, {n_resamples} resamples", note
    )


def auc_estimate(
    positive: np.ndarray,
    negative: np.ndarray,
    *,
    n_resamples: int = 1000,
    confidence: float = CONFIDENCE,
    seed: SeedLike = 0,
    note: str = "",
) -> Estimate:
    """AUC that a ``positive`` score exceeds a ``negative`` one, with a stratified percentile-bootstrap interval.

    Parameters
    ----------
    positive : ndarray, shape (P,)
        Scores of the positive items (e.g. synthetic images, members).
    negative : ndarray, shape (M,)
        Scores of the negative items.
    n_resamples : int, keyword-only
        Bootstrap resamples; 0 gives the AUC without an interval.
    confidence : float, keyword-only
        Two-sided level of the interval.
    seed : int or numpy Generator, keyword-only
        Seeds the resampling; a Generator is drawn from (and advanced), so several
        estimates can share one stream.
    note : str, keyword-only
        Copied into the result.

    Returns
    -------
    Estimate
        ``n = P``, ``n_reference = M``.

    Examples
    --------
    >>> auc_estimate(np.array([2.0, 3.0]), np.array([0.0, 1.0]), n_resamples=0).value
    1.0
    """
    positive, negative = np.asarray(positive, float).ravel(), np.asarray(negative, float).ravel()
    if len(positive) == 0 or len(negative) == 0:
        raise ValueError(
            f"auc_estimate: both score sets must be non-empty; got {len(positive)} positive and "
            f"{len(negative)} negative scores."
        )
    auc = float(rank_auc(positive, negative)[0])
    if n_resamples <= 0:
        return Estimate(auc, math.nan, math.nan, len(positive), len(negative), "", note)
    rng = np.random.default_rng(seed)
    replicates = rank_auc(
        rng.choice(positive, (n_resamples, len(positive))), rng.choice(negative, (n_resamples, len(negative)))
    )
    low, high = percentile_interval(replicates, confidence=confidence)
    return Estimate(
        auc, low, high, len(positive), len(negative), f"stratified percentile bootstrap, {n_resamples} resamples", note
    )


def proportion_estimate(
    successes: int, trials: int, *, method: str = "wilson", confidence: float = CONFIDENCE, note: str = ""
) -> Estimate:
    """The proportion ``successes / trials`` with a binomial interval.

    Parameters
    ----------
    successes, trials : int
        Counts; ``trials == 0`` gives NaN everywhere.
    method : {"wilson", "exact"}, keyword-only
        Wilson score interval, or the exact Clopper-Pearson one (reader study).
    confidence : float, keyword-only
        Two-sided level.
    note : str, keyword-only
        Copied into the result.

    Examples
    --------
    >>> est = proportion_estimate(0, 100)
    >>> est.value, round(est.ci_low, 3), round(est.ci_high, 3), est.n
    (0.0, 0.0, 0.037, 100)
    """
    if method not in ("wilson", "exact"):
        raise ValueError(f"proportion_estimate: method must be 'wilson' or 'exact'; got {method!r}.")
    if trials < 0 or not 0 <= successes <= max(trials, 0):
        raise ValueError(f"proportion_estimate: need 0 <= successes <= trials; got {successes} of {trials}.")
    if trials == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, None, "", note)
    ci = scipy.stats.binomtest(int(successes), int(trials)).proportion_ci(confidence_level=confidence, method=method)
    return Estimate(
        successes / trials,
        float(ci.low),
        float(ci.high),
        int(trials),
        None,
        f"{'Wilson score' if method == 'wilson' else 'exact Clopper-Pearson'} interval",
        note,
    )


def t_estimate(
    values: np.ndarray, *, confidence: float = CONFIDENCE, bounds: tuple[float, float] = (-math.inf, math.inf)
) -> Estimate:
    """Mean of a few values (e.g. one per seed) with a Student-t interval, clipped to ``bounds``.

    Parameters
    ----------
    values : ndarray, shape (n,)
        One value per run.
    confidence : float, keyword-only
        Two-sided level.
    bounds : (float, float), keyword-only
        Range the quantity lives in (e.g. ``(0, 1)`` for an AUC); a t-interval
        from few runs can overshoot it, so it is clipped there.

    Returns
    -------
    Estimate
        NaN interval for one value; a zero-width one when all values agree.

    Examples
    --------
    >>> est = t_estimate(np.array([0.6, 0.7, 0.8]), bounds=(0.0, 1.0))
    >>> round(est.value, 3), round(est.ci_low, 3), round(est.ci_high, 3)
    (0.7, 0.452, 0.948)
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    mean = float(values.mean())
    if len(values) < 2:
        return Estimate(mean, math.nan, math.nan, len(values))
    half = 0.0
    if values.std() > 0:
        half = scipy.stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return Estimate(
        mean,
        float(max(mean - half, bounds[0])),
        float(min(mean + half, bounds[1])),
        len(values),
        None,
        f"Student t over {len(values)} runs",
    )


def estimate_columns(name: str, estimate: Estimate) -> dict[str, float]:
    """``{name: value, name_ci_low: ..., name_ci_high: ...}``: the one spelling of an interval in a table row.

    Examples
    --------
    >>> estimate_columns("auc", Estimate(0.7, 0.6, 0.8, 10))
    {'auc': 0.7, 'auc_ci_low': 0.6, 'auc_ci_high': 0.8}
    """
    return {name: estimate.value, f"{name}_ci_low": estimate.ci_low, f"{name}_ci_high": estimate.ci_high}
