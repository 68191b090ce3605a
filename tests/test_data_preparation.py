"""Tests for gan_lib.data.preparation: per-file records, errors naming the file, worker count."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
import tifffile
from PIL import Image

from gan_lib.data import data_config
from gan_lib.data.preparation import NoBreastInFileError, default_workers, prepare_file, prepare_files


def _mammogram(tmp_path, shape=(240, 160)):
    """A 16-bit textured half-ellipse on the left (as in test_data_dataset)."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    breast = ((yy - shape[0] / 2) / (0.4 * shape[0])) ** 2 + (xx / (0.55 * shape[1])) ** 2 <= 1
    image = rng.normal(400, 60, shape).clip(0)
    image[breast] = rng.uniform(9000, 40000, breast.sum())
    image = image.astype(np.uint16)
    path = tmp_path / "pat0_LCC.png"
    Image.fromarray(image).save(path)
    return path


def test_prepare_file_writes_working_files_and_record_last(tmp_path):
    config = data_config("quick", {"image_size": 16, "patch_scale": 0.5})
    record = prepare_file(3, _mammogram(tmp_path), None, tmp_path, config, tmp_path / "out")
    assert record["laterality"] == "L" and record["valid_corners"] > 0
    assert json.loads((tmp_path / "out" / "000003.json").read_text()) == record
    image = np.load(tmp_path / "out" / "000003.image.npy", mmap_mode="r")
    assert image.dtype == np.uint16 and image.shape == (record["work_height"], record["work_width"])


def test_prepare_files_skips_files_already_finished(tmp_path, monkeypatch):
    config = data_config("quick", {"image_size": 16, "patch_scale": 0.5})
    path = _mammogram(tmp_path)
    first = prepare_files([path], {}, tmp_path, config, tmp_path / "out", workers=1, progress=False)
    monkeypatch.setattr("gan_lib.data.preparation.prepare_file", lambda *a: pytest.fail("prepared twice"))
    assert prepare_files([path], {}, tmp_path, config, tmp_path / "out", workers=1, progress=False) == first


def test_prepare_file_all_nan_tiff_raises_naming_the_file_and_pickles(tmp_path):
    path = tmp_path / "nan.tif"
    tifffile.imwrite(path, np.full((64, 48), np.nan, np.float32))
    with pytest.raises(NoBreastInFileError, match=r"nan\.tif: no breast found") as error:
        prepare_file(0, path, None, tmp_path, data_config("quick"), tmp_path / "out")
    clone = pickle.loads(pickle.dumps(error.value))  # crosses the process pool intact
    assert clone.path == path and str(clone) == str(error.value)


def test_prepare_files_refuses_zero_workers(tmp_path):
    with pytest.raises(ValueError, match="workers must be >= 1"):
        prepare_files([], {}, tmp_path, data_config("quick"), tmp_path / "out", workers=0, progress=False)
    assert default_workers() >= 1


def test_prepare_file_unexpected_error_names_the_file(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise MemoryError("out of memory")

    monkeypatch.setattr("gan_lib.data.preparation.preprocess_mammogram", broken)
    path = _mammogram(tmp_path)
    with pytest.raises(MemoryError) as error:
        prepare_file(0, path, None, tmp_path, data_config("quick"), tmp_path / "out")
    assert error.value.__notes__ == [f"(while preparing {path})"]
