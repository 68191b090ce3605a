"""Tests for gan_lib.metrics.diversity: MS-SSIM and mean pairwise MS-SSIM within a set."""

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from skimage.metrics import structural_similarity

from gan_lib.metrics.diversity import ms_ssim, ms_ssim_diversity, ms_ssim_scales


def _textures(n: int, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(size=(n, 64, 64))
    smooth = gaussian_filter(noise, (0, 2, 2))
    return (smooth / np.abs(smooth).max() * 0.9).astype(np.float32)


def test_single_scale_equals_skimage_ssim():
    a, b = _textures(3, 0), _textures(3, 1)
    expected = [structural_similarity(x, y, data_range=2.0) for x, y in zip(a, b)]
    np.testing.assert_allclose(ms_ssim(a, b, n_scales=1), expected, atol=1e-5)


def test_ms_ssim_of_identical_images_is_one():
    a = _textures(4, 2)
    np.testing.assert_allclose(ms_ssim(a, a), 1.0)


def test_ms_ssim_scales_for_small_images():
    assert ms_ssim_scales(64) == 4 and ms_ssim_scales(128) == 5 and ms_ssim_scales(16) == 2


def test_ms_ssim_rejects_too_many_scales():
    with pytest.raises(ValueError, match="n_scales"):
        ms_ssim(_textures(1, 0), _textures(1, 1), n_scales=5)


def test_diversity_of_identical_images_is_one():
    copies = np.repeat(_textures(1, 3), 6, axis=0)
    assert ms_ssim_diversity(copies).value == pytest.approx(1.0)


def test_diversity_of_independent_noise_is_low():
    result = ms_ssim_diversity(_textures(20, 4))
    assert result.value < 0.2 and result.n == 20
    assert "190 pairs" in result.note and "4 of 5 scales" in result.note


def test_diversity_detects_mode_collapse():
    varied = _textures(40, 5)
    collapsed = np.repeat(varied[:2], 20, axis=0)
    assert ms_ssim_diversity(collapsed).value > ms_ssim_diversity(varied).value + 0.3


def test_diversity_samples_pairs_when_many():
    result = ms_ssim_diversity(_textures(30, 6), max_pairs=50)
    assert "50 pairs" in result.note


def test_diversity_rejects_single_image():
    with pytest.raises(ValueError, match="at least 2"):
        ms_ssim_diversity(_textures(1, 7))
