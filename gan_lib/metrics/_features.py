"""Input checks shared by the feature-based metrics (FID, KID, precision/recall)."""

from __future__ import annotations

import numpy as np


def check_features(features: np.ndarray, name: str, *, min_count: int = 1) -> np.ndarray:
    """Return ``features`` as float64 ``(N, D)``; one clear error for a wrong shape, too few rows or NaN."""
    arr = np.asarray(features, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a feature array of shape (N, D); got shape {arr.shape}.")
    if arr.shape[0] < min_count:
        raise ValueError(f"{name}: needs at least {min_count} feature vector(s); got {arr.shape[0]}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or inf; recompute the features.")
    return arr


def check_feature_pair(
    features: np.ndarray, reference_features: np.ndarray, *, min_count: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Check both sets with :func:`check_features` and that they have the same dimension."""
    a = check_features(features, "features", min_count=min_count)
    b = check_features(reference_features, "reference_features", min_count=min_count)
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"features have {a.shape[1]} dimensions but reference_features have {b.shape[1]}; "
            "compute both with the same network."
        )
    return a, b
