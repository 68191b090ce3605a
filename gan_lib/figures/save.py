"""Writing figures and their companion CSV files atomically into ``figures/``."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd
from matplotlib.figure import Figure

from gan_lib.atomic import atomic_path
from gan_lib.config import FIGURES_DIR

__all__ = ["save_figure", "save_csv"]


def _target(name: str, suffix: str, directory: Path) -> Path:
    if not name or "/" in name or Path(name).suffix:
        raise ValueError(f"name must be a bare file stem such as 'fig4_real_vs_generated'; got {name!r}.")
    return Path(directory) / f"{name}.{suffix}"


def save_figure(
    fig: Figure, name: str, *, directory: Path = FIGURES_DIR, formats: Sequence[str] = ("png", "pdf"), dpi: int = 300
) -> list[Path]:
    """Save ``fig`` as ``<directory>/<name>.png`` (``dpi`` dots per inch) and ``.pdf``, each atomically.

    Parameters
    ----------
    fig : matplotlib Figure
    name : str
        File stem without suffix, e.g. ``"fig5_denoising"``.
    directory : Path
        Destination folder (created if missing); ``figures/`` by default.
    formats : sequence of str
        Matplotlib output formats.
    dpi : int
        Resolution of raster formats; the PDF stays vector.

    Returns
    -------
    list of Path
        The written files, in the order of ``formats``.
    """
    written = []
    for fmt in formats:
        target = _target(name, fmt, directory)
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight")
        written.append(target)
    return written


def save_csv(table: pd.DataFrame, name: str, *, directory: Path = FIGURES_DIR, index: bool = False) -> Path:
    """Write ``table`` to ``<directory>/<name>.csv`` atomically and return the path."""
    target = _target(name, "csv", directory)
    with atomic_path(target) as tmp:
        table.to_csv(tmp, index=index)
    return target
