"""Tests for gan_lib.training.critic_view: the fixed transforms the critic sees before the penalty's interpolation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.ndimage
import torch
from torch import nn

from gan_lib.metrics.cnn_reader import high_pass_channels
from gan_lib.training.critic_view import (
    CRITIC_VIEWS,
    laplacian_stack,
    make_critic_view,
    normalised_laplacian,
    view_channels,
    whiten,
    whitening_gain,
)
from gan_lib.training.losses import gradient_penalty


def power_law_texture(n: int, size: int, beta: float, seed: int = 0) -> torch.Tensor:
    """``(n, 1, size, size)`` periodic Gaussian textures with power spectrum ``r^-beta``."""
    rng = np.random.default_rng(seed)
    fy, fx = np.meshgrid(np.fft.fftfreq(size), np.fft.fftfreq(size), indexing="ij")
    radius = np.maximum(np.hypot(fy, fx), 1.0 / size)
    spectrum = np.fft.fft2(rng.normal(size=(n, size, size))) * radius ** (-beta / 2)
    return torch.from_numpy(np.fft.ifft2(spectrum).real.astype(np.float32))[:, None]


def radial_slope(images: torch.Tensor) -> float:
    """Least-squares slope of log mean power against log radial frequency, 2 to size/4 cycles/patch."""
    size = images.shape[-1]
    power = (torch.fft.fft2(images[:, 0].double()).abs() ** 2).mean(0).numpy()
    fy, fx = np.meshgrid(np.fft.fftfreq(size) * size, np.fft.fftfreq(size) * size, indexing="ij")
    radius = np.hypot(fy, fx)
    bins = np.arange(2, size // 4)
    means = [power[(radius >= b - 0.5) & (radius < b + 0.5)].mean() for b in bins]
    return float(np.polyfit(np.log(bins), np.log(means), 1)[0])


def linear_view_critic(weight: torch.Tensor) -> nn.Module:
    """``D(v) = <weight, v>`` on views shaped like ``weight`` ``(C, H, W)``: gradient ``weight`` everywhere."""
    critic = nn.Sequential(nn.Flatten(), nn.Linear(weight.numel(), 1, bias=False))
    with torch.no_grad():
        critic[1].weight.copy_(weight.reshape(1, -1))
    return critic


def test_view_channels_of_every_norm_and_refusal_of_unknown():
    assert [view_channels(name) for name in CRITIC_VIEWS] == [1, 2, 1, 1, 2]
    assert [view_channels(name, detail_scale=0.3) for name in CRITIC_VIEWS] == [2, 3, 2, 2, 3]
    with pytest.raises(ValueError, match="penalty_norm must be one of"):
        view_channels("sobolev")


def test_make_critic_view_is_none_where_the_critic_sees_pixels():
    assert make_critic_view("pixel") is None
    assert make_critic_view("sobolev_fft") is None
    assert make_critic_view("whitening", whitening_beta=2.0)(torch.zeros(2, 1, 8, 8)).shape == (2, 1, 8, 8)


def test_whitening_stack_keeps_the_pixels_beside_the_whitened_image():
    x = torch.randn(2, 1, 8, 8)
    view = make_critic_view("whitening_stack", whitening_beta=2.0)(x)
    assert view.shape == (2, 2, 8, 8)
    assert torch.equal(view[:, :1], x)
    torch.testing.assert_close(view[:, 1:], whiten(x, beta=2.0))


def test_laplacian_stack_shape_and_known_answer_on_a_sinusoid():
    # Along one axis the discrete Laplacian of cos(2 pi f j) is -4 sin^2(pi f) cos(2 pi f j) (interior pixels).
    size, f = 16, 3 / 16
    row = torch.cos(2 * math.pi * f * torch.arange(size, dtype=torch.float64))
    x = row.expand(size, size).reshape(1, 1, size, size)
    view = laplacian_stack(x, scale=6.0)
    assert view.shape == (1, 2, size, size)
    assert torch.equal(view[:, :1], x)
    expected = 6.0 * -4 * math.sin(math.pi * f) ** 2 * x[..., 1:-1]
    assert torch.allclose(view[:, 1:, :, 1:-1], expected, atol=1e-10)


def test_laplacian_stack_rejects_more_than_one_channel():
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        laplacian_stack(torch.zeros(2, 2, 8, 8), scale=1.0)


def test_penalty_in_the_stacked_view_is_zero_for_a_unit_gradient_in_that_view():
    # The critic is 1-Lipschitz in ||T x|| exactly when its gradient in the view has unit l2 norm.
    u = torch.randn(2, 8, 8, generator=torch.Generator().manual_seed(0))
    real = laplacian_stack(torch.randn(4, 1, 8, 8), scale=6.0)
    fake = laplacian_stack(torch.randn(4, 1, 8, 8), scale=6.0)
    penalty, norms = gradient_penalty(linear_view_critic(u / u.norm()), real, fake, weight=10.0)
    assert float(penalty.detach()) == pytest.approx(0.0, abs=1e-9)
    penalty, _ = gradient_penalty(linear_view_critic(2 * u / u.norm()), real, fake, weight=10.0)
    assert float(penalty.detach()) == pytest.approx(10.0, rel=1e-5)


def test_laplacian_stack_weighs_fine_differences_more_than_coarse_ones():
    # Two differences of equal pixel norm: the one at the Nyquist frequency costs far more in the view.
    j = torch.arange(16, dtype=torch.float64)
    coarse = torch.cos(2 * math.pi * j / 16).expand(16, 16).reshape(1, 1, 16, 16)
    fine = torch.cos(math.pi * j).expand(16, 16).reshape(1, 1, 16, 16)
    coarse, fine = coarse / coarse.norm(), fine / fine.norm()
    assert laplacian_stack(fine, scale=6.0).norm() > 10 * laplacian_stack(coarse, scale=6.0).norm()


def test_whitening_gain_keeps_the_energy_of_its_power_law():
    gain = whitening_gain(16, 16, beta=3.0)
    fy, fx = torch.meshgrid(
        torch.fft.fftfreq(16, dtype=torch.float64), torch.fft.fftfreq(16, dtype=torch.float64), indexing="ij"
    )
    power = torch.hypot(fy, fx).clamp_min(1 / 16) ** -3.0
    assert float((gain**2 * power).sum()) == pytest.approx(float(power.sum()))
    assert torch.allclose(whitening_gain(8, 8, beta=0.0), torch.ones(8, 8, dtype=torch.float64))


def test_whiten_makes_a_power_law_texture_white():
    textures = power_law_texture(64, 64, beta=3.0)
    assert radial_slope(textures) == pytest.approx(-3.0, abs=0.3)
    assert radial_slope(whiten(textures, beta=3.0)) == pytest.approx(0.0, abs=0.4)


def test_whiten_keeps_shape_and_passes_gradients():
    x = torch.randn(3, 1, 16, 16, requires_grad=True)
    y = whiten(x, beta=3.4)
    assert y.shape == x.shape and y.dtype == x.dtype
    (y**2).sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_laplacian_stack_passes_gradients():
    x = torch.randn(2, 1, 8, 8, requires_grad=True)
    laplacian_stack(x, scale=6.0)[:, 1].square().sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_normalised_laplacian_is_the_blur_aware_readers_input():
    # The critic's detail channel and the CNN reader's input are one transform (stencil, borders, per-image scale),
    # checked against scipy's Laplacian mirrored about the border, each image over its own SD.
    images = power_law_texture(4, 32, beta=3.0, seed=1)
    images = 0.2 * images / images.std()
    pixels = images[:, 0].numpy().astype(np.float64)
    lap = sum(scipy.ndimage.correlate1d(pixels, [1.0, -2.0, 1.0], axis=axis, mode="reflect") for axis in (1, 2))
    reference = torch.from_numpy((lap / lap.std(axis=(1, 2), keepdims=True))[:, None].astype(np.float32))
    torch.testing.assert_close(
        torch.from_numpy(high_pass_channels(images[:, 0].numpy())), reference, atol=1e-4, rtol=1e-4
    )
    torch.testing.assert_close(normalised_laplacian(images, eps=0.0), reference, atol=1e-4, rtol=1e-4)


def test_normalised_laplacian_ignores_the_energy_of_fine_detail_but_sees_its_pattern():
    sharp = power_law_texture(8, 32, beta=3.0, seed=2)
    faint = normalised_laplacian(0.1 * sharp)
    torch.testing.assert_close(faint, normalised_laplacian(sharp), atol=1e-3, rtol=1e-3)  # energy: invisible
    blurred = torch.nn.functional.avg_pool2d(torch.nn.functional.pad(sharp, (1, 1, 1, 1), mode="reflect"), 3, 1)
    blurred = blurred * sharp.std() / blurred.std()
    # A one-pixel blur at matched energy: the pattern moves by a large fraction of the channel's norm (sqrt(H W)).
    distance = (normalised_laplacian(blurred) - normalised_laplacian(sharp)).flatten(1).norm(dim=1)
    assert float(distance.min()) > 0.5 * 32


def test_normalised_laplacian_of_a_flat_image_is_zero_with_finite_gradients():
    x = torch.full((2, 1, 8, 8), 0.3, requires_grad=True)
    y = normalised_laplacian(x)
    assert float(y.detach().abs().max()) == 0.0
    y.square().sum().backward()
    assert torch.isfinite(x.grad).all()


def test_detail_channel_is_appended_to_every_view():
    x = power_law_texture(2, 16, beta=3.0)
    for name in CRITIC_VIEWS:
        view = make_critic_view(name, detail_scale=0.5)(x)
        assert view.shape == (2, view_channels(name, detail_scale=0.5), 16, 16)
        torch.testing.assert_close(view[:, -1:], 0.5 * normalised_laplacian(x))
    torch.testing.assert_close(
        make_critic_view("laplacian_stack", detail_scale=0.5)(x)[:, :2], laplacian_stack(x, scale=6.0)
    )
