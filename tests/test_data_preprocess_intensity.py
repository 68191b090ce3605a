"""Known-answer tests for gan_lib.data.preprocess intensity steps, on small synthetic arrays."""

from __future__ import annotations

import numpy as np
import pytest

from gan_lib.data.preprocess import normalise_intensity, to_monochrome2, unit_to_model_range


def test_to_monochrome2_inverts_monochrome1():
    image = np.array([[0, 100], [40, 100]], np.uint16)
    np.testing.assert_array_equal(to_monochrome2(image, photometric="MONOCHROME1"), [[100, 0], [60, 0]])
    np.testing.assert_array_equal(to_monochrome2(image, photometric="MONOCHROME2"), image)


def test_to_monochrome2_rejects_colour():
    with pytest.raises(ValueError, match="MONOCHROME1"):
        to_monochrome2(np.ones((4, 4)), photometric="RGB")


def test_normalise_intensity_windows_by_masked_percentiles():
    image = np.array([[0.0, 10.0], [20.0, 1000.0]])
    mask = np.array([[False, True], [True, False]])
    out = normalise_intensity(image, mask=mask, percentiles=(0, 100))
    np.testing.assert_allclose(out, [[0, 0], [1, 1]])
    assert out.dtype == np.float32


def test_normalise_intensity_range_is_unit_interval():
    out = normalise_intensity(np.random.default_rng(0).normal(size=(32, 32)))
    assert out.min() == 0.0 and out.max() == 1.0


def test_unit_to_model_range_maps_unit_interval():
    out = unit_to_model_range(np.array([0.0, 0.25, 1.0, 1.5]))
    np.testing.assert_allclose(out, [-1.0, -0.5, 1.0, 1.0])
    assert out.dtype == np.float32
