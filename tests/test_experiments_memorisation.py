"""Memorisation audit: copies are flagged and separable; independent samples are not."""

import numpy as np
import pytest

from gan_lib.experiments.features import pixel_features, random_projection_features
from gan_lib.experiments.memorisation import closest_pairs, memorisation_audit, nearest_distances


@pytest.fixture
def sets():
    rng = np.random.default_rng(0)
    draw = lambda n: np.clip(rng.normal(0, 0.3, (n, 16, 16)), -1, 1).astype(np.float32)  # noqa: E731
    return {"train": draw(80), "heldout": draw(80), "fresh": draw(120)}


def test_memorisation_audit_flags_exact_copies(sets):
    copies = sets["train"][:40]
    result = memorisation_audit(
        pixel_features(copies), pixel_features(sets["train"]), pixel_features(sets["heldout"]), n_bootstrap=200
    )
    assert result.flagged.all()
    assert result.summary["near_copy_fraction"] == 1.0
    assert result.summary["dcr_auc"] == pytest.approx(1.0)
    assert result.summary["mia_auc"] > 0.7  # the 40 copied members sit at distance 0 from the samples
    assert result.summary["near_copy_p_value"] < 1e-10


def test_memorisation_audit_does_not_flag_independent_noise(sets):
    result = memorisation_audit(
        pixel_features(sets["fresh"]), pixel_features(sets["train"]), pixel_features(sets["heldout"]), n_bootstrap=200
    )
    s = result.summary
    assert s["near_copy_fraction"] < 0.15
    assert s["dcr_auc_ci_low"] < 0.5 < s["dcr_auc_ci_high"] or abs(s["dcr_auc"] - 0.5) < 0.1
    assert abs(s["mia_auc"] - 0.5) < 0.12


def test_memorisation_audit_needs_heldout_images(sets):
    f = pixel_features(sets["train"])
    with pytest.raises(ValueError, match="at least 5 held-out"):
        memorisation_audit(f, f, f[:3])


def test_closest_pairs_are_sorted_by_distance(sets):
    gen = np.concatenate([sets["fresh"][:10], sets["train"][3:4]])
    result = memorisation_audit(
        pixel_features(gen), pixel_features(sets["train"]), pixel_features(sets["heldout"]), n_bootstrap=0
    )
    pairs = closest_pairs(result, k=3)
    assert pairs.loc[0, "generated_index"] == 10 and pairs.loc[0, "train_index"] == 3
    assert pairs.loc[0, "dcr"] == pytest.approx(0, abs=1e-6) and pairs["dcr"].is_monotonic_increasing


def test_nearest_distances_rejects_mismatched_dimensions():
    with pytest.raises(ValueError, match="same D"):
        nearest_distances(np.zeros((2, 3)), np.zeros((2, 4)))


def test_pixel_features_distance_is_rms_per_pixel():
    a = np.zeros((2, 8, 8), np.float32)
    a[1] += 0.25
    f = pixel_features(a)
    assert np.linalg.norm(f[0] - f[1]) == pytest.approx(0.25)


def test_random_projection_features_is_a_fixed_space():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (5, 32, 32)).astype(np.float32)
    np.testing.assert_array_equal(random_projection_features(x, seed=1), random_projection_features(x, seed=1))
    np.testing.assert_allclose(random_projection_features(x[:2], seed=1), random_projection_features(x, seed=1)[:2])
    assert random_projection_features(x, size=8, dim=16).shape == (5, 16)


def test_training_views_catch_a_mirrored_copy(sets):
    from gan_lib.experiments.memorisation import training_views

    views, source = training_views(sets["train"])
    mirrored = sets["train"][5][:, ::-1][None]
    result = memorisation_audit(
        pixel_features(mirrored), pixel_features(views), pixel_features(sets["heldout"]), n_bootstrap=0
    )
    assert result.flagged[0] and source[result.nearest_train_of_generated[0]] == 5


def test_memorisation_table_has_the_documented_columns(sets):
    from gan_lib.experiments.memorisation import MEMORISATION_COLUMNS, memorisation_table

    f = pixel_features
    result = memorisation_audit(
        f(sets["fresh"]), f(sets["train"]), f(sets["heldout"]), test=f(sets["fresh"][:10]), n_bootstrap=0
    )
    table = memorisation_table([result], run="quick")
    assert tuple(table.columns) == MEMORISATION_COLUMNS and table.loc[0, "run"] == "quick"
    assert table.loc[0, "n_test"] == 10
