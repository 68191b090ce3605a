"""The thesis' research questions answered with numbers (notebooks 08 and 09).

- :mod:`~gan_lib.experiments.lesions` — simulated masses and calcification clusters (virtual-clinical-trial style);
- :mod:`~gan_lib.experiments.labelled` — the labelled task: lesion insertion on prepared patches, or a user's manifest;
- :mod:`~gan_lib.experiments.augment` — traditional augmentation (flips, rotations, elastic, gamma/intensity);
- :mod:`~gan_lib.experiments.conditional` — class-specific generation: one WGAN-GP per class, or one conditional;
- :mod:`~gan_lib.experiments.fidelity` — label fidelity: does a generated image carry its class;
- :mod:`~gan_lib.experiments.classifier` — a small CNN, its training loop and metrics with CIs;
- :mod:`~gan_lib.experiments.rq1` — RQ1: quality and diversity of traditional vs GAN vs both;
- :mod:`~gan_lib.experiments.rq2` — RQ2: does synthetic data help a classifier (arms, budgets, seeds, paired tests);
- :mod:`~gan_lib.experiments.memorisation` — distance-to-closest-record audit and membership inference;
- :mod:`~gan_lib.experiments.features`, :mod:`~gan_lib.experiments.spaces` — named feature spaces;
- :mod:`~gan_lib.experiments.config` — :class:`ExperimentConfig` with QUICK/FULL profiles.
"""

from gan_lib.experiments.config import FULL, QUICK, ExperimentConfig, experiment_config

__all__ = ["ExperimentConfig", "QUICK", "FULL", "experiment_config"]
