"""Tests for gan_lib.data.sampling: valid crop corners, their run table, and patch sampling."""

from __future__ import annotations

import numpy as np
import pytest

from gan_lib.data.sampling import corner_runs, runs_to_corners, sample_patches, valid_corners


def _blob(seed=0, shape=(70, 50)):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    mask = (yy - 35) ** 2 / 900 + xx**2 / 1600 < 1
    mask &= rng.random(shape) > 0.02  # holes, so a row may hold several runs
    return mask


def test_corner_runs_index_the_corners_in_argwhere_order():
    valid = valid_corners(_blob(), size=6, min_tissue_fraction=0.8)
    runs = corner_runs(valid)
    candidates = np.argwhere(valid)
    assert runs[:, 2].sum() == len(candidates) and len(runs) < len(candidates)
    np.testing.assert_array_equal(runs_to_corners(runs, np.arange(len(candidates))), candidates)


def test_runs_to_corners_refuses_an_index_outside_the_table():
    with pytest.raises(IndexError, match="outside"):
        runs_to_corners(np.array([[0, 0, 3]]), np.array([3]))


def test_sample_patches_draws_from_the_valid_corners():
    mask = _blob(1)
    image = np.random.default_rng(2).random(mask.shape, dtype=np.float32)
    patches, corners = sample_patches(
        image, mask, size=6, count=20, min_tissue_fraction=0.8, rng=np.random.default_rng(0)
    )
    valid = valid_corners(mask, size=6, min_tissue_fraction=0.8)
    assert valid[corners[:, 0], corners[:, 1]].all() and len(np.unique(corners, axis=0)) == 20
    np.testing.assert_array_equal(
        patches[0], image[corners[0, 0] : corners[0, 0] + 6, corners[0, 1] : corners[0, 1] + 6]
    )


def test_valid_corners_is_empty_for_a_patch_larger_than_the_image():
    assert valid_corners(np.ones((4, 4), bool), size=5, min_tissue_fraction=0.5).shape == (0, 0)
    assert corner_runs(np.zeros((0, 0), bool)).shape == (0, 3)
