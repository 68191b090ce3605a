"""The Inception network as the evaluation notebooks use it: loaded with a note for the reader, features cached.

The network comes from
:func:`gan_lib.metrics.inception_weights.try_load_inception` (local weights
only, never downloaded); without it the feature rows of Tables 1 and 2 say
"not computed", and :func:`load_inception_with_note` tells the reader how to
install the weights.
"""

from __future__ import annotations

import os
from pathlib import Path

from pytorch_fid.inception import InceptionV3

from gan_lib.config import run_paths
from gan_lib.metrics.inception_weights import try_load_inception

__all__ = ["load_inception_with_note", "feature_cache_dir"]


def load_inception_with_note(weights: str | os.PathLike[str] | None = None) -> tuple[InceptionV3 | None, str]:
    """The FID Inception network, or ``None``, and a Markdown note saying which (notebooks 03 and 04).

    Parameters
    ----------
    weights : path, optional
        TF-Inception weights file or its folder (the notebooks' ``fid_weights``);
        ``None`` searches as :func:`gan_lib.metrics.find_fid_weights` does.

    Returns
    -------
    model : pytorch_fid.inception.InceptionV3 or None
        Pass it as ``inception=`` to :func:`~gan_lib.evaluation.table1.metrics_table`
        and :func:`~gan_lib.evaluation.table2.compare_denoisers`.
    note : str
        Markdown for ``display(Markdown(note))``: with the weights, the memory
        layout chosen; without them, that FID, KID and precision/recall are
        skipped and the full :class:`~gan_lib.metrics.FIDWeightsNotFound` text
        (where it looked, how to install the weights).
    """
    inception, missing = try_load_inception(weights)
    if inception is None:
        return None, (
            "**FID, KID and precision/recall are skipped: the Inception weights are not on this machine "
            "(they are never downloaded).** The tables say *not computed*. To compute them:\n\n"
            f"```\n{missing}\n```"
        )
    return inception, (
        "TF-Inception weights found; FID/KID/precision/recall will be computed "
        f"(layout: {inception.memory_format_reason})."
    )


def feature_cache_dir(run_name: str) -> Path:
    """``runs/<run_name>/eval/features``: the Inception features notebooks 03, 04, 08 and 09 share."""
    return run_paths(run_name).features
