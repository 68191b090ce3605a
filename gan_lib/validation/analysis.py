"""Statistics of a reader study (a visual Turing test) from its CSV export.

The export has one row per answer (columns :data:`gan_lib.validation.db.EXPORT_COLUMNS`):
``reader, item_id, repeat, label, answer, confidence, realism, ...`` with
``label``/``answer`` in {"real", "synthetic"} and ``repeat`` 0 for the first
showing of an item and 1 for its second showing (intra-reader consistency).

Detection statistics treat *synthetic* as the positive class:
sensitivity = P(answer synthetic | synthetic), specificity = P(answer real | real).
A generator that fools readers gives accuracy near 0.5, sensitivity near
``1 - specificity`` and ROC AUC near 0.5.  Every proportion is reported with
its sample size and an exact (Clopper-Pearson) confidence interval; the ROC AUC
and Fleiss' kappa, which have no exact interval, with a percentile bootstrap.
Only first showings enter the detection, agreement and realism statistics.
"""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from scipy import stats
from sklearn.metrics import cohen_kappa_score

from ..metrics.bootstrap import not_computed
from ..metrics.stats import auc_estimate, estimate_columns, percentile_interval, proportion_estimate

__all__ = [
    "LABELS",
    "load_export",
    "synthetic_score",
    "reader_accuracy",
    "format_reader_table",
    "fleiss_kappa",
    "answer_counts",
    "inter_reader_agreement",
    "realism_by_label",
    "intra_reader_consistency",
    "plot_realism",
]

LABELS = ("real", "synthetic")
_REQUIRED = ("reader", "item_id", "repeat", "label", "answer", "confidence", "realism")


def load_export(source: str | os.PathLike[str] | pd.DataFrame) -> pd.DataFrame:
    """Read and check a reader-study export (path to the CSV, or a DataFrame).

    Adds ``correct`` (``answer == label``) and ``simulated`` (0) when absent.

    Raises
    ------
    ValueError
        If a required column is missing or a value is outside its allowed set.
    """
    df = source.copy() if isinstance(source, pd.DataFrame) else pd.read_csv(source, keep_default_na=False)
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise ValueError(
            f"load_export: missing column(s) {missing}; expected a CSV written by "
            "`python -m gan_lib.validation export` or the admin page's export."
        )
    for column in ("label", "answer"):
        bad = sorted(set(df[column].astype(str)) - set(LABELS))
        if bad:
            raise ValueError(f"load_export: column {column!r} must hold only {LABELS}; got {bad[:5]}.")
    for column in ("confidence", "realism"):
        values = pd.to_numeric(df[column], errors="coerce")
        if values.isna().any() or not values.between(1, 5).all():
            raise ValueError(f"load_export: column {column!r} must hold integers 1-5.")
        df[column] = values.astype(int)
    df["repeat"] = pd.to_numeric(df["repeat"]).astype(int)
    df["reader"] = df["reader"].astype(str)
    df["correct"] = (df["answer"] == df["label"]).astype(int)
    if "simulated" not in df.columns:
        df["simulated"] = 0
    return df


def synthetic_score(answer: pd.Series, confidence: pd.Series) -> np.ndarray:
    """Ordinal "this is synthetic" score from the answer and its confidence, in {-5..-1, 1..5}.

    ``+confidence`` for answer "synthetic", ``-confidence`` for "real": a
    10-level rating scale whose thresholds trace the reader's ROC curve.

    Examples
    --------
    >>> synthetic_score(pd.Series(["real", "synthetic"]), pd.Series([5, 2])).tolist()
    [-5, 2]
    """
    sign = np.where(np.asarray(answer) == "synthetic", 1, -1)
    return sign * np.asarray(confidence, dtype=int)


def reader_accuracy(
    df: pd.DataFrame, *, confidence_level: float = 0.95, n_boot: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """The reader-study table: one row per reader (first showings only).

    Columns: ``n`` items answered (``n_real``, ``n_synthetic``), ``accuracy``
    with exact CI (``accuracy_ci_low``, ``accuracy_ci_high``) and ``p_value`` of the
    two-sided exact binomial test against chance (0.5; a small p-value means
    the reader tells real from synthetic better *or worse* than chance),
    ``sensitivity``/``specificity`` for detecting synthetic images with exact
    CIs, and ``auc`` of the confidence-weighted answers (:func:`synthetic_score`)
    with a stratified bootstrap CI (``n_boot`` resamples, ``seed``).
    """
    df = load_export(df)
    first = df[df["repeat"] == 0]
    rng = np.random.default_rng(seed)
    rows = []
    for reader, group in first.groupby("reader", sort=True):
        n, k = len(group), int(group["correct"].sum())
        synth, real = group[group["label"] == "synthetic"], group[group["label"] == "real"]
        exact = {"method": "exact", "confidence": confidence_level}
        y = (group["label"] == "synthetic").to_numpy()
        score = synthetic_score(group["answer"], group["confidence"])
        auc = (
            auc_estimate(score[y], score[~y], n_resamples=n_boot, confidence=confidence_level, seed=rng)
            if 0 < y.sum() < len(y)
            else not_computed("one class only")
        )
        rows.append(
            {
                "reader": reader,
                "n": n,
                "n_real": len(real),
                "n_synthetic": len(synth),
                "correct": k,
                **estimate_columns("accuracy", proportion_estimate(k, n, **exact)),
                "p_value": float(stats.binomtest(k, n, 0.5).pvalue) if n else float("nan"),
                **estimate_columns(
                    "sensitivity", proportion_estimate(int((synth["answer"] == "synthetic").sum()), len(synth), **exact)
                ),
                **estimate_columns(
                    "specificity", proportion_estimate(int((real["answer"] == "real").sum()), len(real), **exact)
                ),
                **estimate_columns("auc", auc),
            }
        )
    return pd.DataFrame(rows)


def format_reader_table(table: pd.DataFrame, *, digits: int = 2, confidence_level: float = 0.95) -> pd.DataFrame:
    """The output of :func:`reader_accuracy` as text, each value next to its CI: ``0.62 [0.48, 0.75]``.

    ``confidence_level`` only labels the columns; pass the one used for ``table``.
    """
    ci = f"[{confidence_level:.0%} CI]"

    def with_ci(name: str) -> pd.Series:
        return table.apply(
            lambda r: f"{r[name]:.{digits}f} [{r[name + '_ci_low']:.{digits}f}, {r[name + '_ci_high']:.{digits}f}]",
            axis=1,
        )

    return pd.DataFrame(
        {
            "reader": table["reader"],
            "n (real/synthetic)": table.apply(lambda r: f"{r['n']} ({r['n_real']}/{r['n_synthetic']})", axis=1),
            f"accuracy {ci}": with_ci("accuracy"),
            "p (binomial vs 0.5)": table["p_value"].map(lambda p: f"{p:.2g}"),
            f"sensitivity {ci}": with_ci("sensitivity"),
            f"specificity {ci}": with_ci("specificity"),
            f"ROC AUC {ci}": with_ci("auc"),
        }
    )


def fleiss_kappa(counts: np.ndarray) -> float:
    """Fleiss' kappa for ``counts`` of shape ``(n_items, n_categories)``.

    ``counts[i, j]`` is how many raters put item ``i`` in category ``j``; every
    row must sum to the same number of raters ``n >= 2``.

    .. math::
        P_i = \\frac{\\sum_j n_{ij}^2 - n}{n(n-1)},\\quad
        p_j = \\frac{\\sum_i n_{ij}}{N n},\\quad
        \\kappa = \\frac{\\bar P - \\sum_j p_j^2}{1 - \\sum_j p_j^2}

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    Psychological Bulletin 76(5), 378-382. https://doi.org/10.1037/h0031619

    Examples
    --------
    >>> fleiss_kappa(np.array([[3, 0], [0, 3], [3, 0]]))
    1.0
    """
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 2 or counts.shape[0] < 1 or counts.shape[1] < 2:
        raise ValueError(f"fleiss_kappa: counts must have shape (n_items, n_categories>=2); got {counts.shape}.")
    raters = counts.sum(axis=1)
    if not np.all(raters == raters[0]) or raters[0] < 2:
        raise ValueError(
            "fleiss_kappa: every item needs the same number of raters (>= 2); "
            f"got row sums {sorted(set(raters.astype(int).tolist()))}. Keep items rated by all readers."
        )
    n_items, n = counts.shape[0], raters[0]
    p_item = (np.sum(counts**2, axis=1) - n) / (n * (n - 1))
    p_cat = counts.sum(axis=0) / (n_items * n)
    p_bar, p_e = p_item.mean(), np.sum(p_cat**2)
    if np.isclose(p_e, 1.0):
        return 1.0 if np.isclose(p_bar, 1.0) else float("nan")  # everyone always chose one category
    return float((p_bar - p_e) / (1 - p_e))


def answer_counts(df: pd.DataFrame) -> pd.DataFrame:
    """``(n_items, 2)`` counts of "real"/"synthetic" answers per item, first showings, items rated by every reader."""
    df = load_export(df)
    first = df[df["repeat"] == 0]
    n_readers = first["reader"].nunique()
    table = pd.crosstab(first["item_id"], first["answer"]).reindex(columns=list(LABELS), fill_value=0)
    return table[table.sum(axis=1) == n_readers]


def inter_reader_agreement(
    df: pd.DataFrame, *, confidence_level: float = 0.95, n_boot: int = 1000, seed: int = 0
) -> dict[str, float]:
    """Fleiss' kappa of the real/synthetic answers across readers, with a bootstrap CI over items.

    Returns ``{"kappa", "kappa_ci_low", "kappa_ci_high", "n_items", "n_readers"}``
    (NaNs when fewer than two readers rated the same items).
    """
    counts = answer_counts(df)
    n_readers = int(counts.sum(axis=1).iloc[0]) if len(counts) else 0
    out = {
        "kappa": float("nan"),
        "kappa_ci_low": float("nan"),
        "kappa_ci_high": float("nan"),
        "n_items": len(counts),
        "n_readers": n_readers,
    }
    if n_readers < 2 or len(counts) < 2:
        return out
    values = counts.to_numpy()
    rng = np.random.default_rng(seed)
    boots = np.array([fleiss_kappa(values[rng.integers(0, len(values), len(values))]) for _ in range(n_boot)])
    low, high = percentile_interval(boots, confidence=confidence_level)
    out.update(kappa=fleiss_kappa(values), kappa_ci_low=low, kappa_ci_high=high)
    return out


def realism_by_label(df: pd.DataFrame) -> pd.DataFrame:
    """Realism scores (1-5) of real vs synthetic items: per reader and for all readers pooled.

    Columns: ``n_real``, ``n_synthetic``, medians and means, the two-sided
    Mann-Whitney U test (``u_statistic``, ``p_value``) and
    ``p_synthetic_more_realistic`` = U / (n_real n_synthetic), the probability
    that a random synthetic item is rated more realistic than a random real one
    (ties count half; 0.5 = indistinguishable).  The pooled row treats answers
    of different readers as independent, which they are not; read it as a summary.
    """
    df = load_export(df)
    first = df[df["repeat"] == 0]
    groups = [(reader, g) for reader, g in first.groupby("reader", sort=True)] + [("all readers", first)]
    rows = []
    for reader, group in groups:
        real = group.loc[group["label"] == "real", "realism"].to_numpy()
        synth = group.loc[group["label"] == "synthetic", "realism"].to_numpy()
        row = {
            "reader": reader,
            "n_real": len(real),
            "n_synthetic": len(synth),
            "median_real": np.median(real) if len(real) else np.nan,
            "median_synthetic": np.median(synth) if len(synth) else np.nan,
            "mean_real": real.mean() if len(real) else np.nan,
            "mean_synthetic": synth.mean() if len(synth) else np.nan,
            "u_statistic": np.nan,
            "p_value": np.nan,
            "p_synthetic_more_realistic": np.nan,
        }
        if len(real) and len(synth):
            test = stats.mannwhitneyu(synth, real, alternative="two-sided")
            row.update(
                u_statistic=float(test.statistic),
                p_value=float(test.pvalue),
                p_synthetic_more_realistic=float(test.statistic) / (len(real) * len(synth)),
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _cohen_kappa(a: pd.Series, b: pd.Series, **kwargs: object) -> float:
    """Cohen's kappa of two showings' answers; NaN with fewer than 2 pairs or one category only at both."""
    if len(a) < 2 or len(set(a) | set(b)) < 2:
        return float("nan")
    return float(cohen_kappa_score(a, b, **kwargs))


def intra_reader_consistency(df: pd.DataFrame, *, confidence_level: float = 0.95) -> pd.DataFrame:
    """Agreement of each reader with themself on repeated items.

    Columns: ``n_pairs`` (items answered at both showings), ``agreement``
    (same real/synthetic answer) with exact CI, ``cohen_kappa`` of the two
    showings' answers, ``realism_kappa`` (quadratically weighted Cohen's kappa
    of the two realism scores) and ``realism_mean_abs_diff``.
    """
    df = load_export(df)
    rows = []
    for reader, group in df.groupby("reader", sort=True):
        first = group[group["repeat"] == 0].set_index("item_id")
        second = group[group["repeat"] == 1].set_index("item_id")
        both = first.merge(second, how="inner", left_index=True, right_index=True, suffixes=("_1", "_2"))
        n = len(both)
        same = int((both["answer_1"] == both["answer_2"]).sum()) if n else 0
        agreement = proportion_estimate(same, n, method="exact", confidence=confidence_level)
        rows.append(
            {
                "reader": reader,
                "n_pairs": n,
                **estimate_columns("agreement", agreement),
                "cohen_kappa": _cohen_kappa(both["answer_1"], both["answer_2"]),
                "realism_kappa": _cohen_kappa(
                    both["realism_1"], both["realism_2"], weights="quadratic", labels=[1, 2, 3, 4, 5]
                ),
                "realism_mean_abs_diff": float((both["realism_1"] - both["realism_2"]).abs().mean())
                if n
                else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def plot_realism(df: pd.DataFrame, *, ax: object = None, title: str = "Realism scores") -> object:
    """Bar chart of the share of each realism score (1-5), real vs synthetic items, first showings of all readers.

    Returns the matplotlib ``Figure``.
    """

    df = load_export(df)
    first = df[df["repeat"] == 0]
    shares = (first.groupby(["label", "realism"]).size() / first.groupby("label").size()).rename("share").reset_index()
    shares = (
        shares.set_index(["label", "realism"])
        .reindex(pd.MultiIndex.from_product([LABELS, range(1, 6)], names=["label", "realism"]), fill_value=0)
        .reset_index()
    )
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.5))
    else:
        fig = ax.figure
    sns.barplot(data=shares, x="realism", y="share", hue="label", hue_order=list(LABELS), ax=ax)
    n = first.groupby("label").size().reindex(list(LABELS), fill_value=0)
    ax.set(
        xlabel="realism (1 = clearly artificial, 5 = indistinguishable)",
        ylabel="share of answers",
        title=f"{title}\n{first['reader'].nunique()} readers; answers on real n={n['real']}, "
        f"synthetic n={n['synthetic']}",
    )
    sns.move_legend(ax, "upper left", bbox_to_anchor=(1.0, 1.0), title="image")
    return fig
