"""Readers along one training run: every kept step checkpoint scored as Table 1 scores the last one.

A run's last checkpoint is one draw from wherever training has got to.  The
training monitor (``metrics.jsonl``) scores small samples on SWD, the slope
and the fine band, which saturate early; this scores each
``checkpoints/step_XXXXXX.pt`` of a run folder with the quick evaluation
profile's readers on ``--count`` samples against the run's training images:
the blur-aware CNN reader (mean of ``--reader-seeds`` reader seeds, each a
converged classifier), the spectral and statistics readers, SWD, MS-SSIM
diversity and the spectral slope.  Whether quality still rises, holds,
drifts or oscillates shows in the curve, not in one endpoint.

Resumable: one CSV row per checkpoint, rewritten atomically after each; a
rerun scores only the steps not yet in the CSV.  About 35 s per checkpoint
on an idle 2-core AMD EPYC with AVX-512 BF16 (256 samples, 3 reader seeds).

Usage::

    python benchmarks/checkpoint_curve.py runs/<name>                   # every step checkpoint
    python benchmarks/checkpoint_curve.py runs/<name> --steps 2000 3670 --out curve.csv
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from gan_lib.atomic import atomic_write_text  # noqa: E402
from gan_lib.evaluation import evaluation_config, quality_metrics  # noqa: E402
from gan_lib.generate import generate  # noqa: E402
from gan_lib.metrics.cnn_reader import cnn_reader  # noqa: E402
from gan_lib.run import load_run  # noqa: E402

__all__ = ["step_checkpoints", "score_checkpoint", "checkpoint_curve", "main"]

#: Table 1 metrics scored per checkpoint (the CNN reader is added with several reader seeds).
CURVE_METRICS = ("swd", "diversity", "spectral", "statistics_reader")


def step_checkpoints(run_folder: Path, steps: Sequence[int] | None = None) -> dict[int, Path]:
    """``{step: path}`` of the run's ``checkpoints/step_XXXXXX.pt``, all or only ``steps``, in step order."""
    found = {int(p.stem.removeprefix("step_")): p for p in (run_folder / "checkpoints").glob("step_*.pt")}
    if steps is not None:
        missing = sorted(set(steps) - set(found))
        if missing:
            raise FileNotFoundError(
                f"{run_folder / 'checkpoints'}: no step checkpoint for steps {missing}; it keeps {sorted(found)}."
            )
        found = {step: found[step] for step in steps}
    if not found:
        raise FileNotFoundError(f"{run_folder / 'checkpoints'}: no step_XXXXXX.pt; train the run first.")
    return dict(sorted(found.items()))


def score_checkpoint(
    checkpoint: Path, train: np.ndarray, *, count: int = 256, reader_seeds: int = 3
) -> dict[str, float]:
    """One row: the quick profile's readers for ``count`` samples of ``checkpoint`` against ``train (N, H, W)``.

    ``cnn_reader`` is the mean AUC over reader seeds ``0 .. reader_seeds - 1``
    (``cnn_reader_sd`` their standard deviation); the other values are
    :func:`gan_lib.evaluation.quality_metrics` point estimates.
    """
    images = generate(checkpoint, count, seed=0)
    row = {
        key: float(estimate.value)
        for key, estimate in quality_metrics(images, train, evaluation_config("quick"), metrics=CURVE_METRICS).items()
        if not key.startswith("swd_")
    }
    aucs = [float(cnn_reader(train, images, seed=seed).auc.value) for seed in range(reader_seeds)]
    return {**row, "cnn_reader": float(np.mean(aucs)), "cnn_reader_sd": float(np.std(aucs))}


def checkpoint_curve(
    run_folder: Path, out: Path, *, steps: Sequence[int] | None = None, count: int = 256, reader_seeds: int = 3
) -> pd.DataFrame:
    """Score the run's step checkpoints not yet in ``out`` (CSV, one row per step); return the whole table."""
    run = load_run(run_folder)
    done = pd.read_csv(out) if out.is_file() else pd.DataFrame()
    todo = {s: p for s, p in step_checkpoints(run.path, steps).items() if done.empty or s not in set(done["step"])}
    if todo:
        train = run.dataset().images("train")
        for step, path in tqdm(todo.items(), desc=f"checkpoints of {run.path.name}", unit="ckpt"):
            scores = score_checkpoint(path, train, count=count, reader_seeds=reader_seeds)
            row = pd.DataFrame([{"step": step, **scores}])
            done = pd.concat([done, row], ignore_index=True).sort_values("step", ignore_index=True)
            atomic_write_text(out, done.to_csv(index=False, float_format="%.4f"))
    return done


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="a run folder (runs/<name>) with checkpoints/step_XXXXXX.pt")
    parser.add_argument("--steps", type=int, nargs="+", help="only these steps (default: every step checkpoint)")
    parser.add_argument("--count", type=int, default=256, help="samples per checkpoint")
    parser.add_argument("--reader-seeds", type=int, default=3, help="CNN reader seeds averaged per checkpoint")
    parser.add_argument("--out", type=Path, help="CSV to write (default: <run>/checkpoint_curve.csv)")
    args = parser.parse_args(argv)
    out = args.out or args.run / "checkpoint_curve.csv"
    table = checkpoint_curve(args.run, out, steps=args.steps, count=args.count, reader_seeds=args.reader_seeds)
    print(table.to_string(index=False, float_format="%.3f"))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
