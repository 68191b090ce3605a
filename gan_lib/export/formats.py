"""Writing generated images: 8- and 16-bit PNG, 16-bit TIFF, DICOM, ``.npy``, and an animated GIF of a walk.

=========  ============================================================  =============================
format     file(s)                                                       values
=========  ============================================================  =============================
``png``    ``<stem>_<seed>.png``, 8-bit grey                             ``round((x + 1) * 127.5)``
``png16``  ``<stem>_<seed>.png``, 16-bit grey                            ``round((x + 1) * 32767.5)``
``tiff``   ``<stem>_<seed>.tif``, 16-bit grey (tifffile)                 ``round((x + 1) * 32767.5)``
``dicom``  ``<stem>_<seed>.dcm``, marked synthetic (:mod:`.dicom`)        ``round((x + 1) * 32767.5)``
``npy``    one array ``(N, H, W)`` float32 (``out`` itself if it ends    ``x`` in [-1, 1] unchanged
           in ``.npy``, else ``out/<stem>s.npy``)
=========  ============================================================  =============================

The 16-bit formats keep the generator's full intensity range (65,536 levels);
PNG and TIFF carry a description saying the image is synthetic and which
generator file (SHA-256) made it.  Every file is written atomically.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
import tifffile
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from ..atomic import atomic_path
from ..imaging import to_uint8
from .dicom import to_uint16, write_dicoms

__all__ = ["FORMATS", "write_images", "write_gif"]

#: Output formats of ``python -m gan_lib.generate --format``.
FORMATS = ("png", "png16", "tiff", "dicom", "npy")
_SUFFIX = {"png": ".png", "png16": ".png", "tiff": ".tif"}


def write_images(
    images: np.ndarray,
    out: str | os.PathLike[str],
    *,
    fmt: str = "png",
    seeds: Sequence[int] | None = None,
    model_name: str = "",
    model_sha256: str = "",
    stem: str = "sample",
) -> list[Path]:
    """Write ``images (N, H, W)`` in [-1, 1] to the folder (or ``.npy`` file) ``out`` in format ``fmt``.

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        In model space [-1, 1].
    out : path-like
        A folder (created if missing); for ``npy``, a file ending in ``.npy`` or a folder.
    fmt : str, keyword-only
        One of :data:`FORMATS` (table in the module docstring).
    seeds : sequence of int, optional, keyword-only
        Number in each file name (default ``0 .. N-1``).
    model_name, model_sha256 : str, keyword-only
        The generator file, recorded in DICOM, PNG and TIFF descriptions.
    stem : str, keyword-only
        File-name prefix (``frame`` for a latent walk).

    Returns
    -------
    list of Path
        The files written.
    """
    if fmt not in FORMATS:
        raise ValueError(f"--format must be one of {', '.join(FORMATS)}; got {fmt!r}.")
    seeds = list(range(len(images))) if seeds is None else [int(s) for s in seeds]
    if len(seeds) != len(images):
        raise ValueError(f"write_images: {len(images)} images but {len(seeds)} seeds.")
    out = Path(out)
    if fmt == "npy":
        target = out if out.suffix == ".npy" else out / f"{stem}s.npy"
        with atomic_path(target) as tmp:
            np.save(tmp, np.asarray(images, dtype=np.float32))
        return [target]
    if fmt == "dicom":
        return write_dicoms(images, out, model_name=model_name, model_sha256=model_sha256, seeds=seeds, stem=stem)
    description = (
        f"SYNTHETIC image (GAN), not a patient's mammogram; generator {model_name or 'unknown'} "
        f"sha256 {model_sha256 or 'unknown'}"
    )
    out.mkdir(parents=True, exist_ok=True)
    pixels = to_uint8(images) if fmt == "png" else to_uint16(images)
    paths = []
    for seed, image in zip(seeds, pixels):
        target = out / f"{stem}_{seed:05d}{_SUFFIX[fmt]}"
        with atomic_path(target) as tmp:
            if fmt == "tiff":
                tifffile.imwrite(tmp, image, photometric="minisblack", description=description)
            else:
                info = PngInfo()
                info.add_text("Description", description)
                Image.fromarray(image).save(tmp, format="PNG", pnginfo=info)
        paths.append(target)
    return paths


def write_gif(frames: np.ndarray, target: str | os.PathLike[str], *, duration_ms: int = 80) -> Path:
    """An animated GIF (looping, 8-bit grey) of ``frames (T, H, W)`` in [-1, 1], written atomically with Pillow."""
    pictures = [Image.fromarray(frame) for frame in to_uint8(frames)]
    with atomic_path(target) as tmp:
        pictures[0].save(
            tmp, format="GIF", save_all=True, append_images=pictures[1:], duration=int(duration_ms), loop=0
        )
    return Path(target)
