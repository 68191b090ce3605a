"""Small CNN classifier: learns an easy lesion task; metrics and intervals are correct."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from gan_lib.experiments.classifier import (
    ClassifierConfig,
    _batched_metrics,
    evaluate_predictions,
    predict_proba,
    sensitivity_at_specificity,
    small_cnn,
    train_classifier,
)
from gan_lib.experiments.labelled import insert_lesions


def _task(n, seed):
    rng = np.random.default_rng(seed)
    background = np.clip(rng.normal(-0.3, 0.1, (n, 24, 24)), -1, 1).astype(np.float32)
    return insert_lesions(background, seed=seed, kinds=("gaussian",), contrast=0.8, radius_fraction=(0.2, 0.25))[:2]


def test_train_classifier_learns_high_contrast_lesions():
    x_train, y_train = _task(96, 0)
    x_test, y_test = _task(64, 1)
    model = train_classifier(x_train, y_train, config=ClassifierConfig(width=8, epochs=8), seed=0)
    assert roc_auc_score(y_test, predict_proba(model, x_test)) > 0.9


def test_small_cnn_outputs_one_logit_per_image():
    import torch

    assert small_cnn(width=4)(torch.zeros(3, 1, 32, 32)).shape == (3,)


def test_train_classifier_rejects_a_single_class():
    with pytest.raises(ValueError, match="only one class"):
        train_classifier(np.zeros((4, 16, 16), np.float32), np.zeros(4, int))


def test_train_classifier_rejects_bad_labels():
    with pytest.raises(ValueError, match="labels must be 0"):
        train_classifier(np.zeros((4, 16, 16), np.float32), np.array([0, 1, 2, 1]))


def test_sensitivity_at_specificity_reads_the_roc_operating_point():
    labels = np.array([0] * 10 + [1] * 4)
    scores = np.r_[np.linspace(0, 0.9, 10), [0.95, 0.85, 0.5, 0.1]]
    # One false positive allowed at 90 % specificity: threshold just above the second-largest negative (0.8).
    assert sensitivity_at_specificity(labels, scores, specificity=0.9) == pytest.approx(0.5)


def test_batched_metrics_match_sklearn_with_ties():
    rng = np.random.default_rng(0)
    for _ in range(50):
        labels = np.r_[0, 1, rng.integers(0, 2, 20)]
        scores = np.round(rng.random(22), 1)
        m = _batched_metrics(scores[labels == 1][None], scores[labels == 0][None], 0.8)
        assert m["auc"][0] == pytest.approx(roc_auc_score(labels, scores))
        assert m["sensitivity_at_spec"][0] == pytest.approx(sensitivity_at_specificity(labels, scores, specificity=0.8))


def test_evaluate_predictions_interval_brackets_the_estimate():
    rng = np.random.default_rng(1)
    labels = np.r_[np.zeros(40), np.ones(40)].astype(int)
    scores = np.clip(labels * 0.3 + rng.normal(0.35, 0.2, 80), 0, 1)
    out = evaluate_predictions(labels, scores, n_bootstrap=300)
    for key in ("auc", "balanced_accuracy", "sensitivity_at_spec"):
        assert out[f"{key}_ci_low"] <= out[key] <= out[f"{key}_ci_high"]
    assert out["n_test"] == 80 and out["n_test_positive"] == 40


def test_evaluate_predictions_needs_both_classes():
    with pytest.raises(ValueError, match="only one class"):
        evaluate_predictions(np.ones(5, int), np.linspace(0, 1, 5))
