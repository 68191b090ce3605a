"""Tests for gan_lib.metrics.bootstrap: the Estimate type and its intervals."""

import math

import numpy as np
import pytest

from gan_lib.metrics.bootstrap import Estimate, bootstrap_mean, bootstrap_statistic, normal_interval, not_computed


def test_bootstrap_mean_interval_covers_true_mean():
    values = np.random.default_rng(0).normal(5.0, 1.0, size=400)
    result = bootstrap_mean(values, n_resamples=500)
    assert result.ci_low < 5.0 < result.ci_high
    assert result.ci_high - result.ci_low == pytest.approx(2 * 1.96 / 20, rel=0.25)


def test_bootstrap_mean_rejects_empty():
    with pytest.raises(ValueError, match="empty"):
        bootstrap_mean(np.array([]))


def test_bootstrap_mean_of_one_value_has_no_interval():
    result = bootstrap_mean(np.array([2.0]))
    assert result.value == 2.0 and math.isnan(result.ci_low)


def test_bootstrap_statistic_two_samples_reports_both_sizes():
    diff = lambda a, b, axis=-1: a.mean(axis) - b.mean(axis)  # noqa: E731
    result = bootstrap_statistic(diff, [np.ones(10), np.zeros(20)])
    assert (result.value, result.n, result.n_reference) == (1.0, 10, 20)


def test_normal_interval_is_symmetric():
    result = normal_interval(3.0, np.array([2.0, 3.0, 4.0]), n=5)
    assert result.value - result.ci_low == pytest.approx(result.ci_high - result.value)


def test_not_computed_formats_its_reason():
    assert not_computed("weights missing").format() == "not computed: weights missing"
    assert not not_computed("x").computed


def test_estimate_format_shows_sizes_and_interval():
    text = Estimate(0.5, 0.4, 0.6, 10, 20).format(3)
    assert text == "0.5 [0.4, 0.6] (n=10 vs 20)"
