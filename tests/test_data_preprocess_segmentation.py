"""Known-answer tests for gan_lib.data.preprocess breast segmentation, on small synthetic arrays."""

from __future__ import annotations

import numpy as np
import pytest

from gan_lib.data.preprocess import NoBreastFoundError, breast_mask, chest_wall_side, remove_outside_mask


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


def test_remove_outside_mask_zeroes_labels():
    image, breast = _phantom()
    out = remove_outside_mask(image.astype(float), breast)
    assert out[10:20, 70:90].max() == 0
    np.testing.assert_array_equal(out[breast], image[breast])
