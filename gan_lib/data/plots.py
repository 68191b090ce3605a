"""Figures for inspecting the data stage (notebook 01): preprocessing steps, masks, histograms, patch locations."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from gan_lib.data.mammogram import PreprocessedMammogram

__all__ = ["preprocessing_figure", "histogram_figure", "patch_location_figure", "example_grid"]


def _display(raw: np.ndarray) -> np.ndarray:
    """Raw intensities for display: square-root stretch so the skin line and film background both show."""
    shifted = raw - raw.min()
    return np.sqrt(shifted / max(float(shifted.max()), 1e-12))


def _extent(pre: PreprocessedMammogram) -> tuple[float, float, float, float]:
    height, width = pre.original_shape
    return (0, width, height, 0)


def preprocessing_figure(items: Sequence[tuple[str, PreprocessedMammogram]]) -> Figure:
    """One column per mammogram: raw scan with the breast-mask outline (red), mask, preprocessed image.

    Rows 1-2 are in the original pixel frame of the file; row 3 is the
    normalised, masked image flipped to the common side.
    """
    fig, axes = plt.subplots(3, len(items), figsize=(2.6 * len(items), 10), squeeze=False)
    for column, (title, pre) in enumerate(items):
        extent = _extent(pre)
        axes[0, column].imshow(_display(pre.raw), cmap="gray", extent=extent)
        axes[0, column].contour(
            np.linspace(0, extent[1], pre.mask.shape[1]),
            np.linspace(0, extent[2], pre.mask.shape[0]),
            pre.mask,
            levels=[0.5],
            colors="red",
            linewidths=1,
        )
        axes[0, column].set_title(title, fontsize=9)
        axes[1, column].imshow(pre.mask, cmap="gray", extent=extent)
        axes[2, column].imshow(pre.image, cmap="gray", vmin=0, vmax=1)
    for row, label in enumerate(("raw + mask outline", "breast mask", "preprocessed (flipped)")):
        axes[row, 0].set_ylabel(label)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def histogram_figure(items: Sequence[tuple[str, PreprocessedMammogram]], splits: dict[str, np.ndarray]) -> Figure:
    """Left: in-breast raw intensities per mammogram; middle: after windowing; right: training values per split."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
    for title, pre in items:
        axes[0].hist(pre.raw[pre.mask], bins=100, histtype="step", density=True, label=title)
        axes[1].hist(pre.image[pre.flipped_mask], bins=100, histtype="step", density=True, label=title)
    for name, images in splits.items():
        axes[2].hist(images.ravel(), bins=100, histtype="step", density=True, label=f"{name} (n={len(images)})")
    axes[0].set(title="raw, inside the breast mask", xlabel="stored pixel value", ylabel="density")
    axes[1].set(title="windowed to [0, 1] (in-breast percentiles)", xlabel="intensity")
    axes[2].set(title="training examples by split (model space)", xlabel="value in [-1, 1]")
    for ax in axes:
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def patch_location_figure(
    pre: PreprocessedMammogram, rows: pd.DataFrame, *, title: str = "", limit: int = 60
) -> Figure:
    """Patch squares (yellow) from manifest ``rows`` drawn on the raw scan, in its original pixel frame."""
    fig, ax = plt.subplots(figsize=(5, 7))
    ax.imshow(_display(pre.raw), cmap="gray", extent=_extent(pre))
    for row in rows.head(limit).itertuples():
        ax.add_patch(
            Rectangle(
                (row.patch_x, row.patch_y),
                row.patch_size,
                row.patch_size,
                fill=False,
                edgecolor="yellow",
                linewidth=0.7,
            )
        )
    ax.set_title(f"{title}\n{min(limit, len(rows))} of {len(rows)} patches (original pixels)", fontsize=9)
    fig.tight_layout()
    return fig


def example_grid(splits: dict[str, np.ndarray], *, per_split: int = 8, seed: int = 0) -> Figure:
    """``per_split`` random training examples of each split, one row per split, in model space [-1, 1]."""
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(len(splits), per_split, figsize=(1.4 * per_split, 1.5 * len(splits)), squeeze=False)
    for row, (name, images) in enumerate(splits.items()):
        pick = rng.choice(len(images), size=min(per_split, len(images)), replace=False)
        for column, ax in enumerate(axes[row]):
            if column < len(pick):
                ax.imshow(images[pick[column]], cmap="gray", vmin=-1, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel(name)
    fig.tight_layout()
    return fig
