"""Tests for gan_lib.texture: Sobel edges, masked GLCM features and distribution comparisons."""

import numpy as np
import pandas as pd
import pytest

from gan_lib.texture import (
    compare_distributions,
    edge_density,
    edge_feature_table,
    glcm_feature_table,
    glcm_properties,
    quantise,
    sobel_magnitude,
    texture_shift,
    texture_statistics,
    tissue_mask,
)


def _checkerboard(a: int, b: int, size: int = 16) -> np.ndarray:
    rows, cols = np.indices((size, size))
    return np.where((rows + cols) % 2 == 0, a, b).astype(np.uint8)


def test_glcm_checkerboard_known_values():
    props = glcm_properties(_checkerboard(1, 3), levels=4, distances=(1, 2), angles=(0.0,))
    np.testing.assert_allclose(props["contrast"], [4.0, 0.0])
    np.testing.assert_allclose(props["dissimilarity"], [2.0, 0.0])
    np.testing.assert_allclose(props["homogeneity"], [1 / 5, 1.0])
    np.testing.assert_allclose(props["ASM"], [0.5, 0.5])
    np.testing.assert_allclose(props["energy"], [np.sqrt(0.5), np.sqrt(0.5)])
    np.testing.assert_allclose(props["correlation"], [-1.0, 1.0])


def test_glcm_checkerboard_diagonal_has_no_contrast():
    props = glcm_properties(_checkerboard(1, 3), levels=4, distances=(1,), angles=(np.pi / 4,))
    np.testing.assert_allclose(props["contrast"], [0.0])


def test_glcm_stripes_averaged_over_four_angles():
    stripes = np.tile(np.array([1, 3], np.uint8), (16, 8))  # vertical stripes
    props = glcm_properties(stripes, levels=4, distances=(1,))
    # 0 and the two diagonals cross the stripes (contrast 4), pi/2 runs along them (0).
    np.testing.assert_allclose(props["contrast"], [3.0])


def test_glcm_excludes_background_level():
    image = _checkerboard(1, 3)
    image[:, :8] = 0  # left half is background
    props = glcm_properties(image, levels=4, distances=(1,), angles=(0.0,))
    np.testing.assert_allclose(props["contrast"], [4.0])


def test_glcm_properties_returns_none_without_tissue_pairs():
    assert glcm_properties(np.zeros((8, 8), np.uint8), levels=4, distances=(1,)) is None


def test_glcm_properties_rejects_float_image():
    with pytest.raises(ValueError, match="integer"):
        glcm_properties(np.zeros((8, 8)), levels=4)


def test_quantise_reserves_zero_for_background():
    images = np.array([[[-1.0, -0.95, -0.5, 1.0]]], np.float32)
    np.testing.assert_array_equal(quantise(images, levels=32), [[[0, 0, 8, 31]]])


def test_glcm_feature_table_skips_images_with_little_tissue():
    rng = np.random.default_rng(0)
    images = rng.uniform(-0.5, 0.5, (3, 16, 16)).astype(np.float32)
    images[1] = -1.0
    table = glcm_feature_table(images, distances=(1, 2))
    assert list(table["image_index"]) == [0, 2] and table.attrs["n_skipped"] == 1
    assert "correlation_d2" in table.columns and len(table.columns) == 1 + 6 * 2


def test_sobel_magnitude_zero_on_flat_and_high_on_edges():
    images = np.full((2, 16, 16), -0.5, np.float32)
    images[1, :, 8:] = 0.5
    magnitudes = sobel_magnitude(images)
    assert magnitudes[0].max() == 0.0 and magnitudes[1][:, 7:9].min() > 0.1


def test_edge_density_counts_only_masked_pixels():
    magnitudes = np.array([[[0.0, 1.0], [1.0, 1.0]]])
    mask = np.array([[[True, True], [False, False]]])
    np.testing.assert_allclose(edge_density(magnitudes, threshold=0.5, mask=mask), [0.5])


def test_edge_feature_table_has_one_row_per_tissue_image():
    images = np.random.default_rng(1).uniform(-0.5, 0.5, (4, 16, 16)).astype(np.float32)
    table = edge_feature_table(images, threshold=0.05)
    assert len(table) == 4 and table["edge_density"].between(0, 1).all()


def test_tissue_mask_thresholds_background():
    assert tissue_mask(np.array([[[-1.0, -0.5]]], np.float32)).tolist() == [[[False, True]]]


def test_compare_distributions_same_and_shifted():
    rng = np.random.default_rng(2)
    reference = pd.DataFrame({"f": rng.normal(size=500)})
    same = compare_distributions(pd.DataFrame({"f": rng.normal(size=500)}), reference).iloc[0]
    shifted = compare_distributions(pd.DataFrame({"f": rng.normal(size=500) + 1.0}), reference).iloc[0]
    assert same.ks_pvalue > 0.01 and shifted.ks_pvalue < 1e-6
    assert shifted.wasserstein == pytest.approx(1.0, abs=0.15) and shifted.wasserstein_rel == pytest.approx(
        1.0, abs=0.2
    )


def test_compare_distributions_rejects_missing_feature():
    with pytest.raises(ValueError, match="lacks"):
        compare_distributions(pd.DataFrame({"g": [1.0]}), pd.DataFrame({"f": [1.0]}))


def test_texture_statistics_stacks_comparisons_against_reference():
    tables = {
        name: pd.DataFrame({"image_index": range(5), "f": np.random.default_rng(k).normal(size=5)})
        for k, name in enumerate(["generated", "heldout", "train"])
    }
    stats = texture_statistics(tables)
    assert list(stats["comparison"]) == ["generated vs train", "heldout vs train"]


def test_texture_shift_is_the_shift_in_reference_standard_deviations():
    rng = np.random.default_rng(0)
    reference = pd.DataFrame(
        {"image_index": range(2000), "contrast": rng.normal(0, 2, 2000), "energy": rng.normal(5, 1, 2000)}
    )
    moved = pd.DataFrame(
        {"image_index": range(1500), "contrast": rng.normal(1, 2, 1500), "energy": rng.normal(5.5, 1, 1500)}
    )
    shift = texture_shift(moved, reference, n_resamples=100)
    # Half a standard deviation in each feature: W1 of two equal-width normals is the distance of their means.
    assert shift.value == pytest.approx(0.5, abs=0.06) and shift.ci_low < shift.value < shift.ci_high
    assert (shift.n, shift.n_reference) == (1500, 2000)
    assert texture_shift(reference, reference, n_resamples=20).value == 0.0


def test_texture_shift_leaves_out_a_feature_constant_in_the_reference_and_matches_compare_distributions():
    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"contrast": rng.normal(0, 1, 50), "energy": np.ones(50)})
    features = pd.DataFrame({"contrast": rng.normal(2, 1, 40), "energy": np.full(40, 3.0)})
    expected = compare_distributions(features, reference)["wasserstein_rel"].mean()  # NaN rows skipped
    assert texture_shift(features, reference, n_resamples=20).value == pytest.approx(expected)


def test_texture_shift_of_fewer_than_two_images_is_not_computed():
    table = pd.DataFrame({"contrast": [1.0, 2.0]})
    assert not texture_shift(table.iloc[:1], table, n_resamples=10).computed
