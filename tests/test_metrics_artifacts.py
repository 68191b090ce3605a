"""Tests for gan_lib.metrics.artifacts: border contrast, frame share and the block-edge ratio."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from gan_lib.metrics.artifacts import block_edge_ratio, border_contrast, frame_share


def smooth_images(n: int, seed: int, size: int = 32) -> np.ndarray:
    """Smooth random textures in about [-0.6, 0.6] (blurred noise), one distribution for every seed."""
    noise = gaussian_filter(np.random.default_rng(seed).normal(size=(n, size, size)), sigma=(0, 2, 2), mode="wrap")
    return np.clip(noise * 2.0, -1, 1).astype(np.float32)


def framed(images: np.ndarray, value: float = 0.3) -> np.ndarray:
    """``images`` with a 2-px ring ``value`` brighter."""
    out = images.copy()
    ring = np.ones(images.shape[1:], bool)
    ring[2:-2, 2:-2] = False
    out[:, ring] += value
    return np.clip(out, -1, 1)


def test_border_contrast_is_zero_for_a_flat_image_and_positive_for_a_bright_frame():
    flat = np.zeros((2, 16, 16), np.float32)
    assert np.allclose(border_contrast(flat), 0.0)
    images = smooth_images(4, seed=0)
    np.testing.assert_allclose(border_contrast(framed(images, 0.3)) - border_contrast(images), 0.3, atol=0.02)


def test_frame_share_is_high_for_framed_images_and_low_for_the_same_distribution():
    real = smooth_images(64, seed=0)
    assert frame_share(framed(smooth_images(64, seed=1), 0.6), real) > 0.9
    assert frame_share(smooth_images(64, seed=1), real) < 0.3


def test_block_edge_ratio_is_one_without_a_grid_at_every_block_size():
    images = smooth_images(64, seed=0)
    for block in (2, 4, 8, 16):
        assert block_edge_ratio(images, block) == pytest.approx(1.0, abs=0.05)


def test_block_edge_ratio_finds_the_grid_of_nearest_upsampling():
    rng = np.random.default_rng(1)
    coarse = smooth_images(64, seed=1, size=8)
    copies = 0.9 * coarse.repeat(4, axis=1).repeat(4, axis=2) + rng.uniform(-0.01, 0.01, (64, 32, 32))  # nearest x4
    assert block_edge_ratio(copies, 4) > 5.0  # the steps sit on the 4-px edges
    # Half of the 2-px edges are 4-px edges, the other half lie inside the flat 4-px blocks.
    assert block_edge_ratio(copies, 4) == pytest.approx(2 * block_edge_ratio(copies, 2), rel=0.1)


def test_block_edge_ratio_reads_flat_edges_below_one():
    """The pattern the project recipe's generator paints: small steps across the block edges, large ones inside."""
    steps = np.tile([1.0, 0.3], 16)[:31]  # steps[j] between pixels j and j + 1: 1.0 inside 2-px blocks, 0.3 across
    row = np.concatenate([[0.0], np.cumsum(steps)]) / 40 - 0.3
    images = np.broadcast_to(row, (4, 32, 32)) + np.broadcast_to(row[:, None], (4, 32, 32))
    assert block_edge_ratio(images, 2) == pytest.approx(0.3, abs=1e-6)


@pytest.mark.parametrize("block", [1, 3, 32])
def test_block_edge_ratio_refuses_blocks_that_do_not_fit(block):
    with pytest.raises(ValueError, match="even number of pixels"):
        block_edge_ratio(smooth_images(2, seed=0), block)
