"""One result type for every reported number, and the confidence intervals behind it.

Every metric in :mod:`gan_lib.metrics` returns an :class:`Estimate`: the value,
its 95 % confidence interval, the sample size(s) it was computed from and how
the interval was obtained.  Table 1 and Table 2 are built from these objects,
so no number can reach a table without its ``n`` and its interval.

Intervals come from :func:`scipy.stats.bootstrap` (percentile method) where the
statistic is cheap, and from a normal approximation to a small number of
bootstrap replicates (:func:`normal_interval`) where each replicate is costly
(SWD, FID).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable, Sequence

import numpy as np
import scipy.stats

__all__ = ["Estimate", "not_computed", "bootstrap_mean", "bootstrap_statistic", "normal_interval"]

#: Confidence level of every interval the project reports.
CONFIDENCE = 0.95


@dataclasses.dataclass(frozen=True)
class Estimate:
    """A reported number with its uncertainty and provenance.

    Attributes
    ----------
    value : float
        The point estimate (``nan`` when not computed; see ``note``).
    ci_low, ci_high : float
        Bounds of the 95 % confidence interval (``nan`` when unavailable).
    n : int
        Number of items of the evaluated set (images, pairs or features).
    n_reference : int or None
        Number of items of the reference set for two-set metrics, else ``None``.
    ci_method : str
        How the interval was obtained, e.g. ``"percentile bootstrap, 1000 resamples"``.
    note : str
        Anything a reader must know: settings that differ from the standard,
        or why the value was not computed.
    """

    value: float
    ci_low: float
    ci_high: float
    n: int
    n_reference: int | None = None
    ci_method: str = ""
    note: str = ""

    @property
    def computed(self) -> bool:
        """Whether ``value`` holds a number (``False`` for :func:`not_computed` rows)."""
        return not math.isnan(self.value)

    def format(self, digits: int = 4) -> str:
        """``"0.1234 [0.1100, 0.1350] (n=256 vs 1024)"`` or the note when not computed."""
        if not self.computed:
            return self.note or "not computed"
        sizes = f"n={self.n}" if self.n_reference is None else f"n={self.n} vs {self.n_reference}"
        value = f"{self.value:.{digits}g}"
        if math.isnan(self.ci_low):
            return f"{value} ({sizes})"
        return f"{value} [{self.ci_low:.{digits}g}, {self.ci_high:.{digits}g}] ({sizes})"


def not_computed(reason: str, *, n: int = 0, n_reference: int | None = None) -> Estimate:
    """An :class:`Estimate` row that states why a metric has no value (e.g. missing weights)."""
    return Estimate(math.nan, math.nan, math.nan, n, n_reference, "", f"not computed: {reason}")


def bootstrap_mean(
    values: np.ndarray,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    n_reference: int | None = None,
    note: str = "",
) -> Estimate:
    """Mean of per-item values with a percentile-bootstrap 95 % interval.

    Parameters
    ----------
    values : ndarray, shape (n,)
        One value per image or pair (e.g. per-image SSIM).
    n_resamples : int, keyword-only
        Bootstrap resamples.
    seed : int, keyword-only
        Seed of the resampling.
    n_reference : int, optional, keyword-only
        Size of the reference set, copied into the result for reporting.
    note : str, keyword-only
        Copied into the result.

    Returns
    -------
    Estimate
        With ``n = len(values)``; the interval is ``nan`` when ``n < 2``.

    Examples
    --------
    >>> est = bootstrap_mean(np.array([1.0, 1.0, 1.0]))
    >>> est.value, est.ci_low, est.ci_high, est.n
    (1.0, 1.0, 1.0, 3)
    """
    values = _as_finite_1d(values, "values")
    if len(values) < 2:
        return Estimate(float(values.mean()), math.nan, math.nan, len(values), n_reference, "", note)
    result = scipy.stats.bootstrap(
        (values,),
        np.mean,
        confidence_level=CONFIDENCE,
        n_resamples=n_resamples,
        method="percentile",
        rng=seed,
    )
    ci = result.confidence_interval
    return Estimate(
        float(values.mean()),
        float(ci.low),
        float(ci.high),
        len(values),
        n_reference,
        f"percentile bootstrap, {n_resamples} resamples",
        note,
    )


def bootstrap_statistic(
    statistic: Callable[..., np.ndarray | float],
    samples: Sequence[np.ndarray],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    note: str = "",
) -> Estimate:
    """A statistic of one or two independent samples with a percentile-bootstrap 95 % interval.

    Each sample is resampled independently (``paired=False``), as for the
    difference of the mean pixel values of two unrelated image sets.

    Parameters
    ----------
    statistic : callable
        ``statistic(*samples, axis=-1)``, vectorised over ``axis`` as
        :func:`scipy.stats.bootstrap` requires.
    samples : sequence of ndarray, shape (n_i,)
        One or two samples; ``n`` and ``n_reference`` of the result are their lengths.
    n_resamples, seed, note
        As in :func:`bootstrap_mean`.

    Returns
    -------
    Estimate

    Examples
    --------
    >>> diff = lambda a, b, axis=-1: np.abs(a.mean(axis) - b.mean(axis))
    >>> bootstrap_statistic(diff, [np.zeros(4), np.ones(5)]).value
    1.0
    """
    samples = [_as_finite_1d(s, f"samples[{i}]") for i, s in enumerate(samples)]
    if not 1 <= len(samples) <= 2:
        raise ValueError(f"bootstrap_statistic: expected one or two samples; got {len(samples)}.")
    value = float(statistic(*samples, axis=-1))
    n_reference = len(samples[1]) if len(samples) == 2 else None
    if min(len(s) for s in samples) < 2:
        return Estimate(value, math.nan, math.nan, len(samples[0]), n_reference, "", note)
    result = scipy.stats.bootstrap(
        tuple(samples),
        statistic,
        confidence_level=CONFIDENCE,
        n_resamples=n_resamples,
        method="percentile",
        paired=False,
        rng=seed,
    )
    ci = result.confidence_interval
    return Estimate(
        value,
        float(ci.low),
        float(ci.high),
        len(samples[0]),
        n_reference,
        f"percentile bootstrap, {n_resamples} resamples",
        note,
    )


def normal_interval(
    value: float,
    replicates: np.ndarray,
    *,
    n: int,
    n_reference: int | None = None,
    note: str = "",
) -> Estimate:
    """An :class:`Estimate` with the interval ``value ± z·sd(replicates)``.

    Used for costly statistics (SWD, FID) where only tens of bootstrap
    replicates are affordable: their standard deviation is stable with that
    many, their 2.5 % and 97.5 % quantiles are not.

    Parameters
    ----------
    value : float
        The estimate on the full sets.
    replicates : ndarray, shape (r,)
        The statistic recomputed on ``r >= 2`` bootstrap resamples.
    n, n_reference, note
        Copied into the result.

    Examples
    --------
    >>> est = normal_interval(1.0, np.array([0.9, 1.1]), n=10)
    >>> round(est.ci_low, 3), round(est.ci_high, 3)
    (0.723, 1.277)
    """
    replicates = np.asarray(replicates, dtype=np.float64).ravel()
    if len(replicates) < 2:
        return Estimate(float(value), math.nan, math.nan, n, n_reference, "", note)
    replicates = _as_finite_1d(replicates, "replicates")
    z = float(scipy.stats.norm.ppf(0.5 + CONFIDENCE / 2))
    sd = float(np.std(replicates, ddof=1))
    return Estimate(
        float(value),
        float(value - z * sd),
        float(value + z * sd),
        n,
        n_reference,
        f"normal approximation, sd of {len(replicates)} bootstrap replicates",
        note,
    )


def _as_finite_1d(values: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.size == 0:
        raise ValueError(f"{name}: needs at least one value; got an empty array.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: {int(np.count_nonzero(~np.isfinite(arr)))} value(s) are NaN or inf.")
    return arr
