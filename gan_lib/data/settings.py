"""``DataConfig``: every setting of the data stage, with the quick and full profiles."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from gan_lib.config import profile_config

__all__ = ["DataConfig", "QUICK", "FULL", "data_config"]


@dataclass(frozen=True)
class DataConfig:
    """How mammograms become a training set (see ``docs/ARCHITECTURE.md``, stage 1).

    Every field enters the cache key, so changing one prepares a new dataset
    under ``data/processed/<hash>/`` and leaves the old one untouched.
    """

    data_dir: str | None = None  # folder of DICOM/PNG/JPEG/TIFF/PGM mammograms; None = embedded CBIS-DDSM examples
    mode: str = "patch"  # "patch": tissue patches; "whole": each mammogram cropped, padded square and resized
    image_size: int = 64  # side of each training image in pixels (patch side, or whole-image side: 64/128/256)
    patch_scale: float = 0.125  # patch mode: output pixels per ORIGINAL pixel before sampling (0.125 = 1/8 size)
    patches_per_image: int = 256  # patch mode: patches sampled from each mammogram (distinct corners, may overlap)
    min_tissue_fraction: float = 0.9  # patch mode: least fraction of a patch's pixels inside the breast mask
    flip_to: str = "left"  # side every chest wall is mirrored to ("left" = how a left breast is displayed)
    pectoral_suppression: bool = True  # MLO views only: remove the pectoral muscle from the mask (line fit)
    percentiles: tuple[float, float] = (0.5, 99.5)  # in-breast intensity percentiles mapped to 0 and 1
    crop_margin: float = 0.02  # whole mode: margin around the breast box, fraction of the box size
    mask_max_side: int = 512  # the breast mask is computed on a copy whose longer side is at most this (pixels)
    split_fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)  # train / val / test share of PATIENTS
    heldout_per_patient: int = 1  # images (views) of each training patient held out for the same-patient floor
    skip_bad_images: bool = False  # True: skip unreadable files / images without a breast (logged, counted)
    ignore_manifests: bool = False  # True: never read CSV manifests in data_dir (metadata from DICOM tags / names)
    seed: int = 0  # seeds the patient split, the held-out views and the patch positions

    def __post_init__(self) -> None:
        problems = []
        if self.mode not in ("patch", "whole"):
            problems.append(f"mode must be 'patch' or 'whole'; got {self.mode!r}")
        if self.image_size < 8:
            problems.append(f"image_size must be >= 8 pixels; got {self.image_size}")
        if not 0.0 < self.patch_scale <= 1.0:
            problems.append(f"patch_scale must be in (0, 1] (output pixels per original pixel); got {self.patch_scale}")
        if self.patches_per_image < 1:
            problems.append(f"patches_per_image must be >= 1; got {self.patches_per_image}")
        if not 0.0 <= self.min_tissue_fraction <= 1.0:
            problems.append(f"min_tissue_fraction must be in [0, 1]; got {self.min_tissue_fraction}")
        if self.flip_to not in ("left", "right"):
            problems.append(f"flip_to must be 'left' or 'right'; got {self.flip_to!r}")
        if len(self.split_fractions) != 3 or self.split_fractions[0] <= 0 or min(self.split_fractions) < 0:
            problems.append(f"split_fractions must be (train > 0, val >= 0, test >= 0); got {self.split_fractions}")
        if self.heldout_per_patient < 0:
            problems.append(f"heldout_per_patient must be >= 0; got {self.heldout_per_patient}")
        if problems:
            raise ValueError("DataConfig: " + "; ".join(problems) + ".")


#: Quick profile: 64-pixel patches at 1/8 scale (each covers 512 x 512 scanner pixels, ~2.5 cm on CBIS-DDSM).
QUICK: dict[str, Any] = {"mode": "patch", "image_size": 64, "patch_scale": 0.125, "patches_per_image": 256}
#: Full profile: 128-pixel patches at 1/4 scale: the same field of view as QUICK at twice the resolution.
FULL: dict[str, Any] = {"mode": "patch", "image_size": 128, "patch_scale": 0.25, "patches_per_image": 512}


def data_config(profile: str = "quick", overrides: Mapping[str, Any] | None = None) -> DataConfig:
    """The ``DataConfig`` of ``profile`` ("quick" or "full") with ``overrides`` applied.

    ``None`` overrides keep the profile's value (papermill parameters left at
    ``None``); unknown names and wrong types are refused (:func:`gan_lib.config.profile_config`).

    Examples
    --------
    >>> data_config("full", {"seed": 3}).image_size, data_config("full", {"seed": 3}).seed
    (128, 3)
    """
    overrides = dict(overrides or {})
    if overrides.get("data_dir") is not None:  # one spelling per folder, so the cache key does not depend on it
        overrides["data_dir"] = str(Path(overrides["data_dir"]).expanduser().resolve())
    return profile_config(DataConfig(), {"quick": QUICK, "full": FULL}, profile, overrides)
