"""Named feature spaces for the memorisation audit and the diversity measures.

Every space has a name that is written next to each number computed in it, so
a weight-free substitute is never mistaken for Inception:

* ``"pixel"`` — raw pixels scaled by ``1 / sqrt(H W)``, so Euclidean distances
  are root-mean-square per-pixel differences in model units;
* ``"randproj-<s>px-<d>d"`` — a *fixed random projection of downscaled
  pixels*: each image is resized (anti-aliased) to ``s x s``, centred on its own
  mean (so a global brightness shift does not dominate), and projected with a
  seeded Gaussian random matrix to ``d`` dimensions
  (``sklearn.random_projection.GaussianRandomProjection``), which preserves
  Euclidean distances up to a small distortion (Johnson-Lindenstrauss).  No
  learned weights are involved; it sees coarse structure, not texture;
* ``"inception-pool3"`` — the 2048-d pool3 features of pytorch-fid's Inception,
  via ``gan_lib.metrics`` and only when its weights are on disk.
"""

from __future__ import annotations

import numpy as np
from skimage.transform import resize
from sklearn.random_projection import GaussianRandomProjection

from ..imaging import check_image_set

__all__ = ["pixel_features", "random_projection_features", "random_projection_name"]


def pixel_features(images: np.ndarray) -> np.ndarray:
    """Flattened pixels ``float64 (N, H*W)`` scaled by ``1/sqrt(H W)`` (distances become per-pixel RMS).

    Examples
    --------
    >>> f = pixel_features(np.zeros((2, 4, 4), dtype=np.float32) + np.array([0.0, 0.5])[:, None, None])
    >>> float(np.linalg.norm(f[0] - f[1]))
    0.5
    """
    images = check_image_set(images, name="pixel_features: images")
    n, h, w = images.shape
    return images.reshape(n, h * w).astype(np.float64) / np.sqrt(h * w)


def random_projection_name(*, size: int = 16, dim: int = 64) -> str:
    """The name of the random-projection space with these settings, e.g. ``"randproj-16px-64d"``."""
    return f"randproj-{size}px-{dim}d"


def random_projection_features(images: np.ndarray, *, size: int = 16, dim: int = 64, seed: int = 0) -> np.ndarray:
    """Fixed random projection of downscaled, mean-centred pixels: ``float64 (N, dim)``.

    Parameters
    ----------
    images : np.ndarray
        ``(N, H, W)`` in [-1, 1].
    size : int
        Side of the anti-aliased downscaled image.
    dim : int
        Output dimension (<= ``size**2``).
    seed : int
        Seed of the projection matrix; the same seed gives the same space, so
        sets projected separately are comparable.
    """
    images = check_image_set(images, name="random_projection_features: images")
    if dim > size * size:
        raise ValueError(f"random_projection_features: dim={dim} exceeds size**2={size * size}; lower dim.")
    small = np.stack([resize(img, (size, size), anti_aliasing=True, preserve_range=True) for img in images])
    flat = small.reshape(len(images), -1)
    flat = (flat - flat.mean(axis=1, keepdims=True)) / size  # per-pixel RMS scale, brightness removed
    projector = GaussianRandomProjection(n_components=dim, random_state=seed)
    # Fit only draws the matrix from (n_features, seed); the data values are not used.
    projector.fit(np.zeros((1, size * size)))
    return projector.transform(flat)
