"""Tests for gan_lib.training.run_hardware: a training run's execution settings and the timed probe."""

from __future__ import annotations

import numpy as np
import torch
from training_support import TINY_NETWORKS

from gan_lib.config import config_to_dict
from gan_lib.training import TrainConfig, resolve_hardware
from gan_lib.training.run_hardware import probe_step_time, resolve_run_hardware


def tiny_config(**overrides) -> TrainConfig:
    return TrainConfig(**{**TINY_NETWORKS, **overrides})


def target_images(n: int = 16) -> np.ndarray:
    return np.clip(np.random.default_rng(0).normal(0.4, 0.1, (n, 32, 32)), -1, 1).astype(np.float32)


def test_resolve_run_hardware_reuses_the_checkpoints_choice_only_for_the_same_request():
    config = tiny_config()
    recorded = {
        **resolve_hardware(device="cpu", precision="fp32", memory_format="contiguous", num_threads=1).to_dict(),
        "reasons": ["as recorded"],
    }
    previous = {"train_config": config_to_dict(config), "hardware": recorded}
    assert resolve_run_hardware(config, target_images(), previous).reasons == ("as recorded",)
    changed = resolve_run_hardware(tiny_config(precision="bf16"), target_images(), previous)
    assert changed.precision == "bf16" and changed.reasons == ()


def test_probe_step_time_times_a_step_and_leaves_the_global_rng_alone():
    before = torch.get_rng_state()
    seconds = probe_step_time(tiny_config(), target_images(), "cpu")("fp32", "contiguous")
    assert seconds > 0 and torch.equal(torch.get_rng_state(), before)
