"""Tests for gan_lib.denoise: every method reduces noise; parameters are checked."""

import numpy as np
import pytest

from gan_lib.denoise import DEFAULT_PARAMS, METHODS, denoise, estimate_noise_sigma


@pytest.fixture(scope="module")
def clean_and_noisy() -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.mgrid[0:64, 0:64]
    clean = 0.5 * np.sin(cols / 6.0) * np.cos(rows / 9.0)
    clean = np.stack([np.roll(clean, shift, axis=1) for shift in range(0, 24, 6)]).astype(np.float32)
    noisy = np.clip(clean + np.random.default_rng(0).normal(0, 0.15, clean.shape), -1, 1).astype(np.float32)
    return clean, noisy


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(2.0**2 / np.mean((a - b) ** 2)))


@pytest.mark.parametrize("method", sorted(METHODS))
def test_denoise_increases_psnr(clean_and_noisy, method):
    clean, noisy = clean_and_noisy
    assert _psnr(denoise(noisy, method), clean) > _psnr(noisy, clean) + 3.0


@pytest.mark.parametrize("method", sorted(METHODS))
def test_denoise_keeps_shape_dtype_and_range(clean_and_noisy, method):
    _, noisy = clean_and_noisy
    out = denoise(noisy, method)
    assert out.shape == noisy.shape and out.dtype == np.float32
    assert out.min() >= -1.0 and out.max() <= 1.0


def test_denoise_lowers_estimated_noise(clean_and_noisy):
    _, noisy = clean_and_noisy
    assert estimate_noise_sigma(denoise(noisy, "nl_means")).mean() < 0.5 * estimate_noise_sigma(noisy).mean()


def test_estimate_noise_sigma_in_intensity_units():
    noisy = np.clip(np.random.default_rng(1).normal(0.0, 0.2, (2, 64, 64)), -1, 1)
    np.testing.assert_allclose(estimate_noise_sigma(noisy), 0.1, rtol=0.1)


def test_denoise_parameters_change_strength(clean_and_noisy):
    _, noisy = clean_and_noisy
    mild, strong = denoise(noisy, "gaussian", sigma=0.5), denoise(noisy, "gaussian", sigma=2.0)
    assert np.std(strong) < np.std(mild)


def test_denoise_rejects_unknown_method(clean_and_noisy):
    with pytest.raises(ValueError, match="unknown method"):
        denoise(clean_and_noisy[1], "fourier")


def test_denoise_rejects_unknown_parameter(clean_and_noisy):
    with pytest.raises(ValueError, match="no parameter"):
        denoise(clean_and_noisy[1], "median", sigma=1.0)


def test_default_params_cover_every_method():
    assert set(DEFAULT_PARAMS) == set(METHODS)
