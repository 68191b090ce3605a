"""Choosing the feature space of notebooks 08 and 09: Inception when its weights are on disk, else a named substitute.

The substitute is never called Inception: every row computed in it carries its
name (:func:`gan_lib.experiments.features.random_projection_name`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

import numpy as np

from gan_lib.metrics.fid import inception_features
from gan_lib.metrics.inception_weights import try_load_inception

from .config import FEATURE_SPACES
from .features import random_projection_features, random_projection_name

__all__ = ["INCEPTION_SPACE", "FeatureSpace", "feature_space"]

#: Name of the TF-Inception pool3 space in every row computed in it.
INCEPTION_SPACE = "inception-pool3 (TF-2015)"


@dataclass(frozen=True)
class FeatureSpace:
    """A callable ``(N, H, W) -> (N, D)`` feature map with its name and whether it is Inception."""

    name: str
    extract: Callable[[np.ndarray], np.ndarray]
    is_inception: bool
    note: str  # why this space was chosen (e.g. the missing-weights message)


def feature_space(
    kind: str = "inception",
    *,
    weights: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    size: int = 16,
    dim: int = 64,
) -> FeatureSpace:
    """TF-Inception pool3 (pytorch-fid's network) or the random projection of downscaled pixels.

    Parameters
    ----------
    kind : {"inception", "randproj"}
        ``"inception"`` falls back to the random projection, saying why in
        ``note``, when its weights are not on this machine
        (``ExperimentConfig.feature_space`` chooses per profile).
    weights : str, optional, keyword-only
        Explicit path of the Inception weights (else the locations
        :func:`gan_lib.metrics.find_fid_weights` searches).
    cache_dir : path, optional, keyword-only
        Inception feature cache shared with notebooks 03 and 04 (``runs/<name>/eval/features``).
    size, dim : int, keyword-only
        Settings of the weight-free space.
    """

    if kind not in FEATURE_SPACES:
        raise ValueError(f"feature_space: kind must be one of {FEATURE_SPACES}; got {kind!r}.")
    name = random_projection_name(size=size, dim=dim)
    extract = lambda x: random_projection_features(x, size=size, dim=dim)  # noqa: E731
    if kind == "randproj":
        return FeatureSpace(name, extract, False, f"feature-space rows use {name} (weight-free), as the profile sets")
    model, missing = try_load_inception(weights)
    if model is not None:
        return FeatureSpace(
            INCEPTION_SPACE, lambda x: inception_features(x, model=model, cache_dir=cache_dir), True, ""
        )
    return FeatureSpace(
        name, extract, False, f"Inception weights missing, so feature-space rows use {name} (weight-free): {missing}"
    )
