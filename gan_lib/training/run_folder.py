"""Everything a training run writes, in one place (``runs/<name>/``, see docs/ARCHITECTURE.md, stage 2).

::

    config.json                 resolved data + train configs and hardware choices
    checkpoints/last.pt         latest checkpoint (+ step_XXXXXX.pt copies)
    checkpoints/best.pt         checkpoint of the best evaluation (gan_lib.training.monitor)
    metrics.jsonl               one JSON object per evaluation (quality numbers, critic diagnostics)
    tensorboard/                optional TensorBoard events (gan_lib.training.tensorboard)
    train_log.csv               one row per generator step (LOG_COLUMNS)
    samples/step_XXXXXX.png     fixed-noise sample grids

Keeping all file output here means a multi-process (DDP) trainer only has to
give rank 0 a :class:`RunFolder` for the run to be written once.  Every file is
written atomically (``gan_lib.atomic``).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path
from typing import Any, Sequence

import torch
from PIL import Image
from torchvision.utils import make_grid

from ..atomic import atomic_path, atomic_write_json, atomic_write_text
from ..config import RunPaths
from ..imaging import to_uint8
from .checkpoint import save_checkpoint

__all__ = ["RunFolder", "STAT_NAMES", "LOG_COLUMNS"]

#: Per-step statistics returned by the training step, in this order.
STAT_NAMES: tuple[str, ...] = (
    "critic_loss",  # mean over the n_critic updates: E[D(fake)] - E[D(real)] + GP (+ drift)
    "generator_loss",  # -E[D(G(z))] of the generator update
    "wasserstein",  # mean over the n_critic updates: E[D(real)] - E[D(fake)]
    "gradient_penalty",  # mean over the n_critic updates, already times lambda
    "critic_grad_norm",  # mean L2 norm of the critic's parameter gradients
    "generator_grad_norm",  # L2 norm of the generator's parameter gradients
)
#: Columns of ``train_log.csv``; ``seconds`` is training wall time since the run began.
LOG_COLUMNS: tuple[str, ...] = ("step", *STAT_NAMES, "seconds")


class RunFolder:
    """Reader/writer of one run folder; nothing else in the trainer touches the file system.

    Parameters
    ----------
    path : path-like
        The run folder, e.g. ``gan_lib.config.run_dir("quick")``; created on first write.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.paths = RunPaths(self.path)
        self.config_path = self.paths.config
        self.checkpoints_dir = self.paths.checkpoints
        self.last_checkpoint = self.paths.last_checkpoint
        self.log_path = self.paths.train_log
        self.samples_dir = self.paths.samples
        self._rows: list[list[float]] = []

    def write_config(self, config: dict[str, Any]) -> Path:
        """Write ``config.json`` (resolved data + train configs, hardware)."""
        return atomic_write_json(self.config_path, config)

    def read_config(self) -> dict[str, Any]:
        return json.loads(self.config_path.read_text())

    def load_log(self, *, up_to_step: int) -> None:
        """Read the existing log, keeping only rows up to ``up_to_step`` (rows written after the
        checkpoint a run resumes from belong to steps that are about to be recomputed)."""
        self._rows = []
        if self.log_path.exists():
            with open(self.log_path, newline="") as handle:
                for row in csv.DictReader(handle):
                    if int(row["step"]) <= up_to_step:
                        self._rows.append([float(row[c]) for c in LOG_COLUMNS])

    def append_log(self, first_step: int, stats: torch.Tensor, seconds: Sequence[float]) -> None:
        """Add rows for steps ``first_step, first_step + 1, ...`` from ``stats (k, len(STAT_NAMES))``."""
        for i, (values, secs) in enumerate(zip(stats.tolist(), seconds)):
            self._rows.append([first_step + i, *values, secs])

    def write_log(self) -> Path:
        """Rewrite ``train_log.csv`` with every row so far (atomic; a reader never sees half a row)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(LOG_COLUMNS)
        for row in self._rows:
            writer.writerow([int(row[0]), *(f"{v:.6g}" for v in row[1:])])
        return atomic_write_text(self.log_path, buffer.getvalue())

    def write_samples(self, step: int, images: torch.Tensor) -> Path:
        """Save ``images (n, 1, H, W)`` in [-1, 1] as one grid PNG ``samples/step_XXXXXX.png``."""
        nrow = max(1, int(math.sqrt(len(images))))
        grid = make_grid(images.float().cpu(), nrow=nrow, padding=2, pad_value=-1.0)[0]  # H x W
        target = self.samples_dir / f"step_{step:06d}.png"
        with atomic_path(target) as tmp:
            Image.fromarray(to_uint8(grid.numpy())).save(tmp, format="PNG")
        return target

    def write_checkpoint(self, checkpoint: dict[str, Any]) -> Path:
        """Save ``checkpoints/last.pt`` and ``checkpoints/step_XXXXXX.pt`` atomically."""
        return save_checkpoint(checkpoint, self.checkpoints_dir)

    def write_best(self, checkpoint: dict[str, Any]) -> Path:
        """Save ``checkpoints/best.pt`` atomically (no step copy)."""
        with atomic_path(self.paths.best_checkpoint) as tmp:
            torch.save(checkpoint, tmp)
        return self.paths.best_checkpoint

    def sample_paths(self) -> list[Path]:
        """Saved sample grids, in step order."""
        return sorted(self.samples_dir.glob("step_*.png"))
