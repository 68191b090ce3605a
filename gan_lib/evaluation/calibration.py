"""Calibration of every reader on known degradations of real patches: which reader sees what, at what floor.

A reader can rank generators only if it moves with the defect they differ
in.  Here each reader compares known sets with one half of the real training
patches (the reference):

- the floors: the other half of the training patches, the held-out view of
  the training patient (``heldout``) and another patient (``test``);
- the blur ladder: the other half blurred by Gaussian sigma 0.5, 1, 1.5, 2 px;
- added Gaussian noise (sd 0.03 in model space, ~4 grey levels) and a grid
  (every 4th row and column brightened by 0.05: the trace of a 4x nearest upsampling).

Readers: SWD (x1e3, average over levels), the spectral reader AUC, median
beta, fine-band power (dB), the 4-epoch CNN reader (:func:`~gan_lib.metrics.c2st.c2st`)
and the blur-aware CNN reader (:func:`~gan_lib.metrics.cnn_reader.cnn_reader`).
Each cell has n, its interval and the CPU seconds it took.  ``python -m
gan_lib.evaluation.calibration`` runs it on the embedded data and writes
``docs/results/readers.md`` (and ``readers_calibration.csv`` beside it).
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import torch

from gan_lib.atomic import atomic_write_text
from gan_lib.metrics import Estimate, swd
from gan_lib.metrics.c2st import c2st
from gan_lib.metrics.cnn_reader import cnn_reader
from gan_lib.metrics.spectral import (
    LADDER_SIGMAS,
    blur_ladder,
    fine_band_estimate,
    slope_estimate,
    spectral_reader_auc,
)

__all__ = [
    "READERS",
    "INTRO",
    "RANKING",
    "calibration_sets",
    "calibration_table",
    "calibration_markdown",
    "render_readers_doc",
    "main",
]

Reader = Callable[[np.ndarray, np.ndarray], Estimate]

#: Reader name -> ``(images, reference) -> Estimate``; the order of the table's columns.
READERS: dict[str, Reader] = {
    "SWD x1e3": lambda x, ref: swd(x, ref, max_images=256, n_bootstrap=4, seed=0).average,
    "spectral reader AUC": lambda x, ref: spectral_reader_auc(x, ref, seed=0),
    "beta (median)": lambda x, ref: slope_estimate(x, seed=0),
    "fine band [dB]": lambda x, ref: fine_band_estimate(x, ref, seed=0),
    "CNN reader, 4 epochs": lambda x, ref: c2st(ref, x, seed=0).auc,
    "blur-aware CNN reader": lambda x, ref: cnn_reader(ref, x, seed=0).auc,
}


def calibration_sets(
    train: np.ndarray, heldout: np.ndarray, test: np.ndarray, *, max_images: int = 192, seed: int = 0
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``(reference, {condition: images})``: one random half of ``train``, and the sets read against it.

    Each read set holds at most ``max_images`` images (the blur-aware reader's cap; Table 1's generated set is 256);
    the degraded sets are made from the other half of ``train``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> reference, sets = calibration_sets(rng.uniform(-0.5, 0.5, (10, 16, 16)), np.zeros((3, 16, 16)),
    ...                                    np.zeros((4, 16, 16)))
    >>> len(reference), list(sets)[:3], sets["train + grid (4 px)"].shape
    (5, ['train, other half', 'heldout (same patient)', 'test (other patient)'], (5, 16, 16))
    """
    order = np.random.default_rng(seed).permutation(len(train))
    half = len(train) // 2
    reference, other = train[np.sort(order[half:])], train[np.sort(order[:half])]
    rng = np.random.default_rng(seed + 2)

    def capped(images: np.ndarray) -> np.ndarray:
        return images[np.sort(rng.choice(len(images), min(len(images), max_images), replace=False))]

    other = capped(other)
    sets = {"train, other half": other, "heldout (same patient)": capped(heldout), "test (other patient)": capped(test)}
    sets.update({f"train blurred, sigma {s:g} px": x for s, x in blur_ladder(other, sigmas=LADDER_SIGMAS).items()})
    noise = np.random.default_rng(seed + 1).normal(0.0, 0.03, other.shape)
    sets["train + noise (sd 0.03)"] = np.clip(other + noise, -1, 1).astype(np.float32)
    grid = np.zeros(other.shape[1:], np.float32)
    grid[::4, :] = grid[:, ::4] = 0.05
    sets["train + grid (4 px)"] = np.clip(other + grid, -1, 1).astype(np.float32)
    return reference, sets


def calibration_table(
    reference: np.ndarray,
    sets: dict[str, np.ndarray],
    *,
    readers: dict[str, Reader] | None = None,
    log: Callable[[str], None] = print,
) -> pd.DataFrame:
    """Every reader on every set against ``reference``: one row per (condition, reader) with n, CI and CPU s.

    ``cpu_s`` is the process CPU time of the call (all threads), ``wall_s`` its wall-clock time.
    """
    rows = []
    for condition, images in sets.items():
        for name, reader in (readers or READERS).items():
            cpu, wall = time.process_time(), time.perf_counter()
            estimate = reader(images, reference)
            rows.append(
                {
                    "condition": condition,
                    "reader": name,
                    "value": estimate.value,
                    "ci_low": estimate.ci_low,
                    "ci_high": estimate.ci_high,
                    "n": estimate.n,
                    "n_reference": estimate.n_reference if estimate.n_reference is not None else len(reference),
                    "cpu_s": time.process_time() - cpu,
                    "wall_s": time.perf_counter() - wall,
                    "note": estimate.note,
                }
            )
            log(f"{condition:32s} {name:24s} {estimate.value:8.3f}  ({rows[-1]['wall_s']:.1f} s)")
    return pd.DataFrame(rows)


def _cell(row: pd.Series) -> str:
    digits = 1 if abs(row["value"]) >= 10 else 2
    return f"{row['value']:.{digits}f} [{row['ci_low']:.{digits}f}, {row['ci_high']:.{digits}f}]"


def calibration_markdown(table: pd.DataFrame, *, header: str = "") -> str:
    """The calibration ``table`` as Markdown: value [95 % CI] per condition and reader, then n and CPU seconds."""
    readers = list(dict.fromkeys(table["reader"]))
    conditions = list(dict.fromkeys(table["condition"]))
    cells = table.set_index(["condition", "reader"])
    lines = [
        header,
        "",
        "| condition | n vs reference | " + " | ".join(readers) + " |",
        "|---|---|" + "---|" * len(readers),
    ]
    for condition in conditions:
        first = cells.loc[(condition, readers[0])]
        lines.append(
            f"| {condition} | {int(first['n'])} vs {int(first['n_reference'])} | "
            + " | ".join(_cell(cells.loc[(condition, r)]) for r in readers)
            + " |"
        )
    cpu = table.groupby("reader", sort=False)["cpu_s"].mean()
    wall = table.groupby("reader", sort=False)["wall_s"].mean()
    lines.append(
        "| *CPU s per call (mean; wall s)* | | " + " | ".join(f"{cpu[r]:.1f} ({wall[r]:.1f})" for r in readers) + " |"
    )
    return "\n".join(lines) + "\n"


#: Above the table in ``docs/results/readers.md``: what was read, how, and how to reproduce it.
INTRO = """# Readers: what each one sees (calibration on the embedded data)

Each reader compares a set with one random half of the quick profile's real training patches (the reference): the
other half, the two real floors (held-out view of the training patient, another patient), that other half blurred by
Gaussian sigma 0.5-2 px (the blur ladder), with added Gaussian noise (sd 0.03 in [-1, 1], about 4 grey levels) and
with a 4-px grid (every 4th row and column +0.05). Cells: value [95 % interval]; the AUC readers are two-sample
classifiers (0.5 = indistinguishable), SWD is x1e3 (lower = closer), beta is the set's own median spectral slope
(reference about 3.4), fine band is the power from 16 cycles/patch to Nyquist against the reference in dB.
Produced by `python -m gan_lib.evaluation.calibration` (gan_lib/evaluation/calibration.py); not typed by hand.
"""


#: Below the table: which reader ranks generators, and why (read off the table above it; no numbers typed here).
RANKING = """
## Which reader ranks generators

- **Fine-band power (dB) and the blur-equivalent sigma read from it rank generators.** Along the blur ladder the fine
  band falls steadily and far, with intervals a fraction of a dB wide, and it is monotone, so it turns into a blur
  sigma (`gan_lib.metrics.spectral.blur_equivalent_sigma`) that says how much sharper one generator is than
  another. Both real floors read *above* 0 dB (sharper or noisier than the training views), so a generator
  that matches real fine structure reads a blur-equivalent sigma of 0. Added noise and the grid *raise* the fine
  band (they read sigma 0 as well): it is a sharpness reader, not a realism score, and is read beside the others.
- **Beta** moves with blur as much and is a per-image number that tracks the literature's mammographic values,
  but it depends on the band and mixes blur with coarse texture; Table 1 reports it as the set's own value.
- **The blur-aware CNN reader is the check that a generator has reached the real floors.** It reads each image's
  Laplacian on the image's own scale, so it sees the pattern of fine detail rather than its power: it reads both
  real floors near the floor of two halves of the training patches, yet every rung of the ladder, noise and the
  grid near 1. It is a two-sample classifier, so it saturates at 1 for any visibly blurred generator: it says
  *whether* a set's fine structure differs from real tissue, not by how much, and cannot order two blurred
  generators. It must be trained to convergence (at most 60 epochs, patience 8, the better of 2 starts per fold):
  with 10 epochs, patience 3 and one start most folds were still learning at the cap and some never started, so it
  read generated sets far lower than it should while the floors hardly moved (`gan_lib/metrics/cnn_reader.py`).
- **The spectral reader AUC** also sees every rung, noise and the grid, but it reads the normalised log spectrum, which
  differs between real views (its floors sit well above 0.5), so it cannot tell blur from a new view at the floors.
- **SWD** rises along the ladder, but a 1-px blur (about the quick generator's) reads no further from the training
  patches than the held-out real view does: at the floors it cannot tell blur from a new view of the breast.
- **The 4-epoch CNN reader** reads a 1-px blur at chance, below its own real floors, so it would rank a blurrier
  generator above a sharper one; Table 1 no longer reports it (`gan_lib.metrics.c2st.c2st` stays for the benchmarks).
"""


def render_readers_doc(table: pd.DataFrame, *, cpu: str) -> str:
    """``docs/results/readers.md``: :data:`INTRO`, the machine, ``table`` as Markdown, then :data:`RANKING`."""
    return calibration_markdown(table, header=INTRO + f"\nMachine: {cpu}.\n") + RANKING


def main(argv: list[str] | None = None) -> None:
    """Run the calibration on the embedded quick data; write ``<out>/readers.md`` and ``readers_calibration.csv``.

    ``--from-csv`` renders ``readers.md`` again from a CSV this function wrote, without reading anything anew.
    """
    from gan_lib.data import data_config, prepare_dataset

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/results"), help="folder of readers.md and the CSV")
    parser.add_argument("--from-csv", type=Path, default=None, help="re-render readers.md from this CSV")
    parser.add_argument(
        "--cpu",
        default=f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads",
        help="the machine, as the document names it",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.from_csv is not None:
        table = pd.read_csv(args.from_csv)
    else:
        data = prepare_dataset(data_config("quick"), progress=False)
        reference, sets = calibration_sets(data.images("train"), data.images("heldout"), data.images("test"))
        table = calibration_table(reference, sets)
        atomic_write_text(args.out / "readers_calibration.csv", table.to_csv(index=False))
    atomic_write_text(args.out / "readers.md", render_readers_doc(table, cpu=args.cpu))
    print(f"wrote {args.out / 'readers.md'}")


if __name__ == "__main__":
    main()
