"""Class-specific generation for RQ2: one WGAN-GP generator per class, and one class-conditional WGAN-GP.

Two ways to generate images of a given class, both trained only on the
classifier's *training* patient(s), so the test patient stays unseen by every
arm:

* **One generator per class** (:func:`train_class_generators`): the thesis's
  hybrid generator and trainer, unchanged, trained once per class on that
  class's images.  Each generator sees only its own class (about half the
  data, far less for a rare finding); sampling a class is sampling its
  generator, so no label can "leak" between classes.
* **One class-conditional generator** (:func:`train_conditional_generator`):
  :mod:`gan_lib.models.conditional`'s generator (label embedding joined to
  ``z``, conditional BatchNorm) and projection critic (Miyato & Koyama, ICLR
  2018), trained on every labelled image at once, so the tissue both classes
  share is learnt from all of them and the label only has to add the lesion.
  It gets the generator steps of both per-class generators together.

Both use the training recipe and network widths of the profile
``ExperimentConfig.class_gan_profile`` selects ("quick": the small networks the
CPU-scale study uses; "full": thesis-sized), at the task's image size.
Whether a sample carries its label is measured by
:func:`gan_lib.experiments.fidelity.label_fidelity`.

Run layout: ``<root>/class_<label>/`` and ``<root>/conditional/`` are regular
training run folders (``config.json``, ``checkpoints/last.pt``,
``train_log.csv``, ``samples/``); the generated pool of each class is cached
as ``<cache_root>/pool_class_<label>.npy`` with a JSON stamp (count, seed,
checkpoint time) so re-running the notebook reuses it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from gan_lib.config import apply_overrides
from gan_lib.generate import cached_generate, generate
from gan_lib.training import train as train_gan
from gan_lib.training.checkpoint import load_checkpoint
from gan_lib.training.config import EXECUTION_FIELDS, train_config_for_profile

from ..config import RunPaths
from ..imaging import check_image_set
from .labelled import LabelledSet

__all__ = [
    "GENERATOR_FIELDS",
    "generators_root",
    "class_gan_config",
    "conditional_gan_config",
    "class_run_dir",
    "conditional_run_dir",
    "train_class_generators",
    "train_conditional_generator",
    "generate_class_pools",
]

#: The ``ExperimentConfig`` fields that define the labelled task's training images and the generators trained on them.
GENERATOR_FIELDS: tuple[str, ...] = (
    "lesion_kinds",
    "contrast",
    "radius_fraction",
    "positive_fraction",
    "task_image_size",
    "max_task_images",
    "class_gan_profile",
    "class_gan_steps",
    "conditional_gan_steps",
    "class_gan_batch_size",
)

#: The networks of the class-conditional generator (``TrainConfig`` fields).
CONDITIONAL_NETWORKS: dict[str, Any] = {
    "generator": "conditional_hybrid_generator",
    "critic": "projection_critic",
    "num_classes": 2,
    "noise_stages": 0,  # the conditional generator has no noise inputs (the project recipe's generator has)
    "refine_stages": 0,  # nor a second conv per stage
    "generator_min_channels": 0,  # and keeps its own widths
}


def generators_root(run_folder: str | Path, config: Any, *, seed: int, labelled_manifest: str = "") -> Path:
    """``<run_folder>/rq2/generators_<hash>_seed<seed>/``, the folder of one setting's class generators.

    The hash covers :data:`GENERATOR_FIELDS`, the labelled manifest and the
    class generators' training method (every :class:`~gan_lib.training.TrainConfig`
    value of :func:`class_gan_config` and :func:`conditional_gan_config` but the
    :data:`~gan_lib.training.EXECUTION_FIELDS`), so a new recipe trains new
    generators in a new folder instead of failing to resume the old ones, and
    changing a setting of the classifier study or of RQ1 (budgets, seeds,
    bootstrap sizes, ...) reuses the trained generators; the classifier runs'
    cache is keyed on the whole config (:func:`gan_lib.config.config_hash`).
    """

    payload = (
        {name: getattr(config, name) for name in GENERATOR_FIELDS}
        | {"labelled_manifest": labelled_manifest}
        | {"training_method": _training_method(config)}
    )
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=list).encode()).hexdigest()[:12]
    return RunPaths(Path(run_folder)).rq2 / f"generators_{digest}_seed{int(seed)}"


def _training_method(config: Any) -> dict[str, dict[str, Any]]:
    """The experiment-defining TrainConfig values of both class-generator arms (no execution settings)."""

    sizes = {"image_size": config.task_image_size, "batch_size": config.class_gan_batch_size}
    arms = {
        "per_class": class_gan_config(config.class_gan_profile, steps=config.class_gan_steps, **sizes),
        "conditional": conditional_gan_config(config.class_gan_profile, steps=config.conditional_gan_steps, **sizes),
    }
    return {
        arm: {name: value for name, value in asdict(train).items() if name not in EXECUTION_FIELDS}
        for arm, train in arms.items()
    }


def class_gan_config(profile: str, *, image_size: int, steps: int, batch_size: int, seed: int = 0) -> Any:
    """The :class:`gan_lib.training.TrainConfig` of each class generator: ``profile``'s settings at the task's size.

    Only the image size, the number of generator steps (with no time budget),
    the batch size and the seed differ from the thesis model's ``profile`` settings.
    """

    # Checkpoints and sample grids only at the end: these runs are short and numerous.  One torch thread: on the
    # shared 2-core box a 32-px class generator ran at 0.56 s/step with 1 thread and 7-15 s/step with 2
    # (threads spin-waiting under load); on an idle machine the difference is small.
    return train_config_for_profile(
        profile,
        {
            "image_size": image_size,
            "steps": steps,
            "train_minutes": 0.0,  # a number of steps, not the quick profile's time budget
            "batch_size": batch_size,
            "seed": seed,
            "sample_every": steps,
            "checkpoint_every": steps,
            "num_threads": 1,
        },
    )


def conditional_gan_config(profile: str, *, image_size: int, steps: int, batch_size: int, seed: int = 0) -> Any:
    """:func:`class_gan_config` with the class-conditional networks of :mod:`gan_lib.models.conditional`."""

    return apply_overrides(
        class_gan_config(profile, image_size=image_size, steps=steps, batch_size=batch_size, seed=seed),
        CONDITIONAL_NETWORKS,
    )


def class_run_dir(root: str | Path, label: int) -> Path:
    """The training-run folder of the generator of class ``label`` under ``root``."""
    return Path(root) / f"class_{int(label)}"


def conditional_run_dir(root: str | Path) -> Path:
    """The training-run folder of the class-conditional generator under ``root``."""
    return Path(root) / "conditional"


def train_class_generators(
    train: LabelledSet,
    *,
    train_config: Any,
    root: str | Path,
    resume: bool = True,
) -> dict[int, Path]:
    """Train one WGAN-GP generator per class on that class's training images.

    Parameters
    ----------
    train : LabelledSet
        The classifier's training images (training patients only).
    train_config : gan_lib.training.TrainConfig
        Settings of each generator (same for both classes; its image size must
        match the images).
    root : path
        Parent folder; class ``k`` trains in ``root/class_k``.
    resume : bool
        Continue (or skip, when finished) a run whose checkpoint exists.

    Returns
    -------
    dict
        ``{label: checkpoint path}`` for labels 0 and 1.
    """

    checkpoints = {}
    for label in (0, 1):
        images = check_image_set(
            train.of_class(label), name=f"train_class_generators: class {label} images", min_count=2
        )
        folder = class_run_dir(root, label)
        has_checkpoint = RunPaths(folder).last_checkpoint.exists()
        train_gan(train_config, images, folder, resume=resume and has_checkpoint)
        checkpoints[label] = RunPaths(folder).last_checkpoint
    return checkpoints


def train_conditional_generator(
    train: LabelledSet,
    *,
    train_config: Any,
    root: str | Path,
    resume: bool = True,
) -> dict[int, Path]:
    """Train one class-conditional WGAN-GP on all of ``train``'s images and labels.

    ``train_config`` comes from :func:`conditional_gan_config`.  Returns
    ``{label: checkpoint path}`` for labels 0 and 1 (the same checkpoint), the
    form :func:`generate_class_pools` takes.
    """

    if getattr(train_config, "num_classes", 0) != 2:
        raise ValueError(
            "train_conditional_generator: train_config must be class-conditional with 2 classes; "
            "build it with conditional_gan_config(...)."
        )
    images = check_image_set(train.images, name="train_conditional_generator: images", min_count=2)
    folder = conditional_run_dir(root)
    has_checkpoint = RunPaths(folder).last_checkpoint.exists()
    train_gan(train_config, images, folder, labels=train.labels, resume=resume and has_checkpoint)
    return {label: RunPaths(folder).last_checkpoint for label in (0, 1)}


def generate_class_pools(
    checkpoints: dict[int, Path],
    n_per_class: int,
    *,
    seed: int = 0,
    cache_root: str | Path | None = None,
) -> dict[int, np.ndarray]:
    """Generate ``n_per_class`` images from each class's generator (cached when ``cache_root`` is given).

    ``checkpoints`` maps each label to its own generator's checkpoint
    (:func:`train_class_generators`) or every label to one class-conditional
    generator's (:func:`train_conditional_generator`), which is then asked for
    that label.  Returns ``{label: float32 (n_per_class, H, W) in [-1, 1]}``.
    """

    pools = {}
    for label, checkpoint in checkpoints.items():
        checkpoint = Path(checkpoint)
        if not checkpoint.is_file():
            raise FileNotFoundError(
                f"generate_class_pools: no checkpoint {checkpoint}; train the class generators "
                "first (train_class_generators)."
            )
        conditional = load_checkpoint(checkpoint)["train_config"].get("num_classes", 0) > 0
        options = {"seed": seed + label, "labels": label if conditional else None}
        pools[label] = (
            generate(checkpoint, n_per_class, **options)
            if cache_root is None
            else cached_generate(checkpoint, n_per_class, **options, cache=Path(cache_root) / f"pool_class_{label}")
        )
    return pools
