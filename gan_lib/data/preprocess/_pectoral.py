"""Pectoral muscle suppression for MLO views: a straight-line fit to the bright chest-wall corner."""

from __future__ import annotations

import numpy as np
from skimage import filters, measure

from gan_lib.data.preprocess._common import Side, _check_2d

__all__ = ["suppress_pectoral"]


def suppress_pectoral(
    image: np.ndarray, mask: np.ndarray, *, chest_wall: Side = "left", top_fraction: float = 1 / 3
) -> np.ndarray:
    """Remove the pectoral muscle of an MLO view from ``mask`` with a straight-line fit.

    The muscle is the bright triangle in the upper chest-wall corner.
    Method: (1) Otsu threshold of the in-breast intensities inside the top
    ``top_fraction`` of the breast's rows and its chest-wall half; (2) keep
    the bright components touching the top chest-wall corner; (3) for each of
    their rows take the extent from the chest wall and fit ``width = a * row
    + b`` by least squares (the muscle edge is close to a line); (4) drop
    every mask pixel between the chest wall and that line.  The fit is used
    only if it is triangle-like: the line must reach the chest wall within
    the breast and start narrower than 80 % of the breast's top row.

    Limits: the pectoral edge is often slightly convex, so a line leaves or
    cuts a thin sliver; in dense breasts glandular tissue as bright as the
    muscle can join the candidate (restricting the search to the top third
    limits this); a faint muscle (common on digitised film) is left in place:
    then, and whenever the fit is not triangle-like, the mask is returned
    unchanged.  Use it on MLO views only.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        MONOCHROME2 intensities.
    mask : ndarray of bool, shape (H, W)
        Breast mask from :func:`breast_mask`.
    chest_wall : {"left", "right"}
        Side of the image the chest wall is on.
    top_fraction : float
        Fraction of the breast's rows, from the top, searched for the muscle.

    Returns
    -------
    ndarray of bool, shape (H, W): ``mask`` without the muscle.

    Examples
    --------
    >>> yy, xx = np.mgrid[:40, :40]
    >>> mask = np.ones((40, 40), bool)
    >>> image = np.where(xx + yy < 20, 2.0, 1.0)      # bright corner triangle
    >>> out = suppress_pectoral(image, mask)
    >>> bool(out[2, 2]), bool(out[30, 30])
    (False, True)
    """
    image = _check_2d(image).astype(np.float32)
    mask = _check_2d(mask, "mask").astype(bool)
    if image.shape != mask.shape:
        raise ValueError(f"suppress_pectoral: image {image.shape} and mask {mask.shape} differ in shape.")
    if chest_wall not in ("left", "right"):
        raise ValueError(f"suppress_pectoral: chest_wall must be 'left' or 'right'; got {chest_wall!r}.")
    flip = chest_wall == "right"
    img = image[:, ::-1] if flip else image
    msk = mask[:, ::-1] if flip else mask
    rows = np.flatnonzero(msk.any(axis=1))
    cols = np.flatnonzero(msk.any(axis=0))
    if rows.size < 4 or cols.size < 4:
        return mask.copy()
    top, bottom = rows[0], rows[-1]
    region = np.zeros_like(msk)
    region[top : top + max(2, int((bottom - top + 1) * top_fraction)), : cols[-1] // 2 + 1] = True
    region &= msk
    values = img[region]
    if values.size < 16 or np.ptp(values) == 0:
        return mask.copy()
    bright = region & (img > filters.threshold_otsu(values))
    labels = measure.label(bright)
    corner = labels[top : top + max(2, (bottom - top) // 20), : max(2, cols[-1] // 20)]
    seeds = np.unique(corner[corner > 0])
    if seeds.size == 0:
        return mask.copy()
    muscle = np.isin(labels, seeds)
    muscle_rows = np.flatnonzero(muscle.any(axis=1))
    widths = np.array([np.flatnonzero(muscle[r])[-1] + 1 for r in muscle_rows], dtype=float)
    if muscle_rows.size < 3:
        return mask.copy()
    slope, intercept = np.polyfit(muscle_rows, widths, 1)
    # A muscle is a triangle: its edge must reach the chest wall within the breast, and not span the breast.
    meets_wall = slope < 0 and -intercept / slope <= bottom
    top_width = msk[top].sum()
    if not meets_wall or slope * top + intercept > 0.8 * max(top_width, 1) + 1:
        return mask.copy()
    yy, xx = np.mgrid[: msk.shape[0], : msk.shape[1]]
    out = msk & ~(xx < slope * yy + intercept)
    return out[:, ::-1].copy() if flip else out
