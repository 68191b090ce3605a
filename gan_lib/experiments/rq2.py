"""RQ2: does synthetic data help a classifier?  Arms x real-data budgets x synthetic ratios x seeds.

Design
------
* **Arms** (:data:`ARMS`): ``real`` (the real images only), ``real+traditional``
  (plus traditionally augmented copies, :mod:`~gan_lib.experiments.augment`),
  ``real+gan`` (plus samples of one generator per class), ``real+cgan`` (plus
  samples of one class-conditional generator; both in
  :mod:`~gan_lib.experiments.conditional`), ``real+both`` (plus half
  traditional, half per-class GAN), so every synthetic arm adds the *same
  number* of images.
* **Budget**: ``b`` real training images per class drawn at random (``0`` = all
  available).  **Ratio**: ``r`` synthetic images added per real image, per
  class.  The ``real`` arm has no ratio (recorded as 0).
* **Seeds**: the seed fixes the real subset, the synthetic draw and the
  classifier's initialisation and batch order.  For a given (budget, seed)
  every arm sees the *same* real images and starts from the *same* weights, so
  arms are compared pairwise.
* **Evaluation** on the test patient(s) with
  :func:`~gan_lib.experiments.classifier.evaluate_predictions` (AUC, balanced
  accuracy, sensitivity at fixed specificity; stratified bootstrap CIs).
* **Paired test** (:func:`paired_tests`): for each synthetic arm and ratio, the
  per-(budget, seed) differences to the ``real`` arm; the mean difference with a
  bootstrap CI and the two-sided Wilcoxon signed-rank test
  (``scipy.stats.wilcoxon``), which needs no normality and suits the small
  number of pairs.  With n pairs the smallest attainable p-value is ``2 / 2**n``
  (0.0625 for n = 5), so a single budget with 5 seeds cannot reach p < 0.05;
  the full profile pools 4 budgets x 5 seeds = 20 pairs per arm and ratio.

Results are appended to a CSV cache after every classifier run (atomically),
so an interrupted full study resumes where it stopped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats
from tqdm.auto import tqdm

from ..atomic import atomic_path
from ..metrics.stats import percentile_interval, t_estimate
from .augment import augment_set
from .classifier import ClassifierConfig, evaluate_predictions, predict_proba, train_classifier
from .config import ExperimentConfig
from .labelled import LabelledSet

__all__ = ["ARMS", "classifier_config", "sample_budget", "synthetic_images", "run_rq2", "summarise_rq2", "paired_tests"]

#: The training-set arms of RQ2, baseline first.
ARMS = ("real", "real+traditional", "real+gan", "real+cgan", "real+both")
_METRICS = ("auc", "balanced_accuracy", "sensitivity_at_spec")


def classifier_config(config: ExperimentConfig) -> ClassifierConfig:
    """The classifier of every RQ2 arm (and of the label-fidelity reference): ``config``'s width and epochs."""
    return ClassifierConfig(width=config.classifier_width, epochs=config.classifier_epochs)


def sample_budget(labelled: LabelledSet, budget: int, *, seed: int) -> LabelledSet:
    """Up to ``budget`` images per class drawn without replacement (``budget=0``: all images)."""
    if budget < 0:
        raise ValueError(f"sample_budget: budget must be >= 0 (0 = all); got {budget}.")
    rng = np.random.default_rng(seed)
    keep = []
    for label in (0, 1):
        idx = np.flatnonzero(labelled.labels == label)
        keep.append(rng.permutation(idx)[: budget or len(idx)])
    return labelled.subset(np.sort(np.concatenate(keep)))


def synthetic_images(
    arm: str,
    real_of_class: np.ndarray,
    n: int,
    *,
    pool: np.ndarray | None,
    seed: int,
) -> np.ndarray:
    """``n`` synthetic images of one class for ``arm`` (``float32 (n, H, W)``).

    ``real+traditional`` augments ``real_of_class``; ``real+gan`` and
    ``real+cgan`` draw from the class's generated ``pool`` (without replacement
    while it lasts); ``real+both`` takes ``n // 2`` augmented and the rest
    generated.
    """
    rng = np.random.default_rng(seed)
    shape = real_of_class.shape[1:]

    def from_pool(k: int) -> np.ndarray:
        if pool is None or len(pool) == 0:
            raise ValueError(f"synthetic_images: arm {arm!r} needs a generated pool for this class; got none.")
        if pool.shape[1:] != shape:
            raise ValueError(
                f"synthetic_images: generated pool has image shape {pool.shape[1:]}, real images "
                f"{shape}; generate at the dataset's image size."
            )
        return pool[rng.choice(len(pool), k, replace=k > len(pool))]

    if arm == "real+traditional":
        return augment_set(real_of_class, n, seed=seed)[0]
    if arm in ("real+gan", "real+cgan"):
        return from_pool(n)
    if arm == "real+both":
        return np.concatenate([augment_set(real_of_class, n // 2, seed=seed)[0], from_pool(n - n // 2)])
    raise ValueError(f"synthetic_images: arm must be one of {ARMS[1:]}; got {arm!r}.")


def _run_key(arm: str, budget: int, ratio: float, seed: int) -> str:
    return f"{arm}|{budget}|{ratio:g}|{seed}"


def run_rq2(
    train: LabelledSet,
    test: LabelledSet,
    *,
    pools: dict[int, np.ndarray] | None,
    config: ExperimentConfig,
    conditional_pools: dict[int, np.ndarray] | None = None,
    arms: tuple[str, ...] = ARMS,
    cache_path: str | Path | None = None,
    progress: bool = True,
    on_row: Callable[[dict], None] | None = None,
) -> pd.DataFrame:
    """Train and evaluate one classifier per (arm, budget, ratio, seed); one row each.

    Parameters
    ----------
    train, test : LabelledSet
        Training patient(s) and test patient(s); no patient in both.
    pools : dict or None
        Generated images per class ``{0: (n0, H, W), 1: (n1, H, W)}`` of the
        per-class generators, for ``real+gan`` and ``real+both`` (None when
        those arms are not run or are all cached).
    config : ExperimentConfig
        ``budgets``, ``synthetic_ratios``, ``n_seeds``, classifier and bootstrap settings.
    conditional_pools : dict or None
        The same from the class-conditional generator, for ``real+cgan``.
    arms : tuple of str
        Subset of :data:`ARMS`.
    cache_path : path, optional
        CSV of finished runs; rows already there are reused (resume), new rows
        are appended atomically after each run.
    progress : bool
        Show a tqdm bar over runs.
    on_row : callable, optional
        Called with each new row (e.g. to print it).

    Returns
    -------
    pandas.DataFrame
        Columns ``arm, budget, ratio, seed, n_real, n_synthetic, n_train, auc,
        auc_ci_low, auc_ci_high, balanced_accuracy(_ci_low/_ci_high),
        sensitivity_at_spec(_ci_low/_ci_high), specificity, n_test, n_test_positive``.
    """
    unknown = sorted(set(arms) - set(ARMS))
    if unknown:
        raise ValueError(f"run_rq2: unknown arm(s) {unknown}; choose from {ARMS}.")
    overlap = set(train.patient_ids) & set(test.patient_ids)
    if overlap:
        raise ValueError(f"run_rq2: patient(s) {sorted(overlap)[:3]} are in both train and test; split by patient.")
    if len(np.unique(test.labels)) < 2:
        raise ValueError("run_rq2: the test set needs both classes.")
    clf_config = classifier_config(config)
    jobs = [
        (arm, budget, 0.0 if arm == "real" else ratio, seed)
        for budget in config.budgets
        for seed in range(config.n_seeds)
        for arm in arms
        for ratio in (config.synthetic_ratios if arm != "real" else (0.0,))
    ]
    cache_path = Path(cache_path) if cache_path else None
    done = _read_cache(cache_path) if cache_path and cache_path.is_file() else pd.DataFrame()
    done_keys = {_run_key(r.arm, int(r.budget), float(r.ratio), int(r.seed)) for r in done.itertuples()}
    rows = done.to_dict("records")
    for arm, budget, ratio, seed in tqdm(jobs, desc="RQ2 runs", disable=not progress):
        if _run_key(arm, budget, ratio, seed) in done_keys:
            continue
        real = sample_budget(train, budget, seed=seed)
        images, labels = [real.images], [real.labels]
        n_synthetic = 0
        if arm != "real":
            for label in (0, 1):
                own = real.of_class(label)
                n = int(round(ratio * len(own)))
                source = conditional_pools if arm == "real+cgan" else pools  # the per-class generators' otherwise
                extra = synthetic_images(arm, own, n, pool=(source or {}).get(label), seed=seed * 1000 + label)
                images.append(extra)
                labels.append(np.full(n, label, dtype=np.int64))
                n_synthetic += n
        model = train_classifier(np.concatenate(images), np.concatenate(labels), config=clf_config, seed=seed)
        scores = predict_proba(model, test.images)
        metrics = evaluate_predictions(
            test.labels, scores, specificity=config.specificity, n_bootstrap=config.n_bootstrap, seed=seed
        )
        row = {
            "arm": arm,
            "budget": budget,
            "ratio": ratio,
            "seed": seed,
            "n_real": len(real),
            "n_synthetic": n_synthetic,
            "n_train": len(real) + n_synthetic,
            **metrics,
            "specificity": config.specificity,
        }
        rows.append(row)
        if on_row:
            on_row(row)
        if cache_path:
            with atomic_path(cache_path) as tmp:
                pd.DataFrame(rows).to_csv(tmp, index=False)
    table = pd.DataFrame(rows)
    keys = {_run_key(*job) for job in jobs}
    table = table[[_run_key(r.arm, int(r.budget), float(r.ratio), int(r.seed)) in keys for r in table.itertuples()]]
    return table.sort_values(["budget", "ratio", "arm", "seed"]).reset_index(drop=True)


def _read_cache(path: Path) -> pd.DataFrame:
    """The finished runs in ``path``; caches written before 2026-12-02 spell the intervals ``<metric>_lo/_hi``."""
    done = pd.read_csv(path)
    return done.rename(
        columns={
            f"{metric}_{old}": f"{metric}_ci_{new}"
            for metric in _METRICS
            for old, new in (("lo", "low"), ("hi", "high"))
        }
    )


def summarise_rq2(results: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Mean of each metric over seeds per (arm, budget, ratio), with a Student-t CI over seeds.

    Columns: ``arm, budget, ratio, n_seeds, n_real, n_synthetic, n_test`` and,
    per metric, ``<metric>_mean, <metric>_ci_low, <metric>_ci_high`` (NaN
    interval for a single seed; clipped to [0, 1]).
    """
    rows = []
    for (arm, budget, ratio), group in results.groupby(["arm", "budget", "ratio"], sort=False):
        row = {
            "arm": arm,
            "budget": budget,
            "ratio": ratio,
            "n_seeds": len(group),
            "n_real": int(group["n_real"].median()),
            "n_synthetic": int(group["n_synthetic"].median()),
            "n_test": int(group["n_test"].iloc[0]),
        }
        for metric in _METRICS:
            # Every metric lives in [0, 1]; a t-interval from few seeds can overshoot, so it is clipped there.
            mean = t_estimate(group[metric].to_numpy(float), confidence=confidence, bounds=(0.0, 1.0))
            row.update(
                {f"{metric}_mean": mean.value, f"{metric}_ci_low": mean.ci_low, f"{metric}_ci_high": mean.ci_high}
            )
        rows.append(row)
    order = {arm: i for i, arm in enumerate(ARMS)}
    table = pd.DataFrame(rows)
    return table.sort_values(
        ["budget", "ratio", "arm"], key=lambda c: c.map(order) if c.name == "arm" else c
    ).reset_index(drop=True)


def paired_tests(
    results: pd.DataFrame,
    *,
    metric: str = "auc",
    baseline: str = "real",
    n_bootstrap: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Each synthetic arm and ratio against ``baseline``, paired on (budget, seed), pooled over budgets.

    Returns one row per (arm, ratio): ``n_pairs``, ``mean_difference`` (arm -
    baseline), its bootstrap 95 % CI over pairs, ``n_better``/``n_worse`` and the
    two-sided Wilcoxon signed-rank ``p_value`` (NaN when all differences are 0
    or fewer than 2 pairs).
    """
    if metric not in _METRICS:
        raise ValueError(f"paired_tests: metric must be one of {_METRICS}; got {metric!r}.")
    base = results[results["arm"] == baseline].set_index(["budget", "seed"])[metric]
    if base.empty:
        raise ValueError(f"paired_tests: no runs of the baseline arm {baseline!r} in the results.")
    rng = np.random.default_rng(seed)
    rows = []
    for (arm, ratio), group in results[results["arm"] != baseline].groupby(["arm", "ratio"], sort=False):
        arm_values = group.set_index(["budget", "seed"])[metric]
        common = arm_values.index.intersection(base.index)
        diff = (arm_values.loc[common] - base.loc[common]).to_numpy(float)
        low, high = (
            percentile_interval(rng.choice(diff, (n_bootstrap, len(diff))).mean(axis=1))
            if len(diff)
            else (np.nan, np.nan)
        )
        p = np.nan
        if len(diff) >= 2 and np.any(diff != 0):
            p = float(stats.wilcoxon(diff, alternative="two-sided").pvalue)
        rows.append(
            {
                "arm": arm,
                "ratio": ratio,
                "metric": metric,
                "baseline": baseline,
                "n_pairs": len(diff),
                "mean_difference": float(diff.mean()) if len(diff) else np.nan,
                "ci_low": low,
                "ci_high": high,
                "n_better": int((diff > 0).sum()),
                "n_worse": int((diff < 0).sum()),
                "p_value": p,
            }
        )
    return pd.DataFrame(rows)
