"""RQ1 on tiny synthetic sets: set construction and the table's rows, columns and named feature spaces."""

import numpy as np
import pytest

from gan_lib.experiments.features import random_projection_features
from gan_lib.experiments.rq1 import RQ1_SETS, feature_spread, rq1_sets, rq1_table
from gan_lib.texture import glcm_feature_table, texture_shift


def _draw(n, seed):
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(0.0, 0.3, (n, 32, 32)), -0.95, 0.95).astype(np.float32)


def test_rq1_sets_have_requested_size_and_mix_half_half():
    train, generated = _draw(20, 0), _draw(30, 1)
    sets = rq1_sets(train, generated, test=_draw(15, 2), n=12, seed=0)
    assert list(sets) == list(RQ1_SETS)
    assert all(len(v) == 12 for v in sets.values())
    mixed = sets["traditional + GAN"]
    assert sum(any(np.array_equal(m, g) for g in generated) for m in mixed) == 6


def test_rq1_table_lists_every_metric_for_every_set():
    sets = rq1_sets(_draw(20, 0), _draw(20, 1), test=None, n=10, seed=0)
    table = rq1_table(
        sets,
        _draw(12, 3),
        features=lambda x: random_projection_features(x, size=8, dim=16),
        feature_space="randproj-8px-16d",
        n_resamples=20,
        n_costly_bootstrap=0,
        swd_descriptors=8,
        diversity_pairs=20,
    )
    assert set(table["set"]) == set(sets)
    assert table.groupby("metric").size().eq(len(sets)).all()
    fid_rows = table[table["metric"] == "FID vs held-out"]
    assert fid_rows["value"].isna().all() and fid_rows["note"].str.contains("Inception").all()
    assert (table.loc[table["metric"].str.startswith("KID"), "feature_space"] == "randproj-8px-16d").all()
    assert {"spectral-reader AUC vs held-out", "blur-equivalent sigma of held-out [px], from fine band"} <= set(
        table["metric"]
    )


def test_feature_spread_is_zero_for_identical_vectors_and_grows_with_scale():
    same = feature_spread(np.ones((5, 3)), max_pairs=50, n_resamples=20)
    assert same.value == 0
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4))
    assert feature_spread(3 * x, max_pairs=200, n_resamples=20).value == pytest.approx(
        3 * feature_spread(x, max_pairs=200, n_resamples=20).value
    )


def test_glcm_texture_shift_is_smaller_for_same_distribution():
    reference = glcm_feature_table(_draw(30, 0))
    same = texture_shift(glcm_feature_table(_draw(30, 1)), reference, n_resamples=20)
    smooth = np.clip(_draw(30, 2) * 0.2, -1, 1)
    other = texture_shift(glcm_feature_table(smooth), reference, n_resamples=20)
    assert same.value < other.value
