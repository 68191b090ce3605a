"""Figures of notebooks 08 and 09 (matplotlib/seaborn; each returns the Figure, saving is the caller's)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from .memorisation import MemorisationResult

__all__ = ["image_rows", "estimate_panels", "rq2_figure", "dcr_figure", "pairs_figure"]


def image_rows(rows: dict[str, np.ndarray], *, per_row: int = 8, size: float = 1.0) -> Figure:
    """One row of ``per_row`` images (``(N, H, W)`` in [-1, 1], grey, fixed range) per named set."""
    fig, axes = plt.subplots(len(rows), per_row, figsize=(per_row * size, len(rows) * size + 0.3), squeeze=False)
    for r, (name, images) in enumerate(rows.items()):
        for c in range(per_row):
            ax = axes[r, c]
            ax.set_axis_off()
            if c < len(images):
                ax.imshow(images[c], cmap="gray", vmin=-1, vmax=1)
        axes[r, 0].set_title(name, loc="left", fontsize=8)
    fig.tight_layout()
    return fig


def estimate_panels(
    tidy: pd.DataFrame, *, row_name: str = "metric", column_name: str = "set", ncols: int = 3
) -> Figure:
    """One panel per metric: point estimate and 95 % CI of every set (rows not computed are left out)."""
    computed = tidy[tidy["value"].notna()]
    metrics = list(dict.fromkeys(computed[row_name]))
    nrows = int(np.ceil(len(metrics) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 2.6 * nrows), squeeze=False)
    order = list(dict.fromkeys(tidy[column_name]))
    for ax, metric in zip(axes.flat, metrics):
        part = computed[computed[row_name] == metric].set_index(column_name).reindex(order).dropna(subset=["value"])
        y = np.arange(len(part))
        err = np.vstack([part["value"] - part["ci_low"], part["ci_high"] - part["value"]])
        ax.errorbar(part["value"], y, xerr=np.nan_to_num(np.abs(err)), fmt="o", capsize=3)
        ax.set_yticks(y, part.index, fontsize=8)
        ax.invert_yaxis()
        space = part["feature_space"].iloc[0] if "feature_space" in part and len(part) else ""
        ax.set_title(f"{metric}" + (f"\n[{space}]" if space and space not in ("pixel",) else ""), fontsize=8)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_axis_off()
    fig.tight_layout()
    return fig


def rq2_figure(
    summary: pd.DataFrame, *, metrics: tuple[str, ...] = ("auc", "balanced_accuracy", "sensitivity_at_spec")
) -> Figure:
    """Mean +- 95 % CI over seeds of each metric, per arm, against the real-data budget (one line per arm/ratio)."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.3), squeeze=False)
    summary = summary.assign(
        budget_label=summary["budget"].map(lambda b: "all" if b == 0 else str(b)),
        label=[a if a == "real" else f"{a} (x{r:g})" for a, r in zip(summary["arm"], summary["ratio"])],
    )
    budgets = list(dict.fromkeys(summary.sort_values("budget", key=lambda b: b.replace(0, 10**9))["budget_label"]))
    palette = dict(zip(dict.fromkeys(summary["label"]), sns.color_palette("colorblind")))
    for ax, metric in zip(axes[0], metrics):
        for i, (label, part) in enumerate(summary.groupby("label", sort=False)):
            x = np.array([budgets.index(b) for b in part["budget_label"]]) + (i - 2) * 0.06
            mean = part[f"{metric}_mean"].to_numpy()
            err = np.vstack([mean - part[f"{metric}_ci_low"], part[f"{metric}_ci_high"] - mean])
            ax.errorbar(
                x, mean, yerr=np.nan_to_num(np.abs(err)), fmt="o-", capsize=3, label=label, color=palette[label]
            )
        ax.set_xticks(range(len(budgets)), budgets)
        ax.set_xlabel("real images per class")
        ax.set_title(metric.replace("_", " "), fontsize=9)
    axes[0, -1].legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig


def dcr_figure(results: list[MemorisationResult]) -> Figure:
    """Distance-to-closest-training-record distributions (generated, held-out, test) with the near-copy threshold."""
    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 3.2), squeeze=False)
    for ax, result in zip(axes[0], results):
        parts = {"generated": result.dcr_generated, "held-out real (same patient)": result.dcr_heldout}
        if result.dcr_test is not None:
            parts["test real (other patient)"] = result.dcr_test
        for name, values in parts.items():
            sns.kdeplot(values, ax=ax, label=f"{name} (n={len(values)})", cut=0, warn_singular=False)
        ax.axvline(
            result.summary["threshold"],
            color="k",
            ls="--",
            lw=1,
            label=f"near-copy threshold (q={result.summary['threshold_quantile']:g} of held-out)",
        )
        ax.set_xlabel(f"distance to nearest training image [{result.summary['space']}]")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def pairs_figure(generated: np.ndarray, train: np.ndarray, pairs: pd.DataFrame, *, size: float = 1.2) -> Figure:
    """The closest generated/training pairs side by side (top: generated, bottom: its nearest training image)."""
    k = len(pairs)
    fig, axes = plt.subplots(2, k, figsize=(k * size, 2 * size + 0.6), squeeze=False)
    for c, row in enumerate(pairs.itertuples()):
        axes[0, c].imshow(generated[row.generated_index], cmap="gray", vmin=-1, vmax=1)
        axes[1, c].imshow(train[row.train_index], cmap="gray", vmin=-1, vmax=1)
        axes[0, c].set_title(f"d={row.dcr:.3g}" + (" *" if row.flagged else ""), fontsize=7)
    for ax in axes.flat:
        ax.set_axis_off()
    axes[0, 0].text(-0.1, 0.5, "generated", transform=axes[0, 0].transAxes, rotation=90, ha="right", va="center")
    axes[1, 0].text(-0.1, 0.5, "nearest train", transform=axes[1, 0].transAxes, rotation=90, ha="right", va="center")
    fig.tight_layout()
    return fig
