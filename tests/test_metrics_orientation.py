"""The orientation reader: it sees a lattice or streaks shared by a set, and not blur, noise or contrast."""

import numpy as np
import pytest
import scipy.ndimage

from gan_lib.metrics.orientation import (
    ORIENTATION_BINS,
    angular_fine_power,
    orientation_bias_db,
    orientation_bias_estimate,
)


def _texture(n: int, seed: int, size: int = 64) -> np.ndarray:
    """Isotropic 1/f-like texture in [-1, 1]: white noise smoothed a little."""
    rng = np.random.default_rng(seed)
    fields = scipy.ndimage.gaussian_filter(rng.normal(size=(n, size, size)), (0, 0.7, 0.7))
    return (0.5 * fields / fields.std()).clip(-1, 1)


def _grating(fy: int, fx: int, size: int = 64) -> np.ndarray:
    """``cos`` of the wave vector ``(fy, fx)`` cycles/patch: stripes across that direction."""
    y, x = np.mgrid[:size, :size]
    return np.cos(2 * np.pi * (fy * y + fx * x) / size)


def test_a_shared_diagonal_grating_reads_in_its_sector_and_not_in_the_others():
    real, other = _texture(64, 0), _texture(64, 1)
    latticed = (other + 0.2 * _grating(12, 20)).clip(-1, 1)
    bias = orientation_bias_db(latticed, real)
    # the wave vector (12, 20) cycles/patch points at 31 degrees: the 30-45 degree sector (index 2 of 12)
    assert bias.argmax() == 2
    assert bias.max() > 3.0
    assert np.abs(orientation_bias_db(other, real)).max() < 1.0


def test_transposing_the_images_moves_the_ridge_by_90_degrees():
    real = _texture(64, 0)
    rows = (real + 0.05 * _grating(0, 24)).clip(-1, 1)  # varies along each row
    assert orientation_bias_db(rows, real).argmax() == 0
    assert orientation_bias_db(rows.transpose(0, 2, 1), real).argmax() == ORIENTATION_BINS // 2


@pytest.mark.parametrize(
    "degrade",
    [
        lambda x: scipy.ndimage.gaussian_filter(x, (0, 1.0, 1.0)),
        lambda x: x + np.random.default_rng(5).normal(0, 0.05, x.shape),
        lambda x: 0.5 * x,
    ],
    ids=["blur", "white noise", "contrast"],
)
def test_isotropic_changes_of_level_read_near_zero(degrade):
    real, other = _texture(128, 0), _texture(128, 1)
    assert orientation_bias_estimate(degrade(other).clip(-1, 1), real, n_resamples=100).value < 1.0


def test_estimate_interval_contains_the_value_and_grows_with_fewer_images():
    real = _texture(128, 0)
    many = orientation_bias_estimate(_texture(128, 1), real, n_resamples=300)
    few = orientation_bias_estimate(_texture(16, 1), real, n_resamples=300)
    assert many.ci_low <= many.value <= many.ci_high
    assert (few.ci_high - few.ci_low) > (many.ci_high - many.ci_low)
    assert (many.n, many.n_reference) == (128, 128)


def test_angular_power_sums_to_the_fine_band_power():
    images = _texture(4, 2, size=32)
    with_everything = angular_fine_power(images, min_frequency=1, bins=6)
    assert with_everything.shape == (4, 6) and (with_everything > 0).all()
    assert np.allclose(angular_fine_power(images, min_frequency=1, bins=3).sum(1), with_everything.sum(1))


def test_bad_input_names_the_function_and_the_fix():
    with pytest.raises(ValueError, match="angular_fine_power: images must be square"):
        angular_fine_power(np.zeros((2, 16, 32)))
    with pytest.raises(ValueError, match="min_frequency must be from 1 to below Nyquist"):
        angular_fine_power(np.zeros((2, 16, 16)), min_frequency=8)
    with pytest.raises(ValueError, match="orientation_bias_estimate: images are .* compare sets of one size"):
        orientation_bias_estimate(np.zeros((2, 16, 16)), np.zeros((2, 32, 32)))
