"""Conversions and checks for image sets shared by every evaluation module.

Conventions (see ``docs/ARCHITECTURE.md``): a *set* is a float array of shape
``(N, H, W)`` in model space [-1, 1]; display space is ``uint8`` in [0, 255].
"""

from __future__ import annotations

import numpy as np

__all__ = ["to_uint8", "uint8_to_model_range", "check_image_set"]


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Map model-space values in [-1, 1] to ``uint8`` in [0, 255].

    ``(x + 1) * 127.5``, rounded and clipped; any shape is kept.

    Examples
    --------
    >>> to_uint8(np.array([-1.0, 0.0, 1.0]))
    array([  0, 128, 255], dtype=uint8)
    """
    images = np.asarray(images, dtype=np.float64)
    return np.clip(np.rint((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def uint8_to_model_range(images: np.ndarray) -> np.ndarray:
    """Map ``uint8`` [0, 255] values to ``float32`` in [-1, 1] (inverse of :func:`to_uint8`).

    Examples
    --------
    >>> uint8_to_model_range(np.array([0, 255], dtype=np.uint8))
    array([-1.,  1.], dtype=float32)
    """
    return (np.asarray(images, dtype=np.float32) / 127.5 - 1.0).astype(np.float32)


def check_image_set(images: np.ndarray, *, name: str = "images", min_count: int = 1) -> np.ndarray:
    """Validate a set of single-channel images in model space and return it as ``float32 (N, H, W)``.

    Accepts ``(N, H, W)`` or ``(N, 1, H, W)``.  Raises a ``ValueError`` naming
    ``name`` and the fix when the set is empty or too small, has the wrong
    number of dimensions, holds NaN/inf, or lies outside [-1, 1] (a small
    tolerance of 1e-3 absorbs rounding from ``tanh`` and resampling).
    """
    arr = np.asarray(images)
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 3:
        raise ValueError(
            f"{name}: expected a set of shape (N, H, W) or (N, 1, H, W); got shape {arr.shape}. "
            "Stack single images with np.stack(...)."
        )
    if arr.shape[0] < min_count:
        raise ValueError(f"{name}: needs at least {min_count} image(s); got {arr.shape[0]}.")
    arr = arr.astype(np.float32, copy=False)
    if not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr).reshape(len(arr), -1).all(axis=1)))
        raise ValueError(f"{name}: {bad} image(s) contain NaN or inf values; drop or regenerate them.")
    lo, hi = float(arr.min()), float(arr.max())
    if lo < -1.001 or hi > 1.001:
        raise ValueError(
            f"{name}: values must lie in model space [-1, 1]; got [{lo:.3g}, {hi:.3g}]. "
            "Convert uint8 images with gan_lib.imaging.uint8_to_model_range."
        )
    return arr
