"""PyTorch ``Dataset``/``DataLoader`` over a prepared image set, with flip-only augmentation."""
from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from gan_lib.imaging import check_image_set

__all__ = ["MammogramDataset", "make_dataloader"]


class MammogramDataset(Dataset):
    """Images ``(N, H, W)`` in [-1, 1] served as ``float32`` tensors ``(1, H, W)``.

    Augmentation is geometric only (intensities are never changed): a
    horizontal flip with probability 0.5 when ``flips``, and a vertical one
    when ``vertical_flips`` (off by default: mammograms have a top and bottom,
    e.g. the pectoral muscle in MLO views).
    """

    def __init__(self, images: np.ndarray, *, flips: bool = True, vertical_flips: bool = False, seed: int = 0) -> None:
        self.images = torch.from_numpy(np.ascontiguousarray(check_image_set(images, name="images")))
        self.flips = flips
        self.vertical_flips = vertical_flips
        self.generator = torch.Generator().manual_seed(seed)  # draws the flips; reseeded in each worker

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> torch.Tensor:
        image = self.images[index][None]
        if self.flips and torch.rand((), generator=self.generator) < 0.5:
            image = image.flip(-1)
        if self.vertical_flips and torch.rand((), generator=self.generator) < 0.5:
            image = image.flip(-2)
        return image


def make_dataloader(
    images: np.ndarray,
    batch_size: int,
    *,
    shuffle: bool = True,
    flips: bool = True,
    vertical_flips: bool = False,
    seed: int = 0,
    drop_last: bool = True,
    num_workers: int = 0,
) -> DataLoader:
    """A seeded ``DataLoader`` yielding ``float32`` batches ``(B, 1, H, W)`` in [-1, 1].

    The same ``seed`` gives the same order and the same flips, also with
    ``num_workers > 0`` (each worker reseeds its flips from the loader's
    seeded per-epoch base seed).

    Raises
    ------
    ValueError
        If ``images`` is not a valid set, or ``drop_last`` would leave no batch.
    """
    if batch_size < 1:
        raise ValueError(f"make_dataloader: batch_size must be >= 1; got {batch_size}.")
    dataset = MammogramDataset(images, flips=flips, vertical_flips=vertical_flips, seed=seed)
    if drop_last and len(dataset) < batch_size:
        raise ValueError(
            f"make_dataloader: {len(dataset)} image(s) and batch_size={batch_size} with drop_last=True give no "
            "batch; lower batch_size or pass drop_last=False."
        )
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
                      generator=torch.Generator().manual_seed(seed), num_workers=num_workers,
                      worker_init_fn=_seed_worker if num_workers else None)


def _seed_worker(worker_id: int) -> None:  # noqa: ARG001 - DataLoader hook signature
    # Each epoch the loader draws a base seed from its seeded generator; worker i gets base + i.
    info = torch.utils.data.get_worker_info()
    info.dataset.generator.manual_seed(info.seed)
