"""The spectral-moment generator term: the reader's features in torch, and a loss that sees what the critic misses."""

import numpy as np
import pytest
import scipy.ndimage
import torch

from gan_lib.metrics.spectral import radial_power_spectrum
from gan_lib.training.spectral_loss import log_oriented_spectrum, log_radial_spectrum, spectral_moment_loss


def _fields(n: int, seed: int, size: int = 32) -> np.ndarray:
    rng = np.random.default_rng(seed)
    fields = scipy.ndimage.gaussian_filter(rng.normal(size=(n, size, size)), (0, 1.0, 1.0))
    return (0.4 * fields / fields.std()).clip(-1, 1).astype(np.float32)


def test_log_radial_spectrum_is_the_spectral_readers_feature_in_db():
    images = _fields(6, 0)
    _, power = radial_power_spectrum(images)
    expected = 10 * np.log10(power + 1e-12)
    expected -= expected.mean(axis=1, keepdims=True)
    got = log_radial_spectrum(torch.from_numpy(images)[:, None]).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-3)


def test_loss_is_small_between_two_draws_and_large_for_blur_and_grows_with_the_blur():
    real, other = (torch.from_numpy(_fields(64, s))[:, None] for s in (0, 1))
    blurred = {
        sigma: torch.from_numpy(scipy.ndimage.gaussian_filter(other.numpy(), (0, 0, sigma, sigma)))
        for sigma in (0.5, 1.0)
    }
    floor = float(spectral_moment_loss(other, real))
    assert floor < 1.0
    assert floor < float(spectral_moment_loss(blurred[0.5], real)) < float(spectral_moment_loss(blurred[1.0], real))


def test_loss_gradient_reaches_the_generated_images_only_and_lowers_the_loss():
    real = torch.from_numpy(_fields(32, 0))[:, None]
    fake = torch.nn.functional.avg_pool2d(torch.from_numpy(_fields(32, 1))[:, None], 3, 1, 1).requires_grad_(True)
    optimiser = torch.optim.Adam([fake], lr=1e-2)
    first = None
    for _ in range(20):
        optimiser.zero_grad()
        loss = spectral_moment_loss(fake, real.requires_grad_(True))
        loss.backward()
        first = float(loss.detach()) if first is None else first
        assert real.grad is None and torch.isfinite(fake.grad).all()
        optimiser.step()
    assert float(spectral_moment_loss(fake.detach(), real)) < 0.5 * first


def _anisotropic_fields(n: int, seed: int, size: int = 32, strength: float = 0.8) -> np.ndarray:
    """``_fields``' texture with its power moved toward vertical frequencies (``1 + s cos 2theta`` per annulus)."""
    rng = np.random.default_rng(seed)
    f = np.fft.fftfreq(size)
    fy, fx = np.meshgrid(f, f, indexing="ij")
    gain = np.sqrt(1.0 + strength * np.cos(2.0 * np.arctan2(fy, fx) + np.pi))  # mean 1 over each annulus
    noise = np.fft.ifft2(np.fft.fft2(rng.normal(size=(n, size, size))) * gain).real
    fields = scipy.ndimage.gaussian_filter(noise, (0, 1.0, 1.0))
    return (0.4 * fields / fields.std()).clip(-1, 1).astype(np.float32)


def test_oriented_loss_sees_streak_like_anisotropy_that_the_radial_loss_misses():
    real, other = (torch.from_numpy(_fields(64, s))[:, None] for s in (0, 1))
    streaky = torch.from_numpy(_anisotropic_fields(64, 2))[:, None]
    radial_floor, radial_streaky = (float(spectral_moment_loss(x, real)) for x in (other, streaky))
    oriented_floor, oriented_streaky = (float(spectral_moment_loss(x, real, orientations=4)) for x in (other, streaky))
    assert radial_streaky < 1.0  # the annuli average the directions out
    assert oriented_floor < 1.0 and oriented_streaky > 5.0 * max(oriented_floor, radial_streaky)


def test_oriented_spectrum_with_one_sector_is_the_radial_one_and_its_cells_follow_the_direction():
    images = torch.from_numpy(_fields(4, 0))[:, None]
    torch.testing.assert_close(log_oriented_spectrum(images, 1), log_radial_spectrum(images))
    streaky = torch.from_numpy(_anisotropic_fields(64, 2))[:, None]
    by_sector = log_oriented_spectrum(streaky, 4).reshape(64, 16, 4).mean(dim=(0, 1))
    assert int(by_sector.argmax()) == 2 and int(by_sector.argmin()) == 0  # vertical frequencies up, horizontal down


def test_bad_shapes_name_the_function_and_the_shapes():
    with pytest.raises(ValueError, match="log_oriented_spectrum: images must be .N, 1, H, H."):
        log_radial_spectrum(torch.zeros(2, 1, 16, 32))
    with pytest.raises(ValueError, match="oriented_bins: orientations must be 1 to 4"):
        log_oriented_spectrum(torch.zeros(2, 1, 16, 16), 5)
    with pytest.raises(ValueError, match="spectral_moment_loss: .* at least 2 images of one size"):
        spectral_moment_loss(torch.zeros(2, 1, 16, 16), torch.zeros(2, 1, 32, 32))
