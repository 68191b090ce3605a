"""The optional TensorBoard log of a training run (``runs/<name>/tensorboard/``; ``make tensorboard RUN=name``).

TensorBoard is an optional extra (``pip install -e '.[tensorboard]'``);
``torch.utils.tensorboard`` is imported only when the ``tensorboard`` package
is installed.  ``TrainConfig.tensorboard`` says whether to write: ``"auto"``
(the default) writes when it is installed, ``"on"`` requires it, ``"off"``
never writes.  The log holds the training statistics of every logged step
(``train/<name>``, the columns of ``train_log.csv``), each evaluation's
quality numbers and critic diagnostics (``eval/<name>``, the fields of
``metrics.jsonl``) and the fixed-noise sample grids (``samples``).  A resumed
run purges the events after the step it resumes from, so the curves show each
step once.
"""

from __future__ import annotations

import importlib.util
import math
import os
from typing import Any, Sequence

import torch
from torchvision.utils import make_grid

__all__ = ["TENSORBOARD_SETTINGS", "tensorboard_available", "TensorBoardLog", "open_tensorboard"]

#: Values of ``TrainConfig.tensorboard``.
TENSORBOARD_SETTINGS = ("auto", "on", "off")


def tensorboard_available() -> bool:
    """Whether the ``tensorboard`` package (which ``torch.utils.tensorboard`` needs) is installed."""
    return importlib.util.find_spec("tensorboard") is not None


class TensorBoardLog:
    """A ``SummaryWriter`` on ``log_dir`` that discards events after ``purge_step`` (a resumed run's restart)."""

    def __init__(self, log_dir: str | os.PathLike[str], *, purge_step: int | None = None) -> None:
        from torch.utils.tensorboard import SummaryWriter  # optional extra: imported only when installed

        self.writer = SummaryWriter(log_dir=str(log_dir), purge_step=purge_step)

    def log_stats(self, first_step: int, block: torch.Tensor, names: Sequence[str]) -> None:
        """``block (k, len(names))``: the statistics of steps ``first_step ... first_step + k - 1``."""
        for i, row in enumerate(block.tolist()):
            for name, value in zip(names, row):
                self.writer.add_scalar(f"train/{name}", value, first_step + i)

    def log_record(self, record: dict[str, Any]) -> None:
        """Every number of a ``metrics.jsonl`` record but its step, as ``eval/<key>`` at its step."""
        for key, value in record.items():
            if key != "step" and isinstance(value, (int, float)) and not isinstance(value, bool):
                self.writer.add_scalar(f"eval/{key}", value, record["step"])
        self.writer.flush()

    def log_samples(self, step: int, images: torch.Tensor) -> None:
        """A sample grid of ``images (n, 1, H, W)`` in [-1, 1], shown in [0, 1]."""
        grid = make_grid(images.float().cpu(), nrow=max(1, int(math.sqrt(len(images)))), padding=2, pad_value=-1.0)
        self.writer.add_image("samples", (grid.clamp(-1, 1) + 1) / 2, step)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


def open_tensorboard(
    setting: str, log_dir: str | os.PathLike[str], *, resumed_from: int | None
) -> TensorBoardLog | None:
    """The run's log for ``TrainConfig.tensorboard`` = ``setting``, or None when it writes none.

    Raises ``ImportError`` naming the extra when ``setting`` is ``"on"`` and
    TensorBoard is not installed.
    """
    if setting == "off" or (setting == "auto" and not tensorboard_available()):
        return None
    if not tensorboard_available():
        raise ImportError(
            "TrainConfig.tensorboard='on' needs the tensorboard package: pip install -e "
            "'.[tensorboard]' (or set tensorboard='auto' to write the log only where it is installed)."
        )
    return TensorBoardLog(log_dir, purge_step=None if resumed_from is None else resumed_from + 1)
