"""Lesion insertion: known answers for contrast, position, support, clipping and labels."""

import numpy as np
import pytest

from gan_lib.experiments.labelled import insert_lesions
from gan_lib.experiments.lesions import (
    LesionSpec,
    calcification_cluster_profile,
    gaussian_mass_profile,
    insert_lesion,
    lesion_profile,
    random_lesion_spec,
    spiculated_mass_profile,
)


def test_gaussian_mass_profile_is_one_at_centre_and_zero_outside_support():
    p = gaussian_mass_profile((33, 33), center=(16, 16), radius=6)
    rows, cols = np.mgrid[:33, :33]
    outside = (rows - 16) ** 2 + (cols - 16) ** 2 >= 36
    assert p[16, 16] == pytest.approx(1.0)
    assert np.all(p[outside] == 0)
    assert np.all(p[~outside] > 0)


def test_gaussian_mass_profile_follows_the_gaussian_at_one_sigma():
    p = gaussian_mass_profile((33, 33), center=(16, 16), radius=6)  # sigma = 2
    edge = np.exp(-4.5)
    assert p[16, 18] == pytest.approx((np.exp(-0.5) - edge) / (1 - edge))


@pytest.mark.parametrize("kind", ["gaussian", "spiculated", "calcifications"])
def test_insert_lesion_adds_contrast_at_profile_peak(kind):
    patch = np.full((32, 32), -0.2, dtype=np.float32)
    spec = LesionSpec(kind, center=(12.0, 20.0), radius=5.0, contrast=0.4, seed=3)
    out = insert_lesion(patch, spec)
    diff = out - patch
    assert diff.max() == pytest.approx(0.4, abs=1e-6)
    if kind != "calcifications":  # masses peak at their centre
        assert diff[12, 20] == pytest.approx(0.4, abs=1e-6)
        assert np.unravel_index(np.argmax(diff), diff.shape) == (12, 20)


@pytest.mark.parametrize("kind", ["gaussian", "spiculated", "calcifications"])
def test_insert_lesion_leaves_pixels_outside_support_unchanged(kind):
    rng = np.random.default_rng(0)
    patch = rng.uniform(-0.9, 0.5, (40, 40)).astype(np.float32)
    spec = LesionSpec(kind, center=(20.0, 20.0), radius=4.0, contrast=0.3, seed=1)
    out = insert_lesion(patch, spec)
    rows, cols = np.mgrid[:40, :40]
    reach = 4.0 * 2.5 + 1.0 if kind == "spiculated" else 4.0 + 1.5
    far = np.hypot(rows - 20, cols - 20) > reach
    np.testing.assert_array_equal(out[far], patch[far])
    assert np.all(lesion_profile((40, 40), spec)[far] == 0)


def test_insert_lesion_clips_to_model_range():
    patch = np.full((16, 16), 0.9, dtype=np.float32)
    out = insert_lesion(patch, LesionSpec("gaussian", center=(8, 8), radius=4, contrast=0.5))
    assert out.max() == 1.0 and out.min() >= -1.0
    assert out.dtype == np.float32


def test_insert_lesion_rejects_a_stack():
    with pytest.raises(ValueError, match="one \\(H, W\\) image"):
        insert_lesion(np.zeros((2, 8, 8)), LesionSpec("gaussian", center=(4, 4), radius=2, contrast=0.1))


def test_lesion_profile_rejects_unknown_kind():
    with pytest.raises(ValueError, match="lesion kind"):
        lesion_profile((8, 8), LesionSpec("cyst", center=(4, 4), radius=2, contrast=0.1))


def test_spiculated_mass_has_more_support_than_its_core():
    core = gaussian_mass_profile((48, 48), center=(24, 24), radius=5)
    spic = spiculated_mass_profile((48, 48), center=(24, 24), radius=5, seed=0)
    assert np.count_nonzero(spic) > np.count_nonzero(core)
    assert np.all(spic >= core)


def test_calcification_cluster_has_separate_specks_within_cluster_disc():
    p = calcification_cluster_profile((64, 64), center=(32, 32), radius=8, n_specks=6, speck_radius=(1.0, 1.5), seed=2)
    from scipy import ndimage

    n_blobs = ndimage.label(p > 0)[1]
    assert 2 <= n_blobs <= 6
    rows, cols = np.nonzero(p)
    assert np.hypot(rows - 32, cols - 32).max() <= 8 + 1.5 + 0.5


def test_random_lesion_spec_stays_inside_the_central_region():
    rng = np.random.default_rng(0)
    specs = [random_lesion_spec((32, 32), rng) for _ in range(50)]
    assert {s.kind for s in specs} == {"gaussian", "spiculated", "calcifications"}
    assert all(8 <= s.center[0] <= 24 and 8 <= s.center[1] <= 24 for s in specs)


def test_insert_lesions_labels_match_changed_images():
    rng = np.random.default_rng(0)
    images = rng.uniform(-0.8, 0.4, (20, 24, 24)).astype(np.float32)
    out, labels, info = insert_lesions(images, seed=1, contrast=0.3, positive_fraction=0.5)
    changed = np.any(out != images, axis=(1, 2))
    np.testing.assert_array_equal(changed, labels.astype(bool))
    assert labels.sum() == 10
    assert list(info["label"]) == list(labels)
    assert info.loc[labels == 1, "kind"].notna().all()
