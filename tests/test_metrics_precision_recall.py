"""Tests for gan_lib.metrics.precision_recall on synthetic features with known answers."""

import numpy as np
import pytest

from gan_lib.metrics.precision_recall import knn_radii, precision_recall


def test_identical_sets_have_full_precision_and_recall():
    x = np.random.default_rng(0).normal(size=(200, 8))
    result = precision_recall(x, x.copy())
    assert result["precision"].value == 1.0 and result["recall"].value == 1.0


def test_disjoint_sets_have_zero_precision_and_recall():
    rng = np.random.default_rng(1)
    result = precision_recall(rng.normal(size=(200, 8)) + 100.0, rng.normal(size=(200, 8)))
    assert result["precision"].value == 0.0 and result["recall"].value == 0.0


def test_collapsed_generator_has_high_precision_low_recall():
    rng = np.random.default_rng(2)
    real = rng.normal(size=(300, 4))
    collapsed = real[:5][rng.integers(0, 5, 300)] + rng.normal(scale=0.01, size=(300, 4))
    result = precision_recall(collapsed, real)
    assert result["precision"].value > 0.9 and result["recall"].value < 0.3


def test_interval_brackets_value():
    rng = np.random.default_rng(3)
    result = precision_recall(rng.normal(size=(100, 4)), rng.normal(size=(120, 4)))
    for estimate in result.values():
        assert estimate.ci_low <= estimate.value <= estimate.ci_high
        assert (estimate.n, estimate.n_reference) == (100, 120)


def test_knn_radii_excludes_the_point_itself():
    np.testing.assert_allclose(knn_radii(np.array([[0.0], [1.0], [3.0], [6.0]]), k=2), [3.0, 2.0, 3.0, 5.0])


def test_precision_recall_rejects_too_few_vectors():
    with pytest.raises(ValueError, match="at least 4"):
        precision_recall(np.zeros((3, 2)), np.zeros((10, 2)), k=3)
