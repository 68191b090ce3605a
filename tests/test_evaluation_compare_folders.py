"""Tests for gan_lib.evaluation.compare_folders (``python -m gan_lib.metrics``) and its agreement with pytorch-fid."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from inception_support import requires_packaged

from gan_lib.evaluation import evaluation_config
from gan_lib.evaluation.compare_folders import compare_folders, main
from gan_lib.evaluation.folder_sets import load_image_folder
from gan_lib.export.formats import write_images
from gan_lib.metrics import frechet_distance, inception_features, load_inception
from gan_lib.metrics.inception_weights import FID_WEIGHTS_FILENAME, write_pytorch_fid_weights


def _sets(n=24, size=32):
    rng = np.random.default_rng(4)
    real = np.clip(rng.normal(0.0, 0.4, (n, size, size)), -1, 1).astype(np.float32)
    fake = np.clip(rng.normal(0.2, 0.2, (n, size, size)), -1, 1).astype(np.float32)
    return real, fake


def _pixel_features(images):
    return images.reshape(len(images), -1)[:, :6].astype(np.float64)


def test_compare_folders_reports_fid_kid_pr_with_sizes():
    real, fake = _sets()
    config = evaluation_config("quick", {"fid_min_images": 10, "kid_subset_size": 10, "n_costly_bootstrap": 2})
    table = compare_folders(
        real, fake[:20], metrics=["fid", "kid", "pr"], config=config, features_of=_pixel_features
    ).set_index("metric")
    assert list(table.index) == [
        "FID (Inception TF-2015)",
        "KID (Inception TF-2015)",
        "precision (Inception TF-2015)",
        "recall (Inception TF-2015)",
    ]
    assert (table["n"] == 20).all() and (table["n_reference"] == 24).all()
    a, b = _pixel_features(fake[:20]), _pixel_features(real)
    expected = frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))
    assert table.loc["FID (Inception TF-2015)", "value"] == pytest.approx(expected, rel=1e-12)
    assert table.loc["FID (Inception TF-2015)", "ci_low"] < expected


def test_compare_folders_marks_fid_not_computed_below_the_minimum():
    real, fake = _sets()
    row = compare_folders(real, fake, metrics=["fid"], features_of=_pixel_features).iloc[0]
    assert np.isnan(row["value"]) and "needs >= 2048 images per set; have 24 and 24" in row["note"]


def test_compare_folders_runs_the_image_metrics_and_readers():
    real, fake = _sets(n=32)
    table = compare_folders(
        real, fake, metrics=["swd", "c2st", "stats"], config=evaluation_config("quick", {"n_costly_bootstrap": 2})
    )
    metrics = list(table["metric"])
    assert "SWD x1e3, average" in metrics and "C2ST AUC, CNN reader vs real" in metrics
    assert "statistics-reader AUC vs real" in metrics and (table["comparison"] == "fake vs real").all()
    assert table.set_index("metric").loc["statistics-reader AUC vs real", "value"] > 0.9  # very different sets


def test_compare_folders_rejects_unknown_metrics():
    real, fake = _sets()
    with pytest.raises(ValueError, match="unknown \\['is'\\]; choose from fid, kid, pr, swd, c2st, stats"):
        compare_folders(real, fake, metrics=["fid", "is"])


def test_compare_folders_needs_inception_for_feature_metrics():
    real, fake = _sets()
    with pytest.raises(ValueError, match="need inception="):
        compare_folders(real, fake, metrics=["kid"])


def test_metrics_cli_reads_two_folders_and_writes_json(tmp_path, capsys):
    real, fake = _sets()
    write_images(real, tmp_path / "real", fmt="png16")
    write_images(fake, tmp_path / "fake", fmt="dicom", model_name="m", model_sha256="0")
    assert (
        main(
            [
                str(tmp_path / "real"),
                str(tmp_path / "fake"),
                "--metrics",
                "swd,stats",
                "--bootstrap",
                "2",
                "--json",
                str(tmp_path / "out.json"),
            ]
        )
        == 0
    )
    assert "24 fake images" in capsys.readouterr().out
    result = json.loads((tmp_path / "out.json").read_text())
    assert result["n_real"] == result["n_fake"] == 24 and result["settings"]["n_costly_bootstrap"] == 2
    assert {line["n"] for line in result["metrics"]} == {24}
    assert all(line["value"] is not None for line in result["metrics"])


@pytest.mark.slow  # 14-39 s on the shared 2-core CPU: two Inception networks built and run
@requires_packaged
def test_inception_features_equal_pytorch_fids_own_on_the_same_folder(tmp_path):
    """pytorch-fid reads the PNGs and builds its network itself, from the weights file we write for it."""
    from pytorch_fid.fid_score import get_activations
    from pytorch_fid.inception import InceptionV3

    real, _ = _sets(n=6, size=64)
    files = write_images(real, tmp_path / "png", fmt="png")
    write_pytorch_fid_weights(tmp_path / "hub" / "checkpoints" / FID_WEIGHTS_FILENAME)
    previous = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / "hub"))
    try:
        theirs_model = InceptionV3([InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).eval()
    finally:
        torch.hub.set_dir(previous)
    theirs = get_activations([str(f) for f in files], theirs_model, batch_size=6, device="cpu", num_workers=0)
    ours = inception_features(load_image_folder(tmp_path / "png")[0], model=load_inception())
    np.testing.assert_allclose(ours, theirs, atol=1e-4, rtol=1e-4)
    assert np.abs(ours).max() > 0.1  # real features, not a degenerate network
