"""Loaders: embedded DICOMs, generated PNG/TIFF/PGM/JPEG files, metadata sources and bad input."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gan_lib.data.embedded import embedded_data_dir
from gan_lib.data.io import (
    DataFolderError,
    ImageReadError,
    discover_images,
    folder_fingerprint,
    metadata_from_name,
    read_image,
    read_manifest,
)


def _gradient(dtype, shape=(40, 30)):
    top = np.iinfo(dtype).max
    return np.linspace(0, top, shape[0] * shape[1]).reshape(shape).astype(dtype)


@pytest.fixture(scope="module")
def embedded():
    return {path.name: read_image(path) for path in discover_images(embedded_data_dir())}


def test_read_image_embedded_dicoms_decode_uint16(embedded):
    assert len(embedded) == 8
    for raw in embedded.values():
        assert raw.pixels.dtype == np.uint16 and raw.pixels.ndim == 2 and min(raw.pixels.shape) > 2000
        assert raw.photometric == "MONOCHROME2"


def test_read_image_embedded_metadata_two_patients_all_views(embedded):
    parsed = [metadata_from_name(Path(raw.patient_id)) for raw in embedded.values()]
    assert {p for p, _, _ in parsed} == {"P_00173", "P_00820"}
    for patient in ("P_00173", "P_00820"):
        views = {(lat, view) for p, lat, view in parsed if p == patient}
        assert views == {("L", "CC"), ("L", "MLO"), ("R", "CC"), ("R", "MLO")}
    assert {raw.laterality for raw in embedded.values()} == {"L", "R"}  # from the Laterality tag


@pytest.mark.parametrize(
    ("suffix", "dtype"), [(".png", np.uint8), (".png", np.uint16), (".tif", np.uint8), (".tif", np.uint16)]
)
def test_read_image_png_tiff_keeps_bit_depth(tmp_path, suffix, dtype):
    pixels = _gradient(dtype)
    path = tmp_path / f"img{suffix}"
    if suffix == ".tif":
        import tifffile

        tifffile.imwrite(path, pixels)
    else:
        Image.fromarray(pixels).save(path)
    raw = read_image(path)
    assert raw.pixels.dtype == dtype
    np.testing.assert_array_equal(raw.pixels, pixels)


def test_read_image_mias_pgm(tmp_path):
    pixels = _gradient(np.uint8, (64, 64))
    path = tmp_path / "mdb001.pgm"
    path.write_bytes(b"P5\n64 64\n255\n" + pixels.tobytes())
    np.testing.assert_array_equal(read_image(path).pixels, pixels)


def test_read_image_rgb_jpeg_becomes_grey(tmp_path):
    rgb = np.repeat(_gradient(np.uint8)[..., None], 3, axis=2)
    Image.fromarray(rgb).save(tmp_path / "x.jpg", quality=95)
    assert read_image(tmp_path / "x.jpg").pixels.ndim == 2


def test_metadata_from_name_conventions():
    assert metadata_from_name(Path("Calc-Test_P_00038_RIGHT_MLO_1/1-1.dcm")) == ("P_00038", "R", "MLO")
    assert metadata_from_name(Path("mdb002.pgm")) == ("mias_001", "L", "MLO")
    assert metadata_from_name(Path("mdb001.pgm")) == ("mias_001", "R", "MLO")
    assert metadata_from_name(Path("anna_LCC.png")) == ("anna", "L", "CC")
    assert metadata_from_name(Path("root/p7/left_cc.png"), root=Path("root")) == ("p7", "L", "CC")
    assert metadata_from_name(Path("scan42.png")) == ("scan42", "", "")


def test_read_manifest_cbis_columns(tmp_path):
    Image.fromarray(_gradient(np.uint8)).save(tmp_path / "a.png")
    (tmp_path / "cases.csv").write_text(
        "patient_id,left or right breast,image view,image file path,pathology\n"
        "P_1,LEFT,CC,a.png,BENIGN\nP_1,LEFT,CC,a.png,MALIGNANT\n"
    )
    table = read_manifest(tmp_path)
    assert len(table) == 1
    assert table.iloc[0][["patient_id", "laterality", "view"]].tolist() == ["P_1", "L", "CC"]
    assert table.iloc[0]["file"] == (tmp_path / "a.png").resolve()


def test_read_manifest_ignores_unrelated_csv(tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    assert read_manifest(tmp_path) is None


def test_read_manifest_missing_file_names_it(tmp_path):
    (tmp_path / "m.csv").write_text("patient_id,laterality,view,file\nP1,L,CC,gone.png\n")
    with pytest.raises(DataFolderError, match=r"gone\.png.*relative to the manifest"):
        read_manifest(tmp_path)


def test_discover_images_missing_folder(tmp_path):
    with pytest.raises(DataFolderError, match="does not exist"):
        discover_images(tmp_path / "nope")


def test_discover_images_empty_folder(tmp_path):
    with pytest.raises(DataFolderError, match="holds no image file"):
        discover_images(tmp_path)


def test_discover_images_skips_stray_files_with_count(tmp_path, caplog):
    Image.fromarray(_gradient(np.uint8)).save(tmp_path / "a.png")
    (tmp_path / "readme.txt").write_text("hello")
    (tmp_path / ".hidden.png").write_bytes(b"")
    with caplog.at_level(logging.WARNING, logger="gan_lib.data.io"):
        assert [p.name for p in discover_images(tmp_path)] == ["a.png"]
    assert "Skipped 1 non-image file" in caplog.text


def test_read_image_corrupt_dicom_names_file(tmp_path):
    path = tmp_path / "bad.dcm"
    path.write_bytes(b"\x00" * 50 + b"not dicom")
    with pytest.raises(ImageReadError, match=r"bad\.dcm: not a DICOM file"):
        read_image(path)


def test_read_image_truncated_dicom_names_file(tmp_path):
    source = sorted(embedded_data_dir().rglob("*.dcm"))[0]
    path = tmp_path / "cut.dcm"
    path.write_bytes(source.read_bytes()[:200_000])
    with pytest.raises(ImageReadError, match=r"cut\.dcm: truncated DICOM"):
        read_image(path)


def test_read_image_missing_decoder_names_plugin(tmp_path):
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEG2000Lossless, SecondaryCaptureImageStorage, generate_uid

    meta = FileMetaDataset()
    meta.TransferSyntaxUID = JPEG2000Lossless
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    ds = Dataset()
    ds.file_meta = meta
    ds.Rows = ds.Columns = 16
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit, ds.PixelRepresentation, ds.SamplesPerPixel = 15, 0, 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.PixelData = encapsulate([b"\x00" * 64])
    ds["PixelData"].VR = "OB"
    path = tmp_path / "j2k.dcm"
    ds.save_as(path, enforce_file_format=True)
    with pytest.raises(ImageReadError, match=r"j2k\.dcm.*JPEG 2000.*pip install pylibjpeg pylibjpeg-openjpeg"):
        read_image(path)


def test_read_image_truncated_png_names_file(tmp_path):
    good = tmp_path / "good.png"
    Image.fromarray(_gradient(np.uint16, (200, 200))).save(good)
    path = tmp_path / "cut.png"
    path.write_bytes(good.read_bytes()[:300])
    with pytest.raises(ImageReadError, match=r"cut\.png: cannot read"):
        read_image(path)


def test_read_image_text_file_with_image_suffix(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("this is not a picture")
    with pytest.raises(ImageReadError, match=r"notes\.jpg"):
        read_image(path)


def test_folder_fingerprint_changes_with_files(tmp_path):
    a = tmp_path / "a.png"
    Image.fromarray(_gradient(np.uint8)).save(a)
    before = folder_fingerprint([a])
    Image.fromarray(_gradient(np.uint8, (50, 30))).save(a)
    assert folder_fingerprint([a]) != before
