"""Known-answer tests for gan_lib.data.preprocess on small synthetic arrays."""
from __future__ import annotations

import numpy as np
import pytest

from gan_lib.data.preprocess import (
    NoBreastFoundError,
    bounding_box,
    breast_mask,
    chest_wall_side,
    crop_to_mask,
    downscale,
    flip_to_side,
    normalise_intensity,
    pad_to_square,
    remove_outside_mask,
    resize,
    scale_to_model_range,
    suppress_pectoral,
    to_monochrome2,
)


def _disk(shape=(120, 100), centre=(60, 0), radius=45):
    """A half-disk 'breast' attached to the left edge."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 <= radius**2


def _phantom(seed=0):
    """Textured breast on a noisy film background, with a bright label and a scanner strip at the bottom."""
    rng = np.random.default_rng(seed)
    breast = _disk()
    image = rng.normal(300, 50, breast.shape).clip(0)  # film background
    image[breast] = rng.uniform(8000, 30000, breast.sum())  # fat .. dense
    image[10:20, 70:90] = 60000  # label "LCC", away from the breast
    image[-4:, :] = 50000  # thin scanner-border strip touching the breast
    image[:, :3] = 0  # zero padding from the digitiser
    breast[:, :3] = False
    return image.astype(np.uint16), breast


def test_downscale_block_average_known_values():
    out = downscale(np.arange(16.0).reshape(4, 4), 0.5)
    np.testing.assert_allclose(out, [[2.5, 4.5], [10.5, 12.5]])


def test_downscale_non_integer_factor_shape():
    assert downscale(np.ones((90, 60)), 1 / 3).shape == (30, 20)
    assert downscale(np.ones((100, 100)), 0.4).shape == (40, 40)


def test_downscale_rejects_scale_above_one():
    with pytest.raises(ValueError, match="scale must be in"):
        downscale(np.ones((4, 4)), 2.0)


def test_to_monochrome2_inverts_monochrome1():
    image = np.array([[0, 100], [40, 100]], np.uint16)
    np.testing.assert_array_equal(to_monochrome2(image, photometric="MONOCHROME1"), [[100, 0], [60, 0]])
    np.testing.assert_array_equal(to_monochrome2(image, photometric="MONOCHROME2"), image)


def test_to_monochrome2_rejects_colour():
    with pytest.raises(ValueError, match="MONOCHROME1"):
        to_monochrome2(np.ones((4, 4)), photometric="RGB")


def test_breast_mask_segments_known_disk():
    image, breast = _phantom()
    mask = breast_mask(image)
    iou = (mask & breast).sum() / (mask | breast).sum()
    assert iou > 0.95


def test_breast_mask_excludes_label_and_border_strip():
    image, _ = _phantom()
    mask = breast_mask(image)
    assert not mask[10:20, 70:90].any()
    assert not mask[-4:, 60:].any()


def test_breast_mask_drops_film_band_along_chest_wall():
    image, breast = _phantom()
    image[:, 3:11] = np.maximum(image[:, 3:11], 6000)  # unexposed film band, 8 px wide, full height
    mask = breast_mask(image)
    assert not mask[:5, 3:11].any() and not mask[-10:, 3:11].any()
    assert (mask & breast).sum() / breast.sum() > 0.95


def test_breast_mask_fills_holes():
    image, breast = _phantom()
    image[55:65, 20:30] = 0  # a dark hole inside the breast
    assert breast_mask(image)[55:65, 20:30].all()


def test_breast_mask_constant_image_raises():
    with pytest.raises(NoBreastFoundError, match="constant"):
        breast_mask(np.full((32, 32), 7.0))


def test_breast_mask_tiny_region_raises():
    image = np.zeros((100, 100))
    image[50, 50] = 1.0
    with pytest.raises(NoBreastFoundError, match="no breast found"):
        breast_mask(image, opening_fraction=0)


def test_chest_wall_side_from_mass():
    assert chest_wall_side(_disk()) == "left"
    assert chest_wall_side(_disk()[:, ::-1]) == "right"


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


def test_normalise_intensity_windows_by_masked_percentiles():
    image = np.array([[0.0, 10.0], [20.0, 1000.0]])
    mask = np.array([[False, True], [True, False]])
    out = normalise_intensity(image, mask=mask, percentiles=(0, 100))
    np.testing.assert_allclose(out, [[0, 0], [1, 1]])
    assert out.dtype == np.float32


def test_normalise_intensity_range_is_unit_interval():
    out = normalise_intensity(np.random.default_rng(0).normal(size=(32, 32)))
    assert out.min() == 0.0 and out.max() == 1.0


def test_remove_outside_mask_zeroes_labels():
    image, breast = _phantom()
    out = remove_outside_mask(image.astype(float), breast)
    assert out[10:20, 70:90].max() == 0
    np.testing.assert_array_equal(out[breast], image[breast])


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
    assert np.abs(out - 0.5).max() < 0.1  # plain subsampling would give all 0 or all 1


def test_scale_to_model_range_maps_unit_interval():
    out = scale_to_model_range(np.array([0.0, 0.25, 1.0, 1.5]))
    np.testing.assert_allclose(out, [-1.0, -0.5, 1.0, 1.0])
    assert out.dtype == np.float32
