"""Tests for gan_lib.evaluation.texture_stats: texture features of every set and their shift from train."""

from evaluation_support import CONFIG, small_sets

from gan_lib import evaluation


def test_texture_comparison_compares_every_set_with_train():
    features, stats, threshold = evaluation.texture_comparison(small_sets(), CONFIG)
    assert set(features) == {"generated", "heldout", "train"} and threshold > 0
    assert set(stats["comparison"]) == {"generated vs train", "heldout vs train"}
    assert {"contrast_d1", "edge_density", "sobel_mean"} <= set(stats["feature"])
