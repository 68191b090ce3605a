"""Tests for gan_lib.training.diagnostics: the quality numbers, the critic's diagnostics and the selection score."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter
from torch import nn

from gan_lib.training.diagnostics import (
    CRITIC_NAMES,
    QUALITY_NAMES,
    blur,
    critic_numbers,
    quality_numbers,
    selection_scales,
    selection_score,
)


def textured(n: int = 24, size: int = 32, *, seed: int = 0) -> np.ndarray:
    """Fine-grained fields in [-1, 1]: white noise lightly smoothed."""
    field = gaussian_filter(np.random.default_rng(seed).normal(size=(n, size, size)), (0, 0.5, 0.5))
    return np.clip(field / (3 * field.std()), -1, 1).astype(np.float32)


def linear_critic(weight: torch.Tensor) -> nn.Module:
    critic = nn.Sequential(nn.Flatten(), nn.Linear(weight.numel(), 1, bias=False))
    with torch.no_grad():
        critic[1].weight.copy_(weight.view(1, -1))
    return critic


def test_quality_numbers_of_two_halves_of_one_set_read_alike():
    images = textured(48)
    numbers = quality_numbers(images[:24], images[24:])
    assert set(numbers) == set(QUALITY_NAMES)
    assert abs(numbers["beta_gap"]) < 0.2 and abs(numbers["fine_band_db"]) < 1.0
    assert numbers["reader_auc"] < 0.8


def test_quality_numbers_see_a_blur():
    real = textured(48)
    blurred = blur(torch.from_numpy(real[:24])[:, None], 1.0)[:, 0].numpy()
    numbers = quality_numbers(blurred, real[24:])
    assert numbers["beta_gap"] > 1.0 and numbers["fine_band_db"] < -10 and numbers["reader_auc"] > 0.9
    assert numbers["beta_gap"] == pytest.approx(numbers["beta_generated"] - numbers["beta_real"])


def test_quality_numbers_see_streaks_that_the_fine_band_averages_away():
    real = textured(48)
    rows = np.cos(np.pi * np.arange(32))[:, None] * np.ones(32)  # a horizontal line pattern at Nyquist
    streaked = np.clip(real[:24] + 0.15 * rows, -1, 1).astype(np.float32)
    plain, striped = quality_numbers(real[:24], real[24:]), quality_numbers(streaked, real[24:])
    assert plain["orientation_db"] < 1.0 and striped["orientation_db"] > 3.0
    assert abs(striped["fine_band_db"]) < 1.5 and abs(striped["beta_gap"]) < 0.1


def test_quality_numbers_are_deterministic_and_leave_global_rng_alone():
    images = textured(24)
    state = np.random.get_state()[1].copy(), torch.get_rng_state()
    assert quality_numbers(images, textured(24, seed=1)) == quality_numbers(images, textured(24, seed=1))
    assert np.array_equal(np.random.get_state()[1], state[0]) and torch.equal(torch.get_rng_state(), state[1])


def test_critic_numbers_of_a_linear_critic_match_hand_computation():
    # D(x) = w . x: the input gradient is w everywhere, and the low- and high-pass estimates add up to W.
    w = torch.randn(16, generator=torch.Generator().manual_seed(0))
    real, fake, held = torch.rand(6, 1, 4, 4), torch.rand(6, 1, 4, 4) - 0.5, torch.rand(3, 1, 4, 4)
    numbers = critic_numbers(
        linear_critic(w), real, fake, heldout=held, gp_lambda=10.0, alpha=torch.full((6, 1, 1, 1), 0.5), chunk=4
    )
    assert set(numbers) == set(CRITIC_NAMES)
    score = lambda x: x.flatten(1) @ w  # noqa: E731
    assert numbers["w_train"] == pytest.approx(float(score(real).mean() - score(fake).mean()), rel=1e-5)
    assert numbers["w_heldout"] == pytest.approx(float(score(held).mean() - score(fake).mean()), rel=1e-5)
    assert numbers["w_train_heldout"] == pytest.approx(float(score(real).mean() - score(held).mean()), abs=1e-5)
    assert numbers["r_t"] == pytest.approx(float(torch.sign(score(real)).mean()))
    assert numbers["grad_norm_real"] == pytest.approx(float(w.norm()), rel=1e-5)
    assert numbers["grad_norm_generated"] == pytest.approx(float(w.norm()), rel=1e-5)
    assert numbers["gradient_penalty"] == pytest.approx(10.0 * (float(w.norm()) - 1) ** 2, rel=1e-4)
    assert numbers["w_lowpass"] + numbers["w_highpass"] == pytest.approx(numbers["w_train"], abs=1e-4)


def test_critic_numbers_without_heldout_or_for_a_conditional_critic_leave_heldout_numbers_empty():
    critic = linear_critic(torch.ones(16))
    args = dict(alpha=torch.full((2, 1, 1, 1), 0.5))
    assert critic_numbers(critic, torch.rand(2, 1, 4, 4), torch.rand(2, 1, 4, 4), **args)["w_heldout"] is None

    class Conditional(nn.Module):
        def forward(self, x, labels):
            return critic(x) + labels[:, None].float()

    numbers = critic_numbers(
        Conditional(),
        torch.rand(2, 1, 4, 4),
        torch.rand(2, 1, 4, 4),
        heldout=torch.rand(2, 1, 4, 4),
        labels=torch.tensor([0, 1]),
        **args,
    )
    assert numbers["w_heldout"] is None and numbers["w_train_heldout"] is None


def test_critic_numbers_leave_the_critics_gradients_untouched():
    critic = linear_critic(torch.ones(16))
    critic_numbers(critic, torch.rand(2, 1, 4, 4), torch.rand(2, 1, 4, 4), alpha=torch.full((2, 1, 1, 1), 0.5))
    assert critic[1].weight.grad is None


def test_selection_score_of_the_one_pixel_blur_is_one():
    real = textured(24)
    blurred = blur(torch.from_numpy(real)[:, None])[:, 0].numpy()
    scales = selection_scales(real)
    assert selection_score(quality_numbers(blurred, real), scales) == pytest.approx(1.0)
    assert selection_score(quality_numbers(real, real), scales) < 0.5
