"""The ablation ladder of ``quality_vs_time.py``: thesis -> project recipe one change at a time, and its budgets.

Each rung takes the project recipe's values (:data:`gan_lib.training.recipes.RECIPES`)
for one more group of settings over the thesis recipe, so the ladder cannot
drift from the recipes it climbs between; the rung that reaches all of them is
the project recipe itself.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any, Sequence

from gan_lib.training import TrainConfig, train_config_for_profile
from gan_lib.training.recipes import RECIPES

__all__ = [
    "LADDER",
    "CONTENDERS",
    "TARGETS",
    "FLOORS",
    "DEFAULT_BUDGETS",
    "QUICK_BUDGETS",
    "CACHE_VERSION",
    "budget_marks",
    "mark_name",
    "benchmark_folder",
    "contender_configs",
]

#: The rungs: label, file-name slug, and the settings whose project-recipe values this rung adds.
LADDER: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("thesis recipe", "thesis", ()),
    ("+ nearest upsampling", "nearest", ("upsample",)),
    ("+ reflect padding", "reflect", ("padding_mode",)),
    ("+ DiffAugment", "diffaugment", ("diffaugment",)),
    ("+ EMA", "ema", ("ema_kimg", "ema_rampup")),
    ("+ n_critic 2, critic lr x2", "ncritic2", ("n_critic", "critic_lr_scale")),
    ("+ bilinear finest 2 stages", "bilinear", ("bilinear_stages",)),
    ("+ Laplacian penalty norm", "laplacian", ("penalty_norm",)),
    ("+ noise inputs, finest 2 stages", "noise", ("noise_stages",)),
    ("+ oriented spectral term", "spectral", ("spectral_weight", "spectral_orientations")),
    ("+ second conv, finest stage", "refine", ("refine_stages",)),
    ("project recipe (+ wider 32 px stage, detail channel)", "project", ("generator_min_channels", "detail_scale")),
)


def _climb(ladder: Sequence[tuple[str, str, tuple[str, ...]]]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Label -> (slug, settings over the profile): the thesis recipe plus the project values climbed so far."""
    project, climbed, rungs = RECIPES["project"], {}, {}
    for label, slug, keys in ladder:
        climbed.update({key: project[key] for key in keys})
        rungs[label] = (slug, {"recipe": "project"} if climbed == project else {"recipe": "thesis", **climbed})
    return rungs


#: The ablation ladder: label -> (file-name slug, training settings over the profile).  Each rung adds one change.
CONTENDERS: dict[str, tuple[str, dict[str, Any]]] = _climb(LADDER)
#: Time-to-quality thresholds: SWD at most this multiple of the same-patient floor, C2ST AUC at most this.
TARGETS: dict[str, float] = {"swd_over_floor": 1.5, "c2st_auc": 0.85}
#: Real-vs-real reference rows: set name -> label.  SWD rows compare with train; ``train`` has diversity only.
FLOORS: dict[str, str] = {
    "heldout": "real: held-out views vs train (same patient)",
    "test": "real: other patient vs train",
    "train": "real: train (within set)",
}
#: Budget marks in training minutes per trainer.
DEFAULT_BUDGETS: tuple[float, ...] = (2.0, 5.0, 10.0, 20.0)
QUICK_BUDGETS: tuple[float, ...] = (0.5, 1.0, 2.0)
#: Bumped when the content of cached results changes meaning (invalidates old caches).
CACHE_VERSION = 3


def budget_marks(minutes: Sequence[float]) -> tuple[float, ...]:
    """Validate budget marks in minutes and return them sorted ascending.

    Parameters
    ----------
    minutes : sequence of float
        Training-time marks per trainer, in minutes; each finite and > 0, no duplicates.

    Returns
    -------
    tuple of float
        Sorted ascending.

    Examples
    --------
    >>> budget_marks([10, 5, 20])
    (5.0, 10.0, 20.0)
    """
    marks = [float(m) for m in minutes]
    if not marks:
        raise ValueError("budgets: give at least one budget in minutes, e.g. --budgets-min 5 10 20.")
    bad = [m for m in marks if not (math.isfinite(m) and m > 0)]
    if bad:
        raise ValueError(f"budgets: every budget must be a finite number of minutes > 0; got {bad}.")
    if len(set(marks)) != len(marks):
        raise ValueError(f"budgets: each budget may appear once; got {marks}.")
    return tuple(sorted(marks))


def mark_name(minutes: float) -> str:
    return f"{minutes:g}min"


def benchmark_folder(root: Path, *, marks: Sequence[float], settings: dict[str, Any]) -> Path:
    """The cache folder of one benchmark: ``root/<budgets>_<hash of settings and budgets>``.

    The budgets are part of the key, so timings measured by one command are
    never continued by a command with other budgets (e.g. ``--quick`` run
    while the machine was busy).
    """
    payload = json.dumps({**settings, "budgets_min": list(marks), "cache_version": CACHE_VERSION}, sort_keys=True)
    key = hashlib.sha256(payload.encode()).hexdigest()[:12]
    return Path(root) / f"budgets-{'-'.join(mark_name(m) for m in marks)}_{key}"


def contender_configs(profile: str, slugs: Sequence[str] | None = None, **overrides: Any) -> dict[str, TrainConfig]:
    """The ``TrainConfig`` of each contender (all, or those whose slugs are given, in ladder order).

    ``overrides`` (e.g. ``seed``, ``image_size``) apply to every contender.

    Examples
    --------
    >>> {label: c.bilinear_stages for label, c in contender_configs("quick", ["thesis", "project"]).items()}
    {'thesis recipe': 0, 'project recipe (+ bilinear finest 2 stages)': 2}
    """
    known = [slug for slug, _ in CONTENDERS.values()]
    unknown = sorted(set(slugs or ()) - set(known))
    if unknown:
        raise ValueError(f"contenders: unknown {unknown}; choose from {known}.")
    return {
        label: train_config_for_profile(profile, {**settings, **overrides})
        for label, (slug, settings) in CONTENDERS.items()
        if slugs is None or slug in slugs
    }
