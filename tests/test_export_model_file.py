"""Tests for gan_lib.export.model_file: the portable generator file and its loader."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from export_support import train_tiny_run
from safetensors.torch import save_file

import gan_lib
from gan_lib.export.model_file import (
    INTENSITY,
    MODEL_FORMAT,
    export_generator,
    file_sha256,
    load_any_generator,
    load_generator,
    read_model_metadata,
)
from gan_lib.generate import generate_seeds
from gan_lib.training import load_checkpoint


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    run = train_tiny_run(tmp_path_factory.mktemp("runs") / "tiny")
    model = export_generator(run / "checkpoints" / "last.pt", tmp_path_factory.mktemp("export") / "model.safetensors")
    return run, model


def test_export_generator_keeps_the_ema_weights_exactly(exported):
    run, model = exported
    checkpoint = load_checkpoint(run / "checkpoints" / "last.pt")
    loaded = load_generator(model).state_dict()
    assert loaded.keys() == checkpoint["generator_ema"].keys()
    for name, tensor in checkpoint["generator_ema"].items():
        assert torch.equal(loaded[name], tensor), name
    assert any(
        not torch.equal(checkpoint["generator"][k], v)
        for k, v in checkpoint["generator_ema"].items()
        if v.is_floating_point()
    )  # the average differs from the trained weights, so the test can fail


def test_export_generator_metadata_describes_the_network(exported):
    run, model = exported
    info = read_model_metadata(model)
    assert info["format"] == MODEL_FORMAT and info["weights"] == "generator_ema"
    assert info["generator"]["name"] == "hybrid_generator" and info["image_size"] == 32
    assert info["latent_dim"] == 128 and info["num_classes"] == 0 and info["intensity"] == INTENSITY
    assert info["source_checkpoint"]["sha256"] == file_sha256(run / "checkpoints" / "last.pt")
    assert info["source_checkpoint"]["step"] == 2 and info["recipe"]["train_config"]["ema_kimg"] == 0.01


def test_load_generator_in_a_fresh_process_matches_the_checkpoint_bit_for_bit(exported, tmp_path):
    run, model = exported
    script = (
        f"import numpy as np; from gan_lib.generate import generate_seeds; "
        f"np.save({str(tmp_path / 'fresh.npy')!r}, generate_seeds({str(model)!r}, range(6)))"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    expected = generate_seeds(run / "checkpoints" / "last.pt", list(range(6)))
    np.testing.assert_array_equal(np.load(tmp_path / "fresh.npy"), expected)


def test_gan_lib_exposes_load_generator():
    assert gan_lib.load_generator is load_generator


def test_load_any_generator_reads_both_kinds_of_file(exported):
    run, model = exported
    a, b = load_any_generator(model), load_any_generator(run / "checkpoints" / "last.pt")
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(x, y), name


def test_read_model_metadata_rejects_a_safetensors_file_without_it(tmp_path):
    path = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(2)}, str(path))
    with pytest.raises(ValueError, match="no 'mammo_wgan' metadata"):
        load_generator(path)


def test_read_model_metadata_rejects_a_non_safetensors_file(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a safetensors file"):
        read_model_metadata(path)


def test_read_model_metadata_names_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m gan_lib.export"):
        read_model_metadata(tmp_path / "none.safetensors")


def test_export_generator_writes_the_same_bytes_every_time(exported, tmp_path):
    run, model = exported
    script = (
        f"from gan_lib.export.model_file import export_generator; "
        f"export_generator({str(run / 'checkpoints' / 'last.pt')!r}, {str(tmp_path / 'again.safetensors')!r})"
    )
    subprocess.run([sys.executable, "-c", script], check=True)  # another process: another hash seed
    assert file_sha256(tmp_path / "again.safetensors") == file_sha256(model)
