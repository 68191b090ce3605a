"""What the evaluation notebooks write under ``runs/<name>/``, each file written atomically.

- ``eval/<name>.npy`` — arrays for the figures, e.g. ``denoised_<method>.npy`` (notebook 03);
- ``tables/table1_metrics.csv/.tex`` (notebook 04, with the memorisation lines of
  notebook 09 whichever runs first; :mod:`gan_lib.evaluation.memorisation_lines`);
- ``tables/table2_denoising.csv/.tex`` (notebook 03);
- ``tables/texture_stats.csv`` (notebook 05).

The CSV files hold the tidy tables (every number with its interval and sizes),
the ``.tex`` files the formatted ones (value [95 % CI] (n)).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from gan_lib.atomic import atomic_path, atomic_save
from gan_lib.config import run_dir, run_paths
from gan_lib.metrics import TABLE1_COLUMNS, display_table, write_table
from gan_lib.training.recipes import recipe_label
from gan_lib.training.run_folder import RunFolder

from .memorisation_lines import with_memorisation_lines

__all__ = ["save_arrays", "save_table1", "add_memorisation_to_table1", "save_table2", "save_texture_stats"]


def save_arrays(run_name: str, arrays: Mapping[str, np.ndarray]) -> list[Path]:
    """Save ``{name: array}`` as ``runs/<run_name>/eval/<name>.npy`` atomically and return the paths."""
    folder = run_paths(run_name).eval
    paths = []
    for name, array in arrays.items():
        paths.append(atomic_save(folder / f"{name}.npy", lambda tmp, a=array: np.save(tmp, a)))
    return paths


def save_table1(run_name: str, table: pd.DataFrame) -> tuple[Path, Path]:
    """Write Table 1 to ``runs/<run_name>/tables/table1_metrics.csv/.tex``, with the memorisation lines if present."""
    table = with_memorisation_lines(run_name, table)
    folder = RunFolder(run_dir(run_name))  # its config.json is written by training; absent for tables of arrays
    recipe = ""
    if folder.config_path.exists():
        recipe = " (training recipe: " + recipe_label(folder.read_config()["train"]).replace("_", r"\_") + ")"
    return write_table(
        table,
        display_table(table, headers=TABLE1_COLUMNS),
        run_paths(run_name).tables / "table1_metrics",
        caption=(
            f"Evaluation metrics of the WGAN-GP generator{recipe} against the real training set, next to real "
            "held-out views of the training patient and another patient's images (value [95\\% CI] (n))."
        ),
        label="tab:metrics",
    )


def add_memorisation_to_table1(run_name: str) -> tuple[Path, Path] | None:
    """Rewrite ``tables/table1_metrics.csv/.tex`` with the memorisation lines; ``None`` if Table 1 is not written yet.

    Notebook 09 calls it after the audit, since Table 1 (notebook 04) is
    written earlier in the pipeline; when Table 1 comes later,
    :func:`save_table1` adds the lines itself.
    """
    path = run_paths(run_name).tables / "table1_metrics.csv"
    if not path.exists():
        return None
    return save_table1(run_name, pd.read_csv(path).astype({"n_reference": "Int64"}))


def save_table2(run_name: str, table: pd.DataFrame) -> tuple[Path, Path]:
    """Write Table 2 to ``runs/<run_name>/tables/table2_denoising.csv/.tex`` (methods as rows)."""
    display = display_table(table, row_name="method", column_name="metric")
    return write_table(
        table,
        display,
        run_paths(run_name).tables / "table2_denoising",
        caption=(
            "Denoising the generated images: MPV, MPVD and what each method costs in texture, "
            "with the real sets for reference (value [95\\% CI] (n))."
        ),
        label="tab:denoising",
    )


def save_texture_stats(run_name: str, stats: pd.DataFrame) -> Path:
    """Write the per-feature KS/Wasserstein table to ``runs/<run_name>/tables/texture_stats.csv``."""
    path = run_paths(run_name).tables / "texture_stats.csv"
    with atomic_path(path) as tmp:
        stats.to_csv(tmp, index=False)
    return path
