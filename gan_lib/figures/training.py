"""Training curves of a WGAN-GP run (the figure the thesis' training section needs)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from gan_lib.figures.style import COLORS

__all__ = ["training_curves", "REQUIRED_COLUMNS"]

#: Columns of ``runs/<name>/train_log.csv`` the figure needs (docs/ARCHITECTURE.md, stage 2).
REQUIRED_COLUMNS = ("step", "critic_loss", "generator_loss", "wasserstein", "gradient_penalty")


def training_curves(log: pd.DataFrame, *, smooth: int | None = None) -> Figure:
    """Critic and generator losses, the Wasserstein estimate and the gradient penalty against step.

    Raw values are drawn thin and faint, a centred rolling mean over ``smooth``
    steps on top.

    Parameters
    ----------
    log : DataFrame
        One row per generator step with at least :data:`REQUIRED_COLUMNS`
        (``runs/<name>/train_log.csv``).
    smooth : int, optional
        Rolling-mean window in steps; default ``max(1, len(log) // 50)``.

    Returns
    -------
    Figure
        Three axes: losses, Wasserstein estimate, gradient penalty (log scale when all positive).
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in log.columns]
    if missing:
        raise ValueError(f"training_curves: log lacks column(s) {missing}; expected the train_log.csv of a run "
                         f"with columns {list(REQUIRED_COLUMNS)}.")
    if log.empty:
        raise ValueError("training_curves: log has no rows; the run has not logged a step yet.")
    window = smooth or max(1, len(log) // 50)
    step = log["step"]

    def draw(ax, column: str, label: str, color) -> None:
        ax.plot(step, log[column], color=color, alpha=0.25, lw=0.6)
        ax.plot(step, log[column].rolling(window, center=True, min_periods=1).mean(), color=color, lw=1.2,
                label=label)

    fig, axes = plt.subplots(1, 3, figsize=(7.0, 2.3))
    draw(axes[0], "critic_loss", "critic", COLORS["real"])
    draw(axes[0], "generator_loss", "generator", COLORS["generated"])
    axes[0].set_title("Losses")
    axes[0].legend(frameon=False)
    draw(axes[1], "wasserstein", "W estimate", COLORS["real"])
    axes[1].set_title(r"Wasserstein estimate $E[D(x)] - E[D(G(z))]$")
    draw(axes[2], "gradient_penalty", "GP", COLORS["denoised"])
    axes[2].set_title("Gradient penalty")
    if (log["gradient_penalty"] > 0).all():
        axes[2].set_yscale("log")
    for ax in axes:
        ax.set_xlabel("generator step")
    fig.suptitle(f"WGAN-GP training ({len(log)} steps, rolling mean over {window})")
    return fig
