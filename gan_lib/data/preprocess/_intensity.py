"""Intensity steps: the MONOCHROME2 convention, in-breast windowing to [0, 1], and the model range [-1, 1].

The intensity conventions of the chain are set out in :mod:`gan_lib.data.preprocess`.
"""

from __future__ import annotations

import numpy as np

from gan_lib.data.preprocess._common import NoBreastFoundError, _check_2d

__all__ = ["to_monochrome2", "normalise_intensity", "unit_to_model_range"]


def to_monochrome2(image: np.ndarray, *, photometric: str = "MONOCHROME2") -> np.ndarray:
    """Return ``image`` with dense tissue bright (DICOM MONOCHROME2 convention).

    DICOM ``PhotometricInterpretation`` MONOCHROME1 stores dense tissue dark;
    it is inverted within the image's own value range (``max + min - x``) so
    that the value range and dtype-independent statistics are unchanged.

    Examples
    --------
    >>> to_monochrome2(np.array([[0, 10], [5, 10]]), photometric="MONOCHROME1")
    array([[10.,  0.],
           [ 5.,  0.]], dtype=float32)
    """
    image = _check_2d(image).astype(np.float32)
    kind = str(photometric).upper().strip()
    if kind == "MONOCHROME1":
        return (image.max() + image.min() - image).astype(np.float32)
    if kind != "MONOCHROME2":
        raise ValueError(
            f"to_monochrome2: photometric must be 'MONOCHROME1' or 'MONOCHROME2'; got {photometric!r}. "
            "Colour images must be converted to grey before preprocessing."
        )
    return image


def normalise_intensity(
    image: np.ndarray,
    *,
    mask: np.ndarray | None = None,
    percentiles: tuple[float, float] = (0.5, 99.5),
) -> np.ndarray:
    """Window ``image`` linearly to [0, 1] between two percentiles of its in-breast pixels.

    Scanners and digitisers differ in gain and offset; windowing by the
    breast's own percentiles (not the whole image's, which the background and
    labels dominate) puts every mammogram on a common scale.  Values outside
    the window are clipped.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        MONOCHROME2 intensities (apply :func:`to_monochrome2` first).
    mask : ndarray of bool, shape (H, W), optional
        Pixels that define the window (the breast); all pixels when omitted.
    percentiles : (low, high)
        Percentiles in [0, 100] mapped to 0 and 1.

    Returns
    -------
    ndarray, float32, shape (H, W), in [0, 1]

    Examples
    --------
    >>> normalise_intensity(np.array([[0.0, 5.0], [10.0, 20.0]]), percentiles=(0, 100))
    array([[0.  , 0.25],
           [0.5 , 1.  ]], dtype=float32)
    >>> normalise_intensity(np.array([[0.0, 5.0], [10.0, 20.0]]), mask=np.array([[0, 1], [1, 0]], bool),
    ...                     percentiles=(0, 100))
    array([[0., 0.],
           [1., 1.]], dtype=float32)
    """
    image = _check_2d(image).astype(np.float32)
    low_p, high_p = percentiles
    if not 0 <= low_p < high_p <= 100:
        raise ValueError(f"normalise_intensity: percentiles must satisfy 0 <= low < high <= 100; got {percentiles}.")
    values = image if mask is None else image[np.asarray(mask, dtype=bool)]
    if values.size == 0:
        raise NoBreastFoundError("normalise_intensity: the mask is empty; no pixels to window.")
    low, high = np.percentile(values, [low_p, high_p])
    if high <= low:
        return np.zeros_like(image) if mask is None else np.asarray(mask, dtype=np.float32)
    return np.clip((image - low) / (high - low), 0.0, 1.0).astype(np.float32)


def unit_to_model_range(image: np.ndarray) -> np.ndarray:
    """Map [0, 1] intensities to the model space [-1, 1] (``2 x - 1``, clipped).

    Examples
    --------
    >>> unit_to_model_range(np.array([0.0, 0.5, 1.0]))
    array([-1.,  0.,  1.], dtype=float32)
    """
    image = np.asarray(image, dtype=np.float32)
    return np.clip(2.0 * image - 1.0, -1.0, 1.0).astype(np.float32)
