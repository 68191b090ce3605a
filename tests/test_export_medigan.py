"""Tests for gan_lib.export.medigan: the generate(model_file, num_samples, output_path, save_images) entry point."""

from __future__ import annotations

import importlib.util
import inspect

import numpy as np
import pydicom
import pytest
from export_support import train_tiny_run
from PIL import Image

from gan_lib.export.cli import export_run
from gan_lib.export.medigan import generate
from gan_lib.generate import generate_seeds
from gan_lib.imaging import to_uint8


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    run = train_tiny_run(tmp_path_factory.mktemp("runs") / "tiny")
    return export_run(str(run), tmp_path_factory.mktemp("export"))


def test_generate_takes_medigan_base_arguments_first():
    assert list(inspect.signature(generate).parameters)[:4] == [
        "model_file",
        "num_samples",
        "output_path",
        "save_images",
    ]


def test_generate_returns_medigan_images_without_saving(package):
    images = generate(model_file=package["model"], num_samples=3, output_path=None, save_images=False)
    assert len(images) == 3 and images[0].shape == (32, 32, 1) and images[0].dtype == np.uint8
    np.testing.assert_array_equal(np.stack(images)[..., 0], to_uint8(generate_seeds(package["model"], [0, 1, 2])))


def test_generate_saves_images_from_consecutive_seeds(package, tmp_path):
    assert generate(package["model"], 2, tmp_path, True, seed=5) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sample_00005.png", "sample_00006.png"]
    np.testing.assert_array_equal(
        np.asarray(Image.open(tmp_path / "sample_00006.png")), to_uint8(generate_seeds(package["model"], [6]))[0]
    )


def test_generate_writes_dicom_through_the_exported_package(package, tmp_path):
    spec = importlib.util.spec_from_file_location("exported_package", package["package_init"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(
        model_file=str(package["model"]),
        num_samples=2,
        output_path=str(tmp_path),
        save_images=True,
        output_format="dicom",
    )
    assert [pydicom.dcmread(p).ConversionType for p in sorted(tmp_path.glob("*.dcm"))] == ["SYN", "SYN"]


def test_generate_needs_an_output_path_to_save(package):
    with pytest.raises(ValueError, match="needs output_path"):
        generate(package["model"], 1, None, True)


def test_generate_rejects_a_non_positive_count(package, tmp_path):
    with pytest.raises(ValueError, match="num_samples must be a positive integer"):
        generate(package["model"], 0, tmp_path, True)
