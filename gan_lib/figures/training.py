"""Training curves of a WGAN-GP run: losses (``train_log.csv``), quality and critic diagnostics (``metrics.jsonl``)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from gan_lib.figures.style import COLORS

__all__ = ["training_curves", "quality_curves", "critic_diagnostics", "REQUIRED_COLUMNS"]

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
        raise ValueError(
            f"training_curves: log lacks column(s) {missing}; expected the train_log.csv of a run "
            f"with columns {list(REQUIRED_COLUMNS)}."
        )
    if log.empty:
        raise ValueError("training_curves: log has no rows; the run has not logged a step yet.")
    window = smooth or max(1, len(log) // 50)
    step = log["step"]

    def draw(ax, column: str, label: str, color) -> None:
        ax.plot(step, log[column], color=color, alpha=0.25, lw=0.6)
        ax.plot(step, log[column].rolling(window, center=True, min_periods=1).mean(), color=color, lw=1.2, label=label)

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


#: Panels of :func:`quality_curves`: (column of metrics.jsonl, title).
QUALITY_PANELS = (
    ("swd", "SWD x1e3 (16 descriptors/image)"),
    ("beta_gap", r"spectral slope gap $\beta_G - \beta_{real}$"),
    ("fine_band_db", "fine-band power vs real (dB)"),
    ("orientation_db", "fine-detail orientation bias (dB)"),
    ("reader_auc", "spectral reader AUC"),
    ("ms_ssim", "MS-SSIM within generated"),
    ("score", "selection score (1 = 1-px blur)"),
)
#: Panels of :data:`QUALITY_PANELS` that runs trained before they were logged lack (left empty, titled so).
OPTIONAL_QUALITY_COLUMNS = ("orientation_db",)
#: Panels of :func:`critic_diagnostics`: (title, columns drawn).
CRITIC_PANELS = (
    ("Wasserstein estimates", ("w_train", "w_heldout", "w_train_heldout")),
    (r"ADA $r_t = E[\mathrm{sign}\,D(x_{train})]$", ("r_t",)),
    ("gradient penalty (x lambda)", ("gradient_penalty",)),
    (r"$\|\nabla_x D\|$ at images", ("grad_norm_real", "grad_norm_generated")),
    ("W estimate by band (sigma 1 px)", ("w_lowpass", "w_highpass")),
)


def _check_metrics(metrics: pd.DataFrame, columns: Sequence[str], owner: str) -> None:
    missing = [c for c in ("step", *columns) if c not in metrics.columns]
    if missing or metrics.empty:
        raise ValueError(
            f"{owner}: metrics need rows with columns {missing or list(columns)}; pass Run.metrics() of "
            "a run trained with eval_every > 0 (runs/<name>/metrics.jsonl)."
        )


def _mark_best(ax, metrics: pd.DataFrame) -> None:
    """A dotted vertical line at the step of checkpoints/best.pt (the last record flagged best)."""
    best = metrics.loc[metrics["best"].astype(bool), "step"] if "best" in metrics else pd.Series(dtype=float)
    if len(best):
        ax.axvline(best.iloc[-1], color="0.5", ls=":", lw=1.0, label="best.pt")


def quality_curves(metrics: pd.DataFrame, *, floor: Mapping[str, Any] | None = None) -> Figure:
    """The weight-free quality numbers of each evaluation during training, against step.

    Parameters
    ----------
    metrics : DataFrame
        ``Run.metrics()``: one row per evaluation with the columns of :data:`QUALITY_PANELS`
        (those of :data:`OPTIONAL_QUALITY_COLUMNS` may be missing: their panel says "not logged").
    floor : mapping, optional
        The held-out real subset's numbers (``config.json`` ``monitor.heldout_floor``), drawn as dashed lines.

    Returns
    -------
    Figure
        2 x 4 panels; the dotted line marks the step kept as ``checkpoints/best.pt``.
    """
    _check_metrics(metrics, [c for c, _ in QUALITY_PANELS if c not in OPTIONAL_QUALITY_COLUMNS], "quality_curves")
    fig, axes = plt.subplots(2, 4, figsize=(9.0, 4.2), sharex=True)
    for ax, (column, title) in zip(axes.flat, QUALITY_PANELS):
        ax.set_title(title, fontsize=8)
        if column not in metrics:
            ax.text(0.5, 0.5, "not logged by this run", ha="center", va="center", transform=ax.transAxes, fontsize=7)
            continue
        ax.plot(metrics["step"], metrics[column], "o-", color=COLORS["generated"], ms=3, lw=1.2, label="generated")
        if floor and floor.get(column) is not None:
            ax.axhline(floor[column], color=COLORS["heldout"], ls="--", lw=1.0, label="held-out real")
        _mark_best(ax, metrics)
    for ax in axes[-1]:
        ax.set_xlabel("generator step")
    for ax in axes.flat[len(QUALITY_PANELS) :]:
        ax.remove()
    axes.flat[0].legend(frameon=False, fontsize=7)
    fig.suptitle(f"Quality during training ({len(metrics)} evaluations, generator vs fixed real subset)")
    fig.tight_layout()
    return fig


def critic_diagnostics(metrics: pd.DataFrame) -> Figure:
    """The critic's diagnostics of each evaluation (Wasserstein estimates, r_t, penalty, gradient norms, bands).

    Parameters
    ----------
    metrics : DataFrame
        ``Run.metrics()`` with the columns of :data:`CRITIC_PANELS` (held-out columns may be empty).

    Returns
    -------
    Figure
        One row of five panels against generator step.
    """
    _check_metrics(metrics, [c for _, columns in CRITIC_PANELS for c in columns], "critic_diagnostics")
    fig, axes = plt.subplots(1, 5, figsize=(10.0, 2.4), sharex=True)
    colors = [COLORS["train"], COLORS["heldout"], COLORS["generated"]]
    for ax, (title, columns) in zip(axes, CRITIC_PANELS):
        for column, color in zip(columns, colors):
            values = pd.to_numeric(metrics[column], errors="coerce")
            if values.notna().any():
                ax.plot(metrics["step"], values, "o-", ms=3, lw=1.2, color=color, label=column)
        ax.axhline(0.0, color="0.8", lw=0.6)
        ax.set_title(title, fontsize=8)
        ax.set_xlabel("generator step")
        ax.legend(frameon=False, fontsize=6)
    fig.suptitle("Critic diagnostics at each evaluation (plain images, no DiffAugment)")
    fig.tight_layout()
    return fig
