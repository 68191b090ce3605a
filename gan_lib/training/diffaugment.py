"""Differentiable Augmentation for a critic that sees few real images (Zhao et al., NeurIPS 2020).

With a few hundred training patches a critic memorises them and its gradient
stops telling the generator anything useful.  DiffAugment applies the *same
family* of random, differentiable transformations ``T`` to real and generated
images in every critic update and in the generator update, so the critic
scores ``D(T(x))`` and cannot single out the untransformed training images,
while gradients still flow through ``T`` to the generator (reference code:
mit-han-lab/data-efficient-gans, ``DiffAugment_pytorch.py``).  The gradient
penalty is taken on interpolates of the augmented images.

Images here are one-channel and in [-1, 1], where 0 is mid-grey, so two
choices differ from the reference, which fills with zeros:

- ``translation`` shifts by up to 1/8 of the side and fills the uncovered
  strip by reflection, so no black or grey bar appears at the border for the
  critic to key on (a bar the generator would then learn to paint);
- ``cutout`` replaces a random square of half the side by the image's own mean,
  so the hole changes texture but not brightness.

``brightness`` adds ``U(-0.5, 0.5)`` and ``contrast`` scales deviations from
the image mean by ``U(0.5, 1.5)``, as in the reference (colour saturation has
no meaning for one channel).

Random parameters are drawn apart from their use (:func:`draw_params`, then
:func:`apply_params`) so that under data-parallel training every rank can draw
the global batch's parameters from the shared generator and keep its slice.

    >>> x = torch.zeros(2, 1, 8, 8)
    >>> params = draw_params(2, 8, ("translation", "cutout"), generator=torch.Generator().manual_seed(0), device="cpu")
    >>> apply_params(x, params).shape
    torch.Size([2, 1, 8, 8])
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch
import torch.nn.functional as F

__all__ = ["AUGMENTATIONS", "parse_policy", "draw_params", "apply_params"]

#: Augmentations in the order they are applied (colour first, then geometry, as the reference does).
AUGMENTATIONS: tuple[str, ...] = ("brightness", "contrast", "translation", "cutout")

TRANSLATION_RATIO = 1 / 8  # largest shift as a fraction of the side (reference value)
CUTOUT_RATIO = 1 / 2  # side of the cut-out square as a fraction of the image side (reference value)


def parse_policy(policy: str | Sequence[str]) -> tuple[str, ...]:
    """The augmentations named in ``policy`` (``"translation,cutout"`` or a sequence), in application order.

    ``""`` or ``()`` means no augmentation.  Unknown names raise ``ValueError``.

    Examples
    --------
    >>> parse_policy("cutout,translation")
    ('translation', 'cutout')
    >>> parse_policy("")
    ()
    """
    names = [p.strip() for p in policy.split(",")] if isinstance(policy, str) else list(policy)
    names = [n for n in names if n]
    unknown = sorted(set(names) - set(AUGMENTATIONS))
    if unknown:
        raise ValueError(f"DiffAugment: unknown augmentation(s) {unknown}; choose from {list(AUGMENTATIONS)}.")
    return tuple(a for a in AUGMENTATIONS if a in names)


def draw_params(
    n: int, size: int, policy: Sequence[str], *, generator: torch.Generator, device: torch.device | str
) -> dict[str, torch.Tensor]:
    """Random parameters of ``policy`` for ``n`` images of ``size x size`` px.

    Returns a dict of per-image tensors (first dimension ``n``): ``brightness``
    ``(n,)`` offsets, ``contrast`` ``(n,)`` factors, ``translation`` ``(n, 2)``
    integer shifts (rows, columns) in px, ``cutout`` ``(n, 2)`` integer centres;
    only the keys of ``policy``.  Draws happen in :data:`AUGMENTATIONS` order
    from ``generator``, which must live on ``device``.
    """
    params: dict[str, torch.Tensor] = {}
    for name in policy:
        if name == "brightness":
            params[name] = torch.rand(n, device=device, generator=generator) - 0.5
        elif name == "contrast":
            params[name] = torch.rand(n, device=device, generator=generator) + 0.5
        elif name == "translation":
            shift = int(size * TRANSLATION_RATIO + 0.5)
            params[name] = torch.randint(-shift, shift + 1, (n, 2), device=device, generator=generator)
        elif name == "cutout":
            cut = int(size * CUTOUT_RATIO + 0.5)
            params[name] = torch.randint(0, size + (1 - cut % 2), (n, 2), device=device, generator=generator)
    return params


def _brightness(x: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
    return x + offset.view(-1, 1, 1, 1).to(x.dtype)


def _contrast(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * factor.view(-1, 1, 1, 1).to(x.dtype) + mean


def _translation(x: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Shift each image by ``shift[i] = (dy, dx)`` px, filling the uncovered strip by reflection."""
    n, _, h, w = x.shape
    pad = int(h * TRANSLATION_RATIO + 0.5)
    padded = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    rows = torch.arange(h, device=x.device)[None, :] + pad - shift[:, :1]  # n x h
    cols = torch.arange(w, device=x.device)[None, :] + pad - shift[:, 1:]  # n x w
    batch = torch.arange(n, device=x.device)[:, None, None]
    # Advanced indices around a slice: the result is n x h x w x C.
    return padded[batch, :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


def _cutout(x: torch.Tensor, centre: torch.Tensor) -> torch.Tensor:
    """Replace a square of side ``CUTOUT_RATIO * H`` around ``centre[i]`` by the image's mean."""
    n, _, h, w = x.shape
    cut = int(h * CUTOUT_RATIO + 0.5)
    low = centre - cut // 2  # n x 2, top-left corner (may lie outside the image)
    rows = torch.arange(h, device=x.device)[None, :]
    cols = torch.arange(w, device=x.device)[None, :]
    inside_rows = (rows >= low[:, :1]) & (rows < low[:, :1] + cut)  # n x h
    inside_cols = (cols >= low[:, 1:]) & (cols < low[:, 1:] + cut)  # n x w
    hole = (inside_rows[:, :, None] & inside_cols[:, None, :]).unsqueeze(1)  # n x 1 x h x w
    return torch.where(hole, x.mean(dim=(1, 2, 3), keepdim=True), x)


_APPLY: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "brightness": _brightness,
    "contrast": _contrast,
    "translation": _translation,
    "cutout": _cutout,
}


def apply_params(x: torch.Tensor, params: dict[str, torch.Tensor]) -> torch.Tensor:
    """Apply the augmentations of ``params`` (from :func:`draw_params`) to ``x (N, 1, H, W)``; differentiable.

    Examples
    --------
    A zero shift and a contrast factor of 1 leave an image as it is:

    >>> x = torch.randn(1, 1, 8, 8)
    >>> y = apply_params(x, {"contrast": torch.ones(1), "translation": torch.zeros(1, 2, dtype=torch.long)})
    >>> torch.allclose(x, y)
    True
    """
    for name in AUGMENTATIONS:
        if name in params:
            x = _APPLY[name](x, params[name])
    return x
