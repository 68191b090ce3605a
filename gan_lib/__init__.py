"""mammo-wgan: a hybrid MLP-CNN WGAN-GP generator for mammogram synthesis (see README.md).

``gan_lib.load_generator(path)`` rebuilds an exported generator from its ``model.safetensors`` alone
(:mod:`gan_lib.export`); it is imported on first use, so ``import gan_lib`` stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_generator"]


def __getattr__(name: str) -> Any:
    if name == "load_generator":
        from gan_lib.export.model_file import load_generator

        return load_generator
    raise AttributeError(f"module 'gan_lib' has no attribute {name!r}")
