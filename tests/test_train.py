"""Tests for gan_lib.train: which real data run_training hands to train."""

from __future__ import annotations

import pytest

import gan_lib.train as train_module


class FakeDataset:
    def crop_table(self, split):
        return f"crop table of {split}"

    def images(self, split):
        return f"fixed images of {split}"


@pytest.fixture()
def handed(monkeypatch):
    calls = []
    monkeypatch.setattr(train_module, "prepare_dataset", lambda config, progress: FakeDataset())
    monkeypatch.setattr(train_module, "train", lambda config, real, run_dir, **kwargs: calls.append(real))
    return calls


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, "crop table of train"),
        ({"real_data": "patches"}, "fixed images of train"),
        ({"data.mode": "whole"}, "fixed images of train"),
    ],
)
def test_run_training_trains_patch_mode_on_fresh_crops(handed, overrides, expected):
    train_module.run_training("quick", "run", overrides={"device": "cpu", **overrides}, progress=False)
    assert handed == [expected]


def test_resolve_configs_refuses_an_unknown_real_data():
    with pytest.raises(ValueError, match="real_data"):
        train_module.resolve_configs("quick", overrides={"real_data": "tiles"})
