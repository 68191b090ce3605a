"""Self-attention over the positions of a feature map (SAGAN, Zhang et al., ICML 2019).

A 3x3 convolution relates each position to its neighbours only, so a stack of
them at 16 px sees a few pixels around each position of that map; a structure
that must stay coherent across the whole image (a fibrous strand crossing a
patch) is then drawn by many local decisions that nothing ties together.
Self-attention lets every position read every other one in one layer.  SAGAN
put it in both the generator and the discriminator, after the block at a
middle resolution, with a learned gate ``gamma`` that starts at zero so the
network begins as the convolutional one and opens the gate as it learns.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["SelfAttention", "attention_sizes", "check_attention_size"]


class SelfAttention(nn.Module):
    """``x + gamma * attention(x)`` over the ``H * W`` positions: ``(N, C, H, W) -> (N, C, H, W)``.

    Queries and keys are 1x1 convolutions to ``max(1, C // 8)`` channels,
    values a 1x1 convolution to ``C`` channels (SAGAN's layout); the softmax
    over keys is scaled by ``1 / sqrt(C // 8)``.  ``gamma`` starts at 0, so a
    fresh block is the identity.  Written with ``bmm`` and ``softmax`` (not a
    fused attention kernel) so the critic's gradient penalty can differentiate
    through it twice.

    >>> block = SelfAttention(16)
    >>> x = torch.randn(2, 16, 8, 8)
    >>> torch.equal(block(x), x)
    True
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
            raise ValueError(f"SelfAttention: channels must be a positive integer; got {channels!r}.")
        key_channels = max(1, channels // 8)
        self.query = nn.Conv2d(channels, key_channels, 1, bias=False)
        self.key = nn.Conv2d(channels, key_channels, 1, bias=False)
        self.value = nn.Conv2d(channels, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(()))
        self.scale = key_channels**-0.5

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        query = self.query(x).flatten(2)  # N x K x HW
        key = self.key(x).flatten(2)  # N x K x HW
        value = self.value(x).flatten(2)  # N x C x HW
        weights = torch.softmax(torch.bmm(query.transpose(1, 2), key) * self.scale, dim=-1)  # N x HW(query) x HW(key)
        attended = torch.bmm(value, weights.transpose(1, 2)).view(n, c, h, w)  # N x C x H x W
        return x + self.gamma.to(x.dtype) * attended


def attention_sizes(image_size: int) -> tuple[int, ...]:
    """Side lengths (px) of the feature maps between the 4 px map and the image: where attention can go.

    The generator's blocks make them coarsest first, the critic's convs finest first.

    >>> attention_sizes(64)
    (8, 16, 32)
    """
    return tuple(8 << i for i in range(int(math.log2(image_size // 4)) - 1))  # every upsampling stage's but the last


def check_attention_size(owner: str, attention_size: int, image_size: int) -> int:
    """Validate ``attention_size``: 0 (no attention) or one of :func:`attention_sizes` of ``image_size``.

    >>> check_attention_size("g", 16, 64)
    16
    """
    sizes = attention_sizes(image_size)
    if (
        isinstance(attention_size, bool)
        or not isinstance(attention_size, int)
        or (attention_size != 0 and attention_size not in sizes)
    ):
        raise ValueError(
            f"{owner}: attention_size must be 0 (none) or the side length of one of its feature maps {sizes}; "
            f"got {attention_size!r}."
        )
    return attention_size
