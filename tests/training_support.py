"""Shared helpers for the training tests (tests/test_training*.py, tests/test_conditional_gan.py); not a test module."""

from __future__ import annotations

import pandas as pd
import torch

from gan_lib.training import TrainResult, load_checkpoint


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
