"""Model registry and the shared builder plumbing (after ``torchvision/models/_api.py``).

Builders are registered by name so that a papermill parameter or a
``TrainConfig`` field can pick a model by a plain string::

    >>> from gan_lib.models import get_model, list_models
    >>> "hybrid_generator" in list_models()
    True
    >>> get_model("critic", image_size=32, width=0.125)(torch.zeros(2, 1, 32, 32)).shape
    torch.Size([2, 1])
"""

from __future__ import annotations

from typing import Any, Callable, Sequence, TypeVar

import torch  # noqa: F401  (used by the doctest above)
from torch import nn

__all__ = ["IMAGE_SIZES", "PADDING_MODES", "register_model", "get_model", "get_model_builder", "list_models"]

#: Square resolutions the builders support: powers of two from 32 to 256 px.
IMAGE_SIZES: tuple[int, ...] = (32, 64, 128, 256)
#: ``Conv2d`` padding modes the builders accept (``ConvTranspose2d`` pads only with zeros).
PADDING_MODES: tuple[str, ...] = ("zeros", "reflect", "replicate")

M = TypeVar("M", bound=Callable[..., nn.Module])
_BUILDERS: dict[str, Callable[..., nn.Module]] = {}


def register_model(name: str | None = None) -> Callable[[M], M]:
    """Decorator adding a builder function to the registry under ``name`` (default: its ``__name__``)."""

    def wrapper(fn: M) -> M:
        key = name or fn.__name__
        if key in _BUILDERS:
            raise ValueError(f"register_model: a model named {key!r} is already registered.")
        _BUILDERS[key] = fn
        return fn

    return wrapper


def list_models() -> list[str]:
    """Sorted names of every registered builder."""
    return sorted(_BUILDERS)


def get_model_builder(name: str) -> Callable[..., nn.Module]:
    """The builder registered as ``name``; a ``ValueError`` lists the valid names otherwise."""
    try:
        return _BUILDERS[name]
    except KeyError:
        raise ValueError(f"get_model: unknown model {name!r}; registered models are {list_models()}.") from None


def get_model(name: str, **config: Any) -> nn.Module:
    """Build the registered model ``name`` with keyword arguments ``config``."""
    return get_model_builder(name)(**config)


def _ovewrite_named_param(kwargs: dict[str, Any], param: str, new_value: Any) -> None:
    """Pin ``kwargs[param]`` to ``new_value``; refuse a conflicting caller value (torchvision's helper)."""
    if param in kwargs and kwargs[param] != new_value:
        raise ValueError(f"{param}={kwargs[param]!r} conflicts with this builder, which fixes it to {new_value!r}.")
    kwargs[param] = new_value


def _resolve_channels(
    owner: str,
    *,
    image_size: int,
    table: dict[int, list[int]],
    channels: Sequence[int] | None,
    width: float,
    min_channels: int = 0,
) -> list[int]:
    """Channel widths for ``image_size``: ``channels`` if given, else ``table[image_size]`` scaled by ``width``.

    The scaled widths are floored at ``min_channels`` (0: no floor; a narrow
    network keeps its finest stages at least that wide).  Validates
    ``image_size`` (one of :data:`IMAGE_SIZES`), ``width`` (> 0),
    ``min_channels`` (>= 0, not combined with ``channels``) and the length of
    an explicit ``channels`` list (one entry per resolution stage), raising a
    ``ValueError`` that names ``owner`` and the fix.

    Examples
    --------
    >>> table = {64: [512, 256, 128, 64]}
    >>> _resolve_channels("g", image_size=64, table=table, channels=None, width=0.25)
    [128, 64, 32, 16]
    >>> _resolve_channels("g", image_size=64, table=table, channels=None, width=0.25, min_channels=32)
    [128, 64, 32, 32]
    """
    if isinstance(image_size, bool) or image_size not in IMAGE_SIZES:
        raise ValueError(f"{owner}: image_size must be one of {IMAGE_SIZES}; got {image_size!r}.")
    if isinstance(min_channels, bool) or not isinstance(min_channels, int) or min_channels < 0:
        raise ValueError(f"{owner}: min_channels must be an integer >= 0 (0 = no floor); got {min_channels!r}.")
    if channels is not None:
        if min_channels:
            raise ValueError(
                f"{owner}: give either explicit channels or min_channels (a floor on the scaled default widths), "
                f"not both; got channels={list(channels)} and min_channels={min_channels}."
            )
        channels = [int(c) for c in channels]
        expected = len(table[image_size])
        if len(channels) != expected or min(channels) < 1:
            raise ValueError(
                f"{owner}: channels must list {expected} positive widths for image_size={image_size} "
                f"(one per resolution stage, e.g. {table[image_size]}); got {channels}."
            )
        return channels
    if not width > 0:
        raise ValueError(f"{owner}: width must be a positive multiplier of the default channels; got {width!r}.")
    return [max(1, min_channels, round(c * width)) for c in table[image_size]]


def init_weights(module: nn.Module) -> None:
    """DCGAN initialisation: conv/linear weights ~ N(0, 0.02), norm scales ~ N(1, 0.02), biases 0.

    Applied with ``model.apply(init_weights)``.  This is the scheme of Radford
    et al. (DCGAN, arXiv:1511.06434, section 4), whose generator layout the
    hybrid generator's convolutional half follows, and the one most published
    WGAN-GP mammography/medical-imaging code uses.  Because every hidden layer
    of the generator is followed by BatchNorm, its scale does not depend on the
    weight scale; in the un-normalised critic the small weights make the initial
    critic nearly constant (gradient norm well below 1), which the gradient
    penalty corrects within the first few dozen critic steps.  Sub-pixel
    upsampling blocks keep their ICNR initialisation (equal sub-pixel kernels).
    """
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif hasattr(module, "icnr_"):
        # A sub-pixel upsampling block (generator.PixelShuffleUpsample): ``apply`` visits its conv first, so its
        # ICNR structure is restored on the freshly drawn weights.
        module.icnr_()
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm)):
        if module.weight is not None:
            nn.init.normal_(module.weight, 1.0, 0.02)
            nn.init.zeros_(module.bias)
