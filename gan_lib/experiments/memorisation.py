"""Memorisation / privacy audit: does the generator copy its training patients? (thesis section IV)

Three tests, each on a named feature space (:mod:`gan_lib.experiments.features`):

1. **Distance to closest record (DCR)** [1]_, [2]_.  For every generated image,
   the distance to its nearest *training* image; for reference, the same
   distance for real images the generator never saw (``heldout``: other views of
   the training patient; ``test``: another patient).  A generator that produces
   new images of the same distribution gives generated DCRs like the held-out
   DCRs; a memorising one gives smaller ones.
2. **Near-copy flag.**  A generated image is flagged when its DCR is below the
   ``threshold_quantile`` (default 5 %) quantile of the held-out DCRs, i.e.
   closer to a training image than 95 % of genuinely new real images are.
   Under "no memorisation" about ``threshold_quantile`` of generated images are
   flagged by chance; the audit reports the flagged fraction with a Wilson
   interval and a one-sided binomial test against that rate.
3. **Membership inference AUCs.**
   * ``dcr_auc``: how well DCR separates generated from held-out images (AUC of
     ``-DCR``; 0.5 = generated are no closer to training than new real images,
     1.0 = exact copies).
   * ``mia_auc``: the full black-box attack of GAN-Leaks [3]_: score each real
     candidate by minus its distance to the closest *generated* image; AUC of
     training members against held-out non-members (0.5 = the samples reveal
     nothing about who was in the training set).

Distances are Euclidean.  In pixel space they are reported as root-mean-square
differences per pixel in model units (``||a - b||_2 / sqrt(H W)``), so they are
comparable across image sizes.

References
----------
.. [1] Platzer M., Reutterer T., "Holdout-based empirical assessment of mixed-type
   synthetic data", Front. Big Data 4:679939, 2021. doi:10.3389/fdata.2021.679939
.. [2] Yoon J., Drumright L.N., van der Schaar M., "Anonymization through data
   synthesis using generative adversarial networks (ADS-GAN)", IEEE J. Biomed.
   Health Inform. 24(8):2378-2388, 2020. doi:10.1109/JBHI.2020.2980262
.. [3] Chen D., Yu N., Zhang Y., Fritz M., "GAN-Leaks: a taxonomy of membership
   inference attacks against generative models", ACM CCS 2020.
   doi:10.1145/3372297.3417238
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.neighbors import NearestNeighbors

from ..metrics.stats import auc_estimate, estimate_columns, proportion_estimate

__all__ = [
    "nearest_distances",
    "MemorisationResult",
    "memorisation_audit",
    "closest_pairs",
    "training_views",
    "MEMORISATION_COLUMNS",
    "memorisation_table",
]


def nearest_distances(queries: np.ndarray, references: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean distance from each query vector to its nearest reference vector.

    Parameters
    ----------
    queries : np.ndarray
        ``(Q, D)`` feature vectors.
    references : np.ndarray
        ``(R, D)`` feature vectors.

    Returns
    -------
    distances : np.ndarray
        ``float64 (Q,)``.
    indices : np.ndarray
        ``int64 (Q,)``: index into ``references`` of each nearest one.

    Examples
    --------
    >>> d, i = nearest_distances(np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[0.0, 1.0], [3.0, 4.0]]))
    >>> d.tolist(), i.tolist()
    ([1.0, 0.0], [0, 1])
    """
    queries = np.asarray(queries, dtype=np.float64)
    references = np.asarray(references, dtype=np.float64)
    if queries.ndim != 2 or references.ndim != 2 or queries.shape[1] != references.shape[1]:
        raise ValueError(
            f"nearest_distances: need (Q, D) queries and (R, D) references with the same D; "
            f"got {queries.shape} and {references.shape}. Flatten images with .reshape(len(x), -1)."
        )
    if len(references) == 0 or len(queries) == 0:
        raise ValueError("nearest_distances: queries and references must be non-empty.")
    nn = NearestNeighbors(n_neighbors=1).fit(references)
    dist, idx = nn.kneighbors(queries)
    return dist[:, 0], idx[:, 0].astype(np.int64)


@dataclass(frozen=True)
class MemorisationResult:
    """Outcome of :func:`memorisation_audit` in one feature space.

    ``summary`` is the one-row table (a line of Table 1); the arrays let a
    notebook plot the DCR distributions and show the closest pairs.
    """

    summary: dict  # see memorisation_audit
    dcr_generated: np.ndarray  # (G,) distance of each generated image to its nearest training image
    nearest_train_of_generated: np.ndarray  # (G,) index into the training set
    dcr_heldout: np.ndarray  # (H,) same for held-out real images
    dcr_test: np.ndarray | None  # (T,) same for other-patient real images, or None
    flagged: np.ndarray  # (G,) bool: near-copy flag


def memorisation_audit(
    generated: np.ndarray,
    train: np.ndarray,
    heldout: np.ndarray,
    *,
    test: np.ndarray | None = None,
    space: str = "pixel",
    threshold_quantile: float = 0.05,
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> MemorisationResult:
    """Run the DCR test, the near-copy flag and both membership AUCs on feature vectors.

    Parameters
    ----------
    generated, train, heldout : np.ndarray
        ``(G, D)``, ``(N, D)``, ``(H, D)`` feature vectors in the same space
        (flattened pixels or features from :mod:`gan_lib.experiments.features`).
        ``heldout`` must be real images of the training patients that were not
        used for training (at least 5 of them).
    test : np.ndarray, optional
        ``(T, D)`` real images of other patients: a second, cross-patient reference.
    space : str
        Name of the feature space, written into the summary.
    threshold_quantile : float
        Quantile of held-out DCRs below which a generated image is a near-copy.
    n_bootstrap : int
        Replicates for the AUC intervals.
    seed : int
        Seeds the bootstrap.

    Returns
    -------
    MemorisationResult
        ``summary`` keys: ``space, n_generated, n_train, n_heldout, n_test,
        dcr_generated_median, dcr_heldout_median, dcr_test_median,
        threshold_quantile, threshold, n_flagged, near_copy_fraction,
        near_copy_ci_low, near_copy_ci_high, near_copy_p_value, dcr_auc,
        dcr_auc_ci_low, dcr_auc_ci_high, mia_auc, mia_auc_ci_low, mia_auc_ci_high``.
    """
    if len(heldout) < 5:
        raise ValueError(
            f"memorisation_audit: need at least 5 held-out real images for a threshold; got {len(heldout)}. "
            "Hold out more views/patches of the training patients."
        )
    if not 0 < threshold_quantile < 1:
        raise ValueError(f"memorisation_audit: threshold_quantile must be in (0, 1); got {threshold_quantile}.")
    dcr_gen, nearest = nearest_distances(generated, train)
    dcr_held, _ = nearest_distances(heldout, train)
    dcr_test = nearest_distances(test, train)[0] if test is not None and len(test) else None
    threshold = float(np.quantile(dcr_held, threshold_quantile))
    flagged = dcr_gen < threshold
    n_flag = int(flagged.sum())
    near_copy = proportion_estimate(n_flag, len(dcr_gen))
    p_value = float(stats.binomtest(n_flag, len(dcr_gen), threshold_quantile, alternative="greater").pvalue)
    dcr_auc = auc_estimate(-dcr_gen, -dcr_held, n_resamples=n_bootstrap, seed=seed)
    # GAN-Leaks full black-box: members vs non-members scored by closeness to the generated set.
    member_score = -nearest_distances(train, generated)[0]
    nonmember_score = -nearest_distances(heldout, generated)[0]
    mia = auc_estimate(member_score, nonmember_score, n_resamples=n_bootstrap, seed=seed + 1)
    summary = {
        "space": space,
        "n_generated": int(len(dcr_gen)),
        "n_train": int(len(train)),
        "n_heldout": int(len(dcr_held)),
        "n_test": int(len(dcr_test)) if dcr_test is not None else 0,
        "dcr_generated_median": float(np.median(dcr_gen)),
        "dcr_heldout_median": float(np.median(dcr_held)),
        "dcr_test_median": float(np.median(dcr_test)) if dcr_test is not None else float("nan"),
        "threshold_quantile": float(threshold_quantile),
        "threshold": threshold,
        "n_flagged": n_flag,
        "near_copy_fraction": near_copy.value,
        "near_copy_ci_low": near_copy.ci_low,
        "near_copy_ci_high": near_copy.ci_high,
        "near_copy_p_value": p_value,
        **estimate_columns("dcr_auc", dcr_auc),
        **estimate_columns("mia_auc", mia),
    }
    return MemorisationResult(summary, dcr_gen, nearest, dcr_held, dcr_test, flagged)


def training_views(train: np.ndarray, *, horizontal_flips: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The images the generator actually saw: ``train`` and, when training used flips, their mirror images.

    The trainer flips real batches left-right at random when
    ``TrainConfig.flips`` is on (``gan_lib.training.batches.TensorBatcher``),
    so a memorised *mirrored* training image is as much a copy as an unflipped
    one; pass ``horizontal_flips=run.train_config.flips`` to search both.

    Returns
    -------
    views : np.ndarray
        ``(N, H, W)`` or ``(2N, H, W)``.
    source : np.ndarray
        ``int64``: the index into ``train`` of each view.
    """
    train = np.asarray(train)
    if not horizontal_flips:
        return train, np.arange(len(train))
    return np.concatenate([train, train[:, :, ::-1]]), np.tile(np.arange(len(train)), 2)


def closest_pairs(result: MemorisationResult, *, k: int = 8) -> pd.DataFrame:
    """The ``k`` generated images closest to a training image: ``generated_index, train_index, dcr, flagged``."""
    order = np.argsort(result.dcr_generated)[:k]
    return pd.DataFrame(
        {
            "generated_index": order,
            "train_index": result.nearest_train_of_generated[order],
            "dcr": result.dcr_generated[order],
            "flagged": result.flagged[order],
        }
    )


#: Columns of ``runs/<name>/tables/memorisation.csv`` (one row per feature space; a line of Table 1 each).
MEMORISATION_COLUMNS = (
    "run",
    "space",
    "n_generated",
    "n_train",
    "n_heldout",
    "n_test",
    "dcr_generated_median",
    "dcr_heldout_median",
    "dcr_test_median",
    "threshold_quantile",
    "threshold",
    "n_flagged",
    "near_copy_fraction",
    "near_copy_ci_low",
    "near_copy_ci_high",
    "near_copy_p_value",
    "dcr_auc",
    "dcr_auc_ci_low",
    "dcr_auc_ci_high",
    "mia_auc",
    "mia_auc_ci_low",
    "mia_auc_ci_high",
)


def memorisation_table(results: list[MemorisationResult], *, run: str) -> pd.DataFrame:
    """The audit summaries as one table (columns :data:`MEMORISATION_COLUMNS`), one row per feature space."""
    if not results:
        raise ValueError("memorisation_table: no audit results given.")
    frame = pd.DataFrame([{"run": run, **r.summary} for r in results])
    return frame[list(MEMORISATION_COLUMNS)]
