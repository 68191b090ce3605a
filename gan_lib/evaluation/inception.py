"""The Inception network as the evaluation notebooks use it: where its features are cached between notebooks.

The network itself comes from :func:`gan_lib.metrics.fid.try_load_inception`
(local weights only, never downloaded); without it the feature rows of
Tables 1 and 2 say "not computed".
"""
from __future__ import annotations

from pathlib import Path

from gan_lib.config import run_dir

__all__ = ["feature_cache_dir"]


def feature_cache_dir(run_name: str) -> Path:
    """``runs/<run_name>/eval/features``: the Inception features notebooks 03, 04, 08 and 09 share."""
    return run_dir(run_name) / "eval" / "features"
