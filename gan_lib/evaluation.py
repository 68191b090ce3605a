"""Evaluation of a trained run: Table 1 (metrics), Table 2 (denoising) and texture statistics.

Glue between a run folder and the pure functions of :mod:`gan_lib.metrics`,
:mod:`gan_lib.denoise` and :mod:`gan_lib.texture`, shared by notebooks 03–05,
the pipeline and the thesis figures.  Every comparison is made against the
real **training** set and reported next to the same comparison for two real
sets (``docs/ARCHITECTURE.md``): held-out views of the training patient
(same-patient floor) and another patient's images (other-patient floor).

Outputs (all written atomically) under ``runs/<name>/``:

- ``eval/generated.npy`` (+ ``generated.json``: count and seed) — reused by
  notebooks 03–05 and the figures when the count and seed match;
- ``eval/denoised_<method>.npy``;
- ``tables/table1_metrics.csv/.tex``, ``tables/table2_denoising.csv/.tex``,
  ``tables/texture_stats.csv``.

Table 1 also carries the memorisation audit (notebook 09 writes
``tables/memorisation.csv``): :func:`save_table1` adds its lines when that file
exists, and :func:`add_memorisation_to_table1` adds them to a Table 1 written
before the audit, so either notebook order gives the same table.
"""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.stats

from gan_lib.atomic import atomic_path, atomic_save, atomic_write_json
from gan_lib.config import PROFILES, apply_overrides, run_dir
from gan_lib.denoise import DEFAULT_PARAMS, denoise, estimate_noise_sigma
from gan_lib.imaging import check_image_set
from gan_lib.metrics import (
    TABLE1_COLUMNS,
    Estimate,
    TooFewImagesError,
    display_table,
    fid,
    inception_features,
    kid,
    mpv,
    mpvd,
    ms_ssim_diversity,
    nearest_real_scores,
    not_computed,
    precision_recall,
    random_pair_scores,
    swd,
    tidy_table,
    write_table,
)
from gan_lib.metrics.bootstrap import CONFIDENCE, bootstrap_mean
from gan_lib.metrics.c2st import c2st, statistics_reader
from gan_lib.metrics.fid import try_load_inception  # re-exported for notebooks 03 and 04
from gan_lib.texture import (
    edge_feature_table,
    glcm_feature_table,
    sobel_magnitude,
    texture_statistics,
    tissue_mask,
)
from gan_lib.training.recipes import recipe_label
from gan_lib.training.run_folder import RunFolder

__all__ = [
    "EvaluationConfig",
    "FEATURE_ROWS",
    "QUICK",
    "FULL",
    "evaluation_config",
    "EvaluationSets",
    "load_evaluation_sets",
    "cap_real_split",
    "try_load_inception",
    "feature_cache_dir",
    "metrics_table",
    "compare_denoisers",
    "texture_features",
    "edge_threshold_of",
    "texture_comparison",
    "feature_shift",
    "save_arrays",
    "memorisation_rows",
    "save_table1",
    "add_memorisation_to_table1",
    "save_table2",
    "save_texture_stats",
]

REAL_SPLITS = ("train", "heldout", "test")


@dataclasses.dataclass(frozen=True)
class EvaluationConfig:
    """Settings of notebooks 03–05 (profiles :data:`QUICK` and :data:`FULL`)."""

    n_generated: int = 256  # generated images evaluated
    seed: int = 0  # seeds generation, subsets, pairings, bootstrap and SWD draws
    max_real: int = 1024  # at most this many training images (the reference set; random subset without replacement)
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
QUICK: dict[str, Any] = {"n_generated": 256, "max_real": 1024, "swd_max_images": 256, "n_resamples": 1000,
                         "n_costly_bootstrap": 4, "texture_resamples": 200, "diversity_pairs": 1000,
                         "inception_max_images": 96}
#: Full profile: the study's numbers (FID becomes possible once both sets reach 2048 images).
FULL: dict[str, Any] = {"n_generated": 10000, "max_real": 10000, "swd_max_images": 4096, "n_resamples": 2000,
                        "n_costly_bootstrap": 20, "texture_resamples": 1000, "diversity_pairs": 5000}


def evaluation_config(profile: str = "quick", **overrides: Any) -> EvaluationConfig:
    """The :class:`EvaluationConfig` of ``profile`` with ``overrides`` (``None`` keeps the profile value).

    Examples
    --------
    >>> evaluation_config("quick", n_generated=64).n_generated
    64
    """
    if profile not in PROFILES:
        raise ValueError(f"evaluation_config: profile must be one of {PROFILES}; got {profile!r}.")
    return apply_overrides(apply_overrides(EvaluationConfig(), QUICK if profile == "quick" else FULL), overrides)


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

    Parameters
    ----------
    run_name : str
        Folder under ``runs/`` holding a trained run (``gan_lib.run.load_run``).
    config : EvaluationConfig
        ``n_generated``, ``seed`` and ``max_real`` are used.

    Returns
    -------
    EvaluationSets
    """
    from gan_lib.run import load_run  # the training stage; imported here so the metrics never need torch models

    run = load_run(run_name)
    dataset = run.dataset()
    rng = np.random.default_rng(config.seed)
    real: dict[str, np.ndarray | None] = {}
    missing: dict[str, str] = {}
    for split in REAL_SPLITS:
        try:
            images = dataset.images(split)
        except ValueError as error:  # an empty split: explained in the message
            if split == "train":
                raise
            real[split], missing[split] = None, str(error)
            continue
        real[split] = cap_real_split(images, split, config, rng)
    generated = _cached_generated(run, run_name, n=config.n_generated, seed=config.seed)
    return EvaluationSets(generated, real["train"], real["heldout"], real["test"], missing)


def _cached_generated(run: Any, run_name: str, *, n: int, seed: int) -> np.ndarray:
    folder = run_dir(run_name) / "eval"
    array_path, meta_path = folder / "generated.npy", folder / "generated.json"
    checkpoint = run_dir(run_name) / "checkpoints" / "last.pt"
    stamp = {"n": n, "seed": seed, "checkpoint_mtime_ns": checkpoint.stat().st_mtime_ns if checkpoint.exists() else None}
    if array_path.exists() and meta_path.exists() and json.loads(meta_path.read_text()) == stamp:
        return check_image_set(np.load(array_path), name=str(array_path))
    images = check_image_set(run.generate(n, seed=seed), name="generated")
    atomic_save(array_path, lambda tmp: np.save(tmp, images))
    atomic_write_json(meta_path, stamp)
    return images


def metrics_table(
    sets: EvaluationSets,
    config: EvaluationConfig,
    *,
    inception: Any = None,
    inception_missing: str = "FID weights missing",
    feature_cache: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Thesis Table 1 as a tidy frame: every metric for generated, held-out and test sets vs train.

    Rows: MSE and SSIM (nearest train image, random train image), MPV, MPVD,
    FID, KID, precision, recall (Inception features; "not computed" without
    the weights), SWD × 10³ per pyramid level and on average, the mean
    pairwise MS-SSIM within each set (the ``train`` column holds the training
    set's own MPV and MS-SSIM), and the ROC AUC of the two automated readers
    of :mod:`gan_lib.metrics.c2st` telling each set from the training set
    (0.5 = indistinguishable; the held-out and other-patient columns are the
    real-vs-real floors).

    Parameters
    ----------
    sets : EvaluationSets
    config : EvaluationConfig
    inception : InceptionV3, optional, keyword-only
        From :func:`~gan_lib.metrics.fid.try_load_inception`; ``None`` marks the feature rows "not computed".
    inception_missing : str, keyword-only
        Reason shown in those rows.
    feature_cache : path, optional, keyword-only
        Folder where Inception features are kept between notebooks
        (``cache_dir`` of :func:`~gan_lib.metrics.inception_features`).

    Returns
    -------
    pandas.DataFrame
        :func:`gan_lib.metrics.tidy_table` layout (``metric``, ``comparison``, value, CI, n, ...).
        The FID, KID and precision/recall rows use at most ``config.inception_max_images``
        images per set (their ``n`` says how many).
    """
    rows: dict[str, dict[str, Estimate]] = {}

    def put(metric: str, column: str, estimate: Estimate) -> None:
        rows.setdefault(metric, {})[column] = estimate

    train, seed, boot = sets.train, config.seed, config.n_resamples
    features_of = _inception_extractor(inception, config, feature_cache)
    features_train = features_of(train) if inception is not None else None
    for column, images in sets.compared().items():
        if images is None:
            reason = f"no {column} split ({sets.missing.get(column, 'empty')})"
            for metric in _TABLE1_ROWS:
                put(metric, column, not_computed(reason))
            continue
        nearest = nearest_real_scores(images, train, n_resamples=boot, seed=seed)
        paired = random_pair_scores(images, train, n_resamples=boot, seed=seed)
        put("MSE, nearest train image", column, nearest.mse)
        put("SSIM, nearest train image", column, nearest.ssim)
        put("MSE, random train image", column, paired["mse"])
        put("SSIM, random train image", column, paired["ssim"])
        put("MPV [0-255]", column, mpv(images, n_resamples=boot, seed=seed))
        put("MPVD vs train [0-255]", column, mpvd(images, train, n_resamples=boot, seed=seed))
        for metric, estimate in _feature_rows(images, features_train, config, features_of, inception_missing).items():
            put(metric, column, estimate)
        result = swd(images, train, max_images=config.swd_max_images, n_bootstrap=config.n_costly_bootstrap, seed=seed)
        for resolution, estimate in result.levels.items():
            put(f"SWD x1e3, {resolution} px level", column, estimate)
        put("SWD x1e3, average", column, result.average)
        put("MS-SSIM within set (diversity)", column,
            ms_ssim_diversity(images, max_pairs=config.diversity_pairs, seed=seed, n_resamples=boot))
        put("C2ST AUC, CNN reader vs train", column, c2st(train, images, seed=seed).auc)
        put("statistics-reader AUC vs train", column, statistics_reader(train, images, seed=seed).auc)
    put("MPV [0-255]", "train", mpv(train, n_resamples=boot, seed=seed))
    put("MS-SSIM within set (diversity)", "train",
        ms_ssim_diversity(train, max_pairs=config.diversity_pairs, seed=seed, n_resamples=boot))
    return tidy_table(rows)


#: Table 1's rows in the TF-Inception pool3 space, each naming it (metric key -> row label).
FEATURE_ROWS: dict[str, str] = {metric: f"{metric} (Inception TF-2015)"
                                 for metric in ("FID", "KID", "precision", "recall")}

_TABLE1_ROWS = (
    "MSE, nearest train image", "SSIM, nearest train image", "MSE, random train image", "SSIM, random train image",
    "MPV [0-255]", "MPVD vs train [0-255]", *FEATURE_ROWS.values(),
    "SWD x1e3, average", "MS-SSIM within set (diversity)", "C2ST AUC, CNN reader vs train",
    "statistics-reader AUC vs train",
)


def _inception_extractor(
    inception: Any, config: EvaluationConfig, cache_dir: str | os.PathLike[str] | None
) -> Callable[[np.ndarray], np.ndarray]:
    """``images -> (n, 2048)`` Inception features of at most ``config.inception_max_images`` of them.

    The subset is drawn without replacement with ``config.seed``, so the same
    set gives the same subset (and a cache hit) in every notebook.
    """

    def features_of(images: np.ndarray) -> np.ndarray:
        cap = config.inception_max_images
        if 0 < cap < len(images):
            keep = np.sort(np.random.default_rng(config.seed).choice(len(images), cap, replace=False))
            images = images[keep]
        return inception_features(images, model=inception, cache_dir=cache_dir)

    return features_of


def _feature_rows(
    images: np.ndarray, features_train: np.ndarray | None, config: EvaluationConfig,
    features_of: Callable[[np.ndarray], np.ndarray], missing: str,
) -> dict[str, Estimate]:
    """FID, KID, precision and recall of one set against train (or "not computed" rows)."""
    if features_train is None:
        return {label: not_computed(missing) for label in FEATURE_ROWS.values()}
    features = features_of(images)
    try:
        fid_estimate = fid(features, features_train, min_images=config.fid_min_images,
                           n_bootstrap=config.n_costly_bootstrap, seed=config.seed)
    except TooFewImagesError:
        fid_estimate = not_computed(
            f"needs >= {config.fid_min_images} images per set; have {len(features)} and {len(features_train)}",
            n=len(features), n_reference=len(features_train),
        )
    pr = precision_recall(features, features_train, k=config.pr_k)
    return {
        FEATURE_ROWS["FID"]: fid_estimate,
        FEATURE_ROWS["KID"]: kid(features, features_train, subset_size=config.kid_subset_size,
                                 n_subsets=config.kid_subsets, seed=config.seed),
        FEATURE_ROWS["precision"]: pr["precision"],
        FEATURE_ROWS["recall"]: pr["recall"],
    }


def texture_features(images: np.ndarray, config: EvaluationConfig, *, edge_threshold: float) -> pd.DataFrame:
    """Per-image texture features of one set: GLCM properties and Sobel statistics inside the tissue.

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Set in [-1, 1].
    config : EvaluationConfig
        ``glcm_levels`` and ``min_tissue_fraction`` are used.
    edge_threshold : float, keyword-only
        Sobel magnitude above which a pixel is an edge (shared by all sets;
        see :func:`edge_threshold_of`).

    Returns
    -------
    pandas.DataFrame
        ``image_index``, the GLCM columns (e.g. ``contrast_d1``), ``sobel_mean``
        and ``edge_density``; images skipped for too little tissue are absent
        (``attrs["n_skipped"]``).
    """
    glcm = glcm_feature_table(images, levels=config.glcm_levels, min_tissue_fraction=config.min_tissue_fraction)
    edges = edge_feature_table(images, threshold=edge_threshold)
    merged = glcm.merge(edges, on="image_index", how="inner")
    merged.attrs["n_skipped"] = len(images) - len(merged)
    return merged


def texture_comparison(
    sets: EvaluationSets, config: EvaluationConfig
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, float]:
    """Texture features of every set and their per-feature KS / Wasserstein comparison with train.

    Returns
    -------
    features : dict
        Set name (``generated``, ``heldout``, ``test``, ``train``) → :func:`texture_features` table.
    stats : pandas.DataFrame
        :func:`gan_lib.texture.texture_statistics` of every set against ``train``
        (the real-vs-real rows are the reference for the generated rows).
    edge_threshold : float
        The Sobel edge threshold used (from the training set).
    """
    threshold = edge_threshold_of(sets.train, config)
    named = {**sets.compared(), "train": sets.train}
    features = {
        name: texture_features(images, config, edge_threshold=threshold)
        for name, images in named.items() if images is not None
    }
    return features, texture_statistics(features, reference="train"), threshold


def edge_threshold_of(reference: np.ndarray, config: EvaluationConfig) -> float:
    """The edge threshold: ``config.edge_percentile`` of the reference set's tissue Sobel magnitudes."""
    magnitudes = sobel_magnitude(reference)
    return float(np.percentile(magnitudes[tissue_mask(reference)], config.edge_percentile))


def feature_shift(
    features: pd.DataFrame,
    reference: pd.DataFrame,
    columns: Sequence[str],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
) -> Estimate:
    """Mean over ``columns`` of the Wasserstein-1 distance to the reference, in reference standard deviations.

    A single "how far has the texture moved" number: 0 when every feature's
    distribution matches the reference.  The interval resamples the images
    (rows) of both tables (percentile bootstrap).

    Parameters
    ----------
    features, reference : pandas.DataFrame
        Per-image feature tables (e.g. :func:`texture_features`).
    columns : sequence of str
        Features to average over.
    n_resamples, seed : keyword-only
        Bootstrap settings.

    Returns
    -------
    Estimate
    """
    a = features[list(columns)].to_numpy(float)
    b = reference[list(columns)].to_numpy(float)
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"feature_shift: both tables need >= 2 rows; got {len(a)} and {len(b)}.")
    scale = b.std(axis=0, ddof=1)
    scale[scale == 0] = 1.0

    def statistic(rows_a: np.ndarray, rows_b: np.ndarray) -> float:
        return float(np.mean([
            scipy.stats.wasserstein_distance(a[rows_a, j], b[rows_b, j]) / scale[j] for j in range(a.shape[1])
        ]))

    value = statistic(np.arange(len(a)), np.arange(len(b)))
    result = scipy.stats.bootstrap(
        (np.arange(len(a)), np.arange(len(b))), statistic, vectorized=False, paired=False,
        n_resamples=n_resamples, confidence_level=CONFIDENCE, method="percentile", rng=seed,
    )
    ci = result.confidence_interval
    return Estimate(value, float(ci.low), float(ci.high), len(a), len(b),
                    f"percentile bootstrap, {n_resamples} resamples",
                    f"mean over {len(columns)} features of W1 / reference sd")


def compare_denoisers(
    generated: np.ndarray,
    sets: EvaluationSets,
    config: EvaluationConfig,
    *,
    methods: Sequence[str] = tuple(DEFAULT_PARAMS),
    params: Mapping[str, Mapping[str, Any]] | None = None,
    inception: Any = None,
    inception_missing: str = "FID weights missing",
    feature_cache: str | os.PathLike[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Thesis Table 2, extended: what each denoising method gains and what it costs in texture.

    Rows: ``generated`` (no denoising), one per method, and the real sets for
    reference (``heldout`` and ``test`` compared with train like the generated
    ones; ``train`` with its own within-set values).  Columns:

    - ``noise sigma [0-1]`` — mean :func:`~gan_lib.denoise.estimate_noise_sigma`;
    - ``MPV [0-255]`` and ``MPVD vs train [0-255]`` (the thesis' Table 2);
    - ``SSIM, nearest train image``;
    - ``edge density`` — share of tissue pixels above the training set's edge threshold;
    - ``GLCM shift vs train`` — :func:`feature_shift` over the GLCM features;
    - ``FID`` — when the Inception weights are present and the sets large enough
      (Inception features are only computed then: no other row here uses them).

    Parameters
    ----------
    generated : ndarray, shape (N, H, W)
        Generated set in [-1, 1] (usually ``sets.generated``).
    sets : EvaluationSets
        Provides the real reference sets.
    config : EvaluationConfig
    methods : sequence of str, keyword-only
        Methods of :data:`gan_lib.denoise.METHODS` to apply.
    params : mapping, optional, keyword-only
        ``{method: {parameter: value}}`` overrides of the defaults.
    inception, inception_missing, feature_cache : keyword-only
        As in :func:`metrics_table`.

    Returns
    -------
    table : pandas.DataFrame
        Tidy layout with ``method`` and ``metric`` key columns.
    denoised : dict
        Method → denoised set ``(N, H, W)``.
    """
    params = dict(params or {})
    unknown = sorted(set(params) - set(methods))
    if unknown:
        raise ValueError(f"compare_denoisers: params given for method(s) {unknown} not in methods={list(methods)}.")
    denoised = {method: denoise(generated, method, **params.get(method, {})) for method in methods}
    candidates: dict[str, np.ndarray | None] = {"generated": generated, **denoised,
                                                 "heldout": sets.heldout, "test": sets.test}
    threshold = edge_threshold_of(sets.train, config)
    train_features = texture_features(sets.train, config, edge_threshold=threshold)
    glcm_columns = [c for c in train_features.columns if c not in ("image_index", "sobel_mean", "edge_density")]
    largest = max(len(images) for images in candidates.values() if images is not None)
    fid_possible = min(len(sets.train), largest) >= config.fid_min_images
    features_train = (inception_features(sets.train, model=inception, cache_dir=feature_cache)
                      if inception is not None and fid_possible else None)
    boot, seed = config.n_resamples, config.seed
    rows: dict[str, dict[str, Estimate]] = {}
    for name, images in candidates.items():
        if images is None:
            continue
        table = texture_features(images, config, edge_threshold=threshold)
        row = {
            "noise sigma [0-1]": bootstrap_mean(estimate_noise_sigma(images), n_resamples=boot, seed=seed),
            "MPV [0-255]": mpv(images, n_resamples=boot, seed=seed),
            "MPVD vs train [0-255]": mpvd(images, sets.train, n_resamples=boot, seed=seed),
            "SSIM, nearest train image": nearest_real_scores(images, sets.train, n_resamples=boot, seed=seed).ssim,
            "edge density": bootstrap_mean(table["edge_density"].to_numpy(), n_resamples=boot, seed=seed),
            "GLCM shift vs train": feature_shift(table, train_features, glcm_columns,
                                                 n_resamples=config.texture_resamples, seed=seed),
        }
        fid_row = FEATURE_ROWS["FID"]
        if inception is None:
            row[fid_row] = not_computed(inception_missing)
        elif features_train is None or len(images) < config.fid_min_images:
            row[fid_row] = not_computed(f"needs >= {config.fid_min_images} images per set",
                                        n=len(images), n_reference=len(sets.train))
        else:
            row[fid_row] = fid(inception_features(images, model=inception, cache_dir=feature_cache), features_train,
                               min_images=config.fid_min_images, n_bootstrap=config.n_costly_bootstrap, seed=seed)
        rows[name] = row
    rows["train"] = {
        "noise sigma [0-1]": bootstrap_mean(estimate_noise_sigma(sets.train), n_resamples=boot, seed=seed),
        "MPV [0-255]": mpv(sets.train, n_resamples=boot, seed=seed),
        "edge density": bootstrap_mean(train_features["edge_density"].to_numpy(), n_resamples=boot, seed=seed),
    }
    return tidy_table(rows, row_name="method", column_name="metric"), denoised


def feature_cache_dir(run_name: str) -> Path:
    """``runs/<run_name>/eval/features``: the Inception features notebooks 03, 04, 08 and 09 share."""
    return run_dir(run_name) / "eval" / "features"


def save_arrays(run_name: str, arrays: Mapping[str, np.ndarray]) -> list[Path]:
    """Save ``{name: array}`` as ``runs/<run_name>/eval/<name>.npy`` atomically and return the paths."""
    folder = run_dir(run_name) / "eval"
    paths = []
    for name, array in arrays.items():
        paths.append(atomic_save(folder / f"{name}.npy", lambda tmp, a=array: np.save(tmp, a)))
    return paths


#: Prefix of the Table 1 metric names that come from the memorisation audit (replaced, never duplicated).
MEMORISATION_PREFIX = "memorisation, "


def memorisation_rows(memorisation: pd.DataFrame) -> pd.DataFrame:
    """The memorisation audit (``tables/memorisation.csv``) as Table 1 lines, in the generated column.

    Per feature space: the near-copy fraction (generated images closer to a
    training image than the threshold quantile of held-out real images are;
    about the quantile itself without memorisation, Wilson 95 % CI), the DCR
    AUC (generated vs held-out real distances to the closest training image;
    0.5 = no closer than new real images) and the GAN-Leaks membership
    inference AUC (training vs held-out images by distance to the closest
    generated image; 0.5 = no leak), both with percentile-bootstrap CIs.

    Parameters
    ----------
    memorisation : pandas.DataFrame
        Rows of :func:`gan_lib.experiments.memorisation.memorisation_table` (or the CSV read back).

    Returns
    -------
    pandas.DataFrame
        :func:`gan_lib.metrics.tidy_table` layout; metric names start with :data:`MEMORISATION_PREFIX`.
    """
    rows: dict[str, dict[str, Estimate]] = {}
    for line in memorisation.itertuples(index=False):
        q = float(line.threshold_quantile)
        rows[f"{MEMORISATION_PREFIX}near-copy fraction ({line.space})"] = {"generated": Estimate(
            float(line.near_copy_fraction), float(line.near_copy_ci_low), float(line.near_copy_ci_high),
            int(line.n_generated), int(line.n_train), "Wilson score interval",
            f"expected {q:g} without memorisation (threshold: {q:g} quantile of {int(line.n_heldout)} held-out "
            f"DCRs); one-sided binomial p = {float(line.near_copy_p_value):.3g}")}
        rows[f"{MEMORISATION_PREFIX}DCR AUC vs held-out ({line.space})"] = {"generated": Estimate(
            float(line.dcr_auc), float(line.dcr_auc_ci_low), float(line.dcr_auc_ci_high), int(line.n_generated),
            int(line.n_heldout), "percentile bootstrap", "0.5 = generated no closer to train than new real images")}
        rows[f"{MEMORISATION_PREFIX}membership-inference AUC ({line.space})"] = {"generated": Estimate(
            float(line.mia_auc), float(line.mia_auc_ci_low), float(line.mia_auc_ci_high), int(line.n_train),
            int(line.n_heldout), "percentile bootstrap",
            f"GAN-Leaks: train vs held-out by distance to the {int(line.n_generated)} generated; 0.5 = no leak")}
    return tidy_table(rows)


def _with_memorisation(run_name: str, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` without old memorisation lines, plus those of ``tables/memorisation.csv`` when it exists."""
    table = table[~table["metric"].str.startswith(MEMORISATION_PREFIX)]
    path = run_dir(run_name) / "tables" / "memorisation.csv"
    if not path.exists():
        return table
    return pd.concat([table, memorisation_rows(pd.read_csv(path))], ignore_index=True)


def add_memorisation_to_table1(run_name: str) -> tuple[Path, Path] | None:
    """Rewrite ``tables/table1_metrics.csv/.tex`` with the memorisation lines; ``None`` if Table 1 is not written yet.

    Notebook 09 calls it after the audit, since Table 1 (notebook 04) is
    written earlier in the pipeline; when Table 1 comes later,
    :func:`save_table1` adds the lines itself.
    """
    path = run_dir(run_name) / "tables" / "table1_metrics.csv"
    if not path.exists():
        return None
    return save_table1(run_name, pd.read_csv(path).astype({"n_reference": "Int64"}))


def save_table1(run_name: str, table: pd.DataFrame) -> tuple[Path, Path]:
    """Write Table 1 to ``runs/<run_name>/tables/table1_metrics.csv/.tex``, with the memorisation lines if present."""
    table = _with_memorisation(run_name, table)
    folder = RunFolder(run_dir(run_name))  # its config.json is written by training; absent for tables of arrays
    recipe = ""
    if folder.config_path.exists():
        recipe = " (training recipe: " + recipe_label(folder.read_config()["train"]).replace("_", r"\_") + ")"
    return write_table(
        table, display_table(table, headers=TABLE1_COLUMNS), run_dir(run_name) / "tables" / "table1_metrics",
        caption=(f"Evaluation metrics of the WGAN-GP generator{recipe} against the real training set, next to real "
                 "held-out views of the training patient and another patient's images (value [95\\% CI] (n))."),
        label="tab:metrics",
    )


def save_table2(run_name: str, table: pd.DataFrame) -> tuple[Path, Path]:
    """Write Table 2 to ``runs/<run_name>/tables/table2_denoising.csv/.tex`` (methods as rows)."""
    display = display_table(table, row_name="method", column_name="metric")
    return write_table(
        table, display, run_dir(run_name) / "tables" / "table2_denoising",
        caption=("Denoising the generated images: MPV, MPVD and what each method costs in texture, "
                 "with the real sets for reference (value [95\\% CI] (n))."),
        label="tab:denoising",
    )


def save_texture_stats(run_name: str, stats: pd.DataFrame) -> Path:
    """Write the per-feature KS/Wasserstein table to ``runs/<run_name>/tables/texture_stats.csv``."""
    path = run_dir(run_name) / "tables" / "texture_stats.csv"
    with atomic_path(path) as tmp:
        stats.to_csv(tmp, index=False)
    return path

