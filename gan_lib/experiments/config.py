"""Settings of the research-question experiments (notebooks 08 and 09), with QUICK and FULL profiles.

``QUICK`` runs notebooks 08 + 09 together in about 2-3 minutes on a 2-core CPU
inside the pipeline (toy scale: one real-data budget, two seeds, short
class-GAN training, a tiny classifier); ``FULL`` is the study the README reports
(four budgets, two synthetic ratios, five seeds = 140 classifier runs, per-class
generators trained 2000 steps), sized to finish in about an hour on that CPU.
Apply a profile with ``experiment_config("quick")`` or override single fields
with :func:`gan_lib.config.apply_overrides`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..config import PROFILES, profile_config

__all__ = ["ExperimentConfig", "FEATURE_SPACES", "QUICK", "FULL", "experiment_config"]


#: Feature spaces of RQ1 and the memorisation audit (:func:`gan_lib.experiments.spaces.feature_space`).
FEATURE_SPACES: tuple[str, ...] = ("inception", "randproj")


@dataclass(frozen=True)
class ExperimentConfig:
    """One resolved setting of the RQ1/RQ2/memorisation experiments."""

    # --- labelled lesion-insertion task ---
    lesion_kinds: tuple[str, ...] = ("gaussian", "spiculated", "calcifications")  # drawn uniformly per positive
    contrast: float = 0.25  # intensity added at the lesion peak, model units (range width 2); the difficulty knob
    radius_fraction: tuple[float, float] = (0.08, 0.16)  # lesion support radius as a fraction of the patch side
    positive_fraction: float = 0.5  # share of patches that receive a lesion
    task_image_size: int = 0  # side of the task's patches in pixels; 0 = the prepared dataset's size
    max_task_images: int = 0  # cap on images per split of the task (random subset); 0 = all
    # --- class-specific generation: one WGAN-GP generator per class, and one class-conditional WGAN-GP ---
    class_gan_profile: str = "quick"  # training profile of the class generators: "quick" (small nets) or "full"
    class_gan_steps: int = 2000  # generator steps per class generator
    conditional_gan_steps: int = 4000  # generator steps of the conditional generator (both classes' steps together)
    class_gan_batch_size: int = 32
    synthetic_pool_per_class: int = 1000  # generated once per class, arms draw from it
    # --- RQ2 classifier study ---
    budgets: tuple[int, ...] = (25, 50, 100, 0)  # real training images per class; 0 = all available
    synthetic_ratios: tuple[float, ...] = (1.0, 2.0)  # synthetic images per real image added
    n_seeds: int = 5  # seeds per (arm, budget, ratio)
    classifier_width: int = 16
    classifier_epochs: int = 20
    specificity: float = 0.9  # operating point for the sensitivity
    n_bootstrap: int = 1000  # bootstrap replicates for every interval
    # --- RQ1 quality / diversity ---
    rq1_set_size: int = 1000  # images per compared set (real expanded by each method)
    rq1_swd_descriptors: int = 128  # SWD descriptors per image and level (128 = Karras et al.'s setting)
    rq1_costly_bootstrap: int = 5  # bootstrap replicates behind the SWD/FID intervals (normal approximation)
    rq1_diversity_pairs: int = 1000  # image pairs for MS-SSIM and feature-spread diversity
    # --- feature space of RQ1 and the memorisation audit ---
    # "inception" (TF-Inception pool3; the weight-free space when its weights are missing) or "randproj"
    feature_space: str = "inception"
    # --- memorisation audit ---
    audit_generated: int = 1000  # generated images audited
    threshold_quantile: float = 0.05  # near-copy threshold: this quantile of held-out-to-train distances
    closest_pairs: int = 8  # pairs shown side by side

    def __post_init__(self) -> None:
        if self.feature_space not in FEATURE_SPACES:
            raise ValueError(
                f"ExperimentConfig: feature_space must be one of {FEATURE_SPACES}; got {self.feature_space!r}."
            )
        if not 0.0 < self.positive_fraction < 1.0:
            raise ValueError(
                f"ExperimentConfig: positive_fraction must lie in (0, 1), e.g. 0.1 for a rare finding; "
                f"got {self.positive_fraction!r}."
            )
        if self.class_gan_profile not in PROFILES:
            raise ValueError(
                f"ExperimentConfig: class_gan_profile must be one of {PROFILES}; got {self.class_gan_profile!r}."
            )


#: Toy scale for the pipeline and the notebook tests (2-3 min for 08 + 09 on 2 CPU cores).  The class generators'
#: steps only show that the machinery runs: 50 per class (100 for the conditional one) took 44 s of 08 on an idle
#: 2-core EPYC, 88 s at 100/200 (same run, 2026-12-02), and neither length makes useful samples.
QUICK: dict[str, Any] = {
    "class_gan_steps": 50,
    "conditional_gan_steps": 100,
    "class_gan_batch_size": 32,
    "synthetic_pool_per_class": 128,
    "budgets": (100,),
    "synthetic_ratios": (1.0,),
    "n_seeds": 2,
    "task_image_size": 32,
    "max_task_images": 512,
    "classifier_width": 8,
    "classifier_epochs": 8,
    "n_bootstrap": 200,
    "rq1_set_size": 128,
    "rq1_swd_descriptors": 32,
    "rq1_costly_bootstrap": 3,
    "rq1_diversity_pairs": 300,
    "audit_generated": 256,
    # Inception (0.11-0.16 s per image on 2 CPU cores) would add ~2 min to 08 and ~3.5 min to 09, past the
    # pipeline's budget; the weight-free space keeps them in it, and every row names its space.
    "feature_space": "randproj",
}

#: The study reported in the README, at the scale the research questions ask for: 4 real-data budgets x 2 synthetic
#: ratios x 5 seeds (140 classifier runs, 20 pairs per arm and ratio for the paired test), 1000-image RQ1 sets and
#: audit.  Task images are 32 px and the class generators use the quick networks (2000 steps per class, 4000 for the
#: conditional one), so the whole study runs on a 2-core CPU: before the conditional arm was added, notebook 08 took
#: 50 min and 09 24 s on an idle one (README, *Research questions*); the conditional generator and its 40 classifier
#: runs come on top.  A GPU affords the thesis-sized class generators at 64 px: override
#: ``class_gan_profile="full", task_image_size=64`` (estimated ~30 h on that CPU).
FULL: dict[str, Any] = {"task_image_size": 32}

_PROFILES = {"quick": QUICK, "full": FULL}


def experiment_config(profile: str = "quick", overrides: Mapping[str, Any] | None = None) -> ExperimentConfig:
    """The ``profile`` ("quick" or "full") settings with ``overrides`` applied
    (:func:`gan_lib.config.profile_config`)."""
    return profile_config(ExperimentConfig(), _PROFILES, profile, overrides)
