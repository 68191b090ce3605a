"""Turn one preprocessed mammogram into training examples: tissue patches or one whole image."""
from __future__ import annotations

import numpy as np

from gan_lib.data.preprocess import crop_to_mask, pad_to_square, resize

__all__ = ["sample_patches", "whole_image"]


def sample_patches(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    size: int,
    count: int,
    min_tissue_fraction: float = 0.9,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Sample up to ``count`` square patches whose area is mostly breast.

    Top-left corners are drawn uniformly among positions whose patch centre
    lies in ``mask``; a patch is kept when at least ``min_tissue_fraction`` of
    its pixels are in ``mask`` (computed for every position at once with a
    summed-area table).  Corners are distinct but patches may overlap.  Fewer
    than ``count`` are returned when the breast holds fewer valid corners
    (the caller logs it).

    Parameters
    ----------
    image : ndarray, shape (H, W)
        Preprocessed image (any range; patches are copied from it).
    mask : ndarray of bool, shape (H, W)
        Breast mask.
    size : int
        Patch side in pixels of ``image``.
    count : int
        Number of patches wanted.
    min_tissue_fraction : float in [0, 1]
    rng : numpy.random.Generator
        Draws the corners (distinct corners, without replacement).

    Returns
    -------
    patches : ndarray, float32, shape (n, size, size), n <= count
    corners : ndarray, int64, shape (n, 2)
        ``(row, col)`` of each patch's top-left pixel in ``image``.

    Examples
    --------
    >>> img = np.zeros((20, 20)); m = np.zeros((20, 20), bool); m[5:15, 5:15] = True
    >>> p, c = sample_patches(img, m, size=4, count=3, min_tissue_fraction=1.0, rng=np.random.default_rng(0))
    >>> p.shape, bool(((c >= 5) & (c <= 11)).all())
    ((3, 4, 4), True)
    """
    image = np.asarray(image, dtype=np.float32)
    mask = np.asarray(mask, dtype=bool)
    if image.shape != mask.shape:
        raise ValueError(f"sample_patches: image {image.shape} and mask {mask.shape} differ in shape.")
    if not 0.0 <= min_tissue_fraction <= 1.0:
        raise ValueError(f"sample_patches: min_tissue_fraction must be in [0, 1]; got {min_tissue_fraction}.")
    height, width = image.shape
    if size > min(height, width):
        return np.empty((0, size, size), np.float32), np.empty((0, 2), np.int64)
    table = np.pad(mask.astype(np.int64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    # tissue[r, c] = mask pixels in the patch with top-left (r, c), for every valid corner.
    tissue = table[size:, size:] - table[:-size, size:] - table[size:, :-size] + table[:-size, :-size]
    centre = mask[size // 2: size // 2 + tissue.shape[0], size // 2: size // 2 + tissue.shape[1]]
    valid = (tissue >= min_tissue_fraction * size * size) & centre
    candidates = np.argwhere(valid)
    if candidates.size == 0:
        return np.empty((0, size, size), np.float32), np.empty((0, 2), np.int64)
    chosen = candidates[rng.choice(len(candidates), size=min(count, len(candidates)), replace=False)]
    patches = np.stack([image[r:r + size, c:c + size] for r, c in chosen]).astype(np.float32)
    return patches, chosen.astype(np.int64)


def whole_image(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    size: int,
    chest_wall: str = "left",
    margin: float = 0.02,
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Crop to the breast, pad to a square (background on the nipple side), resize to ``size`` x ``size``.

    Returns the ``float32`` image and the crop box ``(row0, row1, col0, col1)`` in ``image``'s frame.

    Examples
    --------
    >>> img = np.zeros((40, 30)); m = np.zeros((40, 30), bool); m[10:30, :10] = True; img[m] = 1
    >>> out, box = whole_image(img, m, size=8, margin=0)
    >>> out.shape, box
    ((8, 8), (10, 30, 0, 10))
    """
    crop, box = crop_to_mask(image, mask, margin=margin)
    square = pad_to_square(crop, chest_wall=chest_wall, fill=0.0)
    return resize(square, (size, size)), box
