"""Segmentation: the breast mask, the chest-wall side it is attached to, and erasing what lies outside it."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi
from skimage import filters, measure

from gan_lib.data.preprocess._common import NoBreastFoundError, Side, _check_2d

__all__ = ["breast_mask", "chest_wall_side", "remove_outside_mask"]


def _largest_component(mask: np.ndarray) -> np.ndarray:
    labels = measure.label(mask, connectivity=2)
    if labels.max() == 0:
        return np.zeros_like(mask, dtype=bool)
    counts = np.bincount(labels.ravel())
    counts[0] = 0
    return labels == counts.argmax()


def _binary_opening(mask: np.ndarray, radius: float) -> np.ndarray:
    """Opening by a Euclidean disk of ``radius`` pixels via distance transforms (O(N), any radius).

    Outside the image counts as background, so a strip along the image border
    is removed when it is thinner than the disk, like any other thin structure.
    """
    if radius <= 0:
        return mask
    padded = np.pad(mask, 1)
    eroded = ndi.distance_transform_edt(padded) > radius
    return (ndi.distance_transform_edt(~eroded) <= radius)[1:-1, 1:-1]


def _dilate(mask: np.ndarray, radius: float) -> np.ndarray:
    """Dilation by a Euclidean disk of ``radius`` pixels."""
    return ndi.distance_transform_edt(~mask) <= radius


def breast_mask(
    image: np.ndarray,
    *,
    threshold: float | None = None,
    opening_fraction: float = 0.025,
    core_fraction: float = 0.08,
    min_area_fraction: float = 0.01,
) -> np.ndarray:
    """Segment the breast: Otsu threshold, opening, largest connected component, holes filled.

    1. Threshold: Otsu's method on ``log1p(image - min)`` computed over the
       pixels above the image minimum.  The log spreads the dim skin line and
       subcutaneous fat away from the film background, and leaving out the
       minimum-valued pixels stops the zero padding that digitisers add (half
       of a CBIS-DDSM scan) from dominating the histogram.
    2. Morphological opening with a disk of radius ``opening_fraction`` x the
       shorter image side: cuts thin scanner-border strips and film edges that
       touch the breast, and removes labels' thin strokes.
    3. The breast's *core*: the largest component after a wider opening
       (``core_fraction``), which also removes the broad unexposed film band
       that screen-film scans show along the chest wall above and below the
       breast.  Only pixels of step 2 within ``core_fraction / 2`` x the side
       of the core are kept, which restores the skin line and nipple that the
       wide opening rounds off.
    4. The largest 8-connected component (labels and markers are smaller and
       separate), with holes filled (:func:`scipy.ndimage.binary_fill_holes`).

    Limits: a label or film band touching the breast stays attached (up to
    ``core_fraction / 2`` x the side from the breast) if thicker than the
    wide opening disk; on images whose background is exactly zero *and* whose
    breast histogram is strongly bimodal the threshold can fall inside the
    breast: pass ``threshold`` explicitly then.  Run it at a reduced
    resolution (e.g. longer side ~500 px): the opening costs O(pixels).

    Parameters
    ----------
    image : ndarray, shape (H, W)
        MONOCHROME2 intensities (dense = bright), any scale.
    threshold : float, optional
        Fixed threshold in the units of ``image``; overrides Otsu.
    opening_fraction : float
        Opening disk radius as a fraction of ``min(H, W)``; 0 disables it.
    core_fraction : float
        Radius of the wider opening that finds the breast's core, same units; 0 disables it.
    min_area_fraction : float
        A component smaller than this fraction of the image is not a breast.

    Returns
    -------
    ndarray of bool, shape (H, W)

    Raises
    ------
    NoBreastFoundError
        If the image is constant or the largest component is too small.

    Examples
    --------
    >>> yy, xx = np.mgrid[:9, :9]
    >>> disk = ((yy - 4) ** 2 + (xx - 4) ** 2 <= 9).astype(float)
    >>> bool((breast_mask(disk, opening_fraction=0, core_fraction=0) == (disk > 0)).all())
    True
    """
    image = _check_2d(image).astype(np.float32)
    if threshold is None:
        values = np.log1p(image - image.min())
        above = values[values > 0]
        if above.size == 0 or np.ptp(above) == 0:
            if above.size == 0:
                raise NoBreastFoundError(
                    "breast_mask: the image is constant; nothing to segment. Check that the file holds a mammogram."
                )
            foreground = values > 0
        else:
            foreground = values > filters.threshold_otsu(above)
    else:
        foreground = image > threshold
    side = min(image.shape)
    detail = _binary_opening(foreground, opening_fraction * side)
    core = _largest_component(_binary_opening(foreground, core_fraction * side))
    if core.any():  # keep the detail (skin line, nipple) only near the breast's core
        detail &= _dilate(core, 0.5 * core_fraction * side)
    mask = ndi.binary_fill_holes(_largest_component(detail))
    if mask.sum() < min_area_fraction * mask.size:
        raise NoBreastFoundError(
            f"breast_mask: the largest bright region covers {mask.mean():.2%} of the image, below "
            f"min_area_fraction={min_area_fraction:.2%}; no breast found. Check the image, or pass threshold=."
        )
    return mask


def chest_wall_side(mask: np.ndarray) -> Side:
    """The image side ('left' or 'right') the breast is attached to: the half holding more breast pixels.

    The chest wall is where a mammogram's breast is widest, so the half of the
    columns holding more mask pixels is the chest-wall side.

    Examples
    --------
    >>> m = np.zeros((4, 6), bool); m[:, :2] = True
    >>> chest_wall_side(m)
    'left'
    """
    mask = _check_2d(mask, "mask").astype(bool)
    half = mask.shape[1] // 2
    left, right = mask[:, :half].sum(), mask[:, mask.shape[1] - half :].sum()
    if left == right == 0:
        raise NoBreastFoundError("chest_wall_side: the mask is empty.")
    return "left" if left >= right else "right"


def remove_outside_mask(image: np.ndarray, mask: np.ndarray, *, fill: float = 0.0) -> np.ndarray:
    """Set every pixel outside ``mask`` to ``fill``: erases labels, markers and scanner borders.

    Examples
    --------
    >>> remove_outside_mask(np.array([[1.0, 9.0]]), np.array([[True, False]]))
    array([[1., 0.]], dtype=float32)
    """
    image = _check_2d(image)
    mask = _check_2d(mask, "mask").astype(bool)
    if image.shape != mask.shape:
        raise ValueError(f"remove_outside_mask: image {image.shape} and mask {mask.shape} differ in shape.")
    return np.where(mask, image, fill).astype(np.float32)
