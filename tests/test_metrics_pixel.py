"""Tests for gan_lib.metrics.pixel: MSE, SSIM, MPV, MPVD and the unpaired protocols."""

import numpy as np
import pytest

from gan_lib.metrics.pixel import (
    mean_pixel_values,
    mpv,
    mpvd,
    mse,
    nearest_neighbours,
    nearest_real_scores,
    random_pair_scores,
    ssim,
)


@pytest.fixture
def images() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.uniform(-0.8, 0.8, size=(12, 16, 16)).astype(np.float32)


def test_mse_of_identical_images_is_zero(images):
    assert np.all(mse(images, images) == 0.0)


def test_mse_of_constant_shift_is_its_square(images):
    np.testing.assert_allclose(mse(images, images + 0.1), 0.01, rtol=1e-5)


def test_ssim_of_identical_images_is_one(images):
    np.testing.assert_allclose(ssim(images, images), 1.0)


def test_ssim_drops_for_independent_noise(images):
    other = np.random.default_rng(1).uniform(-0.8, 0.8, size=images.shape).astype(np.float32)
    assert np.all(np.abs(ssim(images, other)) < 0.3)


def test_mse_rejects_mismatched_shapes(images):
    with pytest.raises(ValueError, match="same shape"):
        mse(images, images[:5])


def test_mse_rejects_nan(images):
    bad = images.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        mse(bad, images)


def test_mse_rejects_values_outside_model_range(images):
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        mse(images * 200, images)


def test_mse_rejects_empty_set():
    empty = np.zeros((0, 8, 8), np.float32)
    with pytest.raises(ValueError, match="at least 1"):
        mse(empty, empty)


def test_mean_pixel_values_in_display_units():
    sets = np.stack([np.full((4, 4), -1.0), np.full((4, 4), 1.0)]).astype(np.float32)
    np.testing.assert_array_equal(mean_pixel_values(sets), [0.0, 255.0])


def test_mpvd_of_identical_sets_is_zero(images):
    result = mpvd(images, images)
    assert result.value == 0.0 and result.n == result.n_reference == len(images)


def test_mpvd_of_known_shift(images):
    # A shift of 0.2 in model space is 25.5 grey levels; uint8 rounding moves it by at most 1.
    assert mpvd(np.clip(images + 0.2, -1, 1), images).value == pytest.approx(25.5, abs=1.0)


def test_mpv_interval_contains_value(images):
    result = mpv(images)
    assert result.ci_low <= result.value <= result.ci_high and result.n == len(images)


def test_nearest_neighbours_finds_exact_copies(images):
    order = np.random.default_rng(2).permutation(len(images))
    indices, errors = nearest_neighbours(images[order], images, batch_size=5)
    np.testing.assert_array_equal(indices, order)
    assert np.all(errors == 0.0)


def test_nearest_neighbours_matches_brute_force(images):
    queries = np.random.default_rng(3).uniform(-0.8, 0.8, size=(7, 16, 16)).astype(np.float32)
    brute = np.array([np.argmin([np.mean((q - r) ** 2) for r in images]) for q in queries])
    np.testing.assert_array_equal(nearest_neighbours(queries, images, batch_size=3)[0], brute)


def test_nearest_neighbours_rejects_different_image_sizes(images):
    with pytest.raises(ValueError, match="same size"):
        nearest_neighbours(images[:, :8, :8], images)


def test_nearest_real_scores_of_copies_are_perfect(images):
    scores = nearest_real_scores(images[:4], images)
    assert scores.mse.value == 0.0 and scores.ssim.value == pytest.approx(1.0)
    assert scores.mse.n == 4 and scores.mse.n_reference == len(images)


def test_nearest_real_scores_returns_the_per_image_values_it_averages(images):
    queries = np.clip(images[[5, 1, 7]] + 0.01, -1, 1)
    scores = nearest_real_scores(queries, images, n_resamples=20)
    np.testing.assert_array_equal(scores.nearest_index, nearest_neighbours(queries, images)[0])
    np.testing.assert_array_equal(scores.per_image_ssim, ssim(queries, images[scores.nearest_index]))
    np.testing.assert_array_equal(scores.per_image_mse, mse(queries, images[scores.nearest_index]))
    assert scores.per_image_mse.shape == scores.per_image_ssim.shape == (3,)
    assert scores.mse.value == pytest.approx(scores.per_image_mse.mean())
    assert scores.ssim.value == pytest.approx(scores.per_image_ssim.mean())


def test_random_pair_scores_worse_than_nearest(images):
    noisy = np.clip(images + np.random.default_rng(4).normal(0, 0.05, images.shape), -1, 1)
    nearest = nearest_real_scores(noisy, images)
    paired = random_pair_scores(noisy, images, seed=0)
    assert paired["mse"].value > nearest.mse.value
    assert paired["ssim"].value < nearest.ssim.value
