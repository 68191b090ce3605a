"""One recipe of ``quality_vs_time.py`` trained with the project's trainer, on its own clock and random streams."""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
import torch
from quality_ladder import CONTENDERS
from tqdm.auto import tqdm

from gan_lib.training import TrainConfig, prepare_run, train_step

__all__ = ["Contender"]


class Contender:
    """One recipe trained as :func:`gan_lib.training.train` trains it, with its own clock, RNG and checkpoints.

    The run is set up by :func:`gan_lib.training.prepare_run` (execution
    settings resolved by the trainer's probe, or reused from ``checkpoint``),
    steps are :func:`gan_lib.training.train_step`, and checkpoints are the
    trainer's (:meth:`gan_lib.training.PreparedRun.checkpoint`) with one
    benchmark entry, ``"benchmark"``: the contender's name, its process CPU
    seconds and the 1-minute load average at the mark.

    ``train_seconds`` accumulates ``time.perf_counter`` time of set-up (first
    construction, including the trainer's hardware probe) and of every
    generator iteration (the checkpoint's ``elapsed_seconds``); ``cpu_seconds``
    the process CPU time over the same intervals.  Each contender keeps a
    private copy of torch's global RNG state, so taking turns changes no
    contender's random stream.

    Parameters
    ----------
    name : str
        A label of :data:`~quality_ladder.CONTENDERS`.
    config : TrainConfig
        Its experiment (:func:`~quality_ladder.contender_configs`).
    images : ndarray, shape (N, H, W)
        Training images in [-1, 1].
    checkpoint : dict, optional
        A checkpoint of this contender (:meth:`checkpoint`) to continue from, exactly; its clock continues too.
    """

    def __init__(
        self, name: str, config: TrainConfig, images: np.ndarray, *, checkpoint: dict[str, Any] | None = None
    ) -> None:
        if name not in CONTENDERS:
            raise ValueError(f"Contender: name must be one of {list(CONTENDERS)}; got {name!r}.")
        self.name, self.config = name, config
        outer_rng = torch.get_rng_state()
        started, cpu_started = time.perf_counter(), time.process_time()
        self.run = prepare_run(config, images, checkpoint=checkpoint)
        self.threads = torch.get_num_threads()
        self.train_seconds = time.perf_counter() - started
        self.cpu_seconds = time.process_time() - cpu_started
        if checkpoint is not None:
            self.train_seconds = float(checkpoint["elapsed_seconds"])
            self.cpu_seconds = float(checkpoint["benchmark"]["cpu_seconds"])
        self.rng_state = torch.get_rng_state()  # after a resume: the checkpoint's
        torch.set_rng_state(outer_rng)

    @property
    def steps(self) -> int:
        """Generator iterations trained so far."""
        return self.run.state.step

    def train_until(self, seconds: float, *, progress: bool = True) -> None:
        """Run generator iterations until ``train_seconds >= seconds`` (overshoot: at most one iteration)."""
        outer_threads, outer_rng = torch.get_num_threads(), torch.get_rng_state()
        torch.set_num_threads(self.threads)
        torch.set_rng_state(self.rng_state)
        bar = tqdm(
            total=round(max(seconds - self.train_seconds, 0.0), 1),
            unit="s",
            leave=False,
            disable=not progress,
            desc=f"train {self.name} to {seconds / 60:g} min",
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s{postfix}",
        )
        run = self.run
        try:
            while self.train_seconds < seconds:
                wall, cpu = time.perf_counter(), time.process_time()
                train_step(run.state, run.batches, config=self.config, precision=run.hardware.precision)
                run.state.step += 1  # as train() counts: the EMA ramp-up and the lazy penalty read it
                elapsed = time.perf_counter() - wall
                self.train_seconds += elapsed
                self.cpu_seconds += time.process_time() - cpu
                bar.update(min(elapsed, bar.total - bar.n))
                bar.set_postfix_str(f"{self.steps} steps", refresh=False)
        finally:
            bar.close()
            self.rng_state = torch.get_rng_state()
            torch.set_rng_state(outer_rng)
            torch.set_num_threads(outer_threads)

    def checkpoint(self) -> dict[str, Any]:
        """The trainer's checkpoint of this contender (``gan_lib.generate.generate`` reads it) plus its clock."""
        outer_rng = torch.get_rng_state()
        torch.set_rng_state(self.rng_state)  # the checkpoint records the contender's random stream
        try:
            checkpoint = self.run.checkpoint(elapsed_seconds=self.train_seconds)
        finally:
            torch.set_rng_state(outer_rng)
        # The load average at the end of training to this mark, this benchmark included.
        return {
            **checkpoint,
            "benchmark": {"trainer": self.name, "cpu_seconds": self.cpu_seconds, "load_avg_1min": os.getloadavg()[0]},
        }
