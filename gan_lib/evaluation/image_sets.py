"""The image sets of one evaluation: the run's generated set (cached in ``eval/``) and its real splits.

Every comparison is made against the real **training** set and reported next
to the same comparison for two real sets (``docs/ARCHITECTURE.md``): held-out
views of the training patient (same-patient floor) and another patient's
images (other-patient floor).  All sets are ``float32 (N, H, W)`` in [-1, 1].

The generated set is written to ``runs/<name>/eval/generated.npy`` (+
``generated.json``: count, seed and the checkpoint's time stamp) and reused by
notebooks 03–06 while those match.
"""
from __future__ import annotations

import dataclasses
from typing import Mapping

import numpy as np

from gan_lib.config import run_paths
from gan_lib.generate import cached_generate
from gan_lib.run import load_run

from .config import EvaluationConfig

__all__ = ["REAL_SPLITS", "EvaluationSets", "cap_real_split", "load_evaluation_sets"]

#: The real splits an evaluation reads, the reference (``train``) first.
REAL_SPLITS = ("train", "heldout", "test")


@dataclasses.dataclass(frozen=True)
class EvaluationSets:
    """The image sets of one evaluation, ``float32 (N, H, W)`` in [-1, 1].

    ``heldout`` and ``test`` are ``None`` when the dataset has no such split
    (``missing`` says why); every table then shows "not computed" there.
    """

    generated: np.ndarray
    train: np.ndarray
    heldout: np.ndarray | None = None
    test: np.ndarray | None = None
    missing: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def compared(self) -> dict[str, np.ndarray | None]:
        """The sets compared with ``train``, in Table 1 column order."""
        return {"generated": self.generated, "heldout": self.heldout, "test": self.test}

    def sizes(self) -> dict[str, int]:
        """Number of images per set (0 for a missing split)."""
        sets = {**self.compared(), "train": self.train}
        return {name: 0 if images is None else len(images) for name, images in sets.items()}

    def describe(self) -> str:
        """What notebooks 03–05 print after loading: the images per set, then one line per missing split.

        Examples
        --------
        >>> sets = EvaluationSets(np.zeros((2, 8, 8), np.float32), np.zeros((5, 8, 8), np.float32),
        ...                       heldout=np.zeros((2, 8, 8), np.float32), missing={"test": "one patient"})
        >>> print(sets.describe())
        images per set: {'generated': 2, 'heldout': 2, 'test': 0, 'train': 5}
        note: no test split -> its column is 'not computed' (one patient)
        """
        lines = [f"images per set: {self.sizes()}"]
        lines += [f"note: no {split} split -> its column is 'not computed' ({reason})"
                  for split, reason in self.missing.items()]
        return "\n".join(lines)


def cap_real_split(images: np.ndarray, split: str, config: EvaluationConfig, rng: np.random.Generator) -> np.ndarray:
    """Subsample a real split to the evaluation's size rule, keeping image order.

    ``train`` (the reference of every comparison) keeps at most ``config.max_real``
    images; any compared split at most ``config.n_generated``, the generated
    set's size (SWD and nearest-neighbour scores depend on the number of images).

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        The split in [-1, 1].
    split : str
        Its name ("train", "heldout", "test", ...).
    config : EvaluationConfig
        ``max_real`` and ``n_generated`` are used.
    rng : numpy.random.Generator
        Draws the subset (without replacement); consumed only when the split is capped.

    Returns
    -------
    ndarray, shape (min(N, cap), H, W)
    """
    cap = config.max_real if split == "train" else config.n_generated
    if len(images) <= cap:
        return images
    return images[np.sort(rng.choice(len(images), cap, replace=False))]


def load_evaluation_sets(run_name: str, config: EvaluationConfig) -> EvaluationSets:
    """Generated images of run ``run_name`` (cached in ``eval/``) and its real splits.

    The training split (the reference of every comparison) keeps at most
    ``config.max_real`` images; the compared real splits (``heldout``,
    ``test``) at most ``config.n_generated``, so that every column of Table 1
    is computed from the same number of images as the generated column
    (several metrics, e.g. SWD and nearest-neighbour scores, depend on it).
    With ``config.real_crops > 0`` (patch-mode data) every real set is instead
    that many fresh random crops of the split's working images
    (:meth:`~gan_lib.data.PreparedDataset.random_crops`, seed ``config.seed``
    + the split's position in :data:`REAL_SPLITS`), so a set is no longer
    capped by ``patches_per_image`` per view (FID needs 2048 per set).

    Parameters
    ----------
    run_name : str
        Folder under ``runs/`` holding a trained run (``gan_lib.run.load_run``).
    config : EvaluationConfig
        ``n_generated``, ``seed``, ``max_real`` and ``real_crops`` are used.

    Returns
    -------
    EvaluationSets
    """

    run = load_run(run_name)
    dataset = run.dataset()
    rng = np.random.default_rng(config.seed)
    real: dict[str, np.ndarray | None] = {}
    missing: dict[str, str] = {}
    crops = config.real_crops > 0 and dataset.config.mode == "patch"
    for number, split in enumerate(REAL_SPLITS):
        try:
            if crops:
                real[split] = dataset.random_crops(split, config.real_crops, seed=config.seed + number)
            else:  # cap_real_split's subset, chosen before reading so that only the subset is read
                count = dataset.count(split)
                subset = cap_real_split(np.arange(count), split, config, rng)
                real[split] = dataset.images(split, subset=None if len(subset) == count else subset)
        except ValueError as error:  # an empty split: explained in the message
            if split == "train":
                raise
            real[split], missing[split] = None, str(error)
    # eval/generated.npy, reused while count, seed and checkpoint match
    generated = cached_generate(run.checkpoint_path, config.n_generated, seed=config.seed,
                                cache=run_paths(run_name).eval / "generated")
    return EvaluationSets(generated, real["train"], real["heldout"], real["test"], missing)
