"""Tables of :class:`~gan_lib.metrics.bootstrap.Estimate` objects as pandas DataFrames, CSV and LaTeX.

Thesis Table 1 ("Evaluation metrics for the WGAN-GP model") and Table 2 ("MPV
and MPVD comparison for different methods") are both a grid of estimates:
``rows[row][column] -> Estimate``.  Each table is kept in two forms:

* a *tidy* frame (:func:`tidy_table`): one line per cell with ``value``,
  ``ci_low``, ``ci_high``, ``n``, ``n_reference``, ``ci_method`` and ``note`` —
  written as CSV, so nothing is lost and figures can be redrawn from it;
* a *display* frame (:func:`display_table`): rows × columns of formatted
  strings ``"0.123 [0.110, 0.135] (n=256 vs 1024)"`` — shown in notebooks and
  written as LaTeX.

For Table 1, the columns are the compared sets: generated, real held-out
views of the training patient (same-patient floor), real images of another
patient (other-patient floor), each against the training set, and the
training set itself for the within-set rows (MPV, diversity).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Mapping

import pandas as pd

from gan_lib.atomic import atomic_path, atomic_write_text
from gan_lib.metrics.bootstrap import Estimate

__all__ = ["TABLE1_COLUMNS", "tidy_table", "display_table", "write_table"]

#: Table 1 column keys and headers, in order.
TABLE1_COLUMNS = {
    "generated": "generated vs train",
    "heldout": "held-out real (same patient) vs train",
    "test": "test real (other patient) vs train",
    "train": "train (within set)",
}

_FIELDS = [f.name for f in dataclasses.fields(Estimate)]


def tidy_table(
    rows: Mapping[str, Mapping[str, Estimate]], *, row_name: str = "metric", column_name: str = "comparison"
) -> pd.DataFrame:
    """One line per ``(row, column)`` cell with all fields of its :class:`Estimate`.

    Parameters
    ----------
    rows : mapping
        ``rows[row][column]`` is an :class:`Estimate`; order is kept.
    row_name, column_name : str, keyword-only
        Names of the two key columns.

    Returns
    -------
    pandas.DataFrame
        Columns ``[row_name, column_name, value, ci_low, ci_high, n, n_reference, ci_method, note]``.

    Examples
    --------
    >>> from gan_lib.metrics.bootstrap import bootstrap_mean
    >>> import numpy as np
    >>> tidy_table({"MSE": {"generated": bootstrap_mean(np.zeros(3))}})[["metric", "comparison", "value", "n"]]
      metric comparison  value  n
    0    MSE  generated    0.0  3
    """
    records = []
    for row, cells in rows.items():
        for column, estimate in cells.items():
            if not isinstance(estimate, Estimate):
                raise TypeError(f"rows[{row!r}][{column!r}] must be an Estimate; got {type(estimate).__name__}.")
            records.append({row_name: row, column_name: column, **dataclasses.asdict(estimate)})
    if not records:
        raise ValueError("tidy_table: rows holds no estimates.")
    frame = pd.DataFrame.from_records(records, columns=[row_name, column_name, *_FIELDS])
    return frame.astype({"n_reference": "Int64"})


def display_table(
    tidy: pd.DataFrame,
    *,
    row_name: str = "metric",
    column_name: str = "comparison",
    headers: Mapping[str, str] | None = None,
    digits: int = 4,
) -> pd.DataFrame:
    """Rows × columns of formatted cells (value, 95 % CI, n) from a :func:`tidy_table` frame.

    Parameters
    ----------
    tidy : pandas.DataFrame
        Output of :func:`tidy_table` (or the CSV read back).
    row_name, column_name : str, keyword-only
        As given to :func:`tidy_table`.
    headers : mapping, optional, keyword-only
        Column key → header text (e.g. :data:`TABLE1_COLUMNS`); also fixes the column order.
    digits : int, keyword-only
        Significant digits.

    Returns
    -------
    pandas.DataFrame
        Strings; empty cells are ``"—"``.
    """

    def cell(line: pd.Series) -> str:
        fields = {k: line[k] for k in _FIELDS}
        fields["n_reference"] = None if pd.isna(fields["n_reference"]) else int(fields["n_reference"])
        fields["note"] = "" if pd.isna(fields["note"]) else fields["note"]
        fields["ci_method"] = "" if pd.isna(fields["ci_method"]) else fields["ci_method"]
        return Estimate(**fields).format(digits)

    formatted = tidy.assign(cell=tidy.apply(cell, axis=1))
    wide = formatted.pivot(index=row_name, columns=column_name, values="cell")
    wide = wide.reindex(index=list(dict.fromkeys(tidy[row_name])))
    order = list(headers) if headers else list(dict.fromkeys(tidy[column_name]))
    wide = wide.reindex(columns=[c for c in order if c in wide.columns]).fillna("—")
    if headers:
        wide = wide.rename(columns=dict(headers))
    wide.columns.name = None
    return wide


def write_table(
    tidy: pd.DataFrame,
    display: pd.DataFrame,
    stem: str | Path,
    *,
    caption: str,
    label: str,
) -> tuple[Path, Path]:
    """Write ``<stem>.csv`` (tidy) and ``<stem>.tex`` (display) atomically.

    Parameters
    ----------
    tidy, display : pandas.DataFrame
        From :func:`tidy_table` and :func:`display_table`.
    stem : path
        Target without suffix, e.g. ``runs/quick/tables/table1_metrics``.
    caption, label : str, keyword-only
        LaTeX caption and ``\\label``.

    Returns
    -------
    (Path, Path)
        The CSV and LaTeX files.
    """
    stem = Path(stem)
    csv_path, tex_path = stem.with_suffix(".csv"), stem.with_suffix(".tex")
    with atomic_path(csv_path) as tmp:
        tidy.to_csv(tmp, index=False)
    latex = display.to_latex(
        caption=caption, label=label, escape=True, column_format="l" + "p{3.6cm}" * len(display.columns)
    )
    atomic_write_text(tex_path, latex)
    return csv_path, tex_path
