"""Settings of an evaluation (notebooks 03–06): sample sizes, bootstrap resamples and texture options.

:class:`EvaluationConfig` holds the defaults; the :data:`QUICK` and
:data:`FULL` profiles are override dicts laid on it by
:func:`evaluation_config`, as for the data and training configs
(``gan_lib.config.apply_overrides`` refuses unknown keys).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from gan_lib.config import profile_config

__all__ = ["EvaluationConfig", "QUICK", "FULL", "evaluation_config"]


@dataclasses.dataclass(frozen=True)
class EvaluationConfig:
    """Settings of notebooks 03–05 (profiles :data:`QUICK` and :data:`FULL`)."""

    checkpoint: str = "last"  # the run's checkpoint sampled: "last" or "best" (checkpoints/best.pt, else last.pt)
    n_generated: int = 256  # generated images evaluated
    seed: int = 0  # seeds generation, subsets, pairings, bootstrap and SWD draws
    max_real: int = 1024  # at most this many training images (the reference set; random subset without replacement)
    real_crops: int = 0  # > 0: every real set is this many fresh random crops of its split's working images (patch
    # mode, each view weighted equally, with replacement) instead of the fixed patch set; FID
    # needs >= fid_min_images (2048) per set, so set n_generated to the same number
    swd_max_images: int = 256  # SWD compares random subsets of at most this many images per set (cost ~ linear)
    n_resamples: int = 1000  # percentile-bootstrap resamples of cheap statistics (means, MPVD, GLCM shift)
    n_costly_bootstrap: int = 4  # bootstrap replicates behind the SWD and FID intervals (normal approximation)
    texture_resamples: int = 200  # percentile-bootstrap resamples of the GLCM shift (18 Wasserstein distances each)
    diversity_pairs: int = 1000  # image pairs for the mean pairwise MS-SSIM of each set
    kid_subset_size: int = 1000  # KID subset size (capped by the set sizes)
    kid_subsets: int = 100  # KID subsets
    pr_k: int = 3  # neighbourhood size of improved precision/recall
    fid_min_images: int = 2048  # FID is refused below this many images per set (feature dimension)
    inception_max_images: int = 0  # Inception features (KID, precision/recall) of at most this many per set; 0 = all
    glcm_levels: int = 32  # GLCM grey levels (level 0 reserved for background)
    min_tissue_fraction: float = 0.5  # texture: images with less tissue are skipped (counted)
    edge_percentile: float = 90.0  # edge threshold = this percentile of the training set's tissue Sobel magnitudes


#: Quick profile: minutes on a 2-core CPU.
#: Inception costs 0.11-0.16 s per image on a 2-core CPU, so the quick profile takes its
#: features of 96 images per set (4 x 128 took 77 s of Table 1; 96 keeps ``make pipeline``
#: inside its 12 minutes); FID needs 2048 anyway.
QUICK: dict[str, Any] = {
    "n_generated": 256,
    "max_real": 1024,
    "swd_max_images": 256,
    "n_resamples": 1000,
    "n_costly_bootstrap": 4,
    "texture_resamples": 200,
    "diversity_pairs": 1000,
    "inception_max_images": 96,
}
#: Full profile: the study's numbers (FID becomes possible once both sets reach 2048 images).
FULL: dict[str, Any] = {
    "n_generated": 10000,
    "max_real": 10000,
    "swd_max_images": 4096,
    "n_resamples": 2000,
    "n_costly_bootstrap": 20,
    "texture_resamples": 1000,
    "diversity_pairs": 5000,
}


def evaluation_config(profile: str = "quick", overrides: Mapping[str, Any] | None = None) -> EvaluationConfig:
    """The :class:`EvaluationConfig` of ``profile`` with ``overrides`` (``None`` keeps the profile value).

    Examples
    --------
    >>> evaluation_config("quick", {"n_generated": 64}).n_generated
    64
    """
    return profile_config(EvaluationConfig(), {"quick": QUICK, "full": FULL}, profile, overrides)
