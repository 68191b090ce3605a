"""Tests for gan_lib.evaluation.table2: Table 2 (denoising) on small synthetic sets."""

import pytest
from evaluation_support import CONFIG, small_sets

from gan_lib import evaluation


@pytest.fixture(scope="module")
def sets() -> evaluation.EvaluationSets:
    return small_sets()


def test_compare_denoisers_rows_and_arrays(sets):
    table, denoised = evaluation.compare_denoisers(sets.generated, sets, CONFIG, methods=("gaussian", "median"))
    assert set(denoised) == {"gaussian", "median"} and denoised["median"].shape == sets.generated.shape
    assert list(dict.fromkeys(table["method"])) == ["generated", "gaussian", "median", "heldout", "train"]
    sigma = table[table["metric"] == "noise sigma [0-1]"].set_index("method")["value"]
    assert sigma["gaussian"] < sigma["generated"]


def test_compare_denoisers_marks_fid_not_computed_and_says_why(sets):
    table, _ = evaluation.compare_denoisers(
        sets.generated, sets, CONFIG, methods=("gaussian",), inception_missing="weights gone"
    )
    fid = table[table["metric"] == evaluation.FEATURE_ROWS["FID"]].set_index("method")["note"]
    assert list(fid.index) == ["generated", "gaussian", "heldout"]  # train has no FID against itself
    assert set(fid) == {"not computed: weights gone"}


def test_compare_denoisers_rejects_params_for_unlisted_method(sets):
    with pytest.raises(ValueError, match="not in methods"):
        evaluation.compare_denoisers(sets.generated, sets, CONFIG, methods=("gaussian",), params={"median": {}})
