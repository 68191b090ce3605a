"""Tests for gan_lib.evaluation.writers and memorisation_lines: the files under runs/<name>/, Table 1's audit lines."""

import json

import numpy as np
import pandas as pd
import pytest
from evaluation_support import CONFIG, small_sets, write_memorisation_csv

from gan_lib import evaluation
from gan_lib.config import run_dir


@pytest.fixture(scope="module")
def table1() -> pd.DataFrame:
    return evaluation.metrics_table(small_sets(), CONFIG, inception_missing="FID weights missing")


def test_save_table1_writes_csv_and_tex(table1):
    paths = evaluation.save_table1("unit-test-run", table1)
    assert [p.name for p in paths] == ["table1_metrics.csv", "table1_metrics.tex"]
    assert all(p.parent == run_dir("unit-test-run") / "tables" for p in paths)
    assert "95\\% CI" in paths[1].read_text()  # an unescaped % would comment out the rest of the caption
    assert "training recipe" not in paths[1].read_text()  # no config.json: no recipe to name


def test_save_table1_names_the_runs_recipe_in_the_caption(table1):
    config = run_dir("unit-test-recipe") / "config.json"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps({"train": {"recipe": "project", "upsample": "nearest", "ema_kimg": 0.0}}))
    tex = evaluation.save_table1("unit-test-recipe", table1)[1].read_text()
    assert "training recipe: project (ema\\_kimg=0.0)" in tex


def test_memorisation_rows_are_three_generated_lines_per_space():
    audit = write_memorisation_csv("unit-test-memo-rows")
    lines = evaluation.memorisation_rows(audit)
    assert len(lines) == 3 and set(lines["comparison"]) == {"generated"}
    assert lines["metric"].str.startswith(evaluation.MEMORISATION_PREFIX).all()
    assert lines["metric"].str.endswith("(pixel)").all()


def test_save_table1_adds_memorisation_lines_when_audit_exists(table1):
    audit = write_memorisation_csv("unit-test-memo-late")
    evaluation.save_table1("unit-test-memo-late", table1)
    written = pd.read_csv(run_dir("unit-test-memo-late") / "tables" / "table1_metrics.csv")
    lines = written[written["metric"].str.startswith(evaluation.MEMORISATION_PREFIX)]
    assert len(lines) == 3 and set(lines["comparison"]) == {"generated"}
    fraction = lines[lines["metric"].str.contains("near-copy")].iloc[0]
    assert fraction["value"] == pytest.approx(audit["near_copy_fraction"].iloc[0])
    assert fraction["n"] == 20 and fraction["n_reference"] == 30
    assert len(written) == len(table1) + 3


def test_add_memorisation_to_table1_rewrites_existing_table_once(table1):
    evaluation.save_table1("unit-test-memo-early", table1)  # Table 1 first (notebook 04), audit later (09)
    write_memorisation_csv("unit-test-memo-early")
    for _ in range(2):  # re-running notebook 09 replaces its lines instead of appending them again
        csv_path, tex_path = evaluation.add_memorisation_to_table1("unit-test-memo-early")
    written = pd.read_csv(csv_path)
    assert written["metric"].str.startswith(evaluation.MEMORISATION_PREFIX).sum() == 3
    assert "membership-inference AUC (pixel)" in tex_path.read_text()


def test_add_memorisation_to_table1_without_table1_returns_none():
    assert evaluation.add_memorisation_to_table1("unit-test-memo-no-table1") is None


def test_save_arrays_writes_each_array_under_eval():
    arrays = {"denoised_gaussian": np.zeros((2, 4, 4), np.float32), "denoised_median": np.ones((1, 4, 4), np.float32)}
    paths = evaluation.save_arrays("unit-test-arrays", arrays)
    assert [p.name for p in paths] == ["denoised_gaussian.npy", "denoised_median.npy"]
    for path, array in zip(paths, arrays.values()):
        assert path.parent == run_dir("unit-test-arrays") / "eval"
        np.testing.assert_array_equal(np.load(path), array)


def test_save_texture_stats_writes_the_csv():
    stats = pd.DataFrame({"feature": ["contrast_d1"], "comparison": ["generated vs train"], "ks_statistic": [0.5]})
    path = evaluation.save_texture_stats("unit-test-texture", stats)
    assert path == run_dir("unit-test-texture") / "tables" / "texture_stats.csv"
    pd.testing.assert_frame_equal(pd.read_csv(path), stats)
