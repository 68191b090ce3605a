"""Tests for gan_lib.metrics.fid: weight discovery, the real loader, features and the Fréchet distance."""
from unittest import mock

import numpy as np
import pytest
import torch
import torchvision
from pytorch_fid import inception as fid_inception

from gan_lib.metrics.fid import (
    FID_WEIGHTS_ENV, FID_WEIGHTS_FILENAME, FIDWeightsNotFound, TooFewImagesError, fid, find_fid_weights,
    frechet_distance, inception_features, load_inception,
)


@pytest.fixture
def no_weights(monkeypatch, tmp_path):
    """No weights anywhere: empty hub dir, no env var."""
    monkeypatch.delenv(FID_WEIGHTS_ENV, raising=False)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    return tmp_path


@pytest.fixture(scope="module")
def random_weights(tmp_path_factory):
    """A randomly initialised state_dict with the FID Inception layout (not the real weights; never reported)."""
    with mock.patch.object(fid_inception, "load_state_dict_from_url", lambda *a, **k: {}), \
            mock.patch.object(torchvision.models.Inception3, "load_state_dict", lambda self, *a, **k: None):
        net = fid_inception.fid_inception_v3()
    path = tmp_path_factory.mktemp("weights") / FID_WEIGHTS_FILENAME
    torch.save(net.state_dict(), path)
    return path


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
    assert frechet_distance(np.zeros(4), sigma, np.zeros(4), c**2 * sigma) == pytest.approx((1 - c) ** 2 * np.trace(sigma), rel=1e-6)


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


def test_find_fid_weights_missing_names_file_url_and_places(no_weights):
    with pytest.raises(FIDWeightsNotFound) as error:
        find_fid_weights()
    message = str(error.value)
    assert FID_WEIGHTS_FILENAME in message and "6726825d" in message
    assert "github.com/mseitzer/pytorch-fid" in message and FID_WEIGHTS_ENV in message
    assert str(no_weights / "hub" / "checkpoints") in message


def test_find_fid_weights_prefers_explicit_folder(no_weights):
    (no_weights / FID_WEIGHTS_FILENAME).write_bytes(b"x")
    assert find_fid_weights(no_weights) == no_weights / FID_WEIGHTS_FILENAME


def test_find_fid_weights_reads_env_var(no_weights, monkeypatch):
    target = no_weights / "w.pth"
    target.write_bytes(b"x")
    monkeypatch.setenv(FID_WEIGHTS_ENV, str(target))
    assert find_fid_weights() == target


def test_find_fid_weights_looks_in_torch_hub_cache(no_weights):
    hub_file = no_weights / "hub" / "checkpoints" / FID_WEIGHTS_FILENAME
    hub_file.parent.mkdir(parents=True)
    hub_file.write_bytes(b"x")
    assert find_fid_weights() == hub_file


def test_load_inception_rejects_wrong_hash(random_weights):
    with pytest.raises(ValueError, match="SHA-256"):
        load_inception(random_weights)


def test_load_inception_never_downloads(random_weights):
    def fail(*args, **kwargs):
        raise AssertionError("tried to download")

    with mock.patch("torch.hub.load_state_dict_from_url", fail), mock.patch("torch.hub.download_url_to_file", fail):
        model = load_inception(random_weights, check_hash=False)
    assert isinstance(model, fid_inception.InceptionV3) and not model.training


def test_inception_features_shape_from_grey_images(random_weights):
    model = load_inception(random_weights, check_hash=False)
    images = np.random.default_rng(0).uniform(-1, 1, size=(2, 32, 32)).astype(np.float32)
    features = inception_features(images, model=model, batch_size=1)
    assert features.shape == (2, 2048) and np.all(np.isfinite(features))

