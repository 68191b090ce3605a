"""Image sets from folders (PNG, TIFF, DICOM, JPEG, PGM) or ``.npy`` files, in model space [-1, 1].

The metrics command (``python -m gan_lib.metrics``,
:mod:`gan_lib.evaluation.compare_folders`) compares two such sets.  Integer
pixels are scaled by their full range: 8-bit ``v / 127.5 - 1`` (the inverse
of :func:`gan_lib.imaging.to_uint8`, so an exported 8-bit PNG comes back
exactly), 16-bit ``v / 32767.5 - 1`` (the inverse of the 16-bit exports), and
a DICOM by its Bits Stored (``2^bits - 1`` is +1: a 12-bit mammogram keeps its
range); MONOCHROME1 images are inverted so that dense is bright.
Floating-point pixels must already be in [-1, 1].  Every image must have the
same size: the metrics other than FID compare pixels directly.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from gan_lib.data.io import DICOM_SUFFIXES, discover_images, read_image
from gan_lib.imaging import check_image_set

__all__ = ["to_model_space", "load_image_folder"]


def to_model_space(pixels: np.ndarray, *, bits: int | None = None, photometric: str = "MONOCHROME2") -> np.ndarray:
    """One image's stored pixels as ``float32`` in [-1, 1] (rules in the module docstring).

    Examples
    --------
    >>> to_model_space(np.array([[0, 255]], dtype=np.uint8))
    array([[-1.,  1.]], dtype=float32)
    >>> to_model_space(np.array([[0, 4095]], dtype=np.uint16), bits=12, photometric="MONOCHROME1")
    array([[ 1., -1.]], dtype=float32)
    """
    if np.issubdtype(pixels.dtype, np.integer):
        top = float(2**bits - 1) if bits else float(np.iinfo(pixels.dtype).max)
        image = pixels.astype(np.float64) / (top / 2.0) - 1.0
    else:
        image = pixels.astype(np.float64)
    if photometric.upper() == "MONOCHROME1":
        image = -image
    return image.astype(np.float32)


def _bits_stored(path: Path) -> int | None:
    """A DICOM's Bits Stored (``None`` for other files)."""
    if path.suffix.lower() not in DICOM_SUFFIXES:
        return None
    import pydicom

    bits = pydicom.dcmread(path, stop_before_pixels=True).get("BitsStored")
    return int(bits) if bits else None


def load_image_folder(source: str | os.PathLike[str], *, name: str = "folder") -> tuple[np.ndarray, list[Path]]:
    """All images below ``source`` (recursive, sorted by path) as ``float32 (N, H, W)`` in [-1, 1].

    Parameters
    ----------
    source : path-like
        A folder of image files, or one ``.npy`` file holding ``(N, H, W)`` in [-1, 1].
    name : str, keyword-only
        Names the set in errors (``REAL_DIR``, ``FAKE_DIR``).

    Returns
    -------
    images : ndarray, shape (N, H, W), float32
    files : list of Path
        The files read, in order (the ``.npy`` file alone for an array).

    Raises
    ------
    ValueError
        Naming the file when an image differs in size from the first, or lies outside [-1, 1].
    """
    source = Path(source)
    if source.suffix == ".npy" and source.is_file():
        return check_image_set(np.load(source), name=f"{name} {source}"), [source]
    files = discover_images(source)
    images = []
    for path in files:
        raw = read_image(path)
        image = to_model_space(raw.pixels, bits=_bits_stored(path), photometric=raw.photometric)
        if images and image.shape != images[0].shape:
            raise ValueError(
                f"{name}: {path} is {image.shape[1]}x{image.shape[0]} px but {files[0]} is "
                f"{images[0].shape[1]}x{images[0].shape[0]}; every image must have the same size "
                "(crop or resize them first)."
            )
        images.append(image)
    return check_image_set(np.stack(images), name=f"{name} {source}"), files
