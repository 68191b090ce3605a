"""Data-parallel training with PyTorch's ``DistributedDataParallel``, launched by ``torchrun``.

``torchrun --nproc_per_node=N -m gan_lib.train ...`` starts N processes and
sets ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` in each; :func:`init_distributed`
reads them, joins the process group (``nccl`` on CUDA, ``gloo`` on CPU) and
pins each process to GPU ``LOCAL_RANK``.  Without those variables everything
here is the identity and training runs in one process as before.

Semantics are those of one process with the same *global* batch:

- every rank draws the same global random numbers (batch order, flips, latent
  vectors, interpolation weights) from the run's shared seeds and keeps its
  slice (:meth:`Distributed.shard`), so the union over ranks is exactly the
  single-process draw, and the random state in a checkpoint does not depend on
  the number of processes (resume on any world size);
- each rank's losses are means over its ``batch_size / world_size`` samples and
  DDP averages the gradients over ranks, which equals the gradient of the
  global mean (all shards are the same size);
- the generator's BatchNorm layers must see the global batch: on CUDA they are
  converted to ``SyncBatchNorm``; on CPU, where ``SyncBatchNorm`` is not
  implemented, every rank runs the generator on the global latent batch and
  keeps its slice (the critic, the dominant cost, is still split).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

__all__ = ["Distributed", "SINGLE", "init_distributed", "torchrun_world", "local_device", "wrap"]


@dataclass(frozen=True)
class Distributed:
    """This process's place in a data-parallel run (``world_size == 1``: no distribution)."""

    rank: int = 0  # global rank, 0 .. world_size - 1
    world_size: int = 1  # number of processes
    local_rank: int = 0  # rank on this node (selects the GPU)

    @property
    def active(self) -> bool:
        """True under torchrun with more than one process."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """True on the rank that writes files and shows progress (rank 0)."""
        return self.rank == 0

    def local_batch(self, batch_size: int) -> int:
        """This rank's share of a global ``batch_size``; refuses a share that is not whole."""
        if batch_size % self.world_size:
            raise ValueError(
                f"train: batch_size={batch_size} cannot be split evenly over {self.world_size} processes; "
                f"use a batch_size divisible by {self.world_size} (e.g. {batch_size - batch_size % self.world_size}) "
                "or another --nproc_per_node."
            )
        return batch_size // self.world_size

    def shard(self, tensor: torch.Tensor) -> torch.Tensor:
        """This rank's contiguous slice ``[rank * n, (rank + 1) * n)`` of a global batch along dim 0."""
        n = self.local_batch(tensor.shape[0])
        return tensor[self.rank * n : (self.rank + 1) * n]

    def mean(self, tensor: torch.Tensor) -> torch.Tensor:
        """Element-wise mean of ``tensor`` over ranks (all ranks get the result); identity in one process."""
        if not self.active:
            return tensor
        total = tensor.clone()
        dist.all_reduce(total, op=dist.ReduceOp.SUM)  # gloo has no AVG
        return total / self.world_size

    def broadcast(self, value: Any) -> Any:
        """Rank 0's ``value`` (any picklable object) on every rank."""
        if not self.active:
            return value
        box = [value]
        dist.broadcast_object_list(box, src=0)
        return box[0]


#: A single process.
SINGLE = Distributed()


def torchrun_world() -> Distributed:
    """The ``Distributed`` described by torchrun's environment variables (``SINGLE`` without them)."""
    if "WORLD_SIZE" not in os.environ or "RANK" not in os.environ:
        return SINGLE
    return Distributed(
        rank=int(os.environ["RANK"]),
        world_size=int(os.environ["WORLD_SIZE"]),
        local_rank=int(os.environ.get("LOCAL_RANK", os.environ["RANK"])),
    )


def init_distributed(device: str) -> Distributed:
    """Join torchrun's process group for training on ``device`` (``"cpu"``/``"auto"``/``"cuda[:i]"``).

    Uses ``nccl`` when the run will be on CUDA (and pins this process to GPU
    ``LOCAL_RANK``), ``gloo`` on CPU.  Returns :data:`SINGLE` outside torchrun
    or with one process; joining twice is harmless.
    """
    world = torchrun_world()
    if not world.active:
        return world
    cuda = device != "cpu" and torch.cuda.is_available()
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but torch sees no CUDA device; use device='cpu'.")
    if cuda:
        torch.cuda.set_device(world.local_rank)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if cuda else "gloo")
    if dist.get_world_size() != world.world_size:
        raise RuntimeError(f"the process group has {dist.get_world_size()} ranks but WORLD_SIZE={world.world_size}.")
    return world


def local_device(world: Distributed, device: str) -> str:
    """The device this rank trains on: ``cuda:LOCAL_RANK`` for a CUDA run under torchrun, else ``device``."""
    if world.active and device.startswith("cuda"):
        return f"cuda:{world.local_rank}"
    return device


def wrap(module: nn.Module, world: Distributed) -> nn.Module:
    """``module`` in ``DistributedDataParallel`` (gradients averaged over ranks); ``module`` itself in one process."""
    if not world.active:
        return module
    device = next(module.parameters()).device
    device_ids = [device] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(module, device_ids=device_ids)
