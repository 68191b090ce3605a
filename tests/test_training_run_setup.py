"""Tests for gan_lib.training.run_setup: the one set-up of a run that train() and the benchmarks share."""

from __future__ import annotations

import numpy as np
import torch
from training_support import TINY_NETWORKS

from gan_lib.training import TrainConfig, prepare_run, train_step
from gan_lib.training.run_setup import grid_inputs, images_fingerprint

CONFIG = TrainConfig(**TINY_NETWORKS, ema_kimg=0.01)


def _images(n: int = 16) -> np.ndarray:
    return np.clip(np.random.default_rng(0).normal(0.4, 0.1, (n, 32, 32)), -1, 1).astype(np.float32)


def _steps(run, k: int) -> None:
    for _ in range(k):
        train_step(run.state, run.batches, config=CONFIG, precision=run.hardware.precision)
        run.state.step += 1


def test_prepare_run_from_its_checkpoint_continues_exactly():
    images = _images()
    uninterrupted = prepare_run(CONFIG, images)
    _steps(uninterrupted, 3)
    first = prepare_run(CONFIG, images)
    _steps(first, 2)
    resumed = prepare_run(CONFIG, images, checkpoint=first.checkpoint(elapsed_seconds=1.5))
    assert (resumed.resumed_from, resumed.elapsed_seconds, first.resumed_from) == (2, 1.5, None)
    _steps(resumed, 1)
    for key, tensor in uninterrupted.state.generator_ema.state_dict().items():
        torch.testing.assert_close(resumed.state.generator_ema.state_dict()[key], tensor, rtol=0, atol=0)


def test_prepare_run_records_the_images_fingerprint_and_the_grid_inputs():
    images = _images()
    run = prepare_run(CONFIG, images)
    assert run.images_sha256 == images_fingerprint(images) != images_fingerprint(images[::-1].copy())
    torch.testing.assert_close(run.fixed_noise, grid_inputs(CONFIG, conditional=False)[0])
    checkpoint = run.checkpoint(elapsed_seconds=0.0)
    assert checkpoint["images_sha256"] == run.images_sha256 and checkpoint["step"] == 0
