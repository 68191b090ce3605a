"""Thesis tables (Table 1 metrics, Table 2 MPV/MPVD) as CSV for analysis and LaTeX for the manuscript."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from gan_lib.atomic import atomic_write_text
from gan_lib.config import FIGURES_DIR
from gan_lib.figures.save import save_csv

__all__ = ["format_estimate", "with_intervals", "table_to_latex", "save_table"]


def format_estimate(value: float, low: float | None = None, high: float | None = None, *, digits: int = 3) -> str:
    """``"value [low, high]"`` with ``digits`` significant digits; the interval is left out when not given.

    Examples
    --------
    >>> format_estimate(0.12345, 0.1, 0.15)
    '0.123 [0.1, 0.15]'
    >>> format_estimate(12.0)
    '12'
    """
    def fmt(x: float) -> str:
        return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}g}"

    if low is None or high is None or any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        return fmt(value)
    return f"{fmt(value)} [{fmt(low)}, {fmt(high)}]"


def with_intervals(table: pd.DataFrame, *, value: str = "value", low: str = "ci_low", high: str = "ci_high",
                   digits: int = 3) -> pd.DataFrame:
    """Replace the columns ``value``, ``low``, ``high`` by one text column ``value`` holding "v [lo, hi]".

    For display (LaTeX); the CSV keeps the numbers.  Tables without these columns are returned unchanged.
    """
    if not {value, low, high} <= set(table.columns):
        return table
    combined = [format_estimate(v, lo, hi, digits=digits) for v, lo, hi in zip(table[value], table[low], table[high])]
    out = table.drop(columns=[low, high]).copy()
    out[value] = combined
    return out.rename(columns={value: f"{value} [95% CI]"})


def table_to_latex(table: pd.DataFrame, *, caption: str, label: str, digits: int = 3) -> str:
    """A booktabs ``table`` environment for ``table`` (special characters escaped, floats to ``digits`` sig. digits)."""
    if table.empty:
        raise ValueError(f"table_to_latex: table {label!r} has no rows; nothing to typeset.")
    return table.to_latex(index=False, escape=True, caption=caption, label=label, position="htbp",
                          float_format=lambda x: f"{x:.{digits}g}")


def save_table(
    table: pd.DataFrame, name: str, *, caption: str, label: str | None = None, directory: Path = FIGURES_DIR,
    digits: int = 3,
) -> list[Path]:
    """Write ``table`` as ``<name>.csv`` (all numbers, full precision) and ``<name>.tex`` (estimates with CIs), atomically.

    Returns
    -------
    list of Path
        ``[csv_path, tex_path]``.
    """
    csv_path = save_csv(table, name, directory=directory)
    latex = table_to_latex(with_intervals(table, digits=digits), caption=caption, label=label or f"tab:{name}",
                           digits=digits)
    tex_path = atomic_write_text(Path(directory) / f"{name}.tex", latex)
    return [csv_path, tex_path]
