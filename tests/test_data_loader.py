"""The PyTorch DataLoader factory: shapes, dtype, flips only, reproducibility."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_lib.data.loader import make_dataloader


def _images(n=10, size=8):
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (n, size, size)).astype(np.float32)


def test_make_dataloader_yields_b1hw_float32():
    batch = next(iter(make_dataloader(_images(), 4)))
    assert batch.shape == (4, 1, 8, 8) and batch.dtype == torch.float32


def test_make_dataloader_drop_last_counts_batches():
    assert len(make_dataloader(_images(10), 4)) == 2
    assert len(make_dataloader(_images(10), 4, drop_last=False)) == 3


def test_make_dataloader_flips_only_horizontal_by_default():
    images = _images(64)
    batch = next(iter(make_dataloader(images, 64, shuffle=False, seed=0)))[:, 0].numpy()
    same = [np.array_equal(b, a) for a, b in zip(images, batch)]
    mirrored = [np.array_equal(b, a[:, ::-1]) for a, b in zip(images, batch)]
    assert all(s or m for s, m in zip(same, mirrored))
    assert 10 < sum(mirrored) < 54


def test_make_dataloader_no_flips_returns_images_unchanged():
    images = _images(6)
    batch = next(iter(make_dataloader(images, 6, shuffle=False, flips=False)))
    np.testing.assert_array_equal(batch[:, 0].numpy(), images)


def test_make_dataloader_same_seed_same_batches():
    first = [b.clone() for b in make_dataloader(_images(), 5, seed=7)]
    second = list(make_dataloader(_images(), 5, seed=7))
    third = list(make_dataloader(_images(), 5, seed=8))
    assert all(torch.equal(a, b) for a, b in zip(first, second))
    assert not all(torch.equal(a, b) for a, b in zip(first, third))


def test_make_dataloader_rejects_out_of_range_images():
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        make_dataloader(_images() * 3, 2)


def test_make_dataloader_batch_larger_than_set_with_drop_last_raises():
    with pytest.raises(ValueError, match="drop_last"):
        make_dataloader(_images(3), 4)
