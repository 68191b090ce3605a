"""medigan's entry point: ``generate(model_file, num_samples, output_path, save_images)``.

medigan (Osuala et al., the model zoo of medical-imaging GANs) calls each
model package's ``generate`` with these four argument names (its
``templates/template.json``, ``generate_method.args.base``) plus the custom
ones its config lists; here ``seed`` (image ``i`` comes from latent seed
``seed + i``, :mod:`gan_lib.latents`) and ``output_format``.  The export
writes an ``__init__.py`` calling this function beside ``model.safetensors``,
so the folder is a medigan model package.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..imaging import to_uint8
from .formats import write_images
from .model_file import file_sha256

__all__ = ["generate", "PACKAGE_INIT"]

#: The ``__init__.py`` written beside an exported model (medigan imports the package and calls ``generate``).
PACKAGE_INIT = '''"""medigan model package of a mammo-wgan generator (needs mammo-wgan: pip install -e <repo>)."""
from gan_lib.export.medigan import generate  # noqa: F401
'''


def generate(
    model_file: str | os.PathLike[str],
    num_samples: int = 16,
    output_path: str | os.PathLike[str] | None = None,
    save_images: bool = True,
    seed: int = 0,
    output_format: str = "png",
) -> list[np.ndarray] | None:
    """Draw ``num_samples`` images from an exported generator, medigan-style.

    Parameters
    ----------
    model_file : path-like
        ``model.safetensors`` written by ``python -m gan_lib.export``.
    num_samples : int
        Number of images.
    output_path : path-like, optional
        Folder receiving the images when ``save_images`` (required then).
    save_images : bool
        Write files (and return ``None``, as medigan's packages do) or return the images.
    seed : int
        Image ``i`` is drawn from latent seed ``seed + i``.
    output_format : str
        ``png`` (8-bit), ``png16``, ``tiff``, ``dicom`` (marked synthetic) or ``npy``.

    Returns
    -------
    list of ndarray or None
        Without ``save_images``: ``num_samples`` arrays ``uint8 (H, W, 1)``, medigan's return type.
    """
    from ..generate import generate_seeds

    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1:
        raise ValueError(f"generate: num_samples must be a positive integer; got {num_samples!r}.")
    seeds = list(range(int(seed), int(seed) + num_samples))
    images = generate_seeds(model_file, seeds)
    if not save_images:
        return [image[:, :, None] for image in to_uint8(images)]
    if output_path is None:
        raise ValueError("generate: save_images=True needs output_path, the folder for the images.")
    write_images(
        images,
        output_path,
        fmt=output_format,
        seeds=seeds,
        model_name=Path(model_file).name,
        model_sha256=file_sha256(model_file),
    )
    return None
