"""Tests for gan_lib.metrics.fid: Inception features, their cache and the Fréchet distance."""

import warnings

import numpy as np
import pytest
import torch
from inception_support import PACKAGED, requires_packaged, save_random_weights

from gan_lib.metrics.fid import TooFewImagesError, fid, frechet_distance, inception_features
from gan_lib.metrics.inception_weights import load_inception


@pytest.fixture(scope="module")
def random_weights(tmp_path_factory):
    """A stand-in network file with random tensors (the features are never reported)."""
    return save_random_weights(tmp_path_factory.mktemp("weights"))


@pytest.fixture(scope="module")
def packaged_torchscript():
    """NVIDIA's TorchScript module itself: (N, 3, 299, 299) in its input range -> (N, 2048)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return torch.jit.load(PACKAGED, map_location="cpu").eval()


@pytest.fixture(scope="module")
def grey_levels():
    """Two fixed 299-px 8-bit grey images: a smooth blob with stripes, and noise."""
    yy, xx = np.mgrid[0:299, 0:299] / 299.0
    blob = 255 * np.exp(-3 * np.hypot(xx - 0.3, yy - 0.5) ** 2) * (0.8 + 0.2 * np.sin(20 * xx))
    noise = np.random.default_rng(0).integers(0, 256, size=(299, 299))
    return np.stack([blob, noise]).round().clip(0, 255).astype(np.uint8)


def _torchscript_features(module, levels, *, tf_range):
    """Features of the TorchScript on 8-bit grey levels, in TF's range (v - 128) / 128 or pytorch-fid's 2x - 1."""
    x = torch.from_numpy(levels.astype(np.float32))[:, None].expand(-1, 3, -1, -1)
    with torch.no_grad():
        return module((x - 128) / 128 if tf_range else 2 * (x / 255) - 1).double().numpy()


def test_frechet_distance_matches_closed_form_for_diagonal_gaussians():
    rng = np.random.default_rng(0)
    mu_a, mu_b = rng.normal(size=5), rng.normal(size=5)
    var_a, var_b = rng.uniform(0.5, 2.0, 5), rng.uniform(0.5, 2.0, 5)
    expected = np.sum((mu_a - mu_b) ** 2) + np.sum(var_a + var_b - 2 * np.sqrt(var_a * var_b))
    assert frechet_distance(mu_a, np.diag(var_a), mu_b, np.diag(var_b)) == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_matches_closed_form_for_full_covariances():
    rng = np.random.default_rng(1)
    root = rng.normal(size=(4, 4))
    sigma = root @ root.T + np.eye(4)
    # Scaled covariance: tr(s + c²s - 2cs) = (1 - c)² tr(s).
    c = 3.0
    assert frechet_distance(np.zeros(4), sigma, np.zeros(4), c**2 * sigma) == pytest.approx(
        (1 - c) ** 2 * np.trace(sigma), rel=1e-6
    )


def test_fid_of_samples_approaches_closed_form():
    rng = np.random.default_rng(2)
    a = rng.normal(0.0, 1.0, size=(4000, 3))
    b = rng.normal(1.0, 1.0, size=(4000, 3))
    result = fid(a, b, min_images=10, n_bootstrap=3)
    assert result.value == pytest.approx(3.0, abs=0.2)
    assert "biased" in result.note


def test_fid_refuses_too_few_images_and_says_how_many():
    features = np.zeros((100, 2048))
    with pytest.raises(TooFewImagesError, match="at least 2048"):
        fid(features, features)


@pytest.mark.slow
def test_inception_features_shape_from_grey_images(random_weights):
    model = load_inception(random_weights, check_hash=False)
    images = np.random.default_rng(0).uniform(-1, 1, size=(2, 32, 32)).astype(np.float32)
    features = inception_features(images, model=model, batch_size=1)
    assert features.shape == (2, 2048) and np.all(np.isfinite(features))


def test_inception_features_cache_returns_stored_features_and_recomputes_damaged_ones(random_weights, tmp_path):
    model = load_inception(random_weights, check_hash=False, memory_format="contiguous")
    images = np.random.default_rng(1).uniform(-1, 1, size=(3, 32, 32)).astype(np.float32)
    first = inception_features(images, model=model, cache_dir=tmp_path)
    (entry,) = tmp_path.glob("inception_*.npy")
    np.save(entry, np.zeros_like(first) + 7.0)  # stands for a stored result: it must be what comes back
    assert np.all(inception_features(images, model=model, cache_dir=tmp_path) == 7.0)
    entry.write_bytes(b"damaged")
    np.testing.assert_array_equal(inception_features(images, model=model, cache_dir=tmp_path), first)
    other = inception_features(images[:2], model=model, cache_dir=tmp_path)  # another set, another entry
    assert other.shape == (2, 2048) and len(list(tmp_path.glob("inception_*.npy"))) == 2


@pytest.mark.slow
@requires_packaged
def test_packaged_weights_give_the_torchscript_features(packaged_torchscript, grey_levels):
    # Identical network input: inception_features feeds [0, 1], pytorch-fid scales it by 2x - 1.
    model = load_inception(PACKAGED)
    ours = inception_features(grey_levels / 127.5 - 1.0, model=model, batch_size=2)
    theirs = _torchscript_features(packaged_torchscript, grey_levels, tf_range=False)
    assert np.abs(ours - theirs).max() <= 1e-3  # measured 1e-6


@requires_packaged
def test_input_range_offset_is_small(packaged_torchscript, grey_levels):
    # pytorch-fid's (v - 127.5) / 127.5 vs TF's (v - 128) / 128, both through NVIDIA's network: half a grey
    # level of offset moves features (values up to ~4) by ~0.01-0.04 (blob, noise), above the 1e-3 of the
    # equivalence test above, which is why that test feeds both networks the same tensor.
    tf = _torchscript_features(packaged_torchscript, grey_levels, tf_range=True)
    pt = _torchscript_features(packaged_torchscript, grey_levels, tf_range=False)
    assert 1e-3 < np.abs(tf - pt).max() < 0.02 * np.abs(pt).max()
