"""prepare_dataset: splits, manifest provenance, cache reuse and atomicity, bad input."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import tifffile
from PIL import Image

import gan_lib.config
import gan_lib.data.dataset as dataset_module
import gan_lib.data.preparation as preparation_module
from gan_lib.data import (
    DataConfig,
    DataFolderError,
    ImageReadError,
    NoBreastFoundError,
    NoBreastInFileError,
    data_config,
    prepare_dataset,
    preprocess_mammogram,
    read_image,
)
from gan_lib.data.sampling import sample_patches


def _synthetic_mammogram(laterality: str, seed: int, shape=(240, 160)) -> np.ndarray:
    """16-bit 'mammogram': textured half-ellipse on the chest-wall side, a bright label on the other side."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    breast = ((yy - shape[0] / 2) / (0.4 * shape[0])) ** 2 + (xx / (0.55 * shape[1])) ** 2 <= 1
    image = rng.normal(400, 60, shape).clip(0)
    image[breast] = rng.uniform(9000, 40000, breast.sum())
    image[15:30, 110:140] = 60000
    image = image.astype(np.uint16)
    return image if laterality == "L" else image[:, ::-1].copy()


def _write_folder(folder, patients=3, views=("CC", "MLO")):
    folder.mkdir(parents=True, exist_ok=True)
    seed = 0
    for p in range(patients):
        for lat in ("L", "R"):
            for view in views:
                Image.fromarray(_synthetic_mammogram(lat, seed)).save(folder / f"pat{p}_{lat}{view}.png")
                seed += 1
    return folder


@pytest.fixture()
def processed(tmp_path, monkeypatch):
    target = tmp_path / "processed"
    monkeypatch.setattr(gan_lib.config, "PROCESSED_DATA_DIR", target)
    return target


def _config(folder, **overrides):
    settings = {"image_size": 16, "patch_scale": 0.5, "patches_per_image": 6, "data_dir": str(folder)}
    settings.update(overrides)
    return data_config("quick", settings)


def test_prepare_dataset_patch_mode_shapes_and_range(tmp_path, processed):
    data = prepare_dataset(_config(_write_folder(tmp_path / "d")), progress=False)
    train = data.images("train")
    assert train.dtype == np.float32 and train.shape[1:] == (16, 16)
    assert train.min() >= -1 and train.max() <= 1
    assert len(data.manifest) == 12 * 6
    assert data.root.parent == processed


def test_prepare_dataset_manifest_columns_and_provenance(tmp_path, processed):
    data = prepare_dataset(_config(_write_folder(tmp_path / "d")), progress=False)
    required = [
        "index",
        "split",
        "patient_id",
        "view",
        "laterality",
        "source_file",
        "crop_box",
        "scale",
        "patch_x",
        "patch_y",
    ]
    assert list(data.manifest.columns[: len(required)]) == required
    assert set(data.manifest["patient_id"]) == {"pat0", "pat1", "pat2"}
    assert set(data.manifest["metadata_source"]) == {"filename"}
    assert (data.manifest["flipped"] == (data.manifest["laterality"] == "R")).all()
    for config_file in ("manifest.csv", "config.json", "working/000000.image.npy", "working/000000.runs.npy"):
        assert (data.root / config_file).is_file()


def test_prepare_dataset_patch_coordinates_in_original_frame(tmp_path, processed):
    folder = _write_folder(tmp_path / "d", patients=1, views=("CC",))
    data = prepare_dataset(_config(folder, min_tissue_fraction=1.0), progress=False)
    for row in data.manifest.itertuples():
        pixels = np.asarray(Image.open(row.source_file))
        patch = pixels[row.patch_y : row.patch_y + row.patch_size, row.patch_x : row.patch_x + row.patch_size]
        assert patch.shape == (row.patch_size, row.patch_size)
        assert (patch > 5000).mean() > 0.9  # inside the synthetic breast in the raw file


def test_prepare_dataset_splits_by_patient_with_heldout_views(tmp_path, processed):
    data = prepare_dataset(_config(_write_folder(tmp_path / "d", patients=4)), progress=False)
    m = data.manifest
    patient_split = m.replace({"split": {"heldout": "train"}}).groupby("patient_id")["split"].nunique()
    assert (patient_split == 1).all()
    train_files = set(m.loc[m.split == "train", "source_file"])
    heldout = m[m.split == "heldout"]
    assert not train_files & set(heldout["source_file"])
    assert set(heldout["patient_id"]) == set(m.loc[m.split == "train", "patient_id"])
    assert heldout.groupby("patient_id")["source_file"].nunique().eq(1).all()


def test_prepare_dataset_whole_mode(tmp_path, processed):
    data = prepare_dataset(
        _config(_write_folder(tmp_path / "d", patients=2), mode="whole", image_size=32), progress=False
    )
    images = np.concatenate([data.images(s) for s in ("train", "test", "heldout")])
    assert images.shape == (8, 32, 32)
    assert data.manifest["patch_x"].isna().all()
    assert (images[:, :, 0] > -1).mean() > 0.5  # chest wall on the left after the flip


def test_prepared_dataset_empty_split_raises(tmp_path, processed):
    data = prepare_dataset(_config(_write_folder(tmp_path / "d", patients=2)), progress=False)
    with pytest.raises(ValueError, match="split 'val' is empty"):
        data.images("val")
    with pytest.raises(ValueError, match="split must be one of"):
        data.images("validation")


def test_prepare_dataset_second_call_is_cache_hit(tmp_path, processed, caplog, monkeypatch):
    config = _config(_write_folder(tmp_path / "d", patients=2))
    first = prepare_dataset(config, progress=False)
    monkeypatch.setattr(dataset_module, "_build", lambda *a, **k: pytest.fail("cache was not used"))
    with caplog.at_level(logging.INFO, logger="gan_lib.data.dataset"):
        second = prepare_dataset(config, progress=False)
    assert "Cache hit" in caplog.text
    assert second.root == first.root and second.config == config
    np.testing.assert_array_equal(second.images("train"), first.images("train"))


def test_prepare_dataset_changed_folder_changes_cache(tmp_path, processed):
    folder = _write_folder(tmp_path / "d", patients=2)
    first = prepare_dataset(_config(folder), progress=False)
    Image.fromarray(_synthetic_mammogram("L", 99)).save(folder / "pat9_LCC.png")
    assert prepare_dataset(_config(folder), progress=False).root != first.root


def test_prepare_dataset_failure_keeps_earlier_cache(tmp_path, processed, monkeypatch):
    config = _config(_write_folder(tmp_path / "d", patients=2))
    data = prepare_dataset(config, progress=False)
    before = {p.name: p.read_bytes() for p in data.root.iterdir() if p.is_file()}

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(dataset_module, "atomic_write_json", crash)  # fails after the images and the manifest
    with pytest.raises(OSError, match="disk full"):
        prepare_dataset(config, progress=False, rebuild=True)
    assert {p.name: p.read_bytes() for p in data.root.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in processed.iterdir()) == sorted([data.root.name, f".{data.root.name}.partial"])


def test_prepare_dataset_interrupted_preparation_resumes(tmp_path, processed, monkeypatch):
    config = _config(_write_folder(tmp_path / "d", patients=2))
    real = preparation_module.prepare_file
    calls = []

    def fail_on_fifth(index, *args):
        calls.append(index)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return real(index, *args)

    monkeypatch.setattr(preparation_module, "prepare_file", fail_on_fifth)
    with pytest.raises(KeyboardInterrupt):
        prepare_dataset(config, progress=False, workers=1)
    calls.clear()
    resumed = prepare_dataset(config, progress=False, workers=1)
    assert calls == [4, 5, 6, 7]  # the four finished files are not prepared again
    monkeypatch.setattr(preparation_module, "prepare_file", real)
    fresh = prepare_dataset(config, progress=False, workers=1, rebuild=True)
    np.testing.assert_array_equal(resumed.images("train"), fresh.images("train"))


def test_prepare_dataset_workers_give_the_same_dataset(tmp_path, processed):
    config = _config(_write_folder(tmp_path / "d", patients=2))
    serial = prepare_dataset(config, progress=False, workers=1)
    manifest = serial.manifest.copy()
    parallel = prepare_dataset(config, progress=False, workers=2, rebuild=True)
    pd.testing.assert_frame_equal(parallel.manifest, manifest)
    np.testing.assert_array_equal(parallel.images("test"), serial.images("test"))


def test_prepared_dataset_images_match_sample_patches_within_quantisation(tmp_path, processed):
    """The fixed patches are sample_patches' draw (same corners, same rng) up to the uint16 step."""
    config = _config(
        _write_folder(tmp_path / "d", patients=1, views=("CC",)), split_fractions=(1, 0, 0), heldout_per_patient=0
    )
    data = prepare_dataset(config, progress=False, workers=1)
    path = data.manifest["source_file"].iloc[0]
    pre = preprocess_mammogram(read_image(path), view="CC", config=config)
    patches, corners = sample_patches(
        pre.image, pre.flipped_mask, size=16, count=6, min_tissue_fraction=0.9, rng=np.random.default_rng(config.seed)
    )
    np.testing.assert_array_equal(data.manifest[["work_row", "work_col"]].to_numpy()[:6], corners)
    assert np.abs(data.images("train")[:6] - (2 * patches - 1)).max() <= 1.0 / 65535 + 1e-7


def test_prepared_dataset_random_crops_cover_more_than_the_fixed_set(tmp_path, processed):
    data = prepare_dataset(_config(_write_folder(tmp_path / "d", patients=2)), progress=False)
    crops = data.random_crops("test", 500, seed=1)
    assert crops.shape == (500, 16, 16) and crops.dtype == np.float32 and crops.min() >= -1
    assert len(np.unique(crops.reshape(500, -1), axis=0)) > len(data.images("test"))
    np.testing.assert_array_equal(crops, data.random_crops("test", 500, seed=1))
    assert data.crop_table("test").total >= data.crop_table("test").counts.min() * 4


def test_prepare_dataset_all_nan_float_tiff_raises_naming_file(tmp_path, processed):
    folder = _write_folder(tmp_path / "d", patients=1, views=("CC",))
    tifffile.imwrite(folder / "nan_LCC.tif", np.full((120, 90), np.nan, np.float32))
    with pytest.raises(NoBreastFoundError, match=r"nan_LCC\.tif: no breast found \(no finite pixel") as error:
        prepare_dataset(_config(folder), progress=False, workers=2)
    assert isinstance(error.value, NoBreastInFileError) and error.value.path.name == "nan_LCC.tif"


def test_prepare_dataset_manifest_lacking_columns_is_refused_naming_csv(tmp_path, processed):
    folder = _write_folder(tmp_path / "d", patients=1)
    (folder / "mass_case_description.csv").write_text(
        "patient_id,breast_density,left or right breast,abnormality id\nP_00001,2,LEFT,1\n"
    )
    with pytest.raises(DataFolderError, match=r"mass_case_description\.csv.*\['view', 'file'\].*ignore_manifests"):
        prepare_dataset(_config(folder), progress=False)
    data = prepare_dataset(_config(folder, ignore_manifests=True), progress=False)
    assert set(data.manifest["metadata_source"]) == {"filename"}


def test_prepare_dataset_unrelated_csv_is_ignored(tmp_path, processed):
    folder = _write_folder(tmp_path / "d", patients=1)
    (folder / "notes.csv").write_text("date,comment\n2024-01-01,ok\n")
    assert set(prepare_dataset(_config(folder), progress=False).manifest["metadata_source"]) == {"filename"}


def test_prepare_dataset_corrupt_image_raises_naming_file(tmp_path, processed):
    folder = _write_folder(tmp_path / "d", patients=2)
    (folder / "pat5_LCC.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    with pytest.raises(ImageReadError, match=r"pat5_LCC\.png"):
        prepare_dataset(_config(folder), progress=False)


def test_prepare_dataset_skip_bad_images_logs_count(tmp_path, processed, caplog):
    folder = _write_folder(tmp_path / "d", patients=2)
    (folder / "pat5_LCC.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    Image.fromarray(np.zeros((100, 80), np.uint8)).save(folder / "pat6_LCC.png")
    with caplog.at_level(logging.WARNING, logger="gan_lib.data.dataset"):
        data = prepare_dataset(_config(folder, skip_bad_images=True), progress=False)
    assert data.manifest["source_file"].nunique() == 8
    assert "Skipped 1 file(s) (unreadable)" in caplog.text
    assert "Skipped 1 file(s) (no breast)" in caplog.text


def test_prepare_dataset_image_without_breast_raises_naming_file(tmp_path, processed):
    folder = _write_folder(tmp_path / "d", patients=1, views=("CC",))
    Image.fromarray(np.full((100, 80), 30, np.uint8)).save(folder / "blank.png")
    with pytest.raises(NoBreastFoundError, match=r"blank\.png: no breast found.*skip_bad_images"):
        prepare_dataset(_config(folder), progress=False)


def test_prepare_dataset_manifest_metadata_wins(tmp_path, processed):
    folder = _write_folder(tmp_path / "d", patients=1)
    rows = [
        f"woman{i % 2},{lat},{view},pat0_{lat}{view}.png"
        for i, (lat, view) in enumerate([("L", "CC"), ("L", "MLO"), ("R", "CC"), ("R", "MLO")])
    ]
    (folder / "manifest.csv").write_text("patient_id,laterality,view,file\n" + "\n".join(rows) + "\n")
    data = prepare_dataset(_config(folder), progress=False)
    assert set(data.manifest["patient_id"]) == {"woman0", "woman1"}
    assert set(data.manifest["metadata_source"]) == {"manifest"}


def test_prepare_dataset_missing_folder_raises(tmp_path, processed):
    with pytest.raises(DataFolderError, match="does not exist"):
        prepare_dataset(_config(tmp_path / "missing"), progress=False)


def test_data_config_profiles_and_validation():
    assert data_config("quick").image_size == 64 and data_config("full").image_size == 128
    with pytest.raises(ValueError, match="unknown setting"):
        data_config("quick", {"image_sise": 32})
    with pytest.raises(ValueError, match="mode must be"):
        DataConfig(mode="tiles")


def test_prepare_dataset_embedded_quick_split(tmp_path, processed):
    """The embedded CBIS-DDSM pair: one patient trains (3 views + 1 held out), the other tests; val empty."""
    data = prepare_dataset(data_config("quick", {"patches_per_image": 8}), progress=False)
    table = data.split_table()
    assert table.loc["train", "patients"] == 1 and table.loc["test", "patients"] == 1
    assert table.loc[["train", "heldout", "test", "val"], "images"].tolist() == [3, 1, 4, 0]
    m = data.manifest
    assert set(m.loc[m.split == "heldout", "patient_id"]) == set(m.loc[m.split == "train", "patient_id"])
    assert set(m["view"]) == {"CC", "MLO"} and set(m["laterality"]) == {"L", "R"}
    assert data.images("train").shape[1:] == (64, 64)


def test_prepared_dataset_images_subset_reads_only_those_rows(tmp_path, processed):
    data = prepare_dataset(_config(_write_folder(tmp_path / "d", patients=2)), progress=False)
    every = data.images("test")
    assert data.count("test") == len(every)
    np.testing.assert_array_equal(data.images("test", subset=np.array([7, 0, 3])), every[[7, 0, 3]])
