"""Tests for gan_lib.data.working: uint16 storage of working images and the crop table."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from gan_lib.data.sampling import corner_runs, valid_corners
from gan_lib.data.working import LEVELS, CropTable, quantise, read_mask, uint16_to_model_range, write_working


def test_quantise_round_trip_error_is_at_most_half_a_step():
    values = np.random.default_rng(0).random(100_000)
    restored = (uint16_to_model_range(quantise(values)).astype(np.float64) + 1) / 2
    assert np.abs(restored - values).max() <= 0.5 / LEVELS + 1e-7


def test_quantise_beats_float16_near_one():
    values = np.linspace(0.9, 1.0, 10_001)
    uint16_error = np.abs(quantise(values) / LEVELS - values).max()
    float16_error = np.abs(values.astype(np.float16).astype(np.float64) - values).max()
    assert uint16_error * 10 < float16_error


def _table(tmp_path, image, mask, size):
    write_working(
        tmp_path,
        "000000",
        image=image,
        mask=mask,
        runs=corner_runs(valid_corners(mask, size=size, min_tissue_fraction=0.9)),
    )
    return CropTable([tmp_path / "000000"], size=size)


def test_crop_table_crops_lie_inside_the_mask(tmp_path):
    yy, xx = np.mgrid[:60, :50]
    mask = (yy - 30) ** 2 + xx**2 < 35**2  # a half disc on the left
    table = _table(tmp_path, np.where(mask, 0.7, 0.0), mask, size=8)
    crops = table.crops(*table.draw(np.random.default_rng(1), 300))
    assert ((crops > -1).mean(axis=(1, 2)) >= 0.9).all()
    assert table.total == valid_corners(mask, size=8, min_tissue_fraction=0.9).sum()


def test_crop_table_reads_through_memory_maps_and_pickles_without_them(tmp_path):
    table = _table(tmp_path, np.full((20, 20), 0.5), np.ones((20, 20), bool), size=4)
    table.preview(2)
    assert isinstance(table.image(0), np.memmap)
    clone = pickle.loads(pickle.dumps(table))
    assert clone._images == {} and clone.fingerprint() == table.fingerprint()
    np.testing.assert_array_equal(clone.preview(5), table.preview(5))


def test_crop_table_refuses_an_image_without_valid_crops(tmp_path):
    with pytest.raises(ValueError, match="valid crop"):
        _table(tmp_path, np.zeros((20, 20)), np.zeros((20, 20), bool), size=4)


def test_write_working_packs_the_mask_eight_pixels_per_byte(tmp_path):
    mask = np.random.default_rng(0).random((30, 21)) > 0.5
    write_working(tmp_path, "000001", image=np.zeros((30, 21)), mask=mask, runs=np.zeros((0, 3)))
    assert np.load(tmp_path / "000001.mask.npy").shape == (30, 3)
    np.testing.assert_array_equal(read_mask(tmp_path / "000001"), mask)
