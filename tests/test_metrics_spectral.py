"""Tests for the spectral readers (gan_lib.metrics.spectral): known answers on synthetic fields and real patches."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.ndimage

from gan_lib.metrics.spectral import (
    LadderRangeWarning,
    blur_equivalent_sigma,
    blur_ladder,
    fine_band_estimate,
    fine_band_power_db,
    radial_power_spectrum,
    slope_estimate,
    spectral_reader_auc,
    spectral_slope,
)


def power_law_fields(beta: float, n: int, *, size: int = 64, canvas: int = 128, seed: int = 0) -> np.ndarray:
    """``n`` fields with power ``~ f^-beta``: filtered complex noise on a ``canvas``, cropped (so not periodic)."""
    rng = np.random.default_rng(seed)
    f = np.fft.fftfreq(canvas) * canvas
    radius = np.hypot(f[:, None], f[None, :])
    radius[0, 0] = 1.0
    amplitude = radius ** (-beta / 2)
    amplitude[0, 0] = 0.0
    noise = rng.normal(size=(n, canvas, canvas)) + 1j * rng.normal(size=(n, canvas, canvas))
    fields = np.fft.ifft2(amplitude * noise).real[:, :size, :size]
    return 0.9 * fields / np.abs(fields).max(axis=(1, 2), keepdims=True)


@pytest.fixture(scope="module")
def real_sets() -> dict[str, np.ndarray]:
    """The embedded quick dataset (prepared into the test workdir: a few seconds)."""
    from gan_lib.data import data_config, prepare_dataset

    data = prepare_dataset(data_config("quick"), progress=False)
    return {split: data.images(split) for split in ("train", "heldout")}


@pytest.mark.parametrize("beta", [2.0, 2.5, 3.0, 3.5])
def test_spectral_slope_recovers_the_beta_of_power_law_fields(beta):
    assert np.median(spectral_slope(power_law_fields(beta, 48, seed=int(beta * 10)))) == pytest.approx(beta, abs=0.1)


def test_spectral_slope_is_steeper_for_a_blurred_field():
    fields = power_law_fields(3.0, 16)
    blurred = scipy.ndimage.gaussian_filter(fields, (0, 1, 1))
    assert (spectral_slope(blurred) > spectral_slope(fields) + 1).all()


def test_spectral_slope_refuses_a_band_beyond_nyquist():
    with pytest.raises(ValueError, match=r"band=\(1, 12\)"):
        spectral_slope(power_law_fields(3.0, 2, size=32), band=(2.0, 24.0))


def test_radial_power_spectrum_finds_a_pure_tone_and_refuses_rectangles():
    tone = 0.5 * np.cos(2 * np.pi * 5 * np.arange(32) / 32)[None, :].repeat(32, axis=0)
    frequencies, power = radial_power_spectrum(tone[None])
    assert frequencies[power[0].argmax()] == 5.0 and frequencies.tolist() == list(range(1, 17))
    with pytest.raises(ValueError, match="square"):
        radial_power_spectrum(np.zeros((2, 16, 32)))


def test_radial_power_spectrum_is_unchanged_by_the_mean():
    fields = power_law_fields(3.0, 4) * 0.5
    np.testing.assert_allclose(radial_power_spectrum(fields + 0.3)[1], radial_power_spectrum(fields)[1], rtol=1e-5)


def test_fine_band_power_db_reads_added_noise_as_positive_and_a_copy_as_zero():
    fields = power_law_fields(3.0, 32) * 0.5
    noisy = fields + np.random.default_rng(1).normal(0, 0.05, fields.shape)
    assert fine_band_power_db(noisy, fields) > 3.0
    assert fine_band_power_db(fields, fields) == pytest.approx(0.0)


def test_fine_band_estimate_interval_covers_its_value():
    fields = power_law_fields(3.0, 32)
    blurred = scipy.ndimage.gaussian_filter(fields, (0, 0.7, 0.7))
    est = fine_band_estimate(blurred, fields, n_resamples=200)
    assert est.ci_low < est.value < est.ci_high < 0 and (est.n, est.n_reference) == (32, 32)
    assert est.value == pytest.approx(fine_band_power_db(blurred, fields))


def test_slope_estimate_is_the_median_with_an_interval():
    fields = power_law_fields(3.0, 40)
    est = slope_estimate(fields)
    assert est.value == pytest.approx(np.median(spectral_slope(fields)))
    assert est.ci_low < est.value < est.ci_high and est.n == 40


def test_spectral_reader_auc_two_draws_of_one_field_are_within_chance():
    est = spectral_reader_auc(power_law_fields(3.0, 300, seed=1), power_law_fields(3.0, 300, seed=2))
    assert abs(est.value - 0.5) < 0.1 and est.ci_low < 0.5 < est.ci_high


def test_spectral_reader_auc_tells_a_blurred_field_apart():
    fields = power_law_fields(3.0, 60, seed=3)
    est = spectral_reader_auc(scipy.ndimage.gaussian_filter(fields, (0, 1, 1)), fields, repeats=1)
    assert est.value > 0.95 and (est.n, est.n_reference) == (60, 60)


def test_spectral_reader_auc_refuses_too_few_images_or_mixed_sizes():
    with pytest.raises(ValueError, match="at least 5"):
        spectral_reader_auc(np.zeros((3, 16, 16)), np.zeros((10, 16, 16)))
    with pytest.raises(ValueError, match="one size"):
        spectral_reader_auc(np.zeros((10, 16, 16)), np.zeros((10, 32, 32)))


def test_blur_ladder_is_sorted_and_blurs_more_with_sigma():
    fields = power_law_fields(3.0, 8)
    ladder = blur_ladder(fields, sigmas=(2.0, 0.5, 1.0))
    assert list(ladder) == [0.5, 1.0, 2.0]
    steps = [np.abs(np.diff(image, axis=-1)).mean() for image in ladder.values()]
    assert steps[0] > steps[1] > steps[2]
    with pytest.raises(ValueError, match="positive"):
        blur_ladder(fields, sigmas=(0.0, 1.0))


@pytest.mark.parametrize("value, expected", [(-4.0, 0.5), (-14.5, 0.75), (-25.0, 1.0), (-60.0, 2.0)])
def test_blur_equivalent_sigma_interpolates_a_decreasing_ladder(value, expected):
    assert blur_equivalent_sigma(value, {0.0: 0.0, 0.5: -4.0, 1.0: -25.0, 2.0: -60.0}) == pytest.approx(expected)


def test_blur_equivalent_sigma_handles_an_increasing_ladder_with_a_dip():
    ladder = {0.0: 0.5, 0.5: 0.9, 1.0: 0.85, 2.0: 1.0}  # an AUC that wobbles: made monotone by a running maximum
    assert blur_equivalent_sigma(0.7, ladder) == pytest.approx(0.25)
    assert blur_equivalent_sigma(0.9, ladder) == pytest.approx(0.5)
    assert blur_equivalent_sigma(0.95, ladder) == pytest.approx(1.5)


def test_blur_equivalent_sigma_clips_beyond_the_ladder_and_says_so():
    ladder = {0.0: 0.0, 1.0: -25.0}
    with pytest.warns(LadderRangeWarning, match="clipped to sigma 1"):
        assert blur_equivalent_sigma(-40.0, ladder) == 1.0
    with pytest.warns(LadderRangeWarning, match="clipped to sigma 0"):
        assert blur_equivalent_sigma(3.0, ladder) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(blur_equivalent_sigma(float("nan"), ladder))
    with pytest.raises(ValueError, match=">= 2 rungs"):
        blur_equivalent_sigma(1.0, {0.0: 0.0})


def test_real_patches_blurred_by_one_pixel_read_below_minus_15_db_and_auc_above_095(real_sets):
    train = real_sets["train"]
    blurred = blur_ladder(train, sigmas=(1.0,))[1.0]
    assert fine_band_power_db(blurred, train) < -15.0
    assert spectral_reader_auc(blurred, train).value > 0.95


def test_two_halves_of_the_real_training_set_read_auc_below_06(real_sets):
    train = real_sets["train"]
    order = np.random.default_rng(0).permutation(len(train))
    half = len(train) // 2
    assert spectral_reader_auc(train[order[:half]], train[order[half:]]).value < 0.6


def test_real_training_patches_have_a_mammographic_slope(real_sets):
    """Chen et al. (Med Phys 39:1435, 2012): beta 3.17 (CC) and 3.30 (MLO); the embedded patches read about 3.4."""
    assert 2.8 < np.median(spectral_slope(real_sets["train"])) < 3.8
