"""Tests for gan_lib.evaluation.calibration: the conditions, the table and its Markdown (cheap readers only)."""

from __future__ import annotations

import numpy as np

from gan_lib.evaluation.calibration import calibration_markdown, calibration_sets, calibration_table, main
from gan_lib.metrics.spectral import fine_band_estimate


def test_calibration_sets_build_floors_ladder_noise_and_grid_from_the_other_half():
    train = np.random.default_rng(0).uniform(-0.5, 0.5, (20, 16, 16)).astype(np.float32)
    reference, sets = calibration_sets(train, train[:6], train[:7], max_images=8)
    assert len(reference) == 10
    assert list(sets) == [
        "train, other half",
        "heldout (same patient)",
        "test (other patient)",
        "train blurred, sigma 0.5 px",
        "train blurred, sigma 1 px",
        "train blurred, sigma 1.5 px",
        "train blurred, sigma 2 px",
        "train + noise (sd 0.03)",
        "train + grid (4 px)",
    ]
    assert len(sets["train, other half"]) == 8 and len(sets["heldout (same patient)"]) == 6
    assert not any(np.array_equal(x, r) for x in sets["train, other half"] for r in reference)
    grid = sets["train + grid (4 px)"] - sets["train, other half"]
    assert np.allclose(grid[:, 0, 1], 0.05) and np.allclose(grid[:, 1, 1], 0.0)


def test_calibration_table_and_markdown_carry_n_interval_and_cpu_time():
    train = np.random.default_rng(0).uniform(-0.5, 0.5, (20, 16, 16)).astype(np.float32)
    reference, sets = calibration_sets(train, train[:6], train[:7])
    readers = {"fine band [dB]": lambda x, ref: fine_band_estimate(x, ref, min_frequency=4, n_resamples=20)}
    table = calibration_table(reference, sets, readers=readers, log=lambda line: None)
    assert len(table) == len(sets) and (table["cpu_s"] >= 0).all()
    blurred = table.set_index("condition").loc["train blurred, sigma 1 px"]
    assert blurred["value"] < -5 and blurred["ci_low"] <= blurred["value"] <= blurred["ci_high"]
    text = calibration_markdown(table, header="header")
    assert text.startswith("header") and "| train blurred, sigma 1 px | 10 vs 10 |" in text and "CPU s" in text


def test_main_renders_readers_md_from_a_csv(tmp_path):
    train = np.random.default_rng(0).uniform(-0.5, 0.5, (12, 16, 16)).astype(np.float32)
    reference, sets = calibration_sets(train, train[:6], train[:6])
    readers = {"fine band [dB]": lambda x, ref: fine_band_estimate(x, ref, min_frequency=4, n_resamples=20)}
    csv = tmp_path / "calibration.csv"
    calibration_table(reference, sets, readers=readers, log=lambda line: None).to_csv(csv, index=False)
    main(["--out", str(tmp_path), "--from-csv", str(csv), "--cpu", "test CPU"])
    text = (tmp_path / "readers.md").read_text()
    assert text.startswith("# Readers") and "Machine: test CPU." in text and "| train + grid (4 px) |" in text
