"""benchmarks/data_scale.py: synthetic mammograms, process-tree memory and the report."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from benchmark_support import benchmark_module


@pytest.fixture(scope="module")
def scale():
    yield from benchmark_module("data_scale")


def test_synthetic_mammogram_is_16_bit_with_the_breast_on_its_side(scale):
    image, side = scale.synthetic_mammogram(1, shape=(450, 300))
    assert image.dtype == np.uint16 and image.shape == (450, 300) and side == "RIGHT"
    assert image[200:250, -20:].mean() > 5 * image[200:250, :20].mean()  # right breast: chest wall on the right


def test_subset_folder_links_the_images(scale, tmp_path):
    from gan_lib.data.io import discover_images, metadata_from_name

    source = tmp_path / "all"
    source.mkdir()
    paths = [source / f"Calc-Training_P_{i:05d}_RIGHT_MLO.tif" for i in range(3)]
    for path in paths:
        path.write_bytes(b"x")
    folder = scale.subset_folder(paths[:2], tmp_path / "n2")
    assert [p.name for p in discover_images(folder)] == [p.name for p in paths[:2]]
    assert metadata_from_name(paths[0]) == ("P_00000", "R", "MLO")


def test_tree_memory_counts_the_children(scale):
    alone = scale._proc_tree_rss(os.getpid())
    seconds, peak, out = scale.run_with_peak_memory(
        [sys.executable, "-c", "import time; a = bytearray(200 * 2**20); time.sleep(1.0); print('done')"],
        dict(os.environ),
    )
    assert alone > 0 and out.strip() == "done" and peak > 150 * 2**20


def test_markdown_reports_every_row(scale):
    result = {
        "cpu": "cpu",
        "load_note": "idle",
        "preparation": [
            {"images": 25, "workers": 2, "prepare_s_per_image": 1.0, "peak_rss_gib": 0.5, "disk_bytes_per_image": 2**21}
        ],
        "quantisation": {
            "uint16": {
                "max_abs_model_range": 1.5e-5,
                "mean_abs_model_range": 7e-6,
                "rms_model_range": 8e-6,
                "pixels": 10,
            }
        },
        "training": [
            {
                "profile": "quick",
                "tensor_steps_per_s": 2.0,
                "crops_steps_per_s": 1.9,
                "tensor_draw_ms": 0.4,
                "crops_draw_ms": 0.5,
                "crop_overhead_fraction_of_step": 0.01,
            }
        ],
    }
    text = scale.markdown(result)
    assert "| 25 | 2 | 1.00 | 0.50 | 2.00 |" in text and "| quick | 2.000 | 1.900 | 0.40 | 0.50 | 1.0% |" in text


def test_extrapolate_scales_disk_and_time_but_not_memory(scale):
    rows = [
        {
            "images": n,
            "workers": w,
            "prepare_s_per_image": 2.0 / w,
            "peak_rss_gib": 0.3 * w + n / 1000,
            "disk_bytes_per_image": 2**21,
        }
        for n in (25, 100)
        for w in (1, 2)
    ]
    cbis, vindr = scale.extrapolate(rows)
    assert cbis["images"] == 3103 and cbis["measured_n"] == 100
    assert cbis["disk_gib"] == pytest.approx(3103 * 2 / 1024)
    assert cbis["core_hours"] == pytest.approx(3103 * 2 / 3600) and cbis["wall_hours_2_workers"] == pytest.approx(
        3103 / 3600
    )
    assert cbis["peak_gib_2_workers"] == vindr["peak_gib_2_workers"] == pytest.approx(0.7)
    text = scale.markdown(
        {"cpu": "c", "load_note": "n", "preparation": [], "quantisation": {}, "training": [], "extrapolation": [cbis]}
    )
    assert "| CBIS-DDSM | 3103 | 6.1 | 97 | 1.7 | 1.7 | 0.40 | 0.9 | 0.70 |" in text
