"""Label fidelity: does a generated image carry the class it was generated for?

A class-specific generator only helps a classifier when its "positive" samples
show the finding and its "negatives" do not; otherwise the synthetic images
add label noise.  :func:`label_fidelity` measures this with a classifier
trained on *real* images alone: the share of each source's images of class
``c`` that it assigns to ``c`` (probability >= ``threshold``, 0.5 for the RQ2
classifier, whose loss weights the classes equally), with a Wilson interval.
The same share for real images the classifier never saw (the training
patient's held-out view, another patient) is the reference: a generator whose
samples carry their label as well as real images do scores like them; one
whose positives are smooth tissue scores like a coin with the classifier's
bias.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
from torch import nn

from ..metrics.stats import estimate_columns, proportion_estimate
from .classifier import predict_proba

__all__ = ["label_fidelity"]


def label_fidelity(
    classifier: nn.Module,
    sources: Mapping[str, Mapping[int, np.ndarray]],
    *,
    threshold: float = 0.5,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Share of each source's images of each class that ``classifier`` assigns to that class.

    Parameters
    ----------
    classifier : nn.Module
        Binary lesion classifier (``gan_lib.experiments.classifier``), trained
        on real images only; ``predict_proba`` gives P(class 1).
    sources : mapping
        ``{source name: {label: float32 (n, H, W) in [-1, 1]}}`` with labels
        0 and/or 1, e.g. ``{"real: held-out view": {...}, "conditional GAN": {...}}``.
    threshold : float
        An image is assigned to class 1 when P(class 1) >= ``threshold``.
    confidence : float
        Level of the Wilson score interval of each share.

    Returns
    -------
    pandas.DataFrame
        One row per (source, class): ``source, label, n, n_assigned, share,
        share_ci_low, share_ci_high, mean_probability`` (the mean predicted probability
        of the intended class), in the order given.
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"label_fidelity: threshold must lie in (0, 1); got {threshold!r}.")
    rows = []
    for source, by_label in sources.items():
        for label, images in by_label.items():
            if label not in (0, 1):
                raise ValueError(f"label_fidelity: labels must be 0 or 1; source {source!r} has {label!r}.")
            if len(images) == 0:
                raise ValueError(f"label_fidelity: source {source!r} has no images of class {label}.")
            p_positive = predict_proba(classifier, images)
            p_intended = p_positive if label == 1 else 1.0 - p_positive
            assigned = int(((p_positive >= threshold) == bool(label)).sum())
            share = proportion_estimate(assigned, len(images), method="wilson", confidence=confidence)
            rows.append(
                {
                    "source": source,
                    "label": int(label),
                    "n": len(images),
                    "n_assigned": assigned,
                    **estimate_columns("share", share),
                    "mean_probability": float(p_intended.mean()),
                }
            )
    return pd.DataFrame(rows)
