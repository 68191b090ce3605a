"""Tests for gan_lib.export.dicom: synthetic images as DICOM files marked synthetic, nothing taken from patients."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest

from gan_lib.export.dicom import SYNTHETIC_PATIENT_ID, SYNTHETIC_PATIENT_NAME, to_uint16, write_dicoms


@pytest.fixture(scope="module")
def images():
    return np.clip(np.random.default_rng(1).normal(0, 0.5, (3, 32, 32)), -1, 1).astype(np.float32)


@pytest.fixture(scope="module")
def written(images, tmp_path_factory):
    return write_dicoms(
        images, tmp_path_factory.mktemp("dcm"), model_name="model.safetensors", model_sha256="ab" * 32, seeds=[4, 5, 6]
    )


def test_write_dicoms_names_files_by_seed(written):
    assert [p.name for p in written] == ["sample_00004.dcm", "sample_00005.dcm", "sample_00006.dcm"]


def test_write_dicoms_keeps_the_full_16_bit_pixels(written, images):
    for path, image in zip(written, images):
        ds = pydicom.dcmread(path)
        assert ds.BitsStored == 16 and ds.PhotometricInterpretation == "MONOCHROME2"
        np.testing.assert_array_equal(ds.pixel_array, to_uint16(image))
        np.testing.assert_allclose(ds.pixel_array / 32767.5 - 1.0, image, atol=1.6e-5)


def test_write_dicoms_marks_every_file_synthetic(written):
    for seed, path in zip([4, 5, 6], written):
        ds = pydicom.dcmread(path)
        assert ds.ConversionType == "SYN" and ds.Modality == "MG" and ds.BurnedInAnnotation == "NO"
        assert list(ds.ImageType) == ["DERIVED", "SECONDARY"]
        assert ds.SOPClassUID == pydicom.uid.SecondaryCaptureImageStorage
        assert ds.PatientName == SYNTHETIC_PATIENT_NAME and ds.PatientID == SYNTHETIC_PATIENT_ID
        assert ds.PatientBirthDate == "" and ds.PatientSex == ""
        assert "ab" * 32 in ds.DerivationDescription and f"seed {seed}" in ds.DerivationDescription
        assert "SYNTHETIC" in ds.ImageComments


def test_write_dicoms_gives_fresh_uids(written, images, tmp_path):
    first = [pydicom.dcmread(p) for p in written]
    again = pydicom.dcmread(write_dicoms(images[:1], tmp_path, model_name="m", model_sha256="0", seeds=[4])[0])
    assert len({ds.SOPInstanceUID for ds in first}) == 3
    assert len({ds.StudyInstanceUID for ds in first}) == 1 and len({ds.SeriesInstanceUID for ds in first}) == 1
    assert again.StudyInstanceUID != first[0].StudyInstanceUID and again.SOPInstanceUID != first[0].SOPInstanceUID
    assert first[0].file_meta.MediaStorageSOPInstanceUID == first[0].SOPInstanceUID


def test_to_uint16_maps_the_model_range_to_the_full_16_bits():
    np.testing.assert_array_equal(to_uint16(np.array([-1.0, -0.5, 1.0, 1.2])), [0, 16384, 65535, 65535])
