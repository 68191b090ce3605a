"""Class-conditional generation for RQ2: one WGAN-GP generator per class.

Choice and why
--------------
A conditional WGAN-GP (label embedding in generator and critic, e.g. the
projection critic of Miyato & Koyama 2018) would share capacity between
classes, but it is a *different model* from the thesis' hybrid MLP-CNN
generator and would need its own tuning and tests.  Training **one generator
per class** reuses :func:`gan_lib.training.train` unchanged — the same
architecture, loss, checkpoints and resume logic as the thesis model — so the
"GAN" arm of RQ2 measures the generator the thesis proposes, at the width of
the training profile ``ExperimentConfig.class_gan_profile`` selects ("quick":
1/8-width networks, what the CPU-scale study uses; "full": thesis-sized).  Its
costs are stated plainly: each generator sees only its own class's images
(half the data each), and training time doubles.  Sampling a class is then
sampling its generator; no label can "leak" between classes.

Only the classifier's *training* patient(s) are used to train the
generators, so the test patient stays unseen by every arm.

Run layout: ``runs/<run>/rq2/class_<label>/`` is a regular training run
folder (``config.json``, ``checkpoints/last.pt``, ``train_log.csv``,
``samples/``); the generated pool of each class is cached as
``runs/<run>/rq2/pool_class_<label>.npy`` with a JSON stamp (count, seed,
checkpoint time) so re-running the notebook reuses it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_save, atomic_write_json
from ..imaging import check_image_set
from .labelled import LabelledSet

__all__ = ["class_gan_config", "class_run_dir", "train_class_generators", "generate_class_pools"]


def class_gan_config(profile: str, *, image_size: int, steps: int, batch_size: int, seed: int = 0) -> Any:
    """The :class:`gan_lib.training.TrainConfig` of each class generator: ``profile``'s settings at the task's size.

    Only the image size, the number of generator steps, the batch size and the
    seed differ from the thesis model's ``profile`` settings.
    """
    from gan_lib.training.config import train_config_for_profile

    # Checkpoints and sample grids only at the end: these runs are short and numerous.  One torch thread: on the
    # shared 2-core box a 32-px class generator ran at 0.56 s/step with 1 thread and 7-15 s/step with 2
    # (threads spin-waiting under load); on an idle machine the difference is small.
    return train_config_for_profile(profile, {"image_size": image_size, "steps": steps, "batch_size": batch_size,
                                              "seed": seed, "sample_every": steps, "checkpoint_every": steps,
                                              "num_threads": 1})


def class_run_dir(root: str | Path, label: int) -> Path:
    """The training-run folder of the generator of class ``label`` under ``root``."""
    return Path(root) / f"class_{int(label)}"


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
    from gan_lib.training import train as train_gan

    checkpoints = {}
    for label in (0, 1):
        images = check_image_set(train.of_class(label), name=f"train_class_generators: class {label} images",
                                 min_count=2)
        folder = class_run_dir(root, label)
        has_checkpoint = (folder / "checkpoints" / "last.pt").exists()
        train_gan(train_config, images, folder, resume=resume and has_checkpoint)
        checkpoints[label] = folder / "checkpoints" / "last.pt"
    return checkpoints


def generate_class_pools(
    checkpoints: dict[int, Path],
    n_per_class: int,
    *,
    seed: int = 0,
    cache_root: str | Path | None = None,
) -> dict[int, np.ndarray]:
    """Generate ``n_per_class`` images from each class's generator (cached when ``cache_root`` is given).

    Returns ``{label: float32 (n_per_class, H, W) in [-1, 1]}``.
    """
    from gan_lib.generate import generate

    pools = {}
    for label, checkpoint in checkpoints.items():
        checkpoint = Path(checkpoint)
        if not checkpoint.is_file():
            raise FileNotFoundError(f"generate_class_pools: no checkpoint {checkpoint}; train the class generators "
                                    "first (train_class_generators).")
        stamp = {"n": int(n_per_class), "seed": int(seed) + int(label),
                 "checkpoint_mtime_ns": checkpoint.stat().st_mtime_ns}
        if cache_root is not None:
            array_path = Path(cache_root) / f"pool_class_{label}.npy"
            meta_path = array_path.with_suffix(".json")
            if array_path.is_file() and meta_path.is_file() and json.loads(meta_path.read_text()) == stamp:
                pools[label] = check_image_set(np.load(array_path), name=str(array_path))
                continue
        images = check_image_set(generate(checkpoint, n_per_class, seed=seed + label), name=f"class {label} samples")
        if cache_root is not None:
            atomic_save(array_path, lambda tmp, images=images: np.save(tmp, images))
            atomic_write_json(meta_path, stamp)
        pools[label] = images
    return pools
