"""Tests for gan_lib.training.monitor: metrics.jsonl, best.pt, exact resume, and what later stages read."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from test_training import target_images, tiny_config

from gan_lib.config import RunPaths, resolve_checkpoint
from gan_lib.run import load_run
from gan_lib.training import load_checkpoint, train
from gan_lib.training import trainer as trainer_module
from gan_lib.training.diagnostics import CRITIC_NAMES, QUALITY_NAMES
from gan_lib.training.monitor import SELECTION_RULE, read_metrics

TIMING = ("eval_seconds", "seconds")  # wall time: the only fields that may differ between identical runs


def without_timing(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in TIMING}


def assert_same_content(a, b, path: str = "") -> None:
    """Nested checkpoint content equal (tensors bit for bit), wall times excepted."""
    if isinstance(a, dict):
        keys = set(a) - {"elapsed_seconds", *TIMING}
        assert keys == set(b) - {"elapsed_seconds", *TIMING}, path
        for key in keys:
            assert_same_content(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, torch.Tensor):
        assert torch.equal(a, b), path
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_content(x, y, f"{path}[{i}]")
    else:
        assert a == b, path


def test_monitor_records_every_evaluation_and_keeps_the_best(tmp_path):
    heldout = target_images(12, seed=5)
    train(tiny_config(steps=6, ema_kimg=0.01), target_images(), tmp_path / "run", progress=False, heldout=heldout)
    paths = RunPaths(tmp_path / "run")
    records = read_metrics(paths.metrics)
    assert [r["step"] for r in records] == [2, 4, 6]
    assert all(set(QUALITY_NAMES) | set(CRITIC_NAMES) <= set(r) for r in records)
    assert all(r["generator"] == "generator_ema" and r["w_heldout"] is not None for r in records)
    best = min(records, key=lambda r: r["score"])
    assert [r["step"] for r in records if r["best"]][-1] == best["step"]
    selection = load_checkpoint(paths.best_checkpoint)["selection"]
    assert selection["step"] == best["step"] and selection["rule"] == SELECTION_RULE
    assert load_checkpoint(paths.best_checkpoint)["step"] == best["step"]
    monitor = json.loads(paths.config.read_text())["monitor"]
    assert monitor["heldout_count"] == 12 and set(monitor["heldout_floor"]) == set(QUALITY_NAMES)
    run = load_run(tmp_path / "run")
    assert run.checkpoint("best") == ("best", paths.best_checkpoint) and run.checkpoint()[0] == "last"
    assert run.metrics()["step"].tolist() == [2, 4, 6]


@pytest.mark.parametrize("penalty_norm", ["laplacian_stack", "sobolev_fft", "whitening_stack"])
def test_monitor_scores_the_critic_through_the_runs_view(tmp_path, penalty_norm):
    # a 2-channel critic cannot score raw pixels: the monitor must show it images as training does
    train(
        tiny_config(steps=2, ema_kimg=0.01, penalty_norm=penalty_norm),
        target_images(),
        tmp_path / "run",
        progress=False,
        heldout=target_images(12, seed=5),
    )
    (record,) = read_metrics(RunPaths(tmp_path / "run").metrics)
    assert all(np.isfinite(record[name]) for name in ("w_train", "w_heldout", "gradient_penalty", "grad_norm_real"))


def test_monitor_does_not_change_training(tmp_path):
    images = target_images()
    watched = train(tiny_config(steps=4, ema_kimg=0.01), images, tmp_path / "on", progress=False)
    plain = train(tiny_config(steps=4, ema_kimg=0.01, eval_every=0), images, tmp_path / "off", progress=False)
    a, b = load_checkpoint(watched.checkpoint), load_checkpoint(plain.checkpoint)
    for part in ("generator", "generator_ema", "critic", "opt_generator", "opt_critic", "rng", "batcher"):
        assert_same_content(a[part], b[part], part)
    off = RunPaths(tmp_path / "off")
    assert not off.metrics.exists() and resolve_checkpoint(off, "best") == ("last", off.last_checkpoint)


def test_interrupted_and_resumed_run_writes_the_same_metrics_and_best(tmp_path, monkeypatch):
    images, heldout = target_images(), target_images(12, seed=5)
    config = tiny_config(steps=8, checkpoint_every=4, ema_kimg=0.01)
    train(config, images, tmp_path / "straight", progress=False, heldout=heldout)

    real_step = trainer_module.train_step

    def interrupted_step(state, *args, **kwargs):
        if state.step + 1 == 7:  # after the evaluation of step 6, past the checkpoint of step 4
            raise KeyboardInterrupt
        return real_step(state, *args, **kwargs)

    monkeypatch.setattr(trainer_module, "train_step", interrupted_step)
    with pytest.raises(KeyboardInterrupt):
        train(config, images, tmp_path / "split", progress=False, heldout=heldout)
    assert [r["step"] for r in read_metrics(RunPaths(tmp_path / "split").metrics)] == [2, 4, 6]
    monkeypatch.setattr(trainer_module, "train_step", real_step)
    train(config, images, tmp_path / "split", resume=True, progress=False, heldout=heldout)

    straight, split = RunPaths(tmp_path / "straight"), RunPaths(tmp_path / "split")
    assert [without_timing(r) for r in read_metrics(straight.metrics)] == [
        without_timing(r) for r in read_metrics(split.metrics)
    ]
    assert_same_content(load_checkpoint(straight.best_checkpoint), load_checkpoint(split.best_checkpoint))


def test_monitor_scores_a_class_conditional_run(tmp_path):
    labels = np.arange(64) % 2
    train(
        tiny_config(generator="conditional_hybrid_generator", critic="projection_critic", num_classes=2),
        target_images(),
        tmp_path / "run",
        progress=False,
        labels=labels,
        heldout=target_images(8, seed=5),
    )
    records = read_metrics(RunPaths(tmp_path / "run").metrics)
    assert [r["step"] for r in records] == [2, 4] and records[0]["w_heldout"] is None
    assert np.isfinite(records[-1]["swd"])


def test_train_rejects_heldout_images_of_another_size(tmp_path):
    with pytest.raises(ValueError, match="heldout are 16x16 px but config.image_size=32"):
        train(
            tiny_config(), target_images(), tmp_path / "run", progress=False, heldout=np.zeros((4, 16, 16), np.float32)
        )
