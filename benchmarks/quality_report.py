"""The table, time-to-quality, markdown and plot of ``quality_vs_time.py``'s results."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from quality_ladder import CONTENDERS, FLOORS, TARGETS

from gan_lib.figures.style import COLORS, thesis_style
from gan_lib.metrics import Estimate

__all__ = ["TABLE_COLUMNS", "results_table", "time_to_quality", "markdown_report", "plot_quality"]

#: Metric key in a record -> column prefix in the table.
_METRICS = {
    "swd": "swd",
    "diversity": "diversity",
    "c2st": "c2st",
    "statistics_reader": "stats_reader",
    "fine_band": "fine_band_db",
    "blur_sigma": "blur_sigma",
    "cnn_reader": "cnn_reader",
}
TABLE_COLUMNS = [
    "trainer",
    "recipe",
    "budget_min",
    "train_min",
    "cpu_min",
    "generator_steps",
    "images_seen",
    *[f"{prefix}{suffix}" for prefix in _METRICS.values() for suffix in ("", "_ci_low", "_ci_high", "_n")],
    "n_reference",
    "threads",
    "precision",
    "memory_format",
    "load_avg_1min",
]


def results_table(records: Sequence[dict[str, Any]], floors: dict[str, dict[str, Estimate]]) -> pd.DataFrame:
    """One row per (contender, budget) and one per real-vs-real floor, with values, 95 % CIs and sizes.

    Parameters
    ----------
    records : sequence of dict
        From :func:`run_benchmark`: ``trainer``, ``recipe``, ``budget_min``, ``train_min``, ``cpu_min``,
        ``generator_steps``, ``images_seen``, ``threads``, ``precision``, ``memory_format``,
        ``load_avg_1min`` and ``metrics`` (:class:`Estimate` objects by :data:`_METRICS` key).
    floors : dict
        From :func:`real_floors`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TABLE_COLUMNS`; contenders in :data:`CONTENDERS` order then budget, floors last
        (their training columns empty; ``train`` has diversity only).
    """
    rows = []
    for record in records:
        row = {k: record[k] for k in TABLE_COLUMNS if k in record}
        rows.append({**row, **_metric_columns(record["metrics"])})
    order = {name: i for i, name in enumerate(CONTENDERS)}
    rows.sort(key=lambda r: (order.get(r["trainer"], len(order)), r["budget_min"]))
    for split, label in FLOORS.items():
        if split in floors:
            rows.append({"trainer": label, **_metric_columns(floors[split])})
    table = pd.DataFrame(rows).reindex(columns=TABLE_COLUMNS)
    counts = ["generator_steps", "images_seen", "n_reference", "threads", *[f"{p}_n" for p in _METRICS.values()]]
    return table.astype({column: "Int64" for column in counts})  # integers; empty on rows without them


def _metric_columns(metrics: dict[str, Estimate]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, prefix in _METRICS.items():
        if key in metrics:
            e = metrics[key]
            out.update(
                {prefix: e.value, f"{prefix}_ci_low": e.ci_low, f"{prefix}_ci_high": e.ci_high, f"{prefix}_n": e.n}
            )
            if e.n_reference is not None:
                out["n_reference"] = e.n_reference
    return out


def time_to_quality(table: pd.DataFrame) -> pd.DataFrame:
    """Per contender: the first budget mark with SWD <= 1.5 x the same-patient floor and C2ST AUC <= 0.85.

    Thresholds are :data:`TARGETS`; the floor is the ``heldout`` row's SWD.
    The resolution is that of the marks: "reached by 5 min" means not at the
    mark before.  ``minutes`` is the training time at that mark (NaN when never
    reached), ``ratio_to_thesis`` the thesis recipe's minutes over this one's.

    Returns
    -------
    pandas.DataFrame
        Columns ``trainer, minutes, budget_min, swd, c2st, ratio_to_thesis`` (one row per contender).
    """
    floor_rows = table[table["trainer"] == FLOORS["heldout"]]
    floor = floor_rows["swd"].iloc[0] if not floor_rows.empty else math.nan
    rows = []
    for name in CONTENDERS:
        part = table[table["trainer"] == name].sort_values("budget_min")
        if part.empty:
            continue
        reached = part[(part["swd"] <= TARGETS["swd_over_floor"] * floor) & (part["c2st"] <= TARGETS["c2st_auc"])]
        first = reached.iloc[0] if not reached.empty else None
        rows.append(
            {
                "trainer": name,
                "minutes": first["train_min"] if first is not None else math.nan,
                "budget_min": first["budget_min"] if first is not None else math.nan,
                "swd": first["swd"] if first is not None else math.nan,
                "c2st": first["c2st"] if first is not None else math.nan,
                "last_budget_min": part["budget_min"].max(),
            }
        )
    out = pd.DataFrame(rows, columns=["trainer", "minutes", "budget_min", "swd", "c2st", "last_budget_min"])
    thesis = out.loc[out["trainer"] == "thesis recipe", "minutes"]
    out["ratio_to_thesis"] = (thesis.iloc[0] / out["minutes"]) if not thesis.empty else math.nan
    return out


def _with_ci(value: float, low: float, high: float) -> str:
    if pd.isna(value):
        return "—"
    return f"{value:.3g}" if pd.isna(low) else f"{value:.3g} [{low:.3g}, {high:.3g}]"


def _load_range(table: pd.DataFrame) -> str:
    loads = table["load_avg_1min"].dropna()
    return "n/a" if loads.empty else f"{loads.min():.1f}-{loads.max():.1f}"


def markdown_report(table: pd.DataFrame, environment: dict[str, Any]) -> str:
    """The table and the time to quality as GitHub markdown, preceded by what was run where."""
    lines = [
        "| recipe | budget (min) | trained (min) | steps | SWD x1e3 avg [95% CI] | MS-SSIM diversity [95% CI] "
        "| C2ST AUC [95% CI] | statistics-reader AUC [95% CI] |",
        "|---|---:|---:|---:|---|---|---|---|",
    ]
    for row in table.itertuples(index=False):
        trained = pd.notna(row.budget_min)
        lines.append(
            f"| {row.trainer} | {f'{row.budget_min:g}' if trained else '—'} "
            f"| {f'{row.train_min:.3g}' if trained else '—'} | {row.generator_steps if trained else '—'} "
            + "".join(
                f"| {_with_ci(getattr(row, p), getattr(row, f'{p}_ci_low'), getattr(row, f'{p}_ci_high'))} "
                for p in _METRICS.values()
            )
            + "|"
        )
    reach = time_to_quality(table)
    lines += [
        "",
        f"Time to quality (SWD <= {TARGETS['swd_over_floor']:g} x the same-patient floor and C2ST AUC <= "
        f"{TARGETS['c2st_auc']:g}; resolution: the budget marks):",
        "",
        "| recipe | reached at mark (min) | trained (min) | SWD | C2ST AUC | thesis minutes / these |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in reach.itertuples(index=False):
        if pd.isna(row.minutes):
            lines.append(f"| {row.trainer} | not by {row.last_budget_min:g} | — | — | — | — |")
        else:
            ratio = "—" if pd.isna(row.ratio_to_thesis) else f"{row.ratio_to_thesis:.2g}x"
            lines.append(
                f"| {row.trainer} | {row.budget_min:g} | {row.minutes:.3g} | {row.swd:.3g} | {row.c2st:.2f} | {ratio} |"
            )
    env, evaluation = environment, environment["evaluation"]
    sizes = table.dropna(subset=["swd_n"])
    n_train = env["set_sizes"]["train"]
    size_text = (
        f"{sizes.swd_n.iloc[0]} images per set vs {sizes.n_reference.iloc[0]} training images"
        if not sizes.empty
        else "no SWD computed"
    )
    hardware = "; ".join(
        f"{name}: {h.get('precision', '?')}, {h.get('memory_format', '?')}, {h.get('num_threads', '?')} thread(s)"
        for name, h in env["hardware"].items()
    )
    header = [
        f"Quality vs training time, training profile `{env['train_profile']}` "
        f"({env['train']['image_size']} px, widths {env['train']['generator_width']}/{env['train']['critic_width']}, "
        f"batch {env['train']['batch_size']}; n_critic and the rest per recipe in environment.json), "
        f"seed {env['train']['seed']}; "
        f"budgets are training wall-clock minutes per contender (`time.perf_counter`, set-up included, "
        f"evaluation excluded), the contenders taking turns mark by mark.",
        "",
        f"Machine: {env['cpu']} ({env['cpu_count']} logical CPUs, torch CPU capability {env['capability']}), "
        f"torch {env['torch']}, Python {env['python']}; 1-minute load average at the marks "
        f"{_load_range(table)} (this benchmark's own threads included; per mark in the CSV). "
        f"Execution settings resolved by the trainer's probe: {hardware or 'n/a'}.",
        "",
        f"SWD x1e3: multi-scale sliced Wasserstein distance to the training patches, average over pyramid levels "
        f"(lower is better), {size_text} (train: {n_train}), 95% CI from {evaluation['n_costly_bootstrap']} "
        f"bootstrap replicates (normal approximation). Diversity: mean pairwise MS-SSIM within the set over "
        f"{evaluation['diversity_pairs']} random pairs (values far above the real sets' mean mode collapse). "
        f"C2ST: held-out ROC AUC of a small CNN telling the set from the training patches (3 half/half splits); "
        f"statistics reader: cross-validated logistic regression on 5 per-image statistics; 0.5 = "
        f"indistinguishable. Real rows: same-patient and other-patient floors.",
        "",
    ]
    return "\n".join(header + lines) + "\n"


#: Table columns of each plotted metric: (value, CI low, CI high).
_PLOTTED = {
    key: (key, f"{key}_ci_low", f"{key}_ci_high")
    for key in ("swd", "diversity", "c2st", "stats_reader", "blur_sigma", "cnn_reader")
}
_YLABELS = {
    "swd": "SWD x1e3 vs train (lower is better)",
    "diversity": "MS-SSIM within set (diversity)",
    "c2st": "4-epoch C2ST AUC (blind to blur)",
    "stats_reader": "statistics-reader AUC",
    "blur_sigma": "blur-equivalent sigma [px]",
    "cnn_reader": "blur-aware CNN reader AUC",
}


def plot_quality(table: pd.DataFrame) -> plt.Figure:
    """SWD, diversity, the readers' AUCs and the blur-equivalent sigma vs training minutes; floors as horizontal
    lines with CI bands.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`results_table`.

    Returns
    -------
    matplotlib Figure
        Six panels; error bars and bands are 95 % CIs.
    """
    trained = table[table["budget_min"].notna()]
    palette = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(CONTENDERS)))
    colours = dict(zip(CONTENDERS, palette))
    with thesis_style():
        fig, axes = plt.subplots(2, 3, figsize=(12, 6.5))
        axes = axes.ravel()
        for ax, metric in zip(axes, _PLOTTED):
            value, low, high = _PLOTTED[metric]
            for split, label in FLOORS.items():
                row = table[table["trainer"] == label]
                if row.empty or pd.isna(row[value].iloc[0]):
                    continue
                row = row.iloc[0]
                ax.axhline(row[value], color=COLORS[split], linestyle="--", linewidth=1, label=label)
                if pd.notna(row[low]):
                    ax.axhspan(row[low], row[high], color=COLORS[split], alpha=0.12, linewidth=0)
            for name in CONTENDERS:
                rows = trained[trained["trainer"] == name].sort_values("train_min")
                if rows.empty:
                    continue
                yerr = [(rows[value] - rows[low]).fillna(0), (rows[high] - rows[value]).fillna(0)]
                ax.errorbar(
                    rows["train_min"],
                    rows[value],
                    yerr=yerr,
                    marker="o",
                    markersize=3.5,
                    capsize=2,
                    linewidth=1.2,
                    color=colours[name],
                    label=name,
                )
            ax.set_xlabel("training time [min, wall clock]")
            ax.set_ylabel(_YLABELS[metric])
            ax.set_xlim(left=0)
        legend: dict[str, Any] = {}
        for ax in axes:
            for handle, label in zip(*ax.get_legend_handles_labels()):
                legend.setdefault(label, handle)
        fig.legend(list(legend.values()), list(legend), loc="outside lower center", ncol=4, frameon=False)
    return fig
