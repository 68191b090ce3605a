"""Label fidelity: shares, intervals and their reference meaning on a classifier with a known rule."""

import numpy as np
import pytest
import torch
from torch import nn

from gan_lib.experiments.fidelity import label_fidelity


class MeanBrightness(nn.Module):
    """P(class 1) = sigmoid(100 * mean intensity): bright images are 'positive'."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 100.0 * x.mean(dim=(1, 2, 3)).unsqueeze(1)


def images(n: int, mean: float, seed: int = 0) -> np.ndarray:
    return np.clip(np.random.default_rng(seed).normal(mean, 0.01, (n, 8, 8)), -1, 1).astype(np.float32)


def test_label_fidelity_counts_images_assigned_to_their_intended_class():
    sources = {
        "faithful": {0: images(40, -0.5), 1: images(40, 0.5)},
        # 30 of 40 "positives" are dark, i.e. look negative: share 10/40.
        "label noise": {0: images(20, -0.5), 1: np.concatenate([images(30, -0.5), images(10, 0.5)])},
    }
    table = label_fidelity(MeanBrightness(), sources)
    assert list(table["source"]) == ["faithful", "faithful", "label noise", "label noise"]
    faithful = table[table.source == "faithful"]
    assert (faithful["share"] == 1.0).all() and (faithful["n"] == 40).all()
    noisy_positive = table[(table.source == "label noise") & (table.label == 1)].iloc[0]
    assert noisy_positive["n_assigned"] == 10 and noisy_positive["share"] == 0.25
    # Wilson 95 % interval of 10/40 (hand-checked: 0.142 to 0.402).
    assert noisy_positive["share_ci_low"] == pytest.approx(0.1419, abs=1e-3)
    assert noisy_positive["share_ci_high"] == pytest.approx(0.4019, abs=1e-3)
    assert 0 <= noisy_positive["mean_probability"] <= 0.3


def test_label_fidelity_refuses_bad_labels_empty_sets_and_thresholds():
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        label_fidelity(MeanBrightness(), {"x": {2: images(3, 0.0)}})
    with pytest.raises(ValueError, match="no images of class 1"):
        label_fidelity(MeanBrightness(), {"x": {1: images(0, 0.0)}})
    with pytest.raises(ValueError, match="threshold"):
        label_fidelity(MeanBrightness(), {"x": {1: images(3, 0.0)}}, threshold=1.0)
