"""Shared synthetic sets for the evaluation tests (tests/test_evaluation_*.py); not a test module."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter

from gan_lib import evaluation
from gan_lib.config import run_dir

#: A quick-profile config shrunk to the 12-image sets below.
CONFIG = evaluation.evaluation_config(
    "quick",
    {"n_generated": 12, "n_resamples": 50, "n_costly_bootstrap": 2, "diversity_pairs": 20, "swd_max_images": 12},
)


def texture(n: int, seed: int, size: int = 32) -> np.ndarray:
    """``n`` smooth random textures ``float32 (n, size, size)`` inside [-0.85, 0.85] (mostly tissue)."""
    smooth = gaussian_filter(np.random.default_rng(seed).normal(size=(n, size, size)), (0, 1.5, 1.5))
    return np.clip(smooth / np.abs(smooth).max() * 0.8, -0.85, 0.85).astype(np.float32)


def small_sets() -> evaluation.EvaluationSets:
    """12 generated, 20 training and 12 held-out images; no test split (its reason: "only one patient")."""
    return evaluation.EvaluationSets(
        generated=texture(12, 0),
        train=texture(20, 1),
        heldout=texture(12, 2),
        test=None,
        missing={"test": "only one patient"},
    )


def write_memorisation_csv(run_name: str) -> pd.DataFrame:
    """A small real audit in the pixel space, written where notebook 09 writes it; returns its table."""
    from gan_lib.experiments.memorisation import memorisation_audit, memorisation_table

    rng = np.random.default_rng(0)
    train, generated, heldout = rng.normal(size=(30, 8)), rng.normal(size=(20, 8)), rng.normal(size=(10, 8))
    result = memorisation_audit(generated, train, heldout, space="pixel", threshold_quantile=0.05, n_bootstrap=50)
    table = memorisation_table([result], run=run_name)
    path = run_dir(run_name) / "tables" / "memorisation.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return table
