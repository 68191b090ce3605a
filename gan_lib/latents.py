"""Latent vectors by seed and latent walks: one image per seed, the same whatever the batch or device.

Image ``s`` of ``--seeds`` is drawn from its own latent vector,
``torch.randn(latent_dim, generator=torch.Generator().manual_seed(s))`` on the
CPU (StyleGAN's ``--seeds`` convention), so it can be regenerated alone.  A
latent walk between two seeds follows the great circle between their vectors
(spherical interpolation, White 2016, arXiv:1609.04468), which keeps the norm
a Gaussian latent typically has, where a straight line would pass through
improbably short vectors.
"""

from __future__ import annotations

import re
from typing import Sequence

import torch

__all__ = ["parse_seeds", "seed_latents", "slerp", "walk_latents"]

_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+))?\s*$")


def parse_seeds(text: str) -> list[int]:
    """Seeds from a command-line list: ``"0-99"``, ``"3,7,10-12"`` (ranges include both ends).

    Examples
    --------
    >>> parse_seeds("3-5,9")
    [3, 4, 5, 9]
    """
    seeds: list[int] = []
    for part in str(text).split(","):
        match = _RANGE.match(part)
        if match is None:
            raise ValueError(f"--seeds: {part!r} is not a seed or range; write e.g. 0-99 or 3,7,10-12.")
        first, last = int(match[1]), int(match[2] if match[2] is not None else match[1])
        if last < first:
            raise ValueError(f"--seeds: range {part.strip()!r} runs backwards; write {last}-{first}.")
        seeds.extend(range(first, last + 1))
    return seeds


def seed_latents(seeds: Sequence[int], latent_dim: int) -> torch.Tensor:
    """``(len(seeds), latent_dim)`` float32 latent vectors, row ``i`` drawn from ``seeds[i]`` alone (CPU).

    Examples
    --------
    >>> torch.equal(seed_latents([3, 4], 8)[1], seed_latents([4], 8)[0])
    True
    """
    if len(seeds) == 0:
        raise ValueError("seed_latents: no seeds given.")
    return torch.stack([torch.randn(latent_dim, generator=torch.Generator().manual_seed(int(seed))) for seed in seeds])


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between vectors ``a`` and ``b`` (shape ``(D,)``) at fractions ``t`` (shape ``(T,)``).

    Returns ``(T, D)``; ``t = 0`` gives ``a`` and ``t = 1`` gives ``b``.  Falls
    back to a straight line when the two are (nearly) parallel.

    Examples
    --------
    >>> out = slerp(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0]), torch.tensor([0.0, 0.5, 1.0]))
    >>> [round(v, 4) for v in out[1].tolist()]
    [0.7071, 0.7071]
    """
    a64, b64, t64 = a.double(), b.double(), t.double()[:, None]
    cos = torch.clamp(torch.dot(a64, b64) / (a64.norm() * b64.norm()), -1.0, 1.0)
    omega = torch.arccos(cos)
    if omega.abs() < 1e-6:
        return ((1 - t64) * a64 + t64 * b64).to(a.dtype)
    return ((torch.sin((1 - t64) * omega) * a64 + torch.sin(t64 * omega) * b64) / torch.sin(omega)).to(a.dtype)


def walk_latents(seed_a: int, seed_b: int, frames: int, latent_dim: int) -> torch.Tensor:
    """``(frames, latent_dim)`` latent vectors from seed ``seed_a`` to seed ``seed_b`` (both ends included)."""
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 2:
        raise ValueError(f"--frames must be an integer >= 2 (the two ends included); got {frames!r}.")
    a, b = seed_latents([seed_a, seed_b], latent_dim)
    return slerp(a, b, torch.linspace(0.0, 1.0, frames))
