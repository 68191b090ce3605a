"""Tests for gan_lib.export.formats: every output format read back with the libraries others will use."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from PIL import Image

from gan_lib.export.dicom import to_uint16
from gan_lib.export.formats import FORMATS, write_gif, write_images
from gan_lib.imaging import to_uint8


@pytest.fixture(scope="module")
def images():
    return np.clip(np.random.default_rng(2).normal(0, 0.5, (2, 16, 16)), -1, 1).astype(np.float32)


def test_write_images_png_is_8_bit(images, tmp_path):
    paths = write_images(images, tmp_path, fmt="png", seeds=[7, 9])
    assert [p.name for p in paths] == ["sample_00007.png", "sample_00009.png"]
    with Image.open(paths[1]) as image:
        np.testing.assert_array_equal(np.asarray(image), to_uint8(images[1]))
        assert "SYNTHETIC" in image.info["Description"]


def test_write_images_png16_keeps_16_bits(images, tmp_path):
    paths = write_images(images, tmp_path, fmt="png16", model_sha256="cafe")
    with Image.open(paths[0]) as image:
        pixels = np.asarray(image)
        assert "cafe" in image.info["Description"]
    assert pixels.dtype == np.uint16
    np.testing.assert_array_equal(pixels, to_uint16(images[0]))
    assert len(np.unique(pixels)) > 256 // 2  # more levels than 8 bits would keep for this image


def test_write_images_tiff_keeps_16_bits(images, tmp_path):
    paths = write_images(images, tmp_path, fmt="tiff", model_name="model.safetensors")
    assert paths[0].suffix == ".tif"
    np.testing.assert_array_equal(tifffile.imread(paths[0]), to_uint16(images[0]))
    with tifffile.TiffFile(paths[0]) as tif:
        assert "model.safetensors" in tif.pages[0].description


def test_write_images_npy_keeps_the_floats(images, tmp_path):
    assert write_images(images, tmp_path / "a.npy", fmt="npy") == [tmp_path / "a.npy"]
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), images)
    assert write_images(images, tmp_path / "folder", fmt="npy")[0].name == "samples.npy"


def test_write_images_rejects_an_unknown_format(images, tmp_path):
    with pytest.raises(ValueError, match="--format must be one of"):
        write_images(images, tmp_path, fmt="jpeg")


def test_write_images_rejects_seeds_of_another_length(images, tmp_path):
    with pytest.raises(ValueError, match="2 images but 3 seeds"):
        write_images(images, tmp_path, seeds=[1, 2, 3])


def test_write_gif_holds_every_frame(images, tmp_path):
    path = write_gif(images, tmp_path / "walk.gif")
    with Image.open(path) as gif:
        assert gif.n_frames == 2 and gif.info["loop"] == 0
        gif.seek(1)
        np.testing.assert_array_equal(np.asarray(gif.convert("L")), to_uint8(images[1]))


def test_formats_lists_the_five_outputs():
    assert set(FORMATS) == {"png", "png16", "tiff", "dicom", "npy"}
