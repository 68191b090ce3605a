"""Thesis Tables 1-2 in ``figures/``: the run's tables, copied unchanged next to the figures.

The evaluation notebooks already write each table twice under
``runs/<name>/tables/`` with :func:`gan_lib.metrics.table.write_table`: a tidy
CSV (value, 95 % CI, sample sizes, CI method — nothing lost) and a LaTeX table
of formatted estimates.  The thesis copies are byte-identical to those, so the
numbers in ``figures/`` can never drift from the run they come from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from gan_lib.atomic import atomic_write_bytes
from gan_lib.config import FIGURES_DIR

__all__ = ["copy_run_table"]


def copy_run_table(
    source: Path,
    name: str,
    *,
    directory: Path = FIGURES_DIR,
    suffixes: Sequence[str] = ("csv", "tex"),
    made_by: str = "the evaluation notebooks",
) -> list[Path]:
    """Copy ``<source>.csv`` and ``<source>.tex`` to ``<directory>/<name>.csv`` / ``.tex`` atomically.

    Parameters
    ----------
    source : Path
        Table path without suffix, e.g. ``runs/quick/tables/table1_metrics``.
    name : str
        File stem in ``directory``.
    directory : Path
        Destination, ``figures/`` by default.
    suffixes : sequence of str
        Which versions to copy.
    made_by : str
        Named in the error when a file is missing (e.g. "notebook 04_metrics").

    Returns
    -------
    list of Path
        The written files.

    Raises
    ------
    FileNotFoundError
        If a source file is missing, naming the notebook that writes it.
    """
    source = Path(source)
    files = [source.with_name(f"{source.name}.{suffix}") for suffix in suffixes]
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise FileNotFoundError(f"copy_run_table: {', '.join(missing)} not found; run {made_by} for this run first.")
    return [atomic_write_bytes(Path(directory) / f"{name}.{f.suffix[1:]}", f.read_bytes()) for f in files]
