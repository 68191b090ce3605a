"""The memorisation audit (notebook 09, ``tables/memorisation.csv``) as lines of Table 1.

Table 1 (notebook 04) and the audit may be written in either order:
:func:`gan_lib.evaluation.writers.save_table1` adds these lines when the audit
exists, and :func:`gan_lib.evaluation.writers.add_memorisation_to_table1` adds
them to a Table 1 written before it.  Old lines are always replaced, never
duplicated (they are recognised by :data:`MEMORISATION_PREFIX`).
"""

from __future__ import annotations

import pandas as pd

from gan_lib.config import run_paths
from gan_lib.metrics import Estimate, tidy_table

__all__ = ["MEMORISATION_PREFIX", "memorisation_rows", "with_memorisation_lines"]

#: Prefix of the Table 1 metric names that come from the memorisation audit (replaced, never duplicated).
MEMORISATION_PREFIX = "memorisation, "


def memorisation_rows(memorisation: pd.DataFrame) -> pd.DataFrame:
    """The memorisation audit (``tables/memorisation.csv``) as Table 1 lines, in the generated column.

    Per feature space: the near-copy fraction (generated images closer to a
    training image than the threshold quantile of held-out real images are;
    about the quantile itself without memorisation, Wilson 95 % CI), the DCR
    AUC (generated vs held-out real distances to the closest training image;
    0.5 = no closer than new real images) and the GAN-Leaks membership
    inference AUC (training vs held-out images by distance to the closest
    generated image; 0.5 = no leak), both with percentile-bootstrap CIs.

    Parameters
    ----------
    memorisation : pandas.DataFrame
        Rows of :func:`gan_lib.experiments.memorisation.memorisation_table` (or the CSV read back).

    Returns
    -------
    pandas.DataFrame
        :func:`gan_lib.metrics.tidy_table` layout; metric names start with :data:`MEMORISATION_PREFIX`.
    """
    rows: dict[str, dict[str, Estimate]] = {}
    for line in memorisation.itertuples(index=False):
        q = float(line.threshold_quantile)
        rows[f"{MEMORISATION_PREFIX}near-copy fraction ({line.space})"] = {
            "generated": Estimate(
                float(line.near_copy_fraction),
                float(line.near_copy_ci_low),
                float(line.near_copy_ci_high),
                int(line.n_generated),
                int(line.n_train),
                "Wilson score interval",
                f"expected {q:g} without memorisation (threshold: {q:g} quantile of {int(line.n_heldout)} held-out "
                f"DCRs); one-sided binomial p = {float(line.near_copy_p_value):.3g}",
            )
        }
        rows[f"{MEMORISATION_PREFIX}DCR AUC vs held-out ({line.space})"] = {
            "generated": Estimate(
                float(line.dcr_auc),
                float(line.dcr_auc_ci_low),
                float(line.dcr_auc_ci_high),
                int(line.n_generated),
                int(line.n_heldout),
                "percentile bootstrap",
                "0.5 = generated no closer to train than new real images",
            )
        }
        rows[f"{MEMORISATION_PREFIX}membership-inference AUC ({line.space})"] = {
            "generated": Estimate(
                float(line.mia_auc),
                float(line.mia_auc_ci_low),
                float(line.mia_auc_ci_high),
                int(line.n_train),
                int(line.n_heldout),
                "percentile bootstrap",
                f"GAN-Leaks: train vs held-out by distance to the {int(line.n_generated)} generated; 0.5 = no leak",
            )
        }
    return tidy_table(rows)


def with_memorisation_lines(run_name: str, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` without old memorisation lines, plus those of ``tables/memorisation.csv`` when it exists."""
    table = table[~table["metric"].str.startswith(MEMORISATION_PREFIX)]
    path = run_paths(run_name).tables / "memorisation.csv"
    if not path.exists():
        return table
    return pd.concat([table, memorisation_rows(pd.read_csv(path))], ignore_index=True)
