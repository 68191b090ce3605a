"""Tests of gan_lib.imaging conversions and set validation."""

from __future__ import annotations

import numpy as np
import pytest

from gan_lib.imaging import check_image_set, to_uint8, uint8_to_model_range


def test_to_uint8_and_back_round_trips_uint8_values():
    values = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(to_uint8(uint8_to_model_range(values)), values)


def test_to_uint8_clips_out_of_range_values():
    np.testing.assert_array_equal(to_uint8(np.array([-3.0, 3.0])), [0, 255])


def test_check_image_set_squeezes_channel_axis():
    assert check_image_set(np.zeros((2, 1, 4, 4))).shape == (2, 4, 4)


@pytest.mark.parametrize(
    "images, match",
    [
        (np.zeros((4, 4)), "shape"),
        (np.zeros((0, 4, 4)), "at least 1"),
        (np.full((1, 4, 4), np.nan), "NaN"),
        (np.full((1, 4, 4), 200.0), "model space"),
    ],
)
def test_check_image_set_rejects_bad_sets(images, match):
    with pytest.raises(ValueError, match=match):
        check_image_set(images, name="fake")
