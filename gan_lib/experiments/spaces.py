"""Choosing the feature space of notebooks 08 and 09: Inception when its weights are on disk, else a named substitute.

The substitute is never called Inception: every row computed in it carries its
name (:func:`gan_lib.experiments.features.random_projection_name`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .features import random_projection_features, random_projection_name

__all__ = ["FeatureSpace", "feature_space"]


@dataclass(frozen=True)
class FeatureSpace:
    """A callable ``(N, H, W) -> (N, D)`` feature map with its name and whether it is Inception."""

    name: str
    extract: Callable[[np.ndarray], np.ndarray]
    is_inception: bool
    note: str  # why this space was chosen (e.g. the missing-weights message)


def feature_space(*, weights: str | None = None, size: int = 16, dim: int = 64) -> FeatureSpace:
    """Inception pool3 (pytorch-fid) when its weights load, else the random projection of downscaled pixels.

    Parameters
    ----------
    weights : str, optional
        Explicit path of the pytorch-fid weights (else the locations
        :func:`gan_lib.metrics.find_fid_weights` searches).
    size, dim : int
        Settings of the weight-free fallback space.
    """
    from gan_lib.evaluation import try_load_inception
    from gan_lib.metrics import inception_features

    model, missing = try_load_inception(weights)
    if model is not None:
        return FeatureSpace("inception-pool3", lambda x: inception_features(x, model=model), True, "")
    name = random_projection_name(size=size, dim=dim)
    return FeatureSpace(name, lambda x: random_projection_features(x, size=size, dim=dim), False,
                        f"Inception weights missing, so feature-space rows use {name} (weight-free): {missing}")
