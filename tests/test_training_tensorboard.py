"""Tests for gan_lib.training.tensorboard: the optional extra, absent and present."""

from __future__ import annotations

import pytest
from test_training import target_images, tiny_config

from gan_lib.config import RunPaths
from gan_lib.training import tensorboard as tensorboard_module
from gan_lib.training import train
from gan_lib.training.tensorboard import open_tensorboard


@pytest.fixture
def without_tensorboard(monkeypatch):
    """Behave as if the tensorboard package were not installed."""
    monkeypatch.setattr(tensorboard_module, "tensorboard_available", lambda: False)


def test_open_tensorboard_auto_without_the_package_writes_nothing(without_tensorboard, tmp_path):
    assert open_tensorboard("auto", tmp_path / "tb", resumed_from=None) is None
    assert open_tensorboard("off", tmp_path / "tb", resumed_from=None) is None
    assert not (tmp_path / "tb").exists()


def test_open_tensorboard_on_without_the_package_names_the_extra(without_tensorboard, tmp_path):
    with pytest.raises(ImportError, match=r"pip install -e '\.\[tensorboard\]'"):
        open_tensorboard("on", tmp_path / "tb", resumed_from=None)


def test_train_without_tensorboard_skips_the_log(without_tensorboard, tmp_path):
    train(tiny_config(tensorboard="auto"), target_images(), tmp_path / "run", progress=False)
    assert not RunPaths(tmp_path / "run").tensorboard.exists()
    assert RunPaths(tmp_path / "run").metrics.exists()


def test_train_writes_scalars_and_sample_grids_to_tensorboard(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    train(tiny_config(tensorboard="on"), target_images(), tmp_path / "run", progress=False)
    events = EventAccumulator(str(RunPaths(tmp_path / "run").tensorboard), size_guidance={"images": 0}).Reload()
    tags = events.Tags()
    assert {
        "train/wasserstein",
        "train/gradient_penalty",
        "eval/swd",
        "eval/w_train",
        "eval/r_t",
        "eval/grad_norm_real",
    } <= set(tags["scalars"])
    assert [e.step for e in events.Scalars("train/critic_loss")] == [1, 2, 3, 4]
    assert [e.step for e in events.Scalars("eval/fine_band_db")] == [2, 4]
    assert [e.step for e in events.Images("samples")] == [2, 4]
