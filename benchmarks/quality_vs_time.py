"""Quality vs training time: the ablation ladder from the thesis recipe to the project's, per training minute.

A change to the training recipe is only better if the *samples* it reaches in
a given time are better.  This benchmark trains the ``quick`` training profile
(what ``make pipeline`` trains, on the embedded CBIS-DDSM patches) with a
ladder of recipes side by side, each set up, stepped and checkpointed as
:func:`gan_lib.training.train` does it (:func:`gan_lib.training.prepare_run`,
:func:`gan_lib.training.train_step`, execution settings resolved by the
trainer's own probe), the same seed, data and network sizes:

1. **thesis recipe** — ``recipe="thesis"``: transposed convolutions, zero padding, no augmentation, no EMA;
2. **+ nearest upsampling** — nearest-neighbour x2 + 3x3 conv instead of ``ConvTranspose2d``;
3. **+ reflect padding** — reflection padding in generator and critic;
4. **+ DiffAugment** — translation and cutout on every image the critic sees;
5. **+ EMA** — samples from the generator's weight average;
6. **+ n_critic 2, critic lr x2** — two critic updates per generator update at twice the critic learning rate
   (the project recipe until 2026-12-02);
7. **+ bilinear finest 2 stages** — bilinear interpolation in the two finest upsampling stages, which removes
   nearest-neighbour upsampling's block grid (the project recipe until 2026-12-06);
8. **+ Laplacian penalty norm** — the critic sees each image beside 6x its Laplacian, and the gradient penalty
   holds it 1-Lipschitz in that norm, in which blur is no longer nearly free;
9. **+ noise inputs** — per-pixel noise inputs in the two finest stages;
10. **+ oriented spectral term** — the generator matches the per-(frequency, orientation) log-spectrum moments of
    a real batch (the project recipe until 2026-12-07);
11. **project recipe** — all of the above plus a second 3x3 convolution in the finest stage.

Each contender runs until its *training* wall-clock time (``time.perf_counter``
around set-up and every generator iteration — evaluation excluded) reaches
each budget mark (default 2, 5, 10 and 20 minutes).  Contenders take turns
mark by mark, so slow drifts in machine load affect all alike.  At each mark
the generator (its weight average where the recipe keeps one) is
checkpointed, and ``n_generated`` samples are evaluated against the training
patches (the reference set of Table 1):

- multi-scale SWD x 10^3 (:func:`gan_lib.metrics.swd`, Karras et al. 2018;
  lower is better), average over the pyramid levels;
- MS-SSIM diversity (:func:`gan_lib.metrics.ms_ssim_diversity`; mean pairwise
  MS-SSIM within the set; mode collapse shows as values far *above* the real sets');
- the two automated readers of :mod:`gan_lib.metrics.c2st`: the CNN
  classifier two-sample test and the statistics reader (ROC AUC; 0.5 means
  indistinguishable).

Beside them, computed once, the real-vs-real floors of Table 1: held-out views
of the training patient vs train (same patient) and the other patient's
patches vs train (other patient).  Sample sizes and evaluation settings are
those of the ``quick`` evaluation profile (:mod:`gan_lib.evaluation`), so the
numbers are comparable with Table 1 of a quick run.  The report adds, per
recipe, the first mark at which it reaches SWD <= 1.5 x the same-patient
floor and C2ST AUC <= 0.85 (:func:`time_to_quality`).

Resumable: every (contender, mark) keeps a checkpoint and a result file,
written atomically, in a folder named after the settings and the budget marks;
a rerun of the same command skips finished marks and continues training from
the last checkpoint, exactly.

Usage::

    python benchmarks/quality_vs_time.py                           # all 11 contenders, 2 5 10 20 min each (~7 h)
    python benchmarks/quality_vs_time.py --quick                   # budgets 0.5 1 2 min: a check that everything works
    python benchmarks/quality_vs_time.py --contenders thesis project --seed 1   # a second seed of the two ends
    python benchmarks/quality_vs_time.py --publish                 # also copy table and plot to benchmarks/results/

The parts: :mod:`quality_ladder` (the ladder, derived from
``gan_lib.training.recipes.RECIPES``, budgets, cache folder),
:mod:`quality_contender` (one recipe on its own clock, set up, stepped and
checkpointed by the trainer's functions), :mod:`quality_run` (the resumable
loop and its evaluation with Table 1's quality rows) and :mod:`quality_report`
(table, markdown, plot).

Writes ``runs/benchmarks/quality_vs_time/<budgets>_<key>/`` (checkpoints,
per-mark results, ``environment.json``, ``quality_vs_time.csv/.md/.png``);
``--publish`` copies the three files to ``benchmarks/results/`` (with the seed
in their names) for the README.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
from pathlib import Path
from typing import Any, Sequence

import pandas as pd
import torch
from matplotlib import pyplot as plt
from quality_contender import Contender
from quality_ladder import (
    CONTENDERS,
    DEFAULT_BUDGETS,
    FLOORS,
    QUICK_BUDGETS,
    TARGETS,
    benchmark_folder,
    budget_marks,
    contender_configs,
    mark_name,
)
from quality_report import TABLE_COLUMNS, markdown_report, plot_quality, results_table, time_to_quality
from quality_run import real_floors, reference_sets, run_benchmark

from gan_lib.atomic import atomic_path, atomic_write_json, atomic_write_text
from gan_lib.config import PROJECT_ROOT, RUNS_DIR, config_to_dict
from gan_lib.data import data_config, prepare_dataset
from gan_lib.evaluation import EvaluationConfig, evaluation_config
from gan_lib.figures.save import save_figure
from gan_lib.pipeline import source_commit
from gan_lib.training import TrainConfig
from gan_lib.training.checkpoint import load_checkpoint

# The command line's public names, with those of the parts it runs (the tests and callers import them from here).
__all__ = [
    "CONTENDERS",
    "FLOORS",
    "DEFAULT_BUDGETS",
    "QUICK_BUDGETS",
    "TARGETS",
    "budget_marks",
    "benchmark_folder",
    "contender_configs",
    "reference_sets",
    "real_floors",
    "Contender",
    "run_benchmark",
    "TABLE_COLUMNS",
    "results_table",
    "time_to_quality",
    "markdown_report",
    "plot_quality",
    "main",
]

#: Files written for the README (``--publish`` copies them to ``benchmarks/results/``).
OUTPUT_STEM = "quality_vs_time"
PUBLISH_DIR = PROJECT_ROOT / "benchmarks" / "results"


def _environment(
    profile: str, config: TrainConfig, eval_config: EvaluationConfig, marks: Sequence[float], sizes: dict[str, int]
) -> dict[str, Any]:
    """What was run where; the CPU model and the contenders' resolved settings are added after training."""
    return {
        "train_profile": profile,
        "train": config_to_dict(config),
        "evaluation": config_to_dict(eval_config),
        "budgets_min": list(marks),
        "set_sizes": sizes,
        "cpu_count": os.cpu_count(),
        "capability": torch.backends.cpu.get_cpu_capability(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "commit": source_commit() or "unknown",
        "hardware": {},
    }


def _write_outputs(table: pd.DataFrame, markdown: str, folder: Path, stem: str) -> list[Path]:
    paths = [
        atomic_write_text(folder / f"{stem}.csv", table.to_csv(index=False)),
        atomic_write_text(folder / f"{stem}.md", markdown),
    ]
    fig = plot_quality(table)
    paths += save_figure(fig, stem, directory=folder, formats=("png",), dpi=110)
    plt.close(fig)
    return paths


def _publish(paths: Sequence[Path]) -> list[Path]:
    """Copy the written result files to ``PUBLISH_DIR`` (atomically each)."""
    published = []
    for path in paths:
        with atomic_path(PUBLISH_DIR / path.name) as tmp:
            shutil.copyfile(path, tmp)
        published.append(PUBLISH_DIR / path.name)
    return published


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--budgets-min",
        type=float,
        nargs="+",
        default=None,
        help=f"training-time marks per contender in minutes (default {' '.join(map(str, DEFAULT_BUDGETS))})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"budgets {' '.join(map(str, QUICK_BUDGETS))} min: check that everything works",
    )
    parser.add_argument(
        "--contenders",
        nargs="+",
        default=None,
        metavar="SLUG",
        help=f"a subset of the ladder (default all): {' '.join(s for s, _ in CONTENDERS.values())}",
    )
    parser.add_argument(
        "--train-profile",
        default="quick",
        choices=("quick", "full"),
        help="data and training profile (default quick: what `make pipeline` trains)",
    )
    parser.add_argument("--seed", type=int, default=0, help="training seed of every contender (default 0)")
    parser.add_argument(
        "--out",
        type=Path,
        default=RUNS_DIR / "benchmarks" / OUTPUT_STEM,
        help="cache root (default runs/benchmarks/quality_vs_time)",
    )
    parser.add_argument(
        "--publish",
        action="store_true",
        help="also write quality_vs_time_seed<N>.csv/.md/.png to benchmarks/results/ (for the README)",
    )
    args = parser.parse_args(argv)
    if args.quick and args.budgets_min is not None:
        parser.error("give either --quick or --budgets-min, not both")
    marks = budget_marks(QUICK_BUDGETS if args.quick else args.budgets_min or DEFAULT_BUDGETS)

    data_settings = data_config(args.train_profile)
    dataset = prepare_dataset(data_settings)
    configs = contender_configs(
        args.train_profile, args.contenders, seed=args.seed, image_size=data_settings.image_size
    )
    eval_config = evaluation_config("quick")
    sets = reference_sets({split: dataset.images(split) for split in ("train", "heldout", "test")}, eval_config)
    settings = {
        "data": config_to_dict(data_settings),
        "evaluation": config_to_dict(eval_config),
        "contenders": {name: config_to_dict(c) for name, c in configs.items()},
    }
    folder = benchmark_folder(args.out, marks=marks, settings=settings)
    print(f"quality vs time: {list(configs)}, budgets {list(marks)} min each, results in {folder}", flush=True)

    environment = _environment(
        args.train_profile,
        next(iter(configs.values())),
        eval_config,
        marks,
        {split: len(images) for split, images in sets.items()},
    )
    environment["contenders"] = {name: config_to_dict(c) for name, c in configs.items()}
    records, floors = run_benchmark(configs, sets, marks=marks, eval_config=eval_config, folder=folder)
    for name in configs:
        stored = load_checkpoint(folder / CONTENDERS[name][0] / f"{mark_name(marks[0])}.pt")["hardware"]
        environment["hardware"][name] = stored
    environment["cpu"] = next(iter(environment["hardware"].values())).get("processor", "unknown CPU")
    atomic_write_json(folder / "environment.json", environment)

    table = results_table(records, floors)
    markdown = markdown_report(table, environment)
    paths = _write_outputs(table, markdown, folder, f"{OUTPUT_STEM}_seed{args.seed}")
    if args.publish:
        paths += _publish(paths)
    print("\n" + markdown)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
