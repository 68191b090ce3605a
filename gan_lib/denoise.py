"""Post-hoc denoising of generated mammograms — "correcting GAN noise" (thesis X-F, XI-A1, Fig 5, Table 2).

Six classical filters from scikit-image/scipy, applied image by image, each
with documented defaults that can be tuned by keyword:

=============  ==========================================================  =====================================
method         filter                                                      defaults
=============  ==========================================================  =====================================
gaussian       :func:`scipy.ndimage.gaussian_filter` (per image)            ``sigma=0.8`` px
median         :func:`scipy.ndimage.median_filter` (per image)              ``size=3`` px
bilateral      :func:`skimage.restoration.denoise_bilateral`                ``sigma_color=0.1``, ``sigma_spatial=1`` px
nl_means       :func:`skimage.restoration.denoise_nl_means` (fast mode)     ``h = 0.8 σ̂``, ``patch_size=5``,
                                                                            ``patch_distance=6``
tv_chambolle   :func:`skimage.restoration.denoise_tv_chambolle`             ``weight=0.05``
wavelet        :func:`skimage.restoration.denoise_wavelet` (BayesShrink)    ``wavelet="db1"``, soft thresholds
=============  ==========================================================  =====================================

All filters work on intensities in [0, 1] (``(x + 1) / 2``), so ``sigma_color``,
``weight`` and ``h`` are in those units, and results are mapped back to model
space [-1, 1].  ``σ̂`` is the per-image noise standard deviation estimated by
:func:`skimage.restoration.estimate_sigma` (robust wavelet-based estimator of
Donoho & Johnstone); NL-means uses ``h = h_factor · σ̂`` and passes ``σ̂`` on,
as the scikit-image gallery recommends.  Defaults are deliberately mild: 64-px
patches carry fine texture that strong smoothing erases, and
:func:`gan_lib.evaluation.compare_denoisers` reports what each method costs in
texture (GLCM) next to what it gains.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from scipy import ndimage
from skimage import restoration
from tqdm.auto import tqdm

from gan_lib.imaging import check_image_set

__all__ = ["METHODS", "DEFAULT_PARAMS", "estimate_noise_sigma", "denoise"]


def _gaussian(image: np.ndarray, *, sigma: float) -> np.ndarray:
    return ndimage.gaussian_filter(image, sigma=sigma, mode="reflect")


def _median(image: np.ndarray, *, size: int) -> np.ndarray:
    return ndimage.median_filter(image, size=size, mode="reflect")


def _bilateral(image: np.ndarray, *, sigma_color: float, sigma_spatial: float) -> np.ndarray:
    return restoration.denoise_bilateral(image, sigma_color=sigma_color, sigma_spatial=sigma_spatial, mode="reflect")


def _nl_means(image: np.ndarray, *, h_factor: float, patch_size: int, patch_distance: int) -> np.ndarray:
    sigma = float(restoration.estimate_sigma(image))
    if sigma == 0.0:
        return image.copy()
    return restoration.denoise_nl_means(
        image,
        h=h_factor * sigma,
        sigma=sigma,
        patch_size=patch_size,
        patch_distance=patch_distance,
        fast_mode=True,
        preserve_range=True,
    )


def _tv_chambolle(image: np.ndarray, *, weight: float) -> np.ndarray:
    return restoration.denoise_tv_chambolle(image, weight=weight)


def _wavelet(image: np.ndarray, *, wavelet: str, mode: str) -> np.ndarray:
    return restoration.denoise_wavelet(image, wavelet=wavelet, mode=mode, method="BayesShrink", rescale_sigma=True)


#: Method name → filter on one [0, 1] image (keyword-only parameters).
METHODS: dict[str, Callable[..., np.ndarray]] = {
    "gaussian": _gaussian,
    "median": _median,
    "bilateral": _bilateral,
    "nl_means": _nl_means,
    "tv_chambolle": _tv_chambolle,
    "wavelet": _wavelet,
}

#: Default parameters of each method (units: pixels, or [0, 1] intensity).
DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "gaussian": {"sigma": 0.8},
    "median": {"size": 3},
    "bilateral": {"sigma_color": 0.1, "sigma_spatial": 1.0},
    "nl_means": {"h_factor": 0.8, "patch_size": 5, "patch_distance": 6},
    "tv_chambolle": {"weight": 0.05},
    "wavelet": {"wavelet": "db1", "mode": "soft"},
}


def estimate_noise_sigma(images: np.ndarray) -> np.ndarray:
    """Per-image noise standard deviation (:func:`skimage.restoration.estimate_sigma`) in [0, 1] intensity units.

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Set in [-1, 1].

    Returns
    -------
    ndarray, shape (N,), float64

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> noisy = np.clip(rng.normal(0.0, 0.2, (1, 64, 64)), -1, 1)  # sd 0.1 in [0, 1] units
    >>> round(float(estimate_noise_sigma(noisy)[0]), 2)
    0.1
    """
    images = check_image_set(images, name="images")
    intensity = (images.astype(np.float64) + 1.0) / 2.0
    return np.array([restoration.estimate_sigma(image) for image in intensity])


def denoise(images: np.ndarray, method: str, **params: Any) -> np.ndarray:
    """Apply one denoising method to every image of a set.

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Set in [-1, 1] (e.g. generated images).
    method : str
        One of :data:`METHODS`.
    **params
        Overrides of :data:`DEFAULT_PARAMS` ``[method]``; unknown names are refused.

    Returns
    -------
    ndarray, shape (N, H, W), float32 in [-1, 1]

    Raises
    ------
    ValueError
        For an unknown method or parameter.

    Examples
    --------
    >>> x = np.zeros((2, 16, 16), np.float32)
    >>> denoise(x, "median").shape
    (2, 16, 16)
    """
    if method not in METHODS:
        raise ValueError(f"denoise: unknown method {method!r}; choose one of {sorted(METHODS)}.")
    unknown = sorted(set(params) - set(DEFAULT_PARAMS[method]))
    if unknown:
        raise ValueError(
            f"denoise: method {method!r} has no parameter(s) {unknown}; its parameters are "
            f"{DEFAULT_PARAMS[method]} (defaults)."
        )
    images = check_image_set(images, name="images")
    settings = {**DEFAULT_PARAMS[method], **params}
    intensity = (images.astype(np.float64) + 1.0) / 2.0
    filter_one = METHODS[method]
    out = np.empty(images.shape, dtype=np.float32)
    for index in tqdm(
        range(len(images)), desc=f"denoise ({method})", unit="image", leave=False, disable=len(images) < 200
    ):
        out[index] = filter_one(intensity[index], **settings)
    return np.clip(out * 2.0 - 1.0, -1.0, 1.0)
