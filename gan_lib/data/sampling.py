"""Turn one preprocessed mammogram into training examples: tissue patches or one whole image."""

from __future__ import annotations

import numpy as np

from gan_lib.data.preprocess import crop_to_mask, pad_to_square, resize

__all__ = ["valid_corners", "corner_runs", "runs_to_corners", "sample_patches", "whole_image"]


def valid_corners(mask: np.ndarray, *, size: int, min_tissue_fraction: float) -> np.ndarray:
    """Which top-left corners give a ``size`` x ``size`` patch that is mostly breast.

    A corner ``(r, c)`` is valid when the patch's centre pixel lies in ``mask``
    and at least ``min_tissue_fraction`` of its pixels do (all positions at once
    with a summed-area table).

    Parameters
    ----------
    mask : ndarray of bool, shape (H, W)
    size : int
        Patch side in pixels.
    min_tissue_fraction : float in [0, 1]

    Returns
    -------
    ndarray of bool, shape (H - size + 1, W - size + 1); shape (0, 0) when ``size > min(H, W)``.

    Examples
    --------
    >>> m = np.zeros((6, 6), bool); m[1:5, 1:5] = True
    >>> int(valid_corners(m, size=2, min_tissue_fraction=1.0).sum())
    9
    """
    mask = np.asarray(mask, dtype=bool)
    if not 0.0 <= min_tissue_fraction <= 1.0:
        raise ValueError(f"valid_corners: min_tissue_fraction must be in [0, 1]; got {min_tissue_fraction}.")
    if size > min(mask.shape):
        return np.zeros((0, 0), bool)
    table = np.pad(mask.astype(np.int64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    # tissue[r, c] = mask pixels in the patch with top-left (r, c), for every valid corner.
    tissue = table[size:, size:] - table[:-size, size:] - table[size:, :-size] + table[:-size, :-size]
    centre = mask[size // 2 : size // 2 + tissue.shape[0], size // 2 : size // 2 + tissue.shape[1]]
    return (tissue >= min_tissue_fraction * size * size) & centre


def corner_runs(valid: np.ndarray) -> np.ndarray:
    """The valid corners as row runs: ``int32 (n_runs, 3)`` of ``(row, first column, length)``, row-major.

    A breast's valid corners form about one run per row, so the table is a few
    kB per image where the corner list would be megabytes; the k-th corner of
    the runs is the k-th row of ``np.argwhere(valid)``.

    Examples
    --------
    >>> corner_runs(np.array([[0, 1, 1, 0, 1], [0, 0, 0, 0, 0]], bool)).tolist()
    [[0, 1, 2], [0, 4, 1]]
    """
    valid = np.asarray(valid, dtype=bool)
    if valid.size == 0:
        return np.zeros((0, 3), np.int32)
    padded = np.pad(valid, ((0, 0), (1, 1))).astype(np.int8)
    edges = np.diff(padded, axis=1)
    starts, ends = np.argwhere(edges == 1), np.argwhere(edges == -1)  # both row-major, paired in order
    return np.column_stack([starts[:, 0], starts[:, 1], ends[:, 1] - starts[:, 1]]).astype(np.int32)


def runs_to_corners(runs: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The ``index``-th valid corners (row-major order) of a run table: ``int64 (k, 2)`` of ``(row, col)``.

    Examples
    --------
    >>> runs_to_corners(np.array([[0, 1, 2], [0, 4, 1]]), np.array([2, 0])).tolist()
    [[0, 4], [0, 1]]
    """
    runs = np.asarray(runs, dtype=np.int64)
    index = np.asarray(index, dtype=np.int64)
    ends = np.cumsum(runs[:, 2])
    if index.size and (index.min() < 0 or index.max() >= (ends[-1] if len(ends) else 0)):
        raise IndexError(f"runs_to_corners: index outside [0, {ends[-1] if len(ends) else 0}).")
    run = np.searchsorted(ends, index, side="right")
    offset = index - (ends[run] - runs[run, 2])
    return np.column_stack([runs[run, 0], runs[run, 1] + offset]).astype(np.int64)


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

    Top-left corners are drawn uniformly among the :func:`valid_corners`
    (patch centre in ``mask`` and at least ``min_tissue_fraction`` of its
    pixels in it).  Corners are distinct but patches may overlap.  Fewer
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
    candidates = np.argwhere(valid_corners(mask, size=size, min_tissue_fraction=min_tissue_fraction))
    if candidates.size == 0:
        return np.empty((0, size, size), np.float32), np.empty((0, 2), np.int64)
    chosen = candidates[rng.choice(len(candidates), size=min(count, len(candidates)), replace=False)]
    patches = np.stack([image[r : r + size, c : c + size] for r, c in chosen]).astype(np.float32)
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
