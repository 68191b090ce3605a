"""Traditional data augmentation: the baseline that GAN augmentation must beat (thesis RQ1/RQ2).

The transforms are the ones the thesis' problem statement lists as
"conventional augmentation" — flips, rotations, elastic deformation and
intensity/gamma changes — applied on numpy sets in model space [-1, 1]:

* flips: horizontal and vertical, each with probability 1/2;
* rotation: a random multiple of 90 degrees (exact, lossless) followed by a
  small random angle (``scipy.ndimage.rotate`` with reflected borders, so no
  black corners appear that a classifier could learn);
* elastic deformation: a smooth random displacement field (Gaussian-filtered
  white noise, Simard et al. 2003 [1]_) applied with ``scipy.ndimage.map_coordinates``
  and reflected borders;
* intensity: gamma (``skimage.exposure.adjust_gamma`` on the image mapped to
  [0, 1]) and a small contrast/brightness jitter, clipped back to [-1, 1].

All randomness comes from one ``numpy.random.Generator`` seeded by the caller,
so a set is reproducible from ``seed``.  The transforms preserve the label of
the lesion task (a lesion stays inside the patch: borders are reflected).

References
----------
.. [1] Simard P.Y., Steinkraus D., Platt J.C., "Best practices for
   convolutional neural networks applied to visual document analysis",
   ICDAR 2003. doi:10.1109/ICDAR.2003.1227801
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from skimage.exposure import adjust_gamma
from tqdm.auto import tqdm

from ..imaging import check_image_set

__all__ = ["AugmentConfig", "augment_image", "augment_set"]


@dataclass(frozen=True)
class AugmentConfig:
    """Strength of each traditional transform (set a probability to 0 to switch one off)."""

    flip_probability: float = 0.5  # per axis
    rotate90: bool = True  # random multiple of 90 degrees
    max_rotation_degrees: float = 15.0  # extra small rotation, uniform in [-max, max]
    elastic_probability: float = 0.5  # chance of an elastic deformation
    elastic_alpha: float = 0.06  # displacement amplitude, as a fraction of the image size
    elastic_sigma: float = 0.08  # smoothness of the field, as a fraction of the image size
    gamma_range: tuple[float, float] = (0.8, 1.25)  # gamma drawn log-uniformly in this range
    contrast_range: tuple[float, float] = (0.9, 1.1)  # multiplicative contrast about the image mean
    brightness_range: tuple[float, float] = (-0.05, 0.05)  # additive shift, model units


def _elastic(image: np.ndarray, rng: np.random.Generator, *, alpha: float, sigma: float) -> np.ndarray:
    h, w = image.shape
    size = min(h, w)
    fields = [ndimage.gaussian_filter(rng.uniform(-1, 1, (h, w)), sigma * size, mode="reflect") for _ in range(2)]
    # Normalise each field to unit max so alpha is the real maximal displacement.
    fields = [f / (np.abs(f).max() + 1e-12) * alpha * size for f in fields]
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    return ndimage.map_coordinates(image, [rows + fields[0], cols + fields[1]], order=1, mode="reflect")


def augment_image(
    image: np.ndarray, rng: np.random.Generator, *, config: AugmentConfig = AugmentConfig()
) -> np.ndarray:
    """Apply one random draw of the traditional augmentations to an ``(H, W)`` image in [-1, 1].

    Parameters
    ----------
    image : np.ndarray
        ``(H, W)`` image in model space.
    rng : numpy.random.Generator
        Source of all randomness.
    config : AugmentConfig
        Transform strengths.

    Returns
    -------
    np.ndarray
        ``float32 (H, W)`` in [-1, 1] (square images keep their shape under
        90-degree rotations; non-square images are only rotated by 180 degrees).
    """
    out = np.asarray(image, dtype=np.float64)
    if rng.random() < config.flip_probability:
        out = out[:, ::-1]
    if rng.random() < config.flip_probability:
        out = out[::-1, :]
    if config.rotate90:
        k = int(rng.integers(4)) if out.shape[0] == out.shape[1] else 2 * int(rng.integers(2))
        out = np.rot90(out, k)
    if config.max_rotation_degrees > 0:
        angle = rng.uniform(-config.max_rotation_degrees, config.max_rotation_degrees)
        out = ndimage.rotate(out, angle, reshape=False, order=1, mode="reflect")
    if rng.random() < config.elastic_probability:
        out = _elastic(out, rng, alpha=config.elastic_alpha, sigma=config.elastic_sigma)
    gamma = float(np.exp(rng.uniform(np.log(config.gamma_range[0]), np.log(config.gamma_range[1]))))
    unit = np.clip((out + 1.0) / 2.0, 0.0, 1.0)
    out = adjust_gamma(unit, gamma) * 2.0 - 1.0
    mean = out.mean()
    out = (out - mean) * rng.uniform(*config.contrast_range) + mean + rng.uniform(*config.brightness_range)
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def augment_set(
    images: np.ndarray,
    n_out: int,
    *,
    seed: int = 0,
    config: AugmentConfig = AugmentConfig(),
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Make ``n_out`` augmented images from a set, cycling through the sources in a shuffled order.

    Parameters
    ----------
    images : np.ndarray
        ``(N, H, W)`` source set in [-1, 1].
    n_out : int
        Number of augmented images to return (>= 0).
    seed : int
        Seed of the generator; equal seeds give identical sets.
    config : AugmentConfig
        Transform strengths.
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    augmented : np.ndarray
        ``float32 (n_out, H, W)`` in [-1, 1].
    source_index : np.ndarray
        ``int64 (n_out,)``: the source image of each augmented one (so labels
        can be carried over: ``labels[source_index]``).
    """
    images = check_image_set(images, name="augment_set: images")
    if n_out < 0:
        raise ValueError(f"augment_set: n_out must be >= 0; got {n_out}.")
    rng = np.random.default_rng(seed)
    n = len(images)
    order = np.concatenate([rng.permutation(n) for _ in range(-(-n_out // n))])[:n_out] if n_out else np.zeros(0, int)
    out = np.empty((n_out, *images.shape[1:]), dtype=np.float32)
    for i, src in enumerate(tqdm(order, desc="augment", disable=not progress, leave=False)):
        out[i] = augment_image(images[src], rng, config=config)
    return out, order.astype(np.int64)
