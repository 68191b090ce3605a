"""benchmarks/recipe_samples.py: the README's picture of samples beside real patches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from benchmark_support import benchmark_module


@pytest.fixture(scope="module")
def samples():
    yield from benchmark_module("recipe_samples")


def test_plot_has_a_grid_and_magnified_corners_per_column(samples):
    rng = np.random.default_rng(0)
    columns = {name: rng.uniform(-1, 1, (16, 32, 32)) for name in ("real", "a", "b")}
    fig = samples.plot_columns(columns)
    images = [ax.get_images()[0].get_array() for ax in fig.axes]
    assert len(images) == 3 * (16 + 4)
    corners = [a for a in images if a.shape == (16, 16)]
    assert len(corners) == 12
    assert np.array_equal(corners[0], columns["real"][0, :16, :16])  # the corner, not a resized copy
    assert [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")][::2] == ["real", "a", "b"]


def test_sample_columns_draws_real_patches_evenly_and_samples_per_checkpoint(samples, monkeypatch):
    monkeypatch.setattr(samples, "generate", lambda path, n, seed: np.full((n, 8, 8), float(len(str(path)))))
    real = np.arange(100, dtype=np.float32)[:, None, None] * np.ones((1, 8, 8), np.float32)
    columns = samples.sample_columns({"x": Path("ab")}, real)
    assert list(columns) == ["real training patches", "x"]
    assert columns["real training patches"][[0, -1], 0, 0].tolist() == [0.0, 99.0]
    assert columns["x"].shape == (16, 8, 8) and columns["x"][0, 0, 0] == 2.0
