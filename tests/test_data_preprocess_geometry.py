"""Known-answer tests for gan_lib.data.preprocess geometry: resampling, flip and framing, on small arrays."""

from __future__ import annotations

import numpy as np
import pytest

from gan_lib.data.preprocess import (
    bounding_box,
    chest_wall_side,
    crop_to_mask,
    downscale,
    flip_to_side,
    pad_to_square,
    resize,
)


def _disk(shape=(120, 100), centre=(60, 0), radius=45):
    """A half-disk 'breast' attached to the left edge."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 <= radius**2


def test_downscale_block_average_known_values():
    out = downscale(np.arange(16.0).reshape(4, 4), 0.5)
    np.testing.assert_allclose(out, [[2.5, 4.5], [10.5, 12.5]])


def test_downscale_non_integer_factor_shape():
    assert downscale(np.ones((90, 60)), 1 / 3).shape == (30, 20)
    assert downscale(np.ones((100, 100)), 0.4).shape == (40, 40)


def test_downscale_rejects_scale_above_one():
    with pytest.raises(ValueError, match="scale must be in"):
        downscale(np.ones((4, 4)), 2.0)


def test_flip_to_side_makes_laterality_consistent():
    left = _disk().astype(float)
    right = left[:, ::-1]
    for image, side in ((left, "left"), (right, "right")):
        out = flip_to_side(image, chest_wall=side, side="left")
        assert chest_wall_side(out > 0) == "left"
    np.testing.assert_array_equal(flip_to_side(right, chest_wall="right", side="left"), left)


def test_bounding_box_known_answer_and_margin():
    mask = np.zeros((100, 100), bool)
    mask[20:40, 10:60] = True
    assert bounding_box(mask, margin=0) == (20, 40, 10, 60)
    assert bounding_box(mask, margin=0.1) == (18, 42, 5, 65)
    assert bounding_box(mask, margin=10) == (0, 100, 0, 100)


def test_crop_to_mask_returns_crop_and_box():
    mask = np.zeros((10, 10), bool)
    mask[2:5, 3:8] = True
    crop, box = crop_to_mask(np.arange(100).reshape(10, 10), mask, margin=0)
    assert box == (2, 5, 3, 8)
    np.testing.assert_array_equal(crop, np.arange(100).reshape(10, 10)[2:5, 3:8])


def test_pad_to_square_keeps_chest_wall_edge():
    out = pad_to_square(np.ones((4, 2)), chest_wall="right")
    assert out.shape == (4, 4)
    np.testing.assert_array_equal(out[:, 2:], 1)
    np.testing.assert_array_equal(out[:, :2], 0)


def test_resize_shape_and_range():
    image = np.random.default_rng(0).uniform(0, 1, (97, 61))
    out = resize(image, (32, 32))
    assert out.shape == (32, 32) and out.dtype == np.float32
    assert image.min() <= out.min() and out.max() <= image.max()


def test_resize_anti_aliases_checkerboard():
    checker = (np.indices((64, 64)).sum(0) % 2).astype(float)
    out = resize(checker, (16, 16))
    assert np.abs(out - 0.5).max() < 0.1
