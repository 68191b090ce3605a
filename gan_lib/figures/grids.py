"""Image grids: the shuffled real/generated mix (thesis Fig 4) and the three-example comparison (Fig 8)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gan_lib.figures.style import image_axis
from gan_lib.imaging import check_image_set

__all__ = ["real_vs_generated_grid", "comparison_grid", "edge_display_range"]


def real_vs_generated_grid(
    real: np.ndarray, generated: np.ndarray, *, n_rows: int = 4, n_cols: int = 6, seed: int = 0
) -> tuple[Figure, pd.DataFrame]:
    """A grid mixing real and generated images in random order, and the key saying which is which (Fig 4).

    Half of the ``n_rows * n_cols`` cells (rounded down) show real images, the
    rest generated ones; images are drawn without replacement and the cells
    shuffled with ``seed``.  Each cell carries a number only, so the figure can
    be shown as a quiz; the key is kept apart (save it to its own file).

    Parameters
    ----------
    real, generated : ndarray, shape (N, H, W), float in [-1, 1]
        Real and generated sets of the same image size.
    n_rows, n_cols : int
        Grid size.
    seed : int
        Seed of the draw and of the shuffle.

    Returns
    -------
    fig : Figure
        ``n_rows * n_cols`` image axes, numbered 1.. row by row.
    key : DataFrame
        One row per cell in grid order: ``panel`` (the number shown), ``row``,
        ``col``, ``source`` ("real" | "generated"), ``index`` (into the given set).

    Raises
    ------
    ValueError
        If a set has too few images for the grid or the image sizes differ.
    """
    n_cells = n_rows * n_cols
    n_real = n_cells // 2
    n_generated = n_cells - n_real
    if n_rows < 1 or n_cols < 2:
        raise ValueError(f"real_vs_generated_grid: needs n_rows >= 1 and n_cols >= 2; got {n_rows} x {n_cols}.")
    real = check_image_set(real, name="real", min_count=n_real)
    generated = check_image_set(generated, name="generated", min_count=n_generated)
    if real.shape[1:] != generated.shape[1:]:
        raise ValueError(
            f"real_vs_generated_grid: real images are {real.shape[1:]} but generated are {generated.shape[1:]}; "
            "compare images of one size (resize the real set to the generator's resolution)."
        )
    rng = np.random.default_rng(seed)
    cells = [("real", int(i)) for i in rng.choice(len(real), n_real, replace=False)]
    cells += [("generated", int(i)) for i in rng.choice(len(generated), n_generated, replace=False)]
    order = rng.permutation(n_cells)
    cells = [cells[i] for i in order]

    fig, axes = plt.subplots(n_rows, n_cols, figsize=(1.2 * n_cols, 1.2 * n_rows + 0.3), squeeze=False)
    rows = []
    for position, (ax, (source, index)) in enumerate(zip(axes.flat, cells)):
        image = real[index] if source == "real" else generated[index]
        image_axis(ax, image)
        ax.text(
            0.04,
            0.96,
            str(position + 1),
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize=7,
            color="white",
            bbox={"boxstyle": "round,pad=0.15", "fc": "black", "alpha": 0.6, "lw": 0},
        )
        rows.append(
            {
                "panel": position + 1,
                "row": position // n_cols,
                "col": position % n_cols,
                "source": source,
                "index": index,
            }
        )
    fig.suptitle("Real or generated? (key in a separate file)")
    return fig, pd.DataFrame(rows)


def edge_display_range(edges: np.ndarray, *, percentile: float = 99.0) -> tuple[float, float]:
    """Display range ``(0, p-th percentile)`` for non-negative edge-magnitude maps, so one bright edge does not
    wash out the rest."""
    high = float(np.percentile(edges, percentile))
    return 0.0, high if high > 0 else 1.0


def comparison_grid(
    generated: np.ndarray,
    nearest_real: np.ndarray,
    denoised: np.ndarray,
    edges: np.ndarray,
    *,
    denoise_method: str = "denoised",
    nearest_ssim: np.ndarray | None = None,
) -> Figure:
    """Side-by-side comparison of a few generated examples (thesis Fig 8).

    One row per example with four columns: the generated image, its nearest real
    training image, the generated image after denoising, and the Sobel edge
    magnitude of the generated image.

    Parameters
    ----------
    generated, nearest_real, denoised : ndarray, shape (K, H, W), float in [-1, 1]
        Row ``k`` of each belongs to example ``k``.
    edges : ndarray, shape (K, H, W), float >= 0
        Sobel gradient magnitude of ``generated`` (any non-negative scale; shown
        from 0 to the 99th percentile of all maps).
    denoise_method : str
        Name shown above the denoised column.
    nearest_ssim : ndarray, shape (K,), optional
        SSIM between each generated image and its nearest real image, printed
        under the nearest-real panel.

    Returns
    -------
    Figure
        ``K x 4`` image axes.
    """
    generated = check_image_set(generated, name="generated")
    k = len(generated)
    nearest_real = check_image_set(nearest_real, name="nearest_real")
    denoised = check_image_set(denoised, name="denoised")
    edges = np.asarray(edges, dtype=np.float32)
    for name, arr in (("nearest_real", nearest_real), ("denoised", denoised), ("edges", edges)):
        if arr.shape != generated.shape:
            raise ValueError(
                f"comparison_grid: {name} has shape {arr.shape}; expected {generated.shape} "
                "(one image per generated example, same size)."
            )
    if not np.all(np.isfinite(edges)) or edges.min() < 0:
        raise ValueError("comparison_grid: edges must be finite, non-negative gradient magnitudes.")
    if nearest_ssim is not None and len(nearest_ssim) != k:
        raise ValueError(f"comparison_grid: nearest_ssim has {len(nearest_ssim)} values for {k} examples.")
    low, high = edge_display_range(edges)
    titles = ("Generated", "Nearest real (MSE)", f"Denoised ({denoise_method})", "Sobel edges")
    fig, axes = plt.subplots(k, 4, figsize=(6.4, 1.7 * k + 0.3), squeeze=False)
    for row in range(k):
        image_axis(axes[row, 0], generated[row])
        image_axis(axes[row, 1], nearest_real[row])
        image_axis(axes[row, 2], denoised[row])
        image_axis(axes[row, 3], edges[row], cmap="magma", vmin=low, vmax=high)
        axes[row, 0].set_ylabel(f"Example {row + 1}")
        if nearest_ssim is not None:
            axes[row, 1].set_xlabel(f"SSIM {float(nearest_ssim[row]):.3f}", fontsize=7)
    for ax, title in zip(axes[0], titles):
        ax.set_title(title)
    return fig
