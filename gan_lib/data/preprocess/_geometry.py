"""Geometry: anti-aliased resampling, the left-right flip, and framing the breast (box, crop, square pad)."""

from __future__ import annotations

import math

import numpy as np
from skimage import transform

from gan_lib.data.preprocess._common import NoBreastFoundError, Side, _check_2d

__all__ = ["downscale", "resize", "flip_to_side", "bounding_box", "crop_to_mask", "pad_to_square"]


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


def crop_to_mask(
    image: np.ndarray, mask: np.ndarray, *, margin: float = 0.02
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
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
    return image[box[0] : box[1], box[2] : box[3]].copy(), box


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
