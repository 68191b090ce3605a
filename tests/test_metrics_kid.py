"""Tests for gan_lib.metrics.kid on synthetic features with known answers."""

import numpy as np
import pytest

from gan_lib.metrics.kid import kid, mmd2_unbiased, polynomial_kernel


def test_polynomial_kernel_value():
    x = np.array([[1.0, 2.0]])
    assert polynomial_kernel(x, x)[0, 0] == pytest.approx((5.0 / 2 + 1) ** 3)


def test_kid_near_zero_for_same_distribution():
    rng = np.random.default_rng(0)
    result = kid(rng.normal(size=(400, 16)), rng.normal(size=(400, 16)), subset_size=200, n_subsets=20)
    assert abs(result.value) < 0.01
    assert result.ci_low <= 0.0 <= result.ci_high


def test_kid_positive_for_shifted_distribution():
    rng = np.random.default_rng(1)
    result = kid(rng.normal(size=(400, 16)) + 1.0, rng.normal(size=(400, 16)), subset_size=200, n_subsets=20)
    assert result.value > 0.1 and result.ci_low > 0


def test_mmd2_unbiased_matches_loop_definition():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    k = lambda a, b: (a @ b / 3 + 1) ** 3  # noqa: E731
    xx = np.mean([k(x[i], x[j]) for i in range(5) for j in range(5) if i != j])
    yy = np.mean([k(y[i], y[j]) for i in range(4) for j in range(4) if i != j])
    xy = np.mean([k(a, b) for a in x for b in y])
    assert mmd2_unbiased(x, y) == pytest.approx(xx + yy - 2 * xy)


def test_kid_caps_subset_size_and_says_so():
    rng = np.random.default_rng(3)
    result = kid(rng.normal(size=(30, 4)), rng.normal(size=(50, 4)), subset_size=1000, n_subsets=5)
    assert "capped" in result.note and (result.n, result.n_reference) == (30, 50)
    assert "subsets of 15 " in result.note  # half the smaller set


def test_kid_interval_does_not_collapse_when_the_sets_are_smaller_than_the_subset_size():
    rng = np.random.default_rng(3)
    result = kid(rng.normal(size=(64, 8)), rng.normal(size=(64, 8)) + 0.5, subset_size=1000, n_subsets=50)
    assert result.ci_low < result.value < result.ci_high


def test_kid_rejects_mismatched_dimensions():
    with pytest.raises(ValueError, match="dimensions"):
        kid(np.zeros((10, 3)), np.zeros((10, 4)))


def test_kid_rejects_single_feature_vector():
    with pytest.raises(ValueError, match="at least 2"):
        kid(np.zeros((1, 3)), np.zeros((10, 3)))
