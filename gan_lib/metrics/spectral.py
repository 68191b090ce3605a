"""Spectral readers: radial power spectra, their slope, fine-band power, a spectral two-sample reader, a blur ladder.

Blur is what a GAN trained on few images leaves behind once its artefacts are
gone, and it is what coarse readers (SWD, a short-trained CNN) miss.  Blur
removes power at high spatial frequencies, so it shows in the radially
averaged power spectrum of each image:

- :func:`radial_power_spectrum` — per image: mean removed, 2-D Hann window,
  ``|FFT|^2`` averaged over annuli one cycle/patch wide;
- :func:`spectral_slope` — beta of ``P(f) ~ f^-beta`` fitted by least squares
  in log-log over a band (mammographic tissue: 3.17 CC and 3.30 MLO, Chen et
  al., Med Phys 39:1435, 2012; the embedded training patches read about 3.4);
- :func:`fine_band_power_db` — power from 16 cycles/patch to Nyquist of a set
  against a reference, in dB (a blur of sigma 1 px takes about 25 dB away);
- :func:`spectral_reader_auc` — a cross-validated logistic regression on
  normalised log spectra that tells two sets apart by spectral shape;
- :func:`blur_ladder` and :func:`blur_equivalent_sigma` — the reference
  blurred with growing Gaussian sigmas, and a reader's value translated into the
  sigma that gives the same value ("reads like real patches blurred by 1 px").

Frequencies are in cycles per patch.  Both data profiles give a patch the same
field of view (64 px at 1/8 scale, 128 px at 1/4 scale), so a frequency in
cycles/patch is the same physical frequency in both; only the Nyquist limit
(``size / 2``) differs, and every band is checked against it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import scipy.ndimage
import scipy.signal
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from gan_lib.imaging import check_image_set
from gan_lib.metrics.bootstrap import Estimate, bootstrap_statistic
from gan_lib.metrics.stats import auc_estimate, mean_rows_estimate

__all__ = [
    "DEFAULT_BAND",
    "FINE_BAND_MIN",
    "fine_band_edge",
    "LADDER_SIGMAS",
    "LadderRangeWarning",
    "radial_bins",
    "oriented_bins",
    "MAX_ORIENTATIONS",
    "radial_power_spectrum",
    "pooled_power_spectrum",
    "window_2d",
    "spectral_slope",
    "fine_band_power_db",
    "spectral_reader_auc",
    "slope_estimate",
    "fine_band_estimate",
    "blur_ladder",
    "blur_equivalent_sigma",
]

#: Frequency band (cycles/patch) of :func:`spectral_slope`: above the patch scale, below the noisiest fine bins.
DEFAULT_BAND: tuple[float, float] = (2.0, 24.0)
#: Lower edge (cycles/patch) of the fine band of :func:`fine_band_power_db`.
FINE_BAND_MIN = 16.0
#: Most orientation sectors per annulus :func:`oriented_bins` splits (every cell keeps FFT cells at k = 1).
MAX_ORIENTATIONS = 4
#: Gaussian sigmas (px) of :func:`blur_ladder`.
LADDER_SIGMAS: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0)
_CHUNK = 256  # images per FFT batch (bounds memory: 256 x 128^2 complex128 = 64 MiB)


class LadderRangeWarning(UserWarning):
    """A value lies outside the span of a blur ladder and was clipped to its end."""


def _square_set(images: np.ndarray, name: str, min_count: int = 1) -> np.ndarray:
    images = check_image_set(images, name=name, min_count=min_count)
    if images.shape[1] != images.shape[2] or images.shape[1] < 8:
        raise ValueError(
            f"{name}: spectra need square images of at least 8 px; got {images.shape[1:]}. "
            "Crop to a square patch first."
        )
    return images


def radial_bins(size: int) -> tuple[np.ndarray, np.ndarray]:
    """``(frequencies (K,), weights (size*size, K))``: each FFT cell's share of the 1-cycle annuli k = 1..size/2."""
    return np.arange(1, size // 2 + 1, dtype=np.float64), oriented_bins(size, 1)


def oriented_bins(size: int, orientations: int) -> np.ndarray:
    """Each FFT cell's share of the (annulus, orientation sector) cells: ``(size * size, K * orientations)``.

    Annuli of one cycle/patch centred on k = 1 .. size/2 (the corners beyond
    Nyquist left out; ``orientations=1`` gives :func:`radial_bins`' weights);
    sector ``j`` holds the frequencies whose direction ``atan2(fy, fx) mod pi``
    lies within ``pi / (2 S)`` of ``j pi / S`` (with 4: horizontal, 45 degrees,
    vertical and 135 degrees frequencies).  Column ``k * S + j`` is annulus
    ``k + 1``, sector ``j``; each column sums to 1.  Every cell is non-empty for
    ``S <= MAX_ORIENTATIONS``.

    Examples
    --------
    >>> w = oriented_bins(16, 4)
    >>> w.shape, bool(np.allclose(w.sum(axis=0), 1.0))
    ((256, 32), True)
    """
    if not 1 <= orientations <= MAX_ORIENTATIONS:
        raise ValueError(
            f"oriented_bins: orientations must be 1 to {MAX_ORIENTATIONS} (every cell non-empty); got {orientations}."
        )
    f = np.fft.fftfreq(size) * size  # cycles/patch
    fy, fx = np.meshgrid(f, f, indexing="ij")
    annulus = np.rint(np.hypot(fy, fx)).astype(int).ravel()
    angle = np.mod(np.arctan2(fy, fx), np.pi).ravel()
    sector = np.floor(angle / (np.pi / orientations) + 0.5).astype(int) % orientations
    inside = (annulus >= 1) & (annulus <= size // 2)
    weights = np.zeros((size * size, size // 2 * orientations))
    weights[np.flatnonzero(inside), ((annulus - 1) * orientations + sector)[inside]] = 1.0
    return weights / weights.sum(axis=0, keepdims=True)


def radial_power_spectrum(images: np.ndarray, *, window: str | None = "hann") -> tuple[np.ndarray, np.ndarray]:
    """Radially averaged power spectrum of each image.

    Each image has its mean removed and is multiplied by a separable 2-D window
    (``scipy.signal.get_window(window, size)`` per axis; ``None`` for none),
    then ``|FFT|^2 / sum(window^2)`` is averaged over annuli of width one
    cycle/patch centred on k = 1 .. size/2 (the corners beyond Nyquist are left out).

    Parameters
    ----------
    images : ndarray, shape (N, H, H)
        Square images in [-1, 1], at least 8 px.
    window : str or None, keyword-only
        A window name :func:`scipy.signal.get_window` knows ("hann", "hamming", ...), or None.

    Returns
    -------
    frequencies : ndarray, shape (K,)
        Annulus centres in cycles/patch, ``K = H // 2``.
    power : ndarray, shape (N, K)
        Mean power per annulus (squared model-space units per FFT cell).

    Examples
    --------
    >>> x = np.cos(2 * np.pi * 4 * np.arange(16) / 16)[None, None, :].repeat(16, axis=1) * 0.5
    >>> f, p = radial_power_spectrum(x, window=None)
    >>> int(f[p[0].argmax()]), f.shape, p.shape
    (4, (8,), (1, 8))
    """
    images = _square_set(images, "radial_power_spectrum: images")
    frequencies, weights = radial_bins(images.shape[1])
    return frequencies, pooled_power_spectrum(images, weights, window=window)


def window_2d(window: str | None, shape: tuple[int, int]) -> np.ndarray:
    """The separable 2-D taper of the spectra here: ``scipy.signal.get_window(window, n)`` per axis, ``(H, W)``.

    ``None`` gives ones (no window).

    Examples
    --------
    >>> window_2d("hann", (4, 4))[0].tolist(), window_2d(None, (2, 3)).shape
    ([0.0, 0.0, 0.0, 0.0], (2, 3))
    """
    if window is None:
        return np.ones(shape)
    return np.outer(scipy.signal.get_window(window, shape[0]), scipy.signal.get_window(window, shape[1]))


def pooled_power_spectrum(images: np.ndarray, weights: np.ndarray, *, window: str | None = "hann") -> np.ndarray:
    """Each image's windowed power spectrum pooled by ``weights``: ``(N, H, W), (H * W, K) -> (N, K)``.

    Each image has its mean removed and is multiplied by :func:`window_2d`
    (``None`` for none);
    ``|FFT|^2 / sum(window^2)`` (numpy's FFT cell order, flattened) is then
    multiplied by ``weights``: column ``k`` averages (or sums) the cells of
    pool ``k``, an annulus for :func:`radial_power_spectrum`, an orientation
    sector for :func:`~gan_lib.metrics.orientation.angular_fine_power`.

    Examples
    --------
    >>> x = np.cos(2 * np.pi * 2 * np.arange(8) / 8)[None, None, :].repeat(8, axis=1)
    >>> total = pooled_power_spectrum(x, np.ones((64, 1)), window=None)
    >>> float(total[0, 0])  # Parseval: 64 cells x mean square 0.5
    32.0
    """
    taper2d = window_2d(window, images.shape[1:])
    power = np.empty((len(images), weights.shape[1]))
    for start in range(0, len(images), _CHUNK):
        chunk = images[start : start + _CHUNK].astype(np.float64)
        chunk = (chunk - chunk.mean(axis=(1, 2), keepdims=True)) * taper2d
        spectrum = np.abs(np.fft.fft2(chunk)) ** 2 / np.sum(taper2d**2)
        power[start : start + _CHUNK] = spectrum.reshape(len(chunk), -1) @ weights
    return power


def _band_mask(frequencies: np.ndarray, band: tuple[float, float], owner: str) -> np.ndarray:
    low, high = float(band[0]), float(band[1])
    nyquist = float(frequencies[-1])
    mask = (frequencies >= low) & (frequencies <= high)
    if not 0 < low < high <= nyquist or mask.sum() < 3:
        raise ValueError(
            f"{owner}: band must satisfy 0 < low < high <= Nyquist ({nyquist:g} cycles/patch for "
            f"{2 * int(nyquist)}-px images) and hold >= 3 annuli; got {band}. For these images use e.g. "
            f"band=({nyquist / 16:g}, {0.75 * nyquist:g})."
        )
    return mask


def spectral_slope(images: np.ndarray, *, band: tuple[float, float] = DEFAULT_BAND) -> np.ndarray:
    """Spectral slope beta of each image: ``P(f) ~ f^-beta``, least squares in log-log over ``band``.

    Parameters
    ----------
    images : ndarray, shape (N, H, H)
        Square images in [-1, 1].
    band : (float, float), keyword-only
        Frequency window in cycles/patch, inclusive; must lie within Nyquist
        (``H / 2``) and hold at least 3 annuli.  The default (2-24) suits 64-px
        and 128-px patches of the project's one field of view.

    Returns
    -------
    ndarray, shape (N,)
        beta per image; a flat image (no power in the band) gives NaN.

    Notes
    -----
    On synthetic power-law fields cut from a larger periodic field (so they
    are not periodic, like real patches) the median beta is within 0.05 of
    the truth from beta 2 to 3.5 (the mammographic range), but steeper
    spectra read high, by about 0.17 at beta 4 and 0.4 at beta 5: the Hann
    window leaks power from below 2 cycles/patch into the lowest annuli of the
    band.  Compare betas from this function with each other (the blur ladder
    does), not with slopes estimated otherwise.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> white = rng.uniform(-0.5, 0.5, (64, 32, 32))
    >>> abs(float(np.median(spectral_slope(white, band=(2, 12))))) < 0.2  # white noise is flat
    True
    """
    frequencies, power = radial_power_spectrum(images)
    mask = _band_mask(frequencies, band, "spectral_slope")
    log_f = np.log10(frequencies[mask])
    with np.errstate(divide="ignore"):
        log_p = np.log10(power[:, mask])
    centred = log_f - log_f.mean()
    slope = (log_p - log_p.mean(axis=1, keepdims=True)) @ centred / np.sum(centred**2)
    return np.where(np.isfinite(slope), -slope, np.nan)


def _fine_spectra(images: np.ndarray, min_frequency: float, owner: str) -> np.ndarray:
    """``(N, K_fine)``: each image's power in the annuli from ``min_frequency`` cycles/patch to Nyquist."""
    frequencies, power = radial_power_spectrum(images)
    if not 0 < min_frequency <= frequencies[-1]:
        raise ValueError(
            f"{owner}: min_frequency must lie in (0, {frequencies[-1]:g}] cycles/patch (Nyquist of "
            f"{2 * int(frequencies[-1])}-px images); got {min_frequency}."
        )
    return power[:, frequencies >= min_frequency]


def _db_of_means(mean_images: np.ndarray, mean_reference: np.ndarray) -> np.ndarray:
    """Mean over the last axis (annuli) of ``10 log10`` of the ratio of the sets' mean power per annulus."""
    return np.mean(10 * np.log10(mean_images / mean_reference), axis=-1)


def fine_band_edge(image_size: int) -> float:
    """Lower edge (cycles/patch) of the fine band for ``image_size``-px patches: :data:`FINE_BAND_MIN` where it fits.

    Patches under 64 px take the same fraction of Nyquist, a half, so the band
    keeps cells in every direction below Nyquist.

    Examples
    --------
    >>> fine_band_edge(64), fine_band_edge(128), fine_band_edge(32)
    (16.0, 16.0, 8.0)
    """
    return min(FINE_BAND_MIN, image_size / 4)


def fine_band_power_db(images: np.ndarray, reference: np.ndarray, *, min_frequency: float = FINE_BAND_MIN) -> float:
    """Fine-band power of ``images`` against ``reference`` in dB (< 0: blurrier, > 0: sharper or noisier).

    Per annulus from ``min_frequency`` cycles/patch to Nyquist, ``10 log10`` of
    the ratio of the sets' mean power (:func:`radial_power_spectrum`); the
    value is the mean of these over the annuli, so each fine frequency weighs
    alike (the plain ratio of the band's total power would be ruled by its
    lowest annulus, which holds ~10x the power at Nyquist in mammograms).  A
    Gaussian blur of sigma px multiplies the power at f cycles/patch by
    ``exp(-4 pi^2 sigma^2 (f / H)^2)``: -25 dB for sigma 1 on 64-px patches.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = rng.uniform(-0.5, 0.5, (8, 32, 32))
    >>> round(fine_band_power_db(a / 2, a, min_frequency=8), 2)  # half the amplitude: a quarter of the power
    -6.02
    """
    owner = "fine_band_power_db"
    fine, fine_reference = (_fine_spectra(images, min_frequency, owner), _fine_spectra(reference, min_frequency, owner))
    return float(_db_of_means(fine.mean(axis=0), fine_reference.mean(axis=0)))


def _log_spectrum_features(images: np.ndarray) -> np.ndarray:
    """``(N, K)`` log10 spectra with each image's mean log power removed: spectral shape, not contrast."""
    _, power = radial_power_spectrum(images)
    log_p = np.log10(power + 1e-12)
    return log_p - log_p.mean(axis=1, keepdims=True)


def spectral_reader_auc(
    images: np.ndarray, reference: np.ndarray, *, folds: int = 5, repeats: int = 3, seed: int = 0
) -> Estimate:
    """Cross-validated AUC of a logistic regression telling ``images`` from ``reference`` by spectral shape.

    Features are the log10 radial power spectra (:func:`radial_power_spectrum`,
    1 .. Nyquist), each image's mean log power removed (so overall contrast does
    not count, the shape does: blur, noise, a grid), standardised; the model is
    L2 logistic regression.  Every image is scored by a model fitted on the
    other folds (stratified).  The fold assignment is repeated ``repeats``
    times and each image's out-of-fold scores averaged: on small sets one
    assignment alone moves the AUC by several hundredths (two draws of 100
    synthetic fields: 0.32 to 0.46 over five assignments).  The AUC of the
    averaged scores carries a stratified bootstrap interval
    (:func:`~gan_lib.metrics.stats.auc_estimate`).

    Parameters
    ----------
    images, reference : ndarray, shape (N, H, H) and (M, H, H)
        The two sets in [-1, 1], of one size, at least ``folds`` images each.
    folds : int, keyword-only
        Stratified folds (>= 2).
    repeats : int, keyword-only
        Fold assignments averaged (>= 1; cost is linear, ~0.3 s each for 1000 vs 1000 64-px images).
    seed : int, keyword-only
        Seeds the fold assignments and the bootstrap.

    Returns
    -------
    Estimate
        0.5 = the spectra do not tell the sets apart, 1 = every image gives itself away;
        ``n = N``, ``n_reference = M``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = rng.uniform(-0.5, 0.5, (40, 16, 16))
    >>> smooth = scipy.ndimage.gaussian_filter(rng.uniform(-1, 1, (40, 16, 16)), (0, 1, 1))
    >>> spectral_reader_auc(smooth, a, folds=4).value
    1.0
    """
    if folds < 2 or repeats < 1:
        raise ValueError(f"spectral_reader_auc: folds must be >= 2 and repeats >= 1; got {folds} and {repeats}.")
    images = _square_set(images, "spectral_reader_auc: images", folds)
    reference = _square_set(reference, "spectral_reader_auc: reference", folds)
    if images.shape[1:] != reference.shape[1:]:
        raise ValueError(
            f"spectral_reader_auc: images are {images.shape[1:]} px, reference {reference.shape[1:]}; "
            "compare sets of one size."
        )
    features = np.concatenate([_log_spectrum_features(images), _log_spectrum_features(reference)])
    labels = np.concatenate([np.ones(len(images)), np.zeros(len(reference))])
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    scores = np.mean(
        [
            cross_val_predict(
                model,
                features,
                labels,
                method="decision_function",
                cv=StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed + r),
            )
            for r in range(repeats)
        ],
        axis=0,
    )
    return auc_estimate(
        scores[labels == 1],
        scores[labels == 0],
        seed=seed,
        note=f"logistic regression on normalised log radial spectra, {repeats} x {folds}-fold "
        "cross-validated; 0.5 = indistinguishable",
    )


def slope_estimate(images: np.ndarray, *, band: tuple[float, float] | None = None, seed: int = 0) -> Estimate:
    """Median :func:`spectral_slope` of a set with a percentile-bootstrap interval over images.

    ``band=None`` takes :data:`DEFAULT_BAND` with its upper edge lowered to 3/4
    of Nyquist for images under 64 px (2-12 cycles/patch at 32 px); the note names the band.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> est = slope_estimate(rng.uniform(-0.5, 0.5, (32, 32, 32)), band=(2, 12))
    >>> abs(est.value) < 0.2, est.ci_low <= est.value <= est.ci_high, est.n
    (True, True, 32)
    """
    if band is None:
        band = (DEFAULT_BAND[0], min(DEFAULT_BAND[1], 0.375 * np.shape(images)[-1]))
    betas = spectral_slope(images, band=band)
    return bootstrap_statistic(
        np.median,
        [betas[np.isfinite(betas)]],
        seed=seed,
        note=f"median beta over {band[0]:g}-{band[1]:g} cycles/patch, Hann window",
    )


def fine_band_estimate(
    images: np.ndarray,
    reference: np.ndarray,
    *,
    min_frequency: float = FINE_BAND_MIN,
    n_resamples: int = 1000,
    seed: int = 0,
) -> Estimate:
    """:func:`fine_band_power_db` with a percentile-bootstrap interval (images of both sets resampled).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = rng.uniform(-0.5, 0.5, (16, 32, 32))
    >>> est = fine_band_estimate(a, a, min_frequency=8)
    >>> round(est.value, 6), est.ci_low < 0 < est.ci_high, est.n
    (0.0, True, 16)
    """
    owner = "fine_band_estimate"
    return mean_rows_estimate(
        _db_of_means,
        _fine_spectra(images, min_frequency, owner),
        _fine_spectra(reference, min_frequency, owner),
        n_resamples=n_resamples,
        seed=seed,
        note=f"fine band {min_frequency:g} cycles/patch to Nyquist vs the reference, dB",
    )


def blur_ladder(reference: np.ndarray, *, sigmas: tuple[float, ...] = LADDER_SIGMAS) -> dict[float, np.ndarray]:
    """The ``reference`` set blurred with each Gaussian ``sigma`` (px, :func:`scipy.ndimage.gaussian_filter`).

    Borders are mirrored (``mode="reflect"``) so no frame appears.

    Returns
    -------
    dict[float, ndarray]
        ``sigma -> float32 (N, H, W)``, in increasing sigma.

    Examples
    --------
    >>> ladder = blur_ladder(np.zeros((2, 8, 8)), sigmas=(1.0, 0.5))
    >>> list(ladder), ladder[1.0].shape
    ([0.5, 1.0], (2, 8, 8))
    """
    reference = check_image_set(reference, name="blur_ladder: reference")
    if not sigmas or min(sigmas) <= 0:
        raise ValueError(f"blur_ladder: sigmas must be a non-empty list of positive pixel widths; got {sigmas}.")
    return {
        float(s): scipy.ndimage.gaussian_filter(reference, sigma=(0, s, s), mode="reflect").astype(np.float32)
        for s in sorted(sigmas)
    }


def blur_equivalent_sigma(value: float, ladder_values: dict[float, float]) -> float:
    """The blur sigma at which the reference reads ``value``: linear interpolation along the ladder.

    ``ladder_values`` maps sigma (px) to a reader's value on the blurred
    reference, with ``0.0`` the reference's own value (e.g. 0 dB fine band, its
    own beta, the AUC of its split halves).  A reader need not be exactly
    monotone along the ladder: its direction is taken from the ends (the value
    at the largest sigma against that at the smallest), and the values are made
    monotone in that direction by a running maximum (or minimum) before
    interpolating, so each value maps to one sigma (the smallest that reaches it).
    A value beyond the ends is clipped to the end sigma (0: at least as sharp
    as the reference; the largest sigma: at least that blurred) with a
    :class:`LadderRangeWarning` saying so.  NaN gives NaN.

    Examples
    --------
    >>> ladder = {0.0: 0.0, 0.5: -4.0, 1.0: -25.0, 2.0: -60.0}
    >>> blur_equivalent_sigma(-14.5, ladder)
    0.75
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     blur_equivalent_sigma(3.0, ladder), blur_equivalent_sigma(-99.0, ladder)
    (0.0, 2.0)
    """
    if len(ladder_values) < 2:
        raise ValueError(
            f"blur_equivalent_sigma: ladder_values needs >= 2 rungs (sigma -> value, with 0.0 for the "
            f"reference itself); got {ladder_values}."
        )
    if math.isnan(value):
        return math.nan
    sigmas = np.array(sorted(ladder_values), dtype=np.float64)
    values = np.array([ladder_values[s] for s in sorted(ladder_values)], dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"blur_equivalent_sigma: ladder values must be finite; got {ladder_values}.")
    increasing = values[-1] >= values[0]
    ordered = np.maximum.accumulate(values) if increasing else -np.minimum.accumulate(values)
    target = value if increasing else -value
    if target < ordered[0] or target > ordered[-1]:
        end = float(sigmas[0] if target < ordered[0] else sigmas[-1])
        warnings.warn(
            f"blur_equivalent_sigma: value {value:.4g} lies outside the ladder's span "
            f"[{min(values):.4g}, {max(values):.4g}]; clipped to sigma {end:g}.",
            LadderRangeWarning,
            stacklevel=2,
        )
        return end
    # Linear interpolation; on a flat stretch the first (smallest) sigma reaching the target wins.
    first = np.searchsorted(ordered, target, side="left")
    if first == 0 or ordered[first] == target:
        return float(sigmas[first])
    lo, hi = first - 1, first
    return float(sigmas[lo] + (target - ordered[lo]) / (ordered[hi] - ordered[lo]) * (sigmas[hi] - sigmas[lo]))
