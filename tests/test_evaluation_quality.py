"""Tests for gan_lib.evaluation.quality: the quality metrics shared by Table 1 and the quality-vs-time benchmark."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_lib.evaluation import evaluation_config, quality_metrics
from gan_lib.evaluation.quality import QUALITY_METRICS, QUALITY_ROWS, TABLE1_METRICS

EVAL = evaluation_config(
    "quick",
    {
        "n_generated": 8,
        "max_real": 16,
        "swd_max_images": 8,
        "n_costly_bootstrap": 2,
        "diversity_pairs": 10,
        "n_resamples": 50,
    },
)


def _images(n: int, seed: int, size: int = 32) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = torch.from_numpy(rng.normal(size=(n, 1, size // 4, size // 4)).astype(np.float32))
    return torch.tanh(torch.nn.functional.interpolate(noise, size=(size, size), mode="bilinear"))[:, 0].numpy()


@pytest.fixture(scope="module")
def sets():
    return {"train": _images(16, 0), "heldout": _images(8, 1)}


def test_quality_metrics_report_sizes_and_intervals(sets):
    metrics = quality_metrics(sets["heldout"], sets["train"], EVAL)
    assert metrics["swd"].n == 8 and metrics["swd"].n_reference == 8  # swd_max_images subsamples train
    assert metrics["swd"].ci_low <= metrics["swd"].value <= metrics["swd"].ci_high
    assert metrics["diversity"].n == 8 and 0 < metrics["diversity"].value < 1
    assert {"swd_32px", "swd_16px"} <= set(metrics)
    assert {"slope", "fine_band", "spectral_reader", "blur_sigma", "orientation", "cnn_reader"} <= set(metrics)
    assert metrics["orientation"].n == 8 and metrics["orientation"].n_reference == 16
    assert 0.0 <= metrics["orientation"].ci_low <= metrics["orientation"].value <= metrics["orientation"].ci_high
    for reader in ("c2st", "statistics_reader", "spectral_reader"):
        assert metrics[reader].n == 8 and metrics[reader].n_reference == 16
        assert 0.0 <= metrics[reader].ci_low <= metrics[reader].value <= metrics[reader].ci_high <= 1.0


def test_quality_metrics_mark_a_diverged_generator_not_computed(sets):
    broken = sets["heldout"].copy()
    broken[0, 0, 0] = np.nan
    metrics = quality_metrics(broken, sets["train"], EVAL)
    assert not metrics["swd"].computed and "diverged" in metrics["swd"].note
    assert not metrics["c2st"].computed
    assert not metrics["blur_sigma"].computed and metrics["slope"].n_reference is None


def test_quality_metrics_computes_only_the_metrics_asked_for_and_refuses_unknown_ones(sets):
    assert set(quality_metrics(sets["heldout"], sets["train"], EVAL, metrics=["statistics_reader"])) == {
        "statistics_reader"
    }
    with pytest.raises(ValueError, match="unknown metrics"):
        quality_metrics(sets["heldout"], sets["train"], EVAL, metrics=["fid"])


def test_every_quality_metric_key_has_a_table1_row(sets):
    keys = {key for key in quality_metrics(sets["heldout"], sets["train"], EVAL) if not key.startswith("swd_")}
    assert keys == set(QUALITY_ROWS)


def test_table1_leaves_out_the_reader_that_is_blind_to_blur():
    assert set(TABLE1_METRICS) == set(QUALITY_METRICS) - {"c2st"}
