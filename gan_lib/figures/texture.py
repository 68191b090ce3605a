"""Texture figures: Sobel edge analysis (thesis Fig 6) and GLCM feature distributions (Fig 7)."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from gan_lib.figures.grids import edge_display_range
from gan_lib.figures.style import COLORS, image_axis
from gan_lib.imaging import check_image_set

__all__ = ["sobel_figure", "glcm_distributions"]


def _check_edges(edges: np.ndarray, images: np.ndarray, name: str) -> np.ndarray:
    edges = np.asarray(edges, dtype=np.float32)
    if edges.shape != images.shape:
        raise ValueError(
            f"sobel_figure: {name} has shape {edges.shape}; expected {images.shape}, one edge map "
            "per image (e.g. skimage.filters.sobel of each image)."
        )
    if not np.all(np.isfinite(edges)) or edges.min() < 0:
        raise ValueError(f"sobel_figure: {name} must be finite, non-negative gradient magnitudes.")
    return edges


def sobel_figure(
    real: np.ndarray,
    real_edges: np.ndarray,
    generated: np.ndarray,
    generated_edges: np.ndarray,
    *,
    real_examples: Sequence[int] = (0, 1, 2),
    generated_examples: Sequence[int] = (0, 1, 2),
    bins: int = 60,
) -> Figure:
    """Sobel edge maps of real and generated images and the distribution of edge magnitudes (Fig 6).

    Left: one column per example of (real image, its edge map, generated image,
    its edge map).  Right: density histograms of the edge magnitude of every
    pixel of each whole set, on shared bins and a log density axis, so texture
    that is too smooth (mass near 0) or too noisy (heavy tail) is visible.

    Parameters
    ----------
    real, generated : ndarray, shape (N, H, W), float in [-1, 1]
    real_edges, generated_edges : ndarray, same shapes, float >= 0
        Sobel gradient magnitude of each image.
    real_examples, generated_examples : sequence of int
        Indices of the images shown, one column per pair (same length).
    bins : int
        Histogram bins over [0, max magnitude].

    Returns
    -------
    Figure
        ``4 * len(real_examples)`` image axes and one histogram axis.
    """
    real = check_image_set(real, name="real")
    generated = check_image_set(generated, name="generated")
    real_edges = _check_edges(real_edges, real, "real_edges")
    generated_edges = _check_edges(generated_edges, generated, "generated_edges")
    real_examples, generated_examples = list(real_examples), list(generated_examples)
    n_examples = len(real_examples)
    if n_examples == 0 or len(generated_examples) != n_examples:
        raise ValueError(
            f"sobel_figure: real_examples and generated_examples must be equally long and non-empty; "
            f"got {len(real_examples)} and {len(generated_examples)}."
        )
    for name, chosen, size in (
        ("real_examples", real_examples, len(real)),
        ("generated_examples", generated_examples, len(generated)),
    ):
        if min(chosen) < 0 or max(chosen) >= size:
            raise ValueError(f"sobel_figure: {name}={chosen} indexes outside the set of {size} images.")
    shown = {
        "real": (real[real_examples], real_edges[real_examples]),
        "generated": (generated[generated_examples], generated_edges[generated_examples]),
    }
    low, high = edge_display_range(np.concatenate([shown["real"][1], shown["generated"][1]]))
    fig = plt.figure(figsize=(1.3 * n_examples + 3.2, 5.4))
    grid = fig.add_gridspec(4, n_examples + 1, width_ratios=[1] * n_examples + [2.4])
    rows = (
        ("Real", shown["real"][0]),
        ("Real: Sobel", shown["real"][1]),
        ("Generated", shown["generated"][0]),
        ("Generated: Sobel", shown["generated"][1]),
    )
    for r, (label, data) in enumerate(rows):
        for c in range(n_examples):
            ax = fig.add_subplot(grid[r, c])
            if r % 2:
                image_axis(ax, data[c], cmap="magma", vmin=low, vmax=high)
            else:
                image_axis(ax, data[c])
            if c == 0:
                ax.set_ylabel(label)
    hist = fig.add_subplot(grid[:, n_examples])
    edges_bins = np.linspace(0.0, float(max(real_edges.max(), generated_edges.max())) or 1.0, bins + 1)
    for name, data in (("real", real_edges), ("generated", generated_edges)):
        hist.hist(
            data.ravel(),
            bins=edges_bins,
            density=True,
            histtype="step",
            lw=1.3,
            color=COLORS[name],
            label=f"{name} (n={len(data)} images)",
        )
    hist.set_yscale("log")
    hist.set_xlabel("Sobel gradient magnitude")
    hist.set_ylabel("density (all pixels)")
    hist.set_title("Edge-magnitude distribution")
    hist.legend(frameon=False)
    return fig


def glcm_distributions(
    features: pd.DataFrame,
    *,
    stats: pd.DataFrame | None = None,
    feature_names: Sequence[str] | None = None,
    source_column: str = "source",
    stats_label: str = "generated vs train",
    n_cols: int = 3,
) -> Figure:
    """Violin plots of per-image GLCM features, real vs generated, one panel per feature (Fig 7).

    Parameters
    ----------
    features : DataFrame
        One row per image: a ``source_column`` ("real", "generated", or other
        set names present in :data:`~gan_lib.figures.style.COLORS`) and one
        numeric column per GLCM feature (contrast, homogeneity, ...).
    stats : DataFrame, optional
        Indexed by feature name, with columns ``ks_statistic``, ``ks_pvalue``
        and ``wasserstein`` (two-sample tests of ``stats_label``); printed under
        each panel's title.
    stats_label : str
        Which two sets ``stats`` compares, named in the figure title.
    feature_names : sequence of str, optional
        Features to show; default every numeric column.
    source_column : str
        Column naming the set of each row.
    n_cols : int
        Panels per row.

    Returns
    -------
    Figure
        One axis per feature (unused grid cells are removed).
    """
    if source_column not in features.columns:
        raise ValueError(
            f"glcm_distributions: features lacks the {source_column!r} column naming each row's set "
            f"(real/generated); columns are {list(features.columns)}."
        )
    if feature_names is None:
        feature_names = [c for c in features.select_dtypes("number").columns if c != "index"]
    feature_names = list(feature_names)
    missing = [f for f in feature_names if f not in features.columns]
    if missing or not feature_names:
        raise ValueError(
            f"glcm_distributions: feature column(s) {missing or '(none)'} not in features; "
            f"numeric columns are {list(features.select_dtypes('number').columns)}."
        )
    unknown = sorted(set(features[source_column]) - set(COLORS))
    if unknown:
        raise ValueError(
            f"glcm_distributions: unknown set name(s) {unknown} in {source_column!r}; use {sorted(COLORS)}."
        )
    if stats is not None:
        needed = {"ks_statistic", "ks_pvalue", "wasserstein"}
        if not needed <= set(stats.columns):
            raise ValueError(f"glcm_distributions: stats needs columns {sorted(needed)}; got {list(stats.columns)}.")
    order = [s for s in COLORS if s in set(features[source_column])]
    counts = features[source_column].value_counts()
    n_rows = -(-len(feature_names) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(2.4 * n_cols, 2.2 * n_rows), squeeze=False)
    for ax, feature in zip(axes.flat, feature_names):
        sns.violinplot(
            data=features,
            x=source_column,
            y=feature,
            hue=source_column,
            order=order,
            hue_order=order,
            palette=COLORS,
            cut=0,
            inner="quartile",
            linewidth=0.8,
            legend=False,
            ax=ax,
        )
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.set_xticks(range(len(order)), [f"{s}\nn={counts[s]}" for s in order])
        title = feature
        if stats is not None and feature in stats.index:
            row = stats.loc[feature]
            title += f"\nKS D={row['ks_statistic']:.2f}, p={row['ks_pvalue']:.2g}; W1={row['wasserstein']:.3g}"
        ax.set_title(title)
    for ax in axes.flat[len(feature_names) :]:
        ax.remove()
    fig.suptitle(
        "GLCM features per image"
        + (
            f" (under each title: {stats_label}, two-sample KS test and Wasserstein-1 distance)"
            if stats is not None
            else ""
        )
    )
    return fig
