"""Tests for gan_lib.metrics.table: tidy and display tables, CSV and LaTeX."""

import numpy as np
import pandas as pd
import pytest

from gan_lib.metrics.bootstrap import Estimate, not_computed
from gan_lib.metrics.table import TABLE1_COLUMNS, display_table, tidy_table, write_table

ROWS = {
    "MSE": {"generated": Estimate(0.1, 0.09, 0.11, 256, 768), "heldout": Estimate(0.05, 0.04, 0.06, 256, 768)},
    "FID": {"generated": not_computed("FID weights missing"), "heldout": not_computed("FID weights missing")},
}


def test_tidy_table_one_line_per_cell():
    tidy = tidy_table(ROWS)
    assert len(tidy) == 4 and list(tidy["metric"].unique()) == ["MSE", "FID"]
    assert tidy.loc[0, "n_reference"] == 768


def test_tidy_table_rejects_non_estimates():
    with pytest.raises(TypeError, match="Estimate"):
        tidy_table({"MSE": {"generated": 0.1}})


def test_display_table_orders_columns_and_shows_notes():
    wide = display_table(tidy_table(ROWS), headers=TABLE1_COLUMNS)
    assert list(wide.columns) == [TABLE1_COLUMNS["generated"], TABLE1_COLUMNS["heldout"]]
    assert wide.loc["MSE", TABLE1_COLUMNS["generated"]] == "0.1 [0.09, 0.11] (n=256 vs 768)"
    assert wide.loc["FID", TABLE1_COLUMNS["heldout"]] == "not computed: FID weights missing"


def test_write_table_round_trips_csv(tmp_path):
    tidy = tidy_table(ROWS)
    csv_path, tex_path = write_table(tidy, display_table(tidy), tmp_path / "t1", caption="c", label="tab:x")
    back = pd.read_csv(csv_path)
    np.testing.assert_allclose(back["value"].to_numpy(), tidy["value"].to_numpy())
    assert "\\begin{table}" in tex_path.read_text() and "tab:x" in tex_path.read_text()
    assert display_table(back).loc["MSE", "generated"] == "0.1 [0.09, 0.11] (n=256 vs 768)"
