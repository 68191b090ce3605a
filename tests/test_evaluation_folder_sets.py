"""Tests for gan_lib.evaluation.folder_sets: image sets read back from the formats the project writes."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from gan_lib.evaluation.folder_sets import load_image_folder, to_model_space
from gan_lib.export.formats import write_images


@pytest.fixture(scope="module")
def images():
    return np.clip(np.random.default_rng(3).normal(0, 0.5, (3, 16, 16)), -1, 1).astype(np.float32)


def test_load_image_folder_reads_8_bit_png_exactly(images, tmp_path):
    write_images(images, tmp_path, fmt="png")
    loaded, files = load_image_folder(tmp_path)
    assert len(files) == 3 and loaded.shape == (3, 16, 16) and loaded.dtype == np.float32
    np.testing.assert_array_equal(np.rint((loaded + 1) * 127.5), np.rint((images + 1) * 127.5))


@pytest.mark.parametrize("fmt", ["png16", "tiff", "dicom"])
def test_load_image_folder_reads_16_bit_formats_to_16_bit_precision(images, tmp_path, fmt):
    write_images(images, tmp_path, fmt=fmt)
    loaded, _ = load_image_folder(tmp_path)
    np.testing.assert_allclose(loaded, images, atol=1.6e-5)


def test_load_image_folder_reads_an_npy_array(images, tmp_path):
    np.save(tmp_path / "set.npy", images)
    np.testing.assert_array_equal(load_image_folder(tmp_path / "set.npy")[0], images)


def test_load_image_folder_rejects_mixed_sizes(images, tmp_path):
    write_images(images, tmp_path, fmt="png")
    write_images(np.zeros((1, 20, 20), np.float32), tmp_path, fmt="png", seeds=[9])
    with pytest.raises(ValueError, match="FAKE_DIR: .*sample_00009.png is 20x20 px but .* is 16x16"):
        load_image_folder(tmp_path, name="FAKE_DIR")


def test_load_image_folder_names_an_empty_folder(tmp_path):
    with pytest.raises(ValueError, match="holds no image file"):
        load_image_folder(tmp_path)


def test_to_model_space_scales_by_bits_stored_and_inverts_monochrome1():
    np.testing.assert_allclose(to_model_space(np.array([[0, 4095]], np.uint16), bits=12), [[-1.0, 1.0]])
    np.testing.assert_allclose(to_model_space(np.array([[0, 65535]], np.uint16)), [[-1.0, 1.0]])
    np.testing.assert_allclose(to_model_space(np.array([[0, 255]], np.uint8), photometric="MONOCHROME1"), [[1.0, -1.0]])


def test_load_image_folder_rejects_floats_outside_the_model_range(tmp_path):
    tifffile.imwrite(tmp_path / "a.tif", np.full((16, 16), 3.0, np.float32))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        load_image_folder(tmp_path)
