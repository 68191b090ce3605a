"""Small, pure preprocessing steps for one mammogram (thesis section X-A).

Each function takes an image first (a 2-D array ``(H, W)``), options
keyword-only, and returns a new array; none reads files or keeps state.
:func:`gan_lib.data.dataset.prepare_dataset` chains them in this order::

    downscale -> to_monochrome2 -> breast_mask -> [suppress_pectoral, MLO only]
    -> normalise_intensity -> remove_outside_mask -> flip_to_side
    -> (whole: crop_to_mask -> pad_to_square -> resize) | (patch: sample_patches)
    -> scale_to_model_range

Intensity conventions: raw pixels are whatever the file holds (``uint8``,
``uint16`` or float); after :func:`normalise_intensity` an image is
``float32`` in [0, 1] with 0 = background (dark), and
:func:`scale_to_model_range` maps that to the model space [-1, 1].
"""
from __future__ import annotations

import math
from typing import Literal

import numpy as np
from scipy import ndimage as ndi
from skimage import filters, measure, transform

__all__ = [
    "NoBreastFoundError",
    "downscale",
    "to_monochrome2",
    "breast_mask",
    "chest_wall_side",
    "suppress_pectoral",
    "normalise_intensity",
    "remove_outside_mask",
    "flip_to_side",
    "bounding_box",
    "crop_to_mask",
    "pad_to_square",
    "resize",
    "scale_to_model_range",
]

Side = Literal["left", "right"]


class NoBreastFoundError(ValueError):
    """Raised when an image holds no region that could be a breast."""


def _check_2d(image: np.ndarray, name: str = "image") -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(
            f"{name}: expected a single-channel 2-D array (H, W); got shape {image.shape}. "
            "Convert colour images to grey first."
        )
    return image


def downscale(image: np.ndarray, scale: float) -> np.ndarray:
    """Shrink ``image`` by ``scale`` (output pixels per input pixel) with anti-aliasing.

    The integer part of ``1 / scale`` is done by block averaging
    (:func:`skimage.transform.downscale_local_mean`, itself an anti-aliasing box
    filter and ~10x faster than a Gaussian on a 4500 x 2800 scan); any
    remaining non-integer factor by :func:`skimage.transform.rescale` with
    ``anti_aliasing=True``.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        Any numeric dtype.
    scale : float in (0, 1]
        ``0.25`` turns a 4000-pixel side into 1000 pixels.

    Returns
    -------
    ndarray, float32, shape about ``(H * scale, W * scale)``

    Examples
    --------
    >>> downscale(np.arange(16.0).reshape(4, 4), 0.5)
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """
    image = _check_2d(image)
    if not 0.0 < scale <= 1.0:
        raise ValueError(f"downscale: scale must be in (0, 1] (output pixels per input pixel); got {scale}.")
    factor = 1.0 / scale
    block = max(1, int(math.floor(factor + 1e-6)))
    out = image.astype(np.float32, copy=False)
    if block > 1:
        out = transform.downscale_local_mean(out, (block, block)).astype(np.float32)
    rest = block / factor
    if abs(rest - 1.0) > 1e-6:
        out = transform.rescale(out, rest, anti_aliasing=True, preserve_range=True).astype(np.float32)
    return out


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
    left, right = mask[:, :half].sum(), mask[:, mask.shape[1] - half:].sum()
    if left == right == 0:
        raise NoBreastFoundError("chest_wall_side: the mask is empty.")
    return "left" if left >= right else "right"


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
    region[top:top + max(2, int((bottom - top + 1) * top_fraction)), : cols[-1] // 2 + 1] = True
    region &= msk
    values = img[region]
    if values.size < 16 or np.ptp(values) == 0:
        return mask.copy()
    bright = region & (img > filters.threshold_otsu(values))
    labels = measure.label(bright)
    corner = labels[top: top + max(2, (bottom - top) // 20), : max(2, cols[-1] // 20)]
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


def flip_to_side(image: np.ndarray, *, chest_wall: Side, side: Side = "left") -> np.ndarray:
    """Mirror ``image`` left-right so that its chest wall ends up on ``side``.

    With every breast on one side the generator does not have to learn two
    mirrored layouts.  In the standard display a left breast has its chest
    wall on the image's left.

    Examples
    --------
    >>> flip_to_side(np.array([[0, 1]]), chest_wall="right", side="left")
    array([[1, 0]])
    """
    image = _check_2d(image)
    for name, value in (("chest_wall", chest_wall), ("side", side)):
        if value not in ("left", "right"):
            raise ValueError(f"flip_to_side: {name} must be 'left' or 'right'; got {value!r}.")
    return image[:, ::-1].copy() if chest_wall != side else image.copy()


def bounding_box(mask: np.ndarray, *, margin: float = 0.02) -> tuple[int, int, int, int]:
    """The box ``(row0, row1, col0, col1)`` (half-open) around ``mask``, grown by ``margin`` x its size.

    The margin keeps the skin line off the image edge; the box is clipped to the image.

    Examples
    --------
    >>> m = np.zeros((10, 10), bool); m[2:5, 3:8] = True
    >>> bounding_box(m, margin=0)
    (2, 5, 3, 8)
    """
    mask = _check_2d(mask, "mask").astype(bool)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        raise NoBreastFoundError("bounding_box: the mask is empty.")
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    dr, dc = int(round(margin * (r1 - r0))), int(round(margin * (c1 - c0)))
    height, width = mask.shape
    return int(max(0, r0 - dr)), int(min(height, r1 + dr)), int(max(0, c0 - dc)), int(min(width, c1 + dc))


def crop_to_mask(image: np.ndarray, mask: np.ndarray, *, margin: float = 0.02) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Crop ``image`` to the breast's bounding box; returns the crop and the box (see :func:`bounding_box`).

    Examples
    --------
    >>> m = np.zeros((4, 4), bool); m[1:3, 1:3] = True
    >>> crop, box = crop_to_mask(np.arange(16).reshape(4, 4), m, margin=0)
    >>> crop, box
    (array([[ 5,  6],
           [ 9, 10]]), (1, 3, 1, 3))
    """
    image = _check_2d(image)
    if image.shape != np.shape(mask):
        raise ValueError(f"crop_to_mask: image {image.shape} and mask {np.shape(mask)} differ in shape.")
    box = bounding_box(mask, margin=margin)
    return image[box[0]:box[1], box[2]:box[3]].copy(), box


def pad_to_square(image: np.ndarray, *, chest_wall: Side = "left", fill: float = 0.0) -> np.ndarray:
    """Pad ``image`` with ``fill`` to a square without distorting it.

    Extra columns go on the side away from the chest wall (so the breast stays
    attached to its edge); extra rows are split evenly above and below.

    Examples
    --------
    >>> pad_to_square(np.ones((2, 1)), chest_wall="left")
    array([[1., 0.],
           [1., 0.]])
    """
    image = _check_2d(image)
    height, width = image.shape
    size = max(height, width)
    top = (size - height) // 2
    pad_rows = (top, size - height - top)
    pad_cols = (0, size - width) if chest_wall == "left" else (size - width, 0)
    return np.pad(image, (pad_rows, pad_cols), constant_values=fill)


def resize(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Anti-aliased resize (:func:`skimage.transform.resize`, bilinear, Gaussian pre-filter) keeping the value range.

    Returns ``float32`` of ``shape``; values stay within the input's range.

    Examples
    --------
    >>> out = resize(np.eye(8), (4, 4))
    >>> out.shape, out.dtype, bool(0 <= out.min() and out.max() <= 1)
    ((4, 4), dtype('float32'), True)
    """
    image = _check_2d(image).astype(np.float32)
    out = transform.resize(image, shape, order=1, anti_aliasing=True, preserve_range=True, mode="edge")
    return np.clip(out, image.min(), image.max()).astype(np.float32)


def scale_to_model_range(image: np.ndarray) -> np.ndarray:
    """Map [0, 1] intensities to the model space [-1, 1] (``2 x - 1``, clipped).

    Examples
    --------
    >>> scale_to_model_range(np.array([0.0, 0.5, 1.0]))
    array([-1.,  0.,  1.], dtype=float32)
    """
    image = np.asarray(image, dtype=np.float32)
    return np.clip(2.0 * image - 1.0, -1.0, 1.0).astype(np.float32)
