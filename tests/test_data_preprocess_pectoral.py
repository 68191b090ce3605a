"""Known-answer tests for gan_lib.data.preprocess pectoral muscle suppression, on small synthetic arrays."""

from __future__ import annotations

import numpy as np

from gan_lib.data.preprocess import suppress_pectoral


def _disk(shape=(120, 100), centre=(60, 0), radius=45):
    """A half-disk 'breast' attached to the left edge."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 <= radius**2


def test_suppress_pectoral_removes_corner_triangle():
    yy, xx = np.mgrid[:60, :60]
    mask = np.ones((60, 60), bool)
    image = np.where(xx + yy < 30, 3.0, 1.0) + 0.01 * xx
    out = suppress_pectoral(image, mask, chest_wall="left")
    muscle = xx + yy < 30
    assert (~out[muscle]).mean() > 0.9
    assert out[~muscle & (xx + yy > 34)].all()


def test_suppress_pectoral_right_side_mirrors():
    yy, xx = np.mgrid[:60, :60]
    image = np.where(xx + yy < 30, 3.0, 1.0)[:, ::-1]
    out = suppress_pectoral(image, np.ones((60, 60), bool), chest_wall="right")
    assert not out[2, 57] and out[50, 5]


def test_suppress_pectoral_leaves_mask_without_muscle_unchanged():
    rng = np.random.default_rng(0)
    mask = _disk()
    image = rng.uniform(0.4, 0.6, mask.shape)
    np.testing.assert_array_equal(suppress_pectoral(image, mask), mask)
