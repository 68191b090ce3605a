"""Tests for gan_lib.evaluation.spectral_rows: the blur ladder's values, sigma intervals and the rows."""

from __future__ import annotations

import numpy as np
import pytest
from evaluation_support import CONFIG, small_sets
from scipy.ndimage import gaussian_filter

from gan_lib.evaluation.spectral_rows import (
    SLOPE_ROW,
    blur_sigma_estimate,
    ladder_values,
    spectral_row_names,
    spectral_rows,
    spectral_table,
)
from gan_lib.metrics import Estimate


def fields(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-0.5, 0.5, (n, 32, 32)).astype(np.float32)


def test_ladder_values_start_at_zero_and_fall_with_sigma():
    values = ladder_values(fields(8, 0))
    assert list(values) == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert all(a > b for a, b in zip(list(values.values()), list(values.values())[1:]))


def test_blur_sigma_estimate_names_a_clipped_value():
    ladder = {0.0: 0.0, 1.0: -25.0}
    inside = blur_sigma_estimate(Estimate(-12.5, -15.0, -10.0, 5, 6), ladder)
    assert inside.value == pytest.approx(0.5) and inside.ci_low < 0.5 < inside.ci_high and "interpolated" in inside.note
    sharper = blur_sigma_estimate(Estimate(3.0, 2.0, 4.0, 5, 6), ladder)
    assert sharper.value == 0.0 and "clipped" in sharper.note and (sharper.n, sharper.n_reference) == (5, 6)


def test_spectral_rows_read_a_blurred_set_as_blurred():
    reference = fields(20, 0)
    blurred = gaussian_filter(fields(20, 1), (0, 1, 1))
    rows = spectral_rows(blurred, reference, reference_name="train", ladder=ladder_values(reference), n_resamples=50)
    slope, fine, reader, sigma = spectral_row_names("train")
    assert list(rows) == [slope, fine, reader, sigma]
    assert rows[fine].value < -10 and rows[reader].value > 0.9
    assert rows[sigma].value == pytest.approx(1.0, abs=0.25)


def test_spectral_table_has_every_compared_set_and_the_train_slope():
    table = spectral_table(small_sets(), CONFIG)
    assert set(table["comparison"]) == {"generated", "heldout", "train"}
    assert set(table.loc[table["comparison"] == "train", "metric"]) == {SLOPE_ROW}
