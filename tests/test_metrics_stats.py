"""gan_lib.metrics.stats: one implementation of each interval, checked against scipy/sklearn and textbook values."""

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from gan_lib.metrics.stats import (
    auc_estimate,
    estimate_columns,
    percentile_interval,
    proportion_estimate,
    rank_auc,
    t_estimate,
)


def test_rank_auc_equals_roc_auc_score_with_ties_row_by_row():
    rng = np.random.default_rng(0)
    positive, negative = rng.integers(0, 5, (4, 30)).astype(float), rng.integers(0, 4, (4, 20)).astype(float)
    expected = [roc_auc_score(np.r_[np.ones(30), np.zeros(20)], np.r_[p, n]) for p, n in zip(positive, negative)]
    np.testing.assert_allclose(rank_auc(positive, negative), expected, rtol=0, atol=1e-12)


def test_auc_estimate_is_one_for_separated_and_half_for_equal_scores():
    assert auc_estimate(np.ones(5), np.zeros(5), n_resamples=10).value == 1.0
    assert auc_estimate(np.ones(5), np.ones(5), n_resamples=10).value == 0.5


def test_auc_estimate_interval_covers_the_value_and_resamples_each_class_on_its_own():
    rng = np.random.default_rng(1)
    est = auc_estimate(rng.normal(0.5, 1, 200), rng.normal(0, 1, 300), n_resamples=400, seed=2)
    assert est.ci_low < est.value < est.ci_high and (est.n, est.n_reference) == (200, 300)
    # A shared Generator continues its stream: two estimates from one stream differ from two fresh seeds.
    stream = np.random.default_rng(7)
    first, second = (auc_estimate(np.arange(9.0), np.arange(6.0), n_resamples=50, seed=stream) for _ in range(2))
    assert (first.ci_low, first.ci_high) != (second.ci_low, second.ci_high) or first.ci_low == first.ci_high


def test_auc_estimate_without_resamples_has_no_interval_and_refuses_empty_sets():
    assert math.isnan(auc_estimate(np.ones(3), np.zeros(3), n_resamples=0).ci_low)
    with pytest.raises(ValueError, match="non-empty.*0 positive"):
        auc_estimate(np.array([]), np.zeros(3))


@pytest.mark.parametrize("successes, trials", [(0, 100), (5, 100), (37, 40), (40, 40), (1, 3)])
def test_proportion_estimate_wilson_matches_the_textbook_formula(successes, trials):
    z = 1.959963984540054
    p = successes / trials
    centre = (p + z**2 / (2 * trials)) / (1 + z**2 / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2)) / (1 + z**2 / trials)
    est = proportion_estimate(successes, trials)
    assert est.value == p and est.n == trials
    assert est.ci_low == pytest.approx(max(centre - half, 0.0), abs=1e-12)
    assert est.ci_high == pytest.approx(min(centre + half, 1.0), abs=1e-12)


def test_proportion_estimate_exact_bound_for_all_successes():
    assert proportion_estimate(20, 20, method="exact").ci_low == pytest.approx(0.025 ** (1 / 20))


def test_proportion_estimate_of_no_trials_is_nan_and_bad_counts_are_refused():
    assert math.isnan(proportion_estimate(0, 0).value)
    with pytest.raises(ValueError, match="successes <= trials"):
        proportion_estimate(5, 3)
    with pytest.raises(ValueError, match="'wilson' or 'exact'"):
        proportion_estimate(1, 3, method="agresti")


def test_t_estimate_matches_scipy_and_clips_to_bounds():
    import scipy.stats

    values = np.array([0.91, 0.97, 0.99])
    low, high = scipy.stats.t.interval(0.95, 2, loc=values.mean(), scale=scipy.stats.sem(values))
    est = t_estimate(values, bounds=(0.0, 1.0))
    assert est.ci_low == pytest.approx(low) and est.ci_high == 1.0 < high
    assert math.isnan(t_estimate(np.array([0.5])).ci_low)
    assert t_estimate(np.full(4, 0.5)).ci_low == t_estimate(np.full(4, 0.5)).ci_high == 0.5


def test_percentile_interval_ignores_nan_replicates():
    assert percentile_interval(np.r_[np.arange(101.0), np.nan]) == pytest.approx((2.5, 97.5))


def test_estimate_columns_spell_every_interval_the_same_way():
    est = proportion_estimate(3, 10)
    assert list(estimate_columns("share", est)) == ["share", "share_ci_low", "share_ci_high"]
