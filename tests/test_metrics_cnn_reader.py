"""Tests for the blur-aware CNN reader (gan_lib.metrics.cnn_reader) on small synthetic textures."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

import gan_lib.metrics.cnn_reader as cnn_reader_module
from gan_lib.metrics.cnn_reader import cnn_reader, high_pass_channels


def textures(n: int, seed: int, size: int = 16) -> np.ndarray:
    """Fine-grained random textures in about [-0.5, 0.5]: one distribution for every seed."""
    return np.random.default_rng(seed).uniform(-0.5, 0.5, (n, size, size)).astype(np.float32)


def test_high_pass_channels_is_zero_on_flat_images_and_unit_scaled_per_image():
    assert np.abs(high_pass_channels(np.full((2, 8, 8), 0.3))).max() == 0.0
    images = textures(20, 0) * np.linspace(0.1, 2.0, 20)[:, None, None]
    x = high_pass_channels(images)
    assert x.shape == (20, 1, 16, 16)
    np.testing.assert_allclose(x.std(axis=(1, 2, 3)), 1.0, rtol=1e-4)


def test_cnn_reader_tells_a_one_pixel_blur_apart():
    sharp, other = textures(48, 0), textures(48, 1)
    result = cnn_reader(sharp, gaussian_filter(other, (0, 1, 1)))
    assert result.auc.value > 0.9 and result.auc.n == 48 and "best of 2 starts per fold at epochs" in result.auc.note


def test_cnn_reader_ignores_the_energy_of_fine_detail():
    result = cnn_reader(textures(48, 0), 1.5 * textures(48, 1))
    assert result.auc.ci_low <= 0.5 <= result.auc.ci_high


def test_cnn_reader_two_draws_of_one_distribution_are_within_chance():
    result = cnn_reader(textures(48, 0), textures(48, 1))
    assert result.auc.ci_low <= 0.5 <= result.auc.ci_high


def test_cnn_reader_balances_the_sets_and_is_seeded():
    a, b = textures(40, 0), textures(24, 1)
    first = cnn_reader(a, b, max_epochs=2, seed=3)
    assert first.auc.n == first.auc.n_reference == 24
    assert first == cnn_reader(a, b, max_epochs=2, seed=3)


def test_cnn_reader_refuses_bad_settings():
    with pytest.raises(ValueError, match="folds >= 2"):
        cnn_reader(textures(8, 0), textures(8, 1), folds=1)
    with pytest.raises(ValueError, match="restarts >= 1"):
        cnn_reader(textures(8, 0), textures(8, 1), restarts=0)


def test_cnn_reader_keeps_the_start_with_the_lowest_held_out_loss(monkeypatch):
    # Three starts per fold whose held-out losses are 0.7, 0.3, 0.5: the second one (best epoch 20) scores the fold.
    fit = cnn_reader_module._fit_with_early_stop
    outcomes = iter([(7, 0.7), (20, 0.3), (9, 0.5)] * 2)

    def fake_fit(*args, **kwargs):
        model, _, _ = fit(*args, **{**kwargs, "max_epochs": 1})
        epoch, loss = next(outcomes)
        return model, epoch, loss

    monkeypatch.setattr(cnn_reader_module, "_fit_with_early_stop", fake_fit)
    result = cnn_reader(textures(16, 0), textures(16, 1), restarts=3)
    assert "best of 3 starts per fold at epochs [20, 20]" in result.auc.note
