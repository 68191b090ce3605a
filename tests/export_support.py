"""A tiny trained run shared by the export, generate and sharing tests; not a test module."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from gan_lib.training import TrainConfig, train


def train_tiny_run(folder: Path, *, data_config: Any = None, **overrides: Any) -> Path:
    """A 2-step run of tiny networks on 32 px noise images, with a generator weight average (seconds on a CPU).

    ``data_config`` is recorded as the run's data config; ``overrides`` change the ``TrainConfig``.
    """
    rng = np.random.default_rng(0)
    images = np.clip(rng.normal(0.0, 0.3, (16, 32, 32)), -1, 1).astype(np.float32)
    settings = dict(
        image_size=32,
        generator_width=0.03125,
        critic_width=0.03125,
        mlp_hidden=(16,),
        batch_size=8,
        steps=2,
        checkpoint_every=2,
        sample_every=2,
        log_every=1,
        sample_count=4,
        num_threads=1,
        precision="fp32",
        memory_format="contiguous",
        device="cpu",
        ema_kimg=0.01,
    )
    train(TrainConfig(**{**settings, **overrides}), images, folder, progress=False, data_config=data_config)
    return folder
