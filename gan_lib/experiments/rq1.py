"""RQ1: traditional augmentation vs GAN vs both — quality (fidelity, coverage) and diversity.

The real training set can be expanded by traditionally augmented copies, by
GAN samples, or by half of each.  An expanded set is the real set plus the
added images, so its quality is a mixture of the two; RQ1 therefore scores
the **added images themselves**, each set of the same size, against the
**held-out real images** of the training patient (views never used for
training or augmentation) as reference:

==================  ==========================================================
set                 what it is
==================  ==========================================================
real train          the real training images (same-patient real-vs-real floor)
real test patient   another patient's images (other-patient floor)
traditional         augmented copies of training images (:mod:`.augment`)
GAN                 samples of the trained generator
traditional + GAN   half of each
==================  ==========================================================

Metrics (each an :class:`~gan_lib.metrics.Estimate` with n and 95 % CI):

* fidelity/distribution distance: multi-scale SWD x 1e3 (weight-free,
  :func:`gan_lib.metrics.swd`); FID and KID in Inception space when the
  pytorch-fid weights are on disk (FID only above its minimum set size);
* fidelity vs coverage: improved precision / recall (k = 3) in a named
  feature space — Inception pool3 when available, else the weight-free
  random projection of :mod:`.features` (the column ``feature_space`` says
  which; KID and precision/recall in that space are *not* Inception metrics);
* diversity within the set: mean pairwise MS-SSIM (lower = more diverse,
  :func:`gan_lib.metrics.ms_ssim_diversity`) and the mean pairwise Euclidean
  distance in the feature space ("feature spread", higher = more diverse);
* blur (:mod:`gan_lib.evaluation.spectral_rows`): median spectral slope beta,
  fine-band power vs held-out in dB, the spectral reader's AUC vs held-out and
  the blur-equivalent sigma (the Gaussian blur of the held-out images whose
  fine band matches the set's);
* texture: GLCM features (:mod:`gan_lib.texture`) of the set vs the reference,
  as the mean over features of the Wasserstein-1 distance in units of the
  reference's standard deviation (:func:`gan_lib.texture.texture_shift`; bootstrap CI over the images of
  both sets).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from ..evaluation.spectral_rows import ladder_values, spectral_rows
from ..imaging import check_image_set
from ..metrics import (
    Estimate,
    TooFewImagesError,
    fid,
    kid,
    ms_ssim_diversity,
    not_computed,
    precision_recall,
    swd,
    tidy_table,
)
from ..metrics.bootstrap import bootstrap_mean
from ..texture import glcm_feature_table, texture_shift
from .augment import augment_set
from .spaces import INCEPTION_SPACE

__all__ = ["RQ1_SETS", "rq1_sets", "feature_spread", "rq1_table"]

#: Row order of the RQ1 table.
RQ1_SETS = ("real train", "real test patient", "traditional", "GAN", "traditional + GAN")


def rq1_sets(
    train: np.ndarray,
    generated: np.ndarray,
    *,
    test: np.ndarray | None,
    n: int,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """The compared sets of :data:`RQ1_SETS`, each of ``n`` images (fewer when a real split is smaller).

    Parameters
    ----------
    train : np.ndarray
        ``(N, H, W)`` real training images (the source of augmentation and of the GAN).
    generated : np.ndarray
        ``(G, H, W)`` GAN samples, ``G >= n``.
    test : np.ndarray or None
        Another patient's images (the row is left out when None).
    n : int
        Images per set.
    seed : int
        Seeds subsampling and augmentation.
    """
    train = check_image_set(train, name="rq1_sets: train")
    generated = check_image_set(generated, name="rq1_sets: generated", min_count=n)
    rng = np.random.default_rng(seed)

    def take(images: np.ndarray, k: int) -> np.ndarray:
        return images[np.sort(rng.choice(len(images), min(k, len(images)), replace=False))]

    sets = {"real train": take(train, n)}
    if test is not None:
        sets["real test patient"] = take(check_image_set(test, name="rq1_sets: test"), n)
    sets["traditional"] = augment_set(train, n, seed=seed)[0]
    sets["GAN"] = take(generated, n)
    half = n // 2
    sets["traditional + GAN"] = np.concatenate([augment_set(train, half, seed=seed + 1)[0], take(generated, n - half)])
    return sets


def feature_spread(
    features: np.ndarray, *, max_pairs: int = 2000, n_resamples: int = 1000, seed: int = 0, note: str = ""
) -> Estimate:
    """Mean pairwise Euclidean distance between distinct feature vectors (bootstrap CI over pairs)."""
    features = np.asarray(features, dtype=np.float64)
    if len(features) < 2:
        raise ValueError(f"feature_spread: need at least 2 feature vectors; got {len(features)}.")
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(features), max_pairs)
    second = (first + rng.integers(1, len(features), max_pairs)) % len(features)  # never the same vector
    distances = np.linalg.norm(features[first] - features[second], axis=1)
    estimate = bootstrap_mean(distances, n_resamples=n_resamples, seed=seed, note=f"{max_pairs} pairs; {note}")
    return Estimate(
        estimate.value, estimate.ci_low, estimate.ci_high, len(features), None, estimate.ci_method, estimate.note
    )


def rq1_table(
    sets: dict[str, np.ndarray],
    reference: np.ndarray,
    *,
    features: Callable[[np.ndarray], np.ndarray],
    feature_space: str,
    inception: bool = False,
    fid_min_images: int = 2048,
    n_resamples: int = 1000,
    n_costly_bootstrap: int = 5,
    swd_descriptors: int = 128,
    diversity_pairs: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """All RQ1 metrics of every set against ``reference`` (held-out real) as a tidy table.

    Parameters
    ----------
    sets : dict
        Name -> ``(n, H, W)`` set (from :func:`rq1_sets`).
    reference : np.ndarray
        ``(M, H, W)`` held-out real images of the training patient.
    features : callable
        Maps a set to ``(n, D)`` feature vectors (Inception pool3 or a named weight-free space).
    feature_space : str
        Name of that space, written into every feature-based row.
    inception : bool
        True when ``features`` is Inception pool3: FID is then attempted (and
        refused below ``fid_min_images``); otherwise FID is "not computed".
    fid_min_images, n_resamples, n_costly_bootstrap, swd_descriptors, diversity_pairs, seed
        Sizes of the estimates (see :mod:`gan_lib.metrics`).

    Returns
    -------
    pandas.DataFrame
        :func:`gan_lib.metrics.tidy_table` layout with ``metric`` and ``set``
        key columns, plus ``feature_space``.
    """
    reference = check_image_set(reference, name="rq1_table: reference", min_count=4)
    ref_features = features(reference)
    ref_texture = glcm_feature_table(reference)
    ladder = ladder_values(reference)
    rows: dict[str, dict[str, Estimate]] = {}
    space_of: dict[str, str] = {}

    def put(metric: str, name: str, estimate: Estimate, space: str = "") -> None:
        rows.setdefault(metric, {})[name] = estimate
        space_of[metric] = space

    for name, images in sets.items():
        images = check_image_set(images, name=f"rq1_table: set {name!r}", min_count=4)
        feats = features(images)
        put(
            "SWD x1e3 vs held-out (lower = closer)",
            name,
            swd(
                images, reference, descriptors_per_image=swd_descriptors, n_bootstrap=n_costly_bootstrap, seed=seed
            ).average,
            "pixel",
        )
        if inception:
            try:
                estimate = fid(
                    feats, ref_features, min_images=fid_min_images, n_bootstrap=n_costly_bootstrap, seed=seed
                )
            except TooFewImagesError as error:
                estimate = not_computed(str(error).split(";")[0], n=len(feats), n_reference=len(ref_features))
        else:
            estimate = not_computed("needs Inception weights (pytorch-fid); see gan_lib.metrics.find_fid_weights")
        put("FID vs held-out", name, estimate, feature_space if inception else INCEPTION_SPACE)
        # Subsets of half the smaller set, so that the 100 subsets differ and their spread means something.
        put(
            "KID vs held-out", name, kid(feats, ref_features, subset_size=1000, n_subsets=100, seed=seed), feature_space
        )
        try:
            pr = precision_recall(feats, ref_features, k=3)
        except ValueError as error:  # reported in the table rather than hiding the other metrics
            pr = {
                key: not_computed(f"precision_recall raised: {error}", n=len(feats), n_reference=len(ref_features))
                for key in ("precision", "recall")
            }
        put("precision (fidelity)", name, pr["precision"], feature_space)
        put("recall (coverage)", name, pr["recall"], feature_space)
        put(
            "MS-SSIM within set (lower = more diverse)",
            name,
            ms_ssim_diversity(images, max_pairs=diversity_pairs, seed=seed, n_resamples=n_resamples),
            "pixel",
        )
        put(
            "feature spread within set (higher = more diverse)",
            name,
            feature_spread(feats, max_pairs=diversity_pairs, n_resamples=n_resamples, seed=seed, note=feature_space),
            feature_space,
        )
        put(
            "GLCM texture distance vs held-out (W1/std)",
            name,
            texture_shift(glcm_feature_table(images), ref_texture, n_resamples=n_resamples, seed=seed),
            "GLCM",
        )
        for metric, estimate in spectral_rows(
            images, reference, reference_name="held-out", ladder=ladder, n_resamples=n_resamples, seed=seed
        ).items():
            put(metric, name, estimate, "spectrum")
    table = tidy_table(rows, row_name="metric", column_name="set")
    return table.assign(feature_space=table["metric"].map(space_of))
