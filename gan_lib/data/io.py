"""Find mammograms in a folder, read their pixels, and work out patient, laterality and view.

Supported files: DICOM (``.dcm``/``.dicom``; any transfer syntax pydicom can
decode), PNG, JPEG and TIFF (8- or 16-bit grey; colour is converted to grey),
and MIAS ``.pgm``.  Metadata come, in order of preference, from

1. a CSV manifest in the folder's top level (CBIS-DDSM style, see
   :data:`MANIFEST_COLUMNS` and ``data/README.md``),
2. DICOM tags: ``PatientID``, ``ImageLaterality``/``Laterality``,
   ``ViewPosition``; CBIS-DDSM stores all three in ``PatientID``
   (``Mass-Test_P_00173_LEFT_CC``),
3. the file name and its folders: CBIS-DDSM names (``P_00173_LEFT_CC``),
   mini-MIAS names (``mdb001`` ... ``mdb322``: consecutive pairs are one
   woman, odd numbers the right breast, even the left, all MLO, per the
   MIAS ``Info.txt``), or tokens such as ``L``/``R``/``LEFT``/``RIGHT`` and
   ``CC``/``MLO`` (``case12_R_MLO.png``); the patient is then the file name
   without those tokens.
"""

from __future__ import annotations

import hashlib
import logging
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
import tifffile
from PIL import Image
from pydicom.errors import InvalidDicomError
from skimage.color import rgb2gray

__all__ = [
    "IMAGE_SUFFIXES",
    "MANIFEST_COLUMNS",
    "DataFolderError",
    "ImageReadError",
    "RawImage",
    "discover_images",
    "read_manifest",
    "metadata_from_name",
    "read_image",
    "folder_fingerprint",
]

log = logging.getLogger(__name__)

DICOM_SUFFIXES = (".dcm", ".dicom")
RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".pgm")
#: File suffixes (lower case) read as images; anything else is skipped with a logged count.
IMAGE_SUFFIXES = DICOM_SUFFIXES + RASTER_SUFFIXES
#: Accepted manifest column names -> canonical name.  CBIS-DDSM's description CSVs use the first spelling.
MANIFEST_COLUMNS = {
    "patient_id": "patient_id",
    "left or right breast": "laterality",
    "laterality": "laterality",
    "image view": "view",
    "view": "view",
    "image file path": "file",
    "file": "file",
}
#: Columns only a CBIS-DDSM description CSV has: a CSV with one of them is meant as a manifest.
CBIS_DDSM_COLUMNS = (
    "breast density",
    "abnormality id",
    "abnormality type",
    "assessment",
    "pathology",
    "subtlety",
    "cropped image file path",
    "roi mask file path",
    "mass shape",
    "calc type",
)
_NEEDED = ("patient_id", "laterality", "view", "file")
#: DICOM series that are not full mammograms in a CBIS-DDSM download (skipped, counted).
NON_MAMMOGRAM_SERIES = ("roi mask", "cropped")
_VIEWS = ("CC", "MLO", "ML", "LM", "XCCL", "XCCM", "AT", "LMO", "SIO", "FB")


class DataFolderError(ValueError):
    """A data folder (or its manifest) cannot be used as given."""


class ImageReadError(ValueError):
    """One image file cannot be read; the message names the file and the fix."""


@dataclass(frozen=True)
class RawImage:
    """Decoded pixels of one file, before any preprocessing."""

    pixels: np.ndarray  # (H, W) as stored: uint8, uint16 or float
    photometric: str  # "MONOCHROME1" (dense = dark) or "MONOCHROME2" (dense = bright)
    patient_id: str  # from DICOM tags, "" for other formats
    laterality: str  # "L", "R" or ""
    view: str  # "CC", "MLO", ... or ""
    series_description: str  # DICOM SeriesDescription, "" for other formats


def _norm_laterality(value: object) -> str:
    text = str(value or "").strip().upper()
    if text in ("L", "LEFT"):
        return "L"
    if text in ("R", "RIGHT"):
        return "R"
    return ""


def _norm_view(value: object) -> str:
    text = str(value or "").strip().upper()
    return text if text in _VIEWS else ""


def discover_images(folder: Path) -> list[Path]:
    """All image files below ``folder`` (recursive, sorted), by suffix.

    Hidden files and folders are ignored; other non-image files are skipped
    and counted in the log (a stray ``.txt`` in a big folder is no reason to
    stop).

    Raises
    ------
    DataFolderError
        If ``folder`` does not exist, is not a folder, or holds no image file.
    """
    folder = Path(folder).expanduser()
    if not folder.exists():
        raise DataFolderError(
            f"data_dir {str(folder)!r} does not exist. Pass the folder holding your mammograms, "
            "or data_dir=None for the embedded CBIS-DDSM examples."
        )
    if not folder.is_dir():
        raise DataFolderError(f"data_dir {str(folder)!r} is a file, not a folder; pass the folder that holds it.")
    images, skipped = [], []
    for path in sorted(folder.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts) or not path.is_file():
            continue
        if path.suffix.lower() in IMAGE_SUFFIXES:
            images.append(path)
        elif path.suffix.lower() != ".csv":
            skipped.append(path)
    if skipped:
        log.warning(
            "Skipped %d non-image file(s) in %s (e.g. %s); supported suffixes: %s.",
            len(skipped),
            folder,
            skipped[0].name,
            ", ".join(IMAGE_SUFFIXES),
        )
    if not images:
        raise DataFolderError(
            f"data_dir {str(folder)!r} holds no image file (looked for {', '.join(IMAGE_SUFFIXES)}, recursively). "
            "Put DICOM, PNG, JPEG, TIFF or MIAS .pgm mammograms there."
        )
    return images


def _column_key(name: str) -> str:
    """A column name as looked up in :data:`MANIFEST_COLUMNS`: lower case, ``_`` and runs of spaces as one space.

    Examples
    --------
    >>> _column_key(" Image_File  Path"), _column_key("patient_id")
    ('image file path', 'patient_id')
    """
    key = re.sub(r"[\s_]+", " ", name.strip().lower())
    return "patient_id" if key == "patient id" else key


def _check_manifest_columns(csv: Path, columns: list[str], canonical: set[str]) -> None:
    """Refuse a CSV meant as a manifest (a manifest or CBIS-DDSM column) that lacks a needed column."""
    missing = [name for name in _NEEDED if name not in canonical]
    meant = set(_NEEDED) & canonical or {_column_key(c) for c in columns} & set(CBIS_DDSM_COLUMNS)
    if missing and meant:
        spellings = {need: [k for k, v in MANIFEST_COLUMNS.items() if v == need] for need in missing}
        raise DataFolderError(
            f"{csv}: this CSV looks like a manifest (columns {columns}) but lacks the column(s) {missing} the loader "
            f"needs (accepted spellings: {spellings}). Add them, move the CSV out of the data folder, or set "
            "ignore_manifests=True (--data.ignore_manifests=true) to take patient, laterality and view from the "
            "DICOM tags and file names instead."
        )


def read_manifest(folder: Path) -> pd.DataFrame | None:
    """Read the CSV manifest(s) in ``folder``'s top level, or ``None`` when there is none.

    Every ``*.csv`` whose columns include a patient id, laterality, view and
    file path (see :data:`MANIFEST_COLUMNS`) is read; a CSV with some of them
    (or a CBIS-DDSM description column, :data:`CBIS_DDSM_COLUMNS`) but not all
    is refused; any other CSV is ignored (logged).  Rows repeating a file
    (CBIS-DDSM lists one row per lesion) are merged.  Returns a DataFrame with
    columns ``file`` (absolute :class:`~pathlib.Path`), ``patient_id``,
    ``laterality`` ("L"/"R"/""), ``view``.

    Raises
    ------
    DataFolderError
        If a manifest row names a file that does not exist, or a CSV meant as
        a manifest lacks a needed column (the message names the CSV, the
        columns and the fix).
    """
    frames = []
    for csv in sorted(Path(folder).glob("*.csv")):
        table = pd.read_csv(csv, dtype=str, keep_default_na=False)
        renamed = table.rename(columns={c: MANIFEST_COLUMNS.get(_column_key(c), c) for c in table.columns})
        _check_manifest_columns(csv, list(table.columns), set(renamed.columns))
        if not set(_NEEDED) <= set(renamed.columns):
            log.info("Ignoring %s: not a manifest (no manifest or CBIS-DDSM column).", csv.name)
            continue
        renamed = renamed[list(_NEEDED)].copy()
        renamed["manifest"] = csv.name
        frames.append(renamed)
    if not frames:
        return None
    table = pd.concat(frames, ignore_index=True).drop_duplicates("file")
    table["file"] = [(Path(folder) / f.strip()).resolve() for f in table["file"]]
    missing = [row for row in table.itertuples() if not row.file.is_file()]
    if missing:
        first = missing[0]
        raise DataFolderError(
            f"{first.manifest}: {len(missing)} of {len(table)} listed file(s) do not exist, e.g. {str(first.file)!r}. "
            "Paths in the 'file' / 'image file path' column are relative to the manifest's folder; fix them or "
            "remove the rows (CBIS-DDSM's own description CSVs do not match the TCIA download layout: leave them "
            "out or set ignore_manifests=True, the DICOM tags carry the same information)."
        )
    table["laterality"] = [_norm_laterality(v) for v in table["laterality"]]
    table["view"] = [_norm_view(v) for v in table["view"]]
    table["patient_id"] = table["patient_id"].str.strip()
    return table.drop(columns="manifest").reset_index(drop=True)


_CBIS_RE = re.compile(r"(P_\d{5})_(LEFT|RIGHT)_(CC|MLO)", re.IGNORECASE)
_MIAS_RE = re.compile(r"^mdb(\d{3})", re.IGNORECASE)


def metadata_from_name(path: Path, *, root: Path | None = None) -> tuple[str, str, str]:
    """``(patient_id, laterality, view)`` from a file's name (and its folders below ``root``).

    Examples
    --------
    >>> metadata_from_name(Path("Mass-Training_P_00001_LEFT_CC/1-1.dcm"))
    ('P_00001', 'L', 'CC')
    >>> metadata_from_name(Path("mdb003.pgm"))
    ('mias_002', 'R', 'MLO')
    >>> metadata_from_name(Path("case12_r_mlo.png"))
    ('case12', 'R', 'MLO')
    """
    relative = path.relative_to(root) if root is not None else path
    text = "/".join(relative.parts)
    match = _CBIS_RE.search(text)
    if match:
        return match.group(1).upper(), _norm_laterality(match.group(2)), match.group(3).upper()
    match = _MIAS_RE.match(path.stem)
    if match:
        number = int(match.group(1))
        return f"mias_{(number + 1) // 2:03d}", "R" if number % 2 else "L", "MLO"
    tokens = [t for t in re.split(r"[_\-\s.]+", path.stem) if t]
    laterality, view, rest = "", "", []
    for token in tokens:
        upper = token.upper()
        combined = re.fullmatch(r"([LR])(CC|MLO)", upper)
        if combined and not laterality and not view:
            laterality, view = combined.group(1), combined.group(2)
        elif _norm_laterality(upper) and not laterality:
            laterality = _norm_laterality(upper)
        elif _norm_view(upper) and not view:
            view = upper
        else:
            rest.append(token)
    patient = "_".join(rest) or path.stem
    if len(relative.parts) > 1 and not rest:
        patient = relative.parts[-2]
    return patient, laterality, view


def _decoder_hint(syntax: str) -> str:
    """The ``pip install`` that adds a pydicom decoder for transfer syntax ``syntax`` (its name)."""
    text = syntax.lower()
    if "2000" in text or "htj2k" in text or "high-throughput" in text:
        return "pip install pylibjpeg pylibjpeg-openjpeg (or python-gdcm)"
    if "jpeg-ls" in text or "jpeg ls" in text:
        return "pip install pyjpegls (or python-gdcm)"
    if "rle" in text:
        return "pip install pylibjpeg pylibjpeg-rle"
    if "jpeg" in text:
        return "pip install pylibjpeg pylibjpeg-libjpeg (or python-gdcm)"
    return "pip install pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg pylibjpeg-rle (or python-gdcm)"


def _read_dicom(path: Path) -> RawImage:
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ds = pydicom.dcmread(path)
    except InvalidDicomError as exc:
        raise ImageReadError(f"{path}: not a DICOM file ({exc}). Remove it from the folder or fix its suffix.") from exc
    except (OSError, EOFError, ValueError, KeyError) as exc:
        raise ImageReadError(f"{path}: corrupt or truncated DICOM ({exc}). Re-download or remove the file.") from exc
    ended_early = [str(w.message) for w in caught if "end of file" in str(w.message).lower()]
    if ended_early or ("PixelData" not in ds and "Rows" in ds):
        reason = ended_early[0] if ended_early else "image attributes present but no pixel data"
        raise ImageReadError(f"{path}: truncated DICOM ({reason}). Re-download or remove the file.")
    if "PixelData" not in ds:
        raise ImageReadError(f"{path}: DICOM without pixel data (a report or structured object?). Remove it.")
    try:
        pixels = ds.pixel_array
    except (RuntimeError, NotImplementedError) as exc:
        syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
        name = str(getattr(syntax, "name", syntax))
        raise ImageReadError(
            f"{path}: pydicom could not decode its pixel data (transfer syntax {name!r}) with the installed "
            f"decoder plugins. If the file is intact a decoder is missing: {_decoder_hint(name)}; otherwise "
            f"re-download or remove the file. (pydicom: {exc})"
        ) from exc
    except (ValueError, EOFError, OSError, AttributeError, TypeError) as exc:
        raise ImageReadError(
            f"{path}: corrupt or truncated DICOM pixel data ({exc}). Re-download or remove it."
        ) from exc
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    if pixels.ndim == 3 and photometric.startswith(("RGB", "YBR")):
        pixels, photometric = rgb2gray(pixels), "MONOCHROME2"
    if pixels.ndim != 2:
        raise ImageReadError(f"{path}: expected one 2-D frame; got pixel array of shape {pixels.shape}.")
    return RawImage(
        pixels=pixels,
        photometric=photometric,
        patient_id=str(ds.get("PatientID", "") or ""),
        laterality=_norm_laterality(ds.get("ImageLaterality", "") or ds.get("Laterality", "")),
        view=_norm_view(ds.get("ViewPosition", "")),
        series_description=str(ds.get("SeriesDescription", "") or ""),
    )


def _read_raster(path: Path) -> RawImage:
    try:
        if path.suffix.lower() in (".tif", ".tiff"):
            pixels = np.asarray(tifffile.imread(path))
        else:
            with Image.open(path) as handle:
                handle.load()
                pixels = np.asarray(handle)
    except Exception as exc:  # PIL/tifffile raise many types (OSError, SyntaxError, ValueError...) for a bad file
        raise ImageReadError(
            f"{path}: cannot read this {path.suffix} file ({type(exc).__name__}: {exc}); it is corrupt, truncated or "
            "not an image. Re-export or remove it."
        ) from exc
    if pixels.ndim == 3 and pixels.shape[-1] in (3, 4):
        rgb = pixels[..., :3]
        if np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 0], rgb[..., 2]):
            pixels = rgb[..., 0]
        else:
            pixels = rgb2gray(rgb)
    elif pixels.ndim == 3 and pixels.shape[-1] == 2:  # grey + alpha
        pixels = pixels[..., 0]
    if pixels.ndim != 2 or min(pixels.shape) < 8:
        raise ImageReadError(f"{path}: expected a 2-D grey image of at least 8 x 8 pixels; got shape {pixels.shape}.")
    if pixels.dtype == bool or not np.issubdtype(pixels.dtype, np.number):
        raise ImageReadError(f"{path}: unsupported pixel type {pixels.dtype}; expected 8/16-bit integers or floats.")
    return RawImage(pixels, "MONOCHROME2", "", "", "", "")


def read_image(path: Path) -> RawImage:
    """Decode one image file (DICOM via pydicom, TIFF via tifffile, PNG/JPEG/PGM via Pillow).

    Raises
    ------
    ImageReadError
        Naming the file and the fix: corrupt or truncated file, not an image,
        a DICOM whose transfer syntax needs a decoder plugin that is not
        installed (the message says which ``pip install``), or a multi-frame file.
    """
    path = Path(path)
    if path.suffix.lower() in DICOM_SUFFIXES:
        return _read_dicom(path)
    if path.suffix.lower() in RASTER_SUFFIXES:
        return _read_raster(path)
    raise ImageReadError(f"{path}: unsupported suffix {path.suffix!r}; expected one of {', '.join(IMAGE_SUFFIXES)}.")


def folder_fingerprint(paths: list[Path]) -> str:
    """A cheap digest of the files' names, sizes and modification times (changes when the data change)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]
