"""Patient-level train / val / test splits and the image-level ``heldout`` set.

* ``train`` / ``val`` / ``test`` partition the *patients*: all images of one
  woman land in one split, so no evaluation ever sees another view of a
  training breast as "unseen".  With fewer than three patients ``val`` is
  empty; with two, one patient trains and the other tests.
* ``heldout``: ``heldout_per_patient`` whole images (views) of every
  *training* patient are taken out of ``train``.  They give the same-patient
  real-vs-real reference floor without sharing a pixel with the training set;
  in patch mode every patch of a held-out image is held out with it.
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

__all__ = ["SPLITS", "split_patients", "assign_splits"]

log = logging.getLogger(__name__)

#: The split names in a manifest.
SPLITS = ("train", "val", "test", "heldout")


def split_patients(
    patients: Sequence[str],
    *,
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
    seed: int = 0,
) -> dict[str, str]:
    """Assign each distinct patient to ``train``, ``val`` or ``test``.

    Counts: ``test = max(1, round(n * f_test))`` and ``val =
    max(1, round(n * f_val))`` when their fraction is positive and enough
    patients remain to keep at least one in ``train``; ``val`` is filled only
    from 3 patients up.  Patients are shuffled by ``seed`` (sorted first, so the
    input order does not matter).

    Returns
    -------
    dict mapping patient id -> split name.

    Examples
    --------
    >>> sorted(split_patients(["a", "b"], seed=0).values())
    ['test', 'train']
    """
    unique = sorted(set(patients))
    n = len(unique)
    if n == 0:
        raise ValueError("split_patients: no patients given.")
    if len(fractions) != 3 or any(f < 0 for f in fractions) or fractions[0] <= 0:
        raise ValueError(
            f"split_patients: fractions must be (train, val, test), non-negative, train > 0; got {fractions}."
        )
    total = sum(fractions)
    f_train, f_val, f_test = (f / total for f in fractions)
    n_test = 0 if f_test == 0 or n < 2 else min(n - 1, max(1, round(n * f_test)))
    n_val = 0 if f_val == 0 or n < 3 else min(n - 1 - n_test, max(1, round(n * f_val)))
    if n < 2:
        log.warning("Only one patient: everything is 'train'; val and test are empty.")
    elif n_val == 0:
        log.info("%d patients: 'val' is empty (needs >= 3 patients and a val fraction > 0).", n)
    order = np.random.default_rng(seed).permutation(n)
    shuffled = [unique[i] for i in order]
    result = {p: "test" for p in shuffled[:n_test]}
    result.update({p: "val" for p in shuffled[n_test : n_test + n_val]})
    result.update({p: "train" for p in shuffled[n_test + n_val :]})
    return result


def assign_splits(
    patient_ids: Sequence[str],
    *,
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
    heldout_per_patient: int = 1,
    seed: int = 0,
) -> list[str]:
    """The split of each *image* (one entry per element of ``patient_ids``).

    Patients are split by :func:`split_patients`; then ``heldout_per_patient``
    images of each training patient (chosen by ``seed``) become ``heldout``.
    A training patient with no more than ``heldout_per_patient`` images keeps
    one image in ``train`` (logged).

    Examples
    --------
    >>> assign_splits(["a", "a", "b", "b"], seed=0)
    ['test', 'test', 'heldout', 'train']
    """
    if heldout_per_patient < 0:
        raise ValueError(f"assign_splits: heldout_per_patient must be >= 0; got {heldout_per_patient}.")
    by_patient = split_patients(patient_ids, fractions=fractions, seed=seed)
    splits = [by_patient[p] for p in patient_ids]
    rng = np.random.default_rng(seed + 1)
    for patient in sorted(p for p, s in by_patient.items() if s == "train"):
        images = [i for i, p in enumerate(patient_ids) if p == patient]
        take = min(heldout_per_patient, len(images) - 1)
        if take < heldout_per_patient:
            log.warning(
                "Training patient %s has %d image(s): holding out %d instead of %d so that it still trains.",
                patient,
                len(images),
                take,
                heldout_per_patient,
            )
        for i in rng.choice(images, size=take, replace=False):
            splits[int(i)] = "heldout"
    return splits
