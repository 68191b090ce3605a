"""One mammogram through the whole preprocessing chain, with every intermediate kept for inspection.

Resolution plan (decoding a CBIS-DDSM scan takes ~0.3 s; everything after it
works on reduced copies so the quick profile prepares 8 scans in seconds):

* the breast mask is computed on a block-averaged copy whose longer side is at
  most ``mask_max_side`` pixels, then upsampled (nearest) to the working image;
* the working image is the scan shrunk by ``patch_scale`` (patch mode) or by an
  integer factor leaving ~4 x ``image_size`` pixels on the longer side (whole
  mode), always with anti-aliasing.

Coordinates written to the manifest are in the ORIGINAL pixel frame of the
file, before the laterality flip, so they can be drawn on the raw scan.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
from skimage import transform

from gan_lib.data.io import RawImage
from gan_lib.data.preprocess import (
    NoBreastFoundError,
    breast_mask,
    chest_wall_side,
    downscale,
    flip_to_side,
    normalise_intensity,
    remove_outside_mask,
    suppress_pectoral,
    to_monochrome2,
)
from gan_lib.data.settings import DataConfig

__all__ = ["PreprocessedMammogram", "working_scale", "preprocess_mammogram"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreprocessedMammogram:
    """A mammogram after preprocessing, plus what is needed to map back to the file."""

    raw: np.ndarray  # (h, w) float32 working-resolution intensities, MONOCHROME2, NOT flipped or normalised
    mask: np.ndarray  # (h, w) bool breast mask in the working frame, NOT flipped (pectoral removed if asked)
    image: np.ndarray  # (h, w) float32 in [0, 1]: normalised, zero outside the mask, flipped to flip_to
    flipped: bool  # True when ``image`` is mirrored relative to ``raw``
    chest_wall: str  # chest-wall side found in ``raw`` ("left" / "right")
    scale: tuple[float, float]  # (rows, cols) working pixels per original pixel
    original_shape: tuple[int, int]  # (H, W) of the file's pixel array

    @property
    def flipped_mask(self) -> np.ndarray:
        """``mask`` in the frame of ``image``."""
        return self.mask[:, ::-1] if self.flipped else self.mask

    def box_to_original(self, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """Map a ``(row0, row1, col0, col1)`` box in ``image``'s frame to the original pixel frame."""
        r0, r1, c0, c1 = box
        width = self.image.shape[1]
        if self.flipped:
            c0, c1 = width - c1, width - c0
        sy, sx = self.scale
        return (int(round(r0 / sy)), int(round(r1 / sy)), int(round(c0 / sx)), int(round(c1 / sx)))


def working_scale(original_shape: tuple[int, int], config: DataConfig) -> float:
    """Working pixels per original pixel: ``patch_scale`` (patch mode) or 1 / integer (whole mode).

    Examples
    --------
    >>> working_scale((4000, 2500), DataConfig(mode="whole", image_size=250))
    0.25
    """
    if config.mode == "patch":
        return config.patch_scale
    return 1.0 / max(1, math.floor(max(original_shape) / (4 * config.image_size)))


def preprocess_mammogram(raw: RawImage, *, view: str, config: DataConfig) -> PreprocessedMammogram:
    """Run the chain of :mod:`gan_lib.data.preprocess` on one decoded file.

    Parameters
    ----------
    raw : RawImage
        From :func:`gan_lib.data.io.read_image`.
    view : str
        "MLO" turns on pectoral suppression when ``config.pectoral_suppression``.
    config : DataConfig

    Raises
    ------
    NoBreastFoundError
        When the image holds no breast-like region (the caller names the file).
    """
    pixels = np.asarray(raw.pixels)
    if np.issubdtype(pixels.dtype, np.floating):
        finite = np.isfinite(pixels)
        if not finite.any():
            raise NoBreastFoundError("no finite pixel value: the image is NaN or infinite everywhere")
        if not finite.all():  # NaN/inf pixels (e.g. outside a detector's field) become background
            pixels = np.where(finite, pixels, pixels[finite].min())
    original_shape = (int(pixels.shape[0]), int(pixels.shape[1]))
    mask_block = max(1, math.ceil(max(original_shape) / config.mask_max_side))
    coarse = to_monochrome2(downscale(pixels, 1.0 / mask_block), photometric=raw.photometric)
    coarse_mask = breast_mask(coarse)
    chest_wall = chest_wall_side(coarse_mask)
    if config.pectoral_suppression and view.upper() == "MLO":
        coarse_mask = suppress_pectoral(coarse, coarse_mask, chest_wall=chest_wall)
    work = to_monochrome2(downscale(pixels, working_scale(original_shape, config)), photometric=raw.photometric)
    mask = transform.resize(coarse_mask, work.shape, order=0, anti_aliasing=False, preserve_range=True) > 0.5
    image = remove_outside_mask(normalise_intensity(work, mask=mask, percentiles=config.percentiles), mask)
    image = flip_to_side(image, chest_wall=chest_wall, side=config.flip_to)
    return PreprocessedMammogram(
        raw=work,
        mask=mask,
        image=image,
        flipped=chest_wall != config.flip_to,
        chest_wall=chest_wall,
        scale=(work.shape[0] / original_shape[0], work.shape[1] / original_shape[1]),
        original_shape=original_shape,
    )
