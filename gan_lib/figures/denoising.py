"""Before/after grid of the denoising methods (thesis Fig 5)."""

from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from gan_lib.figures.style import image_axis
from gan_lib.imaging import check_image_set

__all__ = ["denoising_grid"]


def denoising_grid(generated: np.ndarray, denoised: Mapping[str, np.ndarray], *, show_residuals: bool = True) -> Figure:
    """Generated examples next to their denoised versions, one column per method (Fig 5).

    Parameters
    ----------
    generated : ndarray, shape (K, H, W), float in [-1, 1]
        The generated examples before denoising.
    denoised : mapping of str to ndarray, shape (K, H, W), float in [-1, 1]
        Method name (column title) to the same ``K`` examples after that method.
    show_residuals : bool
        Under each example row add a row with the removed component
        ``generated - denoised`` (diverging colours, one symmetric range for the
        whole figure, up to the 99.5th percentile of ``|residual|``), which
        shows what each method takes away: noise only, or texture too.

    Returns
    -------
    Figure
        ``(2K if show_residuals else K) x (1 + len(denoised))`` axes; the first
        column of a residual row is switched off.
    """
    generated = check_image_set(generated, name="generated")
    if not denoised:
        raise ValueError("denoising_grid: denoised is empty; pass {method name: images}.")
    methods = list(denoised)
    outputs = {}
    for method in methods:
        arr = check_image_set(denoised[method], name=f"denoised[{method!r}]")
        if arr.shape != generated.shape:
            raise ValueError(
                f"denoising_grid: denoised[{method!r}] has shape {arr.shape}; "
                f"expected {generated.shape}, the same examples as generated."
            )
        outputs[method] = arr
    k, m = len(generated), len(methods)
    rows_per_example = 2 if show_residuals else 1
    # one symmetric colour range for all residual panels: the 99.5th percentile, so a few outliers do not wash it out
    residuals = np.abs(np.stack([generated - outputs[name] for name in methods]))
    residual_limit = float(np.percentile(residuals, 99.5)) or 1.0
    fig, axes = plt.subplots(
        k * rows_per_example, m + 1, figsize=(1.25 * (m + 1), 1.3 * k * rows_per_example + 0.4), squeeze=False
    )
    for example in range(k):
        row = example * rows_per_example
        image_axis(axes[row, 0], generated[example])
        axes[row, 0].set_ylabel(f"Example {example + 1}")
        for col, method in enumerate(methods, start=1):
            image_axis(axes[row, col], outputs[method][example])
        if show_residuals:
            axes[row + 1, 0].axis("off")
            for col, method in enumerate(methods, start=1):
                image_axis(
                    axes[row + 1, col],
                    generated[example] - outputs[method][example],
                    cmap="RdBu_r",
                    vmin=-residual_limit,
                    vmax=residual_limit,
                )
            axes[row + 1, 1].set_ylabel("removed")
    for col, title in enumerate(["Generated", *methods]):
        axes[0, col].set_title(title)
    return fig
