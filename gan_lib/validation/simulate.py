"""SIMULATED readers: a demo export for trying the analysis without a real study.

Nothing here is data from people.  Every row this module produces has
``simulated = 1`` and a reader name starting with ``"SIMULATED"``, and the
notebook labels its tables and figures accordingly.

Model (equal-variance signal detection): an item has a latent
"artificial-looking" value ``a = d_item + e_item``, where ``d_item`` is
``separation`` for synthetic items and 0 for real ones and ``e_item ~ N(0, 1)``
is shared by all readers (so readers agree beyond chance).  Each showing adds
reader noise ``N(0, reader_noise)`` and the reader answers "synthetic" when the
perceived value exceeds their criterion (drawn per reader).  Confidence grows
with the distance from the criterion; realism falls as the perceived value grows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gan_lib.validation.db import EXPORT_COLUMNS

__all__ = ["simulate_readers", "demo_items"]


def demo_items(n_real: int = 50, n_generated: int = 50, *, repeats: int = 10, seed: int = 0) -> pd.DataFrame:
    """Invented items ``item_id, label, repeat_item, source`` for a demo without a study database."""
    rng = np.random.default_rng(seed)
    labels = ["real"] * n_real + ["synthetic"] * n_generated
    repeat = np.zeros(len(labels), dtype=int)
    repeat[rng.choice(n_real, repeats // 2, replace=False)] = 1
    repeat[n_real + rng.choice(n_generated, repeats - repeats // 2, replace=False)] = 1
    ids = [f"{v:032x}" for v in rng.integers(0, 2**62, len(labels))]
    return pd.DataFrame({"item_id": ids, "label": labels, "repeat_item": repeat, "source": ["simulated"] * len(labels)})


def simulate_readers(
    items: pd.DataFrame,
    *,
    n_readers: int = 3,
    separation: float = 0.8,
    reader_noise: float = 0.7,
    seed: int = 0,
) -> pd.DataFrame:
    """Answers of ``n_readers`` SIMULATED readers to ``items``, in the export format.

    Parameters
    ----------
    items : DataFrame
        Columns ``item_id``, ``label`` ("real"/"synthetic"), ``repeat_item`` (0/1); ``source`` optional.
    n_readers : int
        Number of simulated readers ("SIMULATED reader 1", ...).
    separation : float
        Mean shift of synthetic items on the latent scale (d'); 0 = readers cannot tell them apart.
    reader_noise : float
        Standard deviation of a reader's per-showing noise (lower = more consistent readers).
    seed : int
        Seeds everything; the same seed gives the same export.

    Returns
    -------
    DataFrame
        Columns :data:`gan_lib.validation.db.EXPORT_COLUMNS`, ``simulated == 1``.
    """
    missing = {"item_id", "label", "repeat_item"} - set(items.columns)
    if missing:
        raise ValueError(f"simulate_readers: items lacks column(s) {sorted(missing)}.")
    rng = np.random.default_rng(seed)
    is_synth = (items["label"].to_numpy() == "synthetic").astype(float)
    latent = separation * is_synth + rng.normal(0.0, 1.0, len(items))
    source = items["source"] if "source" in items.columns else pd.Series(["simulated"] * len(items))
    rows = []
    for r in range(n_readers):
        name = f"SIMULATED reader {r + 1}"
        criterion = separation / 2 + rng.normal(0.0, 0.3)
        showings = [(i, 0) for i in range(len(items))]
        showings += [(i, 1) for i in np.flatnonzero(items["repeat_item"].to_numpy() == 1)]
        order = rng.permutation(len(showings))
        for position, k in enumerate(order):
            i, rep = showings[k]
            perceived = latent[i] + rng.normal(0.0, reader_noise)
            answer = "synthetic" if perceived > criterion else "real"
            confidence = int(np.clip(1 + np.floor(abs(perceived - criterion) / 0.4), 1, 5))
            realism = int(np.clip(np.rint(3.5 - 1.2 * (perceived - separation / 2) + rng.normal(0, 0.5)), 1, 5))
            label = items["label"].iloc[i]
            rows.append(
                {
                    "reader": name,
                    "reader_id": r + 1,
                    "item_id": items["item_id"].iloc[i],
                    "repeat": rep,
                    "position": position,
                    "label": label,
                    "answer": answer,
                    "correct": int(answer == label),
                    "confidence": confidence,
                    "realism": realism,
                    "note": "",
                    "answered_at": "",
                    "source": source.iloc[i],
                    "simulated": 1,
                }
            )
    return pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))
