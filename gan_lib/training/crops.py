"""Real batches of fresh random crops of the stored working images, exactly resumable.

The fixed patch set of a prepared dataset is a sample (``patches_per_image``
per view) of the crops a view offers; every valid position is as good a
training patch.  :class:`CropSource` draws each global batch afresh: crop
corners uniformly among the valid ones of the split's working images
(:class:`~gan_lib.data.working.CropTable`; optionally the image first, so
every view counts equally), then a left-right flip with probability 1/2.

Batch ``k`` is a pure function of ``(seed, k)`` (its own
``numpy.random.Generator`` seeded with ``[seed, k]``), so the source's whole
state is the next batch number: a checkpoint resumes the exact sequence, on
any number of processes, and batches can be prepared ahead by
``DataLoader`` workers without changing them.  Under data-parallel training
every rank draws the global batch's corners and flips and reads only its
slice (as :class:`~gan_lib.training.batches.TensorBatcher` does).

On the CPU the crops are read from the memory maps in the training process
(``loader_workers=0``); on CUDA a ``torch.utils.data.DataLoader`` with
``loader_workers`` processes and pinned memory prepares batches ahead so the
GPU never waits on data.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterator

import numpy as np
import torch

from ..data.preparation import default_workers
from ..data.working import WEIGHTINGS, CropTable
from .distributed import SINGLE, Distributed

__all__ = ["CropSource", "auto_loader_workers"]


def auto_loader_workers(device: str, requested: int) -> int:
    """``requested`` if >= 0, else (auto) ``min(4, CPUs - 1)`` on CUDA and 0 (in-process) on the CPU.

    Examples
    --------
    >>> auto_loader_workers("cpu", -1), auto_loader_workers("cuda", 2)
    (0, 2)
    """
    if requested >= 0:
        return requested
    if torch.device(device).type != "cuda":
        return 0
    return max(0, min(4, default_workers() - 1))


class _Batches(torch.utils.data.Dataset):
    """Batch ``k`` of a :class:`CropSource` as a ``(b, 1, H, W)`` tensor, for a ``DataLoader`` (picklable)."""

    def __init__(self, source: "CropSource") -> None:
        self.source = source

    def __getitem__(self, k: int) -> torch.Tensor:
        return torch.from_numpy(self.source.local_crops(k)).unsqueeze(1)


class CropSource:
    """Endless, resumable iterator over ``(batch_size // world_size, 1, H, W)`` batches of fresh crops.

    Parameters
    ----------
    table : CropTable
        The valid crops of the training split (``PreparedDataset.crop_table("train")``).
    batch_size : int
        Global batch size.
    flips : bool
        Flip each crop left-right with probability 1/2.
    seed : int
        Seeds every batch (with its number).
    shard : Distributed
        This rank's slice of each global batch.
    weighting : str
        ``"corner"`` (uniform over all valid crops) or ``"image"`` (uniform over images first).
    device : str
        Where batches go.
    memory_format : torch.memory_format
        Memory format of the batches on ``device``.
    workers : int
        ``DataLoader`` worker processes preparing batches ahead (pinned memory
        on CUDA); 0 reads in this process.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from gan_lib.data.working import write_working
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_working(folder, "000000", image=np.random.rand(8, 8), mask=np.ones((8, 8), bool),
    ...               runs=np.array([[r, 0, 5] for r in range(5)]))
    >>> source = CropSource(CropTable([folder / "000000"], size=4), batch_size=6, flips=True, seed=0)
    >>> next(source).shape
    torch.Size([6, 1, 4, 4])
    """

    labels = None  # unconditional: step.py samples generated classes only for a labelled batcher

    def __init__(
        self,
        table: CropTable,
        *,
        batch_size: int,
        flips: bool,
        seed: int,
        shard: Distributed = SINGLE,
        weighting: str = "corner",
        device: str = "cpu",
        memory_format: torch.memory_format = torch.contiguous_format,
        workers: int = 0,
    ) -> None:
        if weighting not in WEIGHTINGS:
            raise ValueError(f"CropSource: weighting must be one of {WEIGHTINGS}; got {weighting!r}.")
        if workers < 0:
            raise ValueError(f"CropSource: workers must be >= 0; got {workers}.")
        self.table, self.batch_size, self.flips, self.seed = table, batch_size, flips, seed
        self.shard, self.weighting, self.workers = shard, weighting, workers
        self.device, self.memory_format = torch.device(device), memory_format
        self._local = shard.local_batch(batch_size)  # refuses a batch that does not split evenly
        self._next = 0
        self._loader: Iterator[torch.Tensor] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_loader": None}

    def global_draw(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Batch ``k`` of the whole run: image indices ``(batch_size,)``, corners ``(batch_size, 2)``, flips or None."""
        rng = np.random.default_rng([self.seed, k])
        images, corners = self.table.draw(rng, self.batch_size, weighting=self.weighting)
        flips = rng.random(self.batch_size) < 0.5 if self.flips else None
        return images, corners, flips

    def local_crops(self, k: int) -> np.ndarray:
        """This rank's crops of batch ``k``: ``float32 (batch_size // world_size, H, W)`` in [-1, 1]."""
        images, corners, flips = self.global_draw(k)
        part = slice(self.shard.rank * self._local, (self.shard.rank + 1) * self._local)
        return self.table.crops(images[part], corners[part], flips=None if flips is None else flips[part])

    def _host_batch(self, k: int) -> torch.Tensor:
        if self.workers == 0:
            return torch.from_numpy(self.local_crops(k)).unsqueeze(1)
        if self._loader is None:
            loader = torch.utils.data.DataLoader(
                _Batches(self),
                batch_size=None,
                sampler=itertools.count(k),
                num_workers=self.workers,
                pin_memory=self.device.type == "cuda",
                prefetch_factor=4,
                persistent_workers=False,
            )
            self._loader = iter(loader)
        return next(self._loader)

    def __iter__(self) -> "CropSource":
        return self

    def __next__(self) -> torch.Tensor:
        return self.draw()[0]

    def draw(self) -> tuple[torch.Tensor, None]:
        """The next batch on ``device`` (this rank's share) and ``None`` (no labels), as ``TensorBatcher.draw``."""
        batch = self._host_batch(self._next)
        self._next += 1
        batch = batch.to(self.device, non_blocking=True).contiguous(memory_format=self.memory_format)
        return batch, None

    def state_dict(self) -> dict[str, Any]:
        """The next batch number: all a checkpoint needs to continue the exact sequence."""
        return {"crop_batch": self._next}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if "crop_batch" not in state:
            raise ValueError(
                "CropSource.load_state_dict: the checkpoint was trained on the fixed patch set "
                "(real_data='patches'); resume it with real_data='patches'."
            )
        self._next = int(state["crop_batch"])
        self._loader = None  # a DataLoader started elsewhere in the sequence is dropped
