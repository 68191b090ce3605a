"""Shared helpers for the training tests (tests/test_training*.py, tests/test_conditional_gan.py); not a test module."""

from __future__ import annotations

import pandas as pd
import torch

from gan_lib.training import TrainResult, load_checkpoint

#: Tiny networks on 32 px images, on one CPU thread in fp32: a generator step takes a few ms.
TINY_NETWORKS: dict = dict(
    image_size=32,
    generator_width=0.03125,
    critic_width=0.03125,
    mlp_hidden=(16,),
    batch_size=8,
    num_threads=1,
    precision="fp32",
    memory_format="contiguous",
    device="cpu",
)
#: A 4-step run of them that logs every step and writes samples and checkpoints every 2 steps.
TINY_RUN: dict = {
    **TINY_NETWORKS,
    "steps": 4,
    "log_every": 1,
    "sample_every": 2,
    "checkpoint_every": 2,
    "sample_count": 4,
}


def assert_same_run(straight: TrainResult, resumed: TrainResult, parts: tuple[str, ...]) -> dict:
    """Assert that two runs ended with identical weights in ``parts`` and identical logs (but for wall time).

    Returns the first run's checkpoint, for further checks.
    """
    a, b = load_checkpoint(straight.checkpoint), load_checkpoint(resumed.checkpoint)
    for part in parts:
        for key in a[part]:
            assert torch.equal(a[part][key], b[part][key]), f"{part}.{key} differs after resume"
    pd.testing.assert_frame_equal(
        pd.read_csv(straight.log).drop(columns="seconds"), pd.read_csv(resumed.log).drop(columns="seconds")
    )
    return a
