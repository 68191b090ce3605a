"""Open a finished (or running) training run: :func:`load_run` -> :class:`Run`.

Later stages (evaluation notebooks, figures, the reader app) read a run only
through this object, so they never spell run-folder paths themselves::

    run = load_run("quick")
    fake = run.generate(500, seed=0)          # float32 (500, H, W) in [-1, 1], from checkpoints/last.pt
    real = run.dataset().images("test")       # the data the run was trained with
    log = run.log()                           # pandas DataFrame of train_log.csv
    metrics = run.metrics()                   # pandas DataFrame of metrics.jsonl

Every stage that samples the generator takes ``checkpoint="last"`` (the
default, ``checkpoints/last.pt``; why: :func:`gan_lib.config.resolve_checkpoint`)
or ``checkpoint="best"`` (``checkpoints/best.pt``, chosen during training by
the rule of :mod:`gan_lib.training.monitor`; ``last.pt`` for a run that kept
none), and says which it used (:meth:`Run.checkpoint`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .config import RunPaths, apply_overrides, resolve_checkpoint, run_dir
from .data import DataConfig, prepare_dataset
from .generate import generate
from .training import TrainConfig
from .training.monitor import read_metrics
from .training.run_folder import RunFolder

__all__ = ["Run", "load_run"]


@dataclass(frozen=True)
class Run:
    """A run folder ``runs/<name>/`` and what it records (see docs/ARCHITECTURE.md, stage 2)."""

    path: Path
    config: dict[str, Any] = field(repr=False)  # parsed config.json

    @property
    def name(self) -> str:
        return self.path.name

    @cached_property
    def train_config(self) -> TrainConfig:
        """The run's :class:`~gan_lib.training.TrainConfig`."""
        return apply_overrides(TrainConfig(), self.config["train"])

    @cached_property
    def data_config(self):
        """The run's ``gan_lib.data.DataConfig``, or ``None`` for a run trained on an array given directly."""

        data = self.config.get("data")
        return None if data is None else apply_overrides(DataConfig(), data)

    @property
    def paths(self) -> RunPaths:
        """Every path inside the run folder (:class:`gan_lib.config.RunPaths`)."""
        return RunPaths(self.path)

    @property
    def checkpoint_path(self) -> Path:
        """``checkpoints/last.pt``."""
        return RunFolder(self.path).last_checkpoint

    def checkpoint(self, which: str = "last") -> tuple[str, Path]:
        """``(name, path)`` of checkpoint ``which`` ("best" or "last"); "best" is "last" for a run without best.pt
        (:func:`gan_lib.config.resolve_checkpoint`)."""
        return resolve_checkpoint(self.paths, which)

    @property
    def samples(self) -> list[Path]:
        """Fixed-noise sample grids ``samples/step_XXXXXX.png``, in step order."""
        return RunFolder(self.path).sample_paths()

    def dataset(self):
        """The run's ``PreparedDataset``, loaded from the cache or rebuilt from the recorded data config."""

        if self.data_config is None:
            raise ValueError(f"run {self.path} was trained on an array passed to train(); it records no data config.")
        return prepare_dataset(self.data_config, progress=False)

    def generate(
        self, n: int, *, seed: int = 0, batch_size: int = 256, device: str = "cpu", checkpoint: str = "last"
    ) -> np.ndarray:
        """``n`` images ``float32 (n, H, W)`` in [-1, 1] from checkpoint ``checkpoint`` ("best" or "last", see
        :meth:`checkpoint`; :func:`gan_lib.generate.generate`)."""
        return generate(self.checkpoint(checkpoint)[1], n, seed=seed, batch_size=batch_size, device=device)

    def log(self) -> pd.DataFrame:
        """``train_log.csv`` as a DataFrame, one row per generator step."""
        return pd.read_csv(RunFolder(self.path).log_path)

    def metrics(self) -> pd.DataFrame:
        """``metrics.jsonl`` as a DataFrame, one row per evaluation during training (empty if none)."""
        return pd.DataFrame(read_metrics(self.paths.metrics))


def load_run(name_or_path: str | os.PathLike[str]) -> Run:
    """Open run ``name_or_path``: a run name under ``runs/`` or a path to a run folder.

    Raises ``FileNotFoundError`` naming the folder and the fix when it holds no
    ``config.json`` or no checkpoint yet.
    """
    text = os.fspath(name_or_path)
    path = Path(text) if (os.sep in text or "/" in text) else run_dir(text)
    folder = RunFolder(path)
    if not folder.config_path.is_file() or not folder.last_checkpoint.is_file():
        raise FileNotFoundError(
            f"load_run: {path} is not a trained run (needs config.json and checkpoints/last.pt); "
            f"train it first, e.g. python -m gan_lib.train --profile quick --run {path.name}."
        )
    return Run(path=path.resolve(), config=folder.read_config())
