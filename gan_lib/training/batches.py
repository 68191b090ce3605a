"""Random mini-batches of an in-memory image tensor, with exactly resumable state.

Patch datasets are small (a few thousand 64x64 images are a few MB), so the
whole set lives on the training device as one ``(N, 1, H, W)`` tensor and a
batch is a single indexing operation — no per-sample ``Dataset.__getitem__``
and collate as with a ``DataLoader``.  Batches are drawn without
replacement within an epoch (a fresh permutation each epoch, the incomplete
tail dropped), optionally flipped left-right per sample.  For a
class-conditional run the images' labels come along (:meth:`TensorBatcher.draw`).

Under data-parallel training every rank draws the *global* batch's indices and
flips from the same seed and keeps its slice (``shard``), so the ranks' batches
together are exactly the single-process batch and the batcher's state is the
same on every rank (a checkpoint resumes on any number of processes).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .distributed import SINGLE, Distributed

__all__ = ["TensorBatcher", "images_tensor", "labels_tensor"]


class TensorBatcher:
    """Endless iterator over shuffled ``(batch_size, 1, H, W)`` batches of ``images``.

    Parameters
    ----------
    images : torch.Tensor
        ``(N, 1, H, W)`` float images with ``N >= batch_size``, already on the
        training device and in its memory format.
    batch_size : int
        Images per batch.
    flips : bool
        Flip each sampled image left-right with probability 1/2.
    seed : int
        Seeds the permutation and flips (a dedicated ``torch.Generator`` on the
        CPU, so the batch order is the same on every device).
    shard : Distributed
        Under data-parallel training, yield only this rank's
        ``batch_size // world_size`` images of each global batch.
    labels : torch.Tensor, optional
        ``(N,)`` integer class of each image, on the images' device, for
        :meth:`draw`.

    Examples
    --------
    >>> b = TensorBatcher(torch.arange(6.0).view(6, 1, 1, 1), batch_size=4, flips=False, seed=0)
    >>> next(b).shape
    torch.Size([4, 1, 1, 1])
    """

    def __init__(
        self,
        images: torch.Tensor,
        *,
        batch_size: int,
        flips: bool,
        seed: int,
        shard: Distributed = SINGLE,
        labels: torch.Tensor | None = None,
    ) -> None:
        if images.ndim != 4 or images.shape[0] < batch_size:
            raise ValueError(
                f"TensorBatcher: images must have shape (N, 1, H, W) with N >= batch_size={batch_size}; "
                f"got {tuple(images.shape)}. Lower batch_size or provide more images."
            )
        if labels is not None and labels.shape != (images.shape[0],):
            raise ValueError(
                f"TensorBatcher: labels must have shape ({images.shape[0]},), one per image; got {tuple(labels.shape)}."
            )
        self.images = images
        self.labels = labels
        self.batch_size = batch_size
        self.flips = flips
        self.shard = shard
        shard.local_batch(batch_size)  # refuses a batch that does not split evenly
        self.generator = torch.Generator().manual_seed(seed)
        self._order = torch.empty(0, dtype=torch.long)
        self._position = 0

    def __iter__(self) -> "TensorBatcher":
        return self

    def __next__(self) -> torch.Tensor:
        return self.draw()[0]

    def draw(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The next batch and the labels of the *global* batch: ``((b, 1, H, W), (batch_size,) or None)``.

        ``b`` is this rank's share of ``batch_size``; the labels are those of
        every rank's images, in rank order (``shard`` them for this rank's), so
        that generated images can be drawn for the same labels on every rank.
        """
        if self._position + self.batch_size > len(self._order):
            self._order = torch.randperm(len(self.images), generator=self.generator)
            self._position = 0
        global_index = self._order[self._position : self._position + self.batch_size]
        self._position += self.batch_size
        batch = self.images[self.shard.shard(global_index).to(self.images.device)]
        if self.flips:
            flip = self.shard.shard(torch.rand(self.batch_size, generator=self.generator) < 0.5)
            batch = torch.where(flip.to(batch.device).view(-1, 1, 1, 1), batch.flip(-1), batch)
        labels = self.labels[global_index.to(self.labels.device)] if self.labels is not None else None
        return batch, labels

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue the exact batch sequence (for checkpoints)."""
        return {"generator": self.generator.get_state(), "order": self._order.clone(), "position": self._position}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])
        self._order = state["order"].clone()
        self._position = int(state["position"])


def images_tensor(images: np.ndarray, *, device: str, memory_format: torch.memory_format) -> torch.Tensor:
    """``(N, H, W)`` float32 images as the ``(N, 1, H, W)`` tensor a :class:`TensorBatcher` slices, on ``device``."""
    return (
        torch.from_numpy(np.ascontiguousarray(images)).unsqueeze(1).to(device).contiguous(memory_format=memory_format)
    )


def labels_tensor(labels: np.ndarray, *, device: str) -> torch.Tensor:
    """``(N,)`` integer classes as the int64 tensor a :class:`TensorBatcher` draws with the images, on ``device``."""
    return torch.from_numpy(np.asarray(labels, dtype=np.int64)).to(device)
