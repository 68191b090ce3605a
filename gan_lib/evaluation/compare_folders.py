"""``python -m gan_lib.metrics REAL_DIR FAKE_DIR [--metrics fid,kid,pr,swd,c2st] [--json out.json]``.

Compares two image sets read from folders (:mod:`.folder_sets`) with the
functions and settings of Table 1 (:mod:`.table1`, :class:`.EvaluationConfig`
of ``--profile``): FID with its bootstrap interval (refused below 2048 images
per set unless ``--fid-min-images`` is lowered, which the note then says),
KID over random subsets, improved precision/recall with Wilson intervals (all
three on the TF-Inception pool3 features of pytorch-fid's network,
:mod:`gan_lib.metrics.inception_weights`), multi-scale SWD, and the two
automated readers (``c2st``: a small CNN; ``stats``: logistic regression on
image statistics), each as an AUC with its interval.  Every line carries
``n`` (FAKE_DIR's images) and ``n_reference`` (REAL_DIR's).

FID here is pytorch-fid's on the same images: ``python -m pytorch_fid REAL_DIR
FAKE_DIR`` given the same weights file agrees to float rounding
(``docs/metrics.md`` shows how, and how to reproduce a published FID).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from gan_lib.atomic import atomic_write_json
from gan_lib.metrics import (
    Estimate,
    TooFewImagesError,
    display_table,
    fid,
    inception_features,
    kid,
    load_inception,
    not_computed,
    precision_recall,
    swd,
    tidy_table,
)
from gan_lib.metrics.c2st import c2st, statistics_reader

from .config import EvaluationConfig, evaluation_config
from .folder_sets import load_image_folder
from .table1 import FEATURE_ROWS

__all__ = ["FOLDER_METRICS", "compare_folders", "main"]

#: ``--metrics`` names: the Inception-feature metrics and the image metrics.
FOLDER_METRICS = ("fid", "kid", "pr", "swd", "c2st", "stats")
_INCEPTION_METRICS = ("fid", "kid", "pr")
_COLUMN = "fake vs real"


def _feature_rows(
    features: np.ndarray, reference: np.ndarray, wanted: Sequence[str], config: EvaluationConfig
) -> dict[str, Estimate]:
    """FID, KID, precision and recall as Table 1 computes them (only those in ``wanted``)."""
    rows: dict[str, Estimate] = {}
    if "fid" in wanted:
        try:
            rows[FEATURE_ROWS["FID"]] = fid(
                features,
                reference,
                min_images=config.fid_min_images,
                n_bootstrap=config.n_costly_bootstrap,
                seed=config.seed,
            )
        except TooFewImagesError:
            rows[FEATURE_ROWS["FID"]] = not_computed(
                f"needs >= {config.fid_min_images} images per set; have {len(features)} and {len(reference)}",
                n=len(features),
                n_reference=len(reference),
            )
    if "kid" in wanted:
        rows[FEATURE_ROWS["KID"]] = kid(
            features, reference, subset_size=config.kid_subset_size, n_subsets=config.kid_subsets, seed=config.seed
        )
    if "pr" in wanted:
        pr = precision_recall(features, reference, k=config.pr_k)
        rows[FEATURE_ROWS["precision"]], rows[FEATURE_ROWS["recall"]] = pr["precision"], pr["recall"]
    return rows


def _image_rows(
    fake: np.ndarray, real: np.ndarray, wanted: Sequence[str], config: EvaluationConfig
) -> dict[str, Estimate]:
    """SWD (per level and average) and the two readers' AUCs, as Table 1 computes them."""
    rows: dict[str, Estimate] = {}
    if "swd" in wanted:
        result = swd(
            fake, real, max_images=config.swd_max_images, n_bootstrap=config.n_costly_bootstrap, seed=config.seed
        )
        rows.update({f"SWD x1e3, {size} px level": est for size, est in result.levels.items()})
        rows["SWD x1e3, average"] = result.average
    if "c2st" in wanted:
        rows["C2ST AUC, CNN reader vs real"] = c2st(real, fake, seed=config.seed).auc
    if "stats" in wanted:
        rows["statistics-reader AUC vs real"] = statistics_reader(real, fake, seed=config.seed).auc
    return rows


def compare_folders(
    real: np.ndarray,
    fake: np.ndarray,
    *,
    metrics: Sequence[str] = FOLDER_METRICS[:5],
    config: EvaluationConfig | None = None,
    inception: Any = None,
    features_of: Callable[[np.ndarray], np.ndarray] | None = None,
) -> pd.DataFrame:
    """The chosen metrics of ``fake`` against ``real`` as a tidy table (:func:`gan_lib.metrics.tidy_table`).

    Parameters
    ----------
    real, fake : ndarray, shape (M, H, W) and (N, H, W)
        In [-1, 1] (:func:`~gan_lib.evaluation.folder_sets.load_image_folder`).
    metrics : sequence of str, keyword-only
        Names from :data:`FOLDER_METRICS`.
    config : EvaluationConfig, optional, keyword-only
        Sample sizes, resamples and seed (default: the quick profile's values).
    inception : InceptionV3, optional, keyword-only
        Needed for fid, kid and pr (:func:`gan_lib.metrics.load_inception`).
    features_of : callable, optional, keyword-only
        ``images -> (n, 2048)`` features; default :func:`gan_lib.metrics.inception_features` with ``inception``.

    Returns
    -------
    pandas.DataFrame
        One line per metric, comparison ``"fake vs real"``, with value, 95 % CI, n, n_reference, method and note.
    """
    unknown = sorted(set(metrics) - set(FOLDER_METRICS))
    if unknown or not metrics:
        raise ValueError(f"--metrics: unknown {unknown or 'empty list'}; choose from {', '.join(FOLDER_METRICS)}.")
    config = config or evaluation_config("quick", {"inception_max_images": 0})
    rows: dict[str, Estimate] = {}
    if any(m in metrics for m in _INCEPTION_METRICS):
        if features_of is None:
            if inception is None:
                raise ValueError("compare_folders: fid, kid and pr need inception= (gan_lib.metrics.load_inception).")

            def features_of(images: np.ndarray) -> np.ndarray:
                return inception_features(images, model=inception)

        rows.update(_feature_rows(features_of(fake), features_of(real), metrics, config))
    rows.update(_image_rows(fake, real, metrics, config))
    return tidy_table({metric: {_COLUMN: estimate} for metric, estimate in rows.items()})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gan_lib.metrics", description=__doc__.split("\n\n")[0])
    parser.add_argument("real_dir", help="folder of real images (PNG, TIFF, DICOM, ...) or a .npy array")
    parser.add_argument("fake_dir", help="folder of generated images, or a .npy array")
    parser.add_argument(
        "--metrics",
        default="fid,kid,pr,swd,c2st",
        help=f"comma-separated, from {','.join(FOLDER_METRICS)} (default fid,kid,pr,swd,c2st)",
    )
    parser.add_argument("--json", default=None, help="also write the table (and the settings) to this JSON file")
    parser.add_argument(
        "--profile",
        default="quick",
        choices=("quick", "full"),
        help="Table 1's settings: resamples, subset sizes (default quick)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of subsets and resampling (default 0)")
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=None,
        help="bootstrap replicates behind the FID and SWD intervals (>= 2; default: the profile's)",
    )
    parser.add_argument(
        "--fid-min-images",
        type=int,
        default=2048,
        help="refuse FID below this many images per set (default 2048; lower = biased, noted)",
    )
    parser.add_argument("--fid-weights", default=None, help="TF-Inception weights file (default: found locally)")
    parser.add_argument("--device", default="cpu", help="where Inception and the CNN reader run (default cpu)")
    parser.add_argument("--batch-size", type=int, default=32, help="images per Inception forward pass (32)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
    real, real_files = load_image_folder(args.real_dir, name="REAL_DIR")
    fake, fake_files = load_image_folder(args.fake_dir, name="FAKE_DIR")
    config = evaluation_config(
        args.profile,
        {
            "seed": args.seed,
            "fid_min_images": args.fid_min_images,
            "inception_max_images": 0,
            "n_costly_bootstrap": args.bootstrap,
        },
    )
    inception, features_of = None, None
    if any(m in metrics for m in _INCEPTION_METRICS):
        inception = load_inception(args.fid_weights, device=args.device)

        def features_of(images: np.ndarray) -> np.ndarray:
            return inception_features(images, model=inception, batch_size=args.batch_size)

    table = compare_folders(real, fake, metrics=metrics, config=config, features_of=features_of)
    print(f"{len(fake)} fake images ({args.fake_dir}) vs {len(real)} real images ({args.real_dir})")
    print(display_table(table, row_name="metric", column_name="comparison", digits=6).to_string())
    if args.json:
        records = [
            {key: (None if pd.isna(value) else value) for key, value in row.items()}
            for row in table.astype(object).to_dict("records")
        ]
        atomic_write_json(
            Path(args.json),
            {
                "real_dir": str(args.real_dir),
                "fake_dir": str(args.fake_dir),
                "n_real": len(real_files),
                "n_fake": len(fake_files),
                "settings": {"profile": args.profile, **vars(config)},
                "metrics": records,
            },
        )
        print(f"wrote {args.json}")
    return 0
