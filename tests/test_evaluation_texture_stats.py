"""Tests for gan_lib.evaluation.texture_stats: texture features of every set and their shift from train."""
import numpy as np
import pandas as pd
import pytest
from evaluation_support import CONFIG, small_sets

from gan_lib import evaluation


def test_texture_comparison_compares_every_set_with_train():
    features, stats, threshold = evaluation.texture_comparison(small_sets(), CONFIG)
    assert set(features) == {"generated", "heldout", "train"} and threshold > 0
    assert set(stats["comparison"]) == {"generated vs train", "heldout vs train"}
    assert {"contrast_d1", "edge_density", "sobel_mean"} <= set(stats["feature"])


def test_feature_shift_zero_for_identical_tables():
    table = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) ** 2})
    assert evaluation.feature_shift(table, table, ["a", "b"], n_resamples=20).value == 0.0


def test_feature_shift_is_in_reference_standard_deviations():
    reference = pd.DataFrame({"a": np.arange(10.0)})
    shifted = reference + 2 * reference["a"].std(ddof=1)
    assert evaluation.feature_shift(shifted, reference, ["a"], n_resamples=20).value == pytest.approx(2.0)


def test_feature_shift_refuses_a_table_of_one_row():
    table = pd.DataFrame({"a": np.arange(10.0)})
    with pytest.raises(ValueError, match=">= 2 rows"):
        evaluation.feature_shift(table.iloc[:1], table, ["a"])
