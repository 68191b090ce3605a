"""Tests for gan_lib.export.cli: ``python -m gan_lib.export``, and that no patient data reaches any shared file."""

from __future__ import annotations

import json
import subprocess
import sys

import pydicom
import pytest
from export_support import train_tiny_run

from gan_lib.data import data_config
from gan_lib.data.embedded import embedded_data_dir
from gan_lib.data.io import discover_images
from gan_lib.export.cli import export_run, main, resolve_checkpoint
from gan_lib.export.model_file import file_sha256, read_model_metadata
from gan_lib.generate import main as generate_main


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return train_tiny_run(tmp_path_factory.mktemp("runs") / "tiny", data_config=data_config("quick"))


def test_export_cli_writes_model_card_and_package(run, tmp_path, capsys):
    assert main(["--run", str(run), "--out", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == {
        "model.safetensors",
        "model_card.json",
        "model_card.md",
        "__init__.py",
    }
    assert "model_card.md" in capsys.readouterr().out
    card = json.loads((tmp_path / "model_card.json").read_text())
    assert next(iter(card.values()))["mammo_wgan"]["model_file"]["sha256"] == file_sha256(
        tmp_path / "model.safetensors"
    )


def test_export_run_from_a_named_checkpoint(run, tmp_path):
    paths = export_run(str(run), tmp_path, checkpoint=str(run / "checkpoints" / "step_000002.pt"))
    assert read_model_metadata(paths["model"])["source_checkpoint"]["file"] == "step_000002.pt"


def test_resolve_checkpoint_explains_a_missing_best(run):
    with pytest.raises(FileNotFoundError, match="best.pt; this run kept no best checkpoint.*--checkpoint last"):
        resolve_checkpoint(run, "best")


def test_resolve_checkpoint_finds_best_when_present(run, tmp_path):
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "best.pt").write_bytes(b"x")
    assert resolve_checkpoint(tmp_path, "best") == tmp_path / "checkpoints" / "best.pt"


def test_export_module_runs_as_a_command(run, tmp_path):
    subprocess.run([sys.executable, "-m", "gan_lib.export", "--run", str(run), "--out", str(tmp_path)], check=True)
    assert (tmp_path / "model.safetensors").is_file()


def _training_identifiers() -> set[str]:
    """Patient names/IDs, the CBIS-DDSM patient numbers and every UID of the embedded training DICOMs."""
    found = set()
    for path in discover_images(embedded_data_dir()):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        found |= {
            str(ds.PatientName),
            str(ds.PatientID),
            str(ds.PatientID).split("_")[1] + "_" + str(ds.PatientID).split("_")[2],
        }
        found |= {str(element.value) for element in [*ds.iterall(), *ds.file_meta] if element.VR == "UI"}
    # The standard's own UIDs (SOP classes, transfer syntaxes: 1.2.840.10008...) name kinds of file, not patients.
    return {value for value in found if value and not value.startswith("1.2.840.10008.")}


def test_no_training_dicom_identifier_reaches_any_output(run, tmp_path):
    identifiers = _training_identifiers()
    assert any(value.startswith("P_00173") for value in identifiers) and len(identifiers) > 20
    export_run(str(run), tmp_path / "export")
    for fmt in ("dicom", "png", "png16", "tiff", "npy"):
        generate_main(
            [
                "--checkpoint",
                str(tmp_path / "export" / "model.safetensors"),
                "--seeds",
                "0-1",
                "--format",
                fmt,
                "--out",
                str(tmp_path / fmt),
            ]
        )
    generate_main(
        [
            "--checkpoint",
            str(tmp_path / "export" / "model.safetensors"),
            "--interpolate",
            "0",
            "1",
            "--frames",
            "3",
            "--out",
            str(tmp_path / "walk"),
        ]
    )
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) >= 17
    for path in files:
        data = path.read_bytes()
        leaked = [value for value in identifiers if value.encode() in data]
        assert not leaked, f"{path.name} holds {leaked}"
    for path in (tmp_path / "dicom").glob("*.dcm"):
        values = {str(element.value) for element in pydicom.dcmread(path).iterall() if element.VR != "OW"}
        assert not values & identifiers
