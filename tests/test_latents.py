"""Tests for gan_lib.latents: seeds, per-seed latent vectors and the spherical latent walk."""

from __future__ import annotations

import pytest
import torch

from gan_lib.latents import parse_seeds, seed_latents, slerp, walk_latents


def test_parse_seeds_reads_ranges_and_lists():
    assert parse_seeds("0-3") == [0, 1, 2, 3]
    assert parse_seeds("7, 2-3,10") == [7, 2, 3, 10]


@pytest.mark.parametrize("text", ["a", "3-", "-2", "1.5", ""])
def test_parse_seeds_rejects_malformed_text(text):
    with pytest.raises(ValueError, match="is not a seed or range"):
        parse_seeds(text)


def test_parse_seeds_rejects_a_backward_range():
    with pytest.raises(ValueError, match="runs backwards; write 3-5"):
        parse_seeds("5-3")


def test_seed_latents_row_depends_on_its_seed_alone():
    many = seed_latents(list(range(10)), 16)
    assert many.shape == (10, 16) and many.dtype == torch.float32
    assert torch.equal(many[3:6], seed_latents([3, 4, 5], 16))
    assert not torch.equal(many[0], many[1])


def test_seed_latents_rejects_no_seeds():
    with pytest.raises(ValueError, match="no seeds"):
        seed_latents([], 8)


def test_slerp_ends_at_both_vectors_and_keeps_the_norm_between_equal_norms():
    a, b = seed_latents([0, 1], 64)
    b = b * a.norm() / b.norm()
    path = slerp(a, b, torch.linspace(0, 1, 5))
    torch.testing.assert_close(path[0], a)
    torch.testing.assert_close(path[-1], b)
    torch.testing.assert_close(path.norm(dim=1), a.norm().expand(5))


def test_slerp_of_parallel_vectors_is_a_straight_line():
    a = torch.ones(4)
    torch.testing.assert_close(slerp(a, 2 * a, torch.tensor([0.5]))[0], 1.5 * a)


def test_walk_latents_starts_and_ends_at_the_two_seeds():
    walk = walk_latents(3, 8, 6, 32)
    ends = seed_latents([3, 8], 32)
    assert walk.shape == (6, 32)
    torch.testing.assert_close(walk[0], ends[0])
    torch.testing.assert_close(walk[-1], ends[1])


def test_walk_latents_needs_two_frames():
    with pytest.raises(ValueError, match="--frames must be an integer >= 2"):
        walk_latents(0, 1, 1, 8)
