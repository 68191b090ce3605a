"""benchmarks/checkpoint_curve.py: readers along one training run, resumable."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from benchmark_support import benchmark_module


@pytest.fixture(scope="module")
def curve():
    yield from benchmark_module("checkpoint_curve")


def make_run(tmp_path, steps):
    (tmp_path / "checkpoints").mkdir(parents=True)
    for step in steps:
        (tmp_path / "checkpoints" / f"step_{step:06d}.pt").write_bytes(b"")
    (tmp_path / "checkpoints" / "last.pt").write_bytes(b"")  # not a step checkpoint
    return tmp_path


def test_step_checkpoints_lists_steps_in_order_and_names_missing_ones(curve, tmp_path):
    run = make_run(tmp_path, [1000, 200, 3670])
    assert list(curve.step_checkpoints(run)) == [200, 1000, 3670]
    assert list(curve.step_checkpoints(run, [3670, 200])) == [200, 3670]
    with pytest.raises(FileNotFoundError, match=r"no step checkpoint for steps \[400\]"):
        curve.step_checkpoints(run, [400])
    with pytest.raises(FileNotFoundError, match="train the run first"):
        curve.step_checkpoints(make_run(tmp_path / "empty", []))


def test_checkpoint_curve_scores_only_new_steps_and_keeps_the_table_sorted(curve, tmp_path, monkeypatch):
    run = make_run(tmp_path / "run", [200, 400, 600])
    scored = []

    def fake_score(path, train, *, count, reader_seeds):
        scored.append(path.name)
        return {"cnn_reader": float(len(scored)), "swd": 50.0}

    monkeypatch.setattr(curve, "load_run", lambda folder: SimpleNamespace(path=run, dataset=lambda: _Images()))
    monkeypatch.setattr(curve, "score_checkpoint", fake_score)
    out = tmp_path / "curve.csv"
    first = curve.checkpoint_curve(run, out, steps=[600, 200])
    assert first["step"].tolist() == [200, 600] and scored == ["step_000200.pt", "step_000600.pt"]
    table = curve.checkpoint_curve(run, out)
    assert scored[2:] == ["step_000400.pt"]  # 200 and 600 come from the CSV
    assert table["step"].tolist() == [200, 400, 600]
    assert pd.read_csv(out)["cnn_reader"].tolist() == [1.0, 3.0, 2.0]


class _Images:
    def images(self, split):
        return np.zeros((4, 8, 8), np.float32)
