"""The WGAN-GP critic (thesis section X-C): strided convolutions, LeakyReLU, no BatchNorm.

The critic scores an image with an unbounded real number (no sigmoid): the
difference of its mean scores on real and generated images estimates the
Wasserstein-1 distance when the critic is 1-Lipschitz, which the gradient
penalty enforces per sample (Gulrajani et al., 2017, arXiv:1704.00028).
BatchNorm would make each sample's score depend on the rest of the batch and
so invalidate that per-sample penalty; the critic therefore offers only
per-sample normalisation (layer or instance norm) or none.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn

from ._api import PADDING_MODES, _resolve_channels, init_weights, register_model
from .attention import SelfAttention, check_attention_size

__all__ = ["Critic", "CRITIC_CHANNELS", "CRITIC_HEADS", "NORM_LAYERS", "critic"]

#: Output widths of the stride-2 convolutions per input resolution; each halves
#: the side length, ending at 4x4 before the linear head (``log2(image_size / 4)`` entries).
CRITIC_CHANNELS: dict[int, list[int]] = {
    32: [128, 256, 512],  # 32 -> 16 -> 8 -> 4
    64: [64, 128, 256, 512],  # 64 -> 32 -> 16 -> 8 -> 4
    128: [32, 64, 128, 256, 512],
    256: [16, 32, 64, 128, 256, 512],
}

#: Accepted ``norm_layer`` names.  Both are per-sample, so they keep the gradient penalty valid.
NORM_LAYERS: tuple[str | None, ...] = (None, "layer", "instance")
#: Accepted ``head`` names: a linear layer on the flattened last map, or the mean of 1x1-conv patch scores.
CRITIC_HEADS: tuple[str, ...] = ("linear", "patch")


def _norm(name: str | None, channels: int) -> list[nn.Module]:
    """Per-sample normalisation of a ``(N, C, H, W)`` map; GroupNorm with 1 group is LayerNorm over (C, H, W)."""
    if name is None:
        return []
    groups = 1 if name == "layer" else channels  # "instance": one group per channel
    return [nn.GroupNorm(groups, channels, affine=True)]


def _check_norm_layer(norm_layer: Any) -> str | None:
    """Validate ``norm_layer``; BatchNorm in any spelling gets the explanation of why it is refused."""
    if norm_layer in ("none", None):
        return None
    is_batchnorm = (isinstance(norm_layer, type) and issubclass(norm_layer, nn.modules.batchnorm._BatchNorm)) or (
        isinstance(norm_layer, str) and norm_layer.lower() in ("batch", "batchnorm", "batchnorm2d", "batch_norm")
    )
    if is_batchnorm:
        shown = norm_layer.__name__ if isinstance(norm_layer, type) else norm_layer
        raise ValueError(
            f"critic: norm_layer={shown} mixes samples within a batch, which breaks the per-sample "
            "gradient penalty; use LayerNorm, InstanceNorm or None (norm_layer='layer', 'instance' or None)."
        )
    if norm_layer not in NORM_LAYERS:
        raise ValueError(f"critic: norm_layer must be one of {NORM_LAYERS}; got {norm_layer!r}.")
    return norm_layer


class Critic(nn.Module):
    """Image -> stride-2 conv stack -> linear head -> one unbounded score per image.

    Shapes: ``x (N, in_channels, image_size, image_size) -> (N, 1)``, float.
    Build it with :func:`critic` rather than directly.

    Parameters
    ----------
    image_size : int
        Input side length; ``channels`` must have ``log2(image_size / 4)`` entries.
    channels : sequence of int
        Output width of each ``Conv2d(4, stride=2, padding=1)``.
    norm_layer : {None, "layer", "instance"}
        Per-sample normalisation after every conv but the first (none on the
        first, which sees raw pixels, as in DCGAN and WGAN-GP).
    padding_mode : {"zeros", "reflect", "replicate"}
        Padding of the convolutions.  With ``"zeros"`` the first layer sees a
        dark border around every image and can score what lies next to it,
        which invites the generator to paint a frame there.
    negative_slope : float
        LeakyReLU slope (0.2 in the thesis).
    in_channels : int
        Channels of the input images (2 when a Laplacian channel is stacked onto
        each image, :mod:`gan_lib.training.critic_view`).
    head : {"linear", "patch"}
        ``"linear"``: one linear layer on the flattened ``C x 4 x 4`` map (the
        thesis), whose weights differ per position.  ``"patch"``: a fully
        convolutional critic (PatchGAN, Isola et al., CVPR 2017): a 1x1 conv
        scores each of the 4x4 positions (each sees a 46 px receptive field of a
        64 px image) and the score is their mean, the same function of every
        patch wherever it lies.
    attention_size : int
        Side length (px) of the conv output after which a
        :class:`~gan_lib.models.attention.SelfAttention` block lets every
        position read every other one (SAGAN, Zhang et al., ICML 2019, puts
        it in the discriminator too; no batch statistics, so the gradient
        penalty stays per sample); 0: none.  8 to ``image_size / 2``.
    """

    def __init__(
        self,
        *,
        image_size: int,
        channels: Sequence[int],
        norm_layer: str | None = None,
        padding_mode: str = "zeros",
        negative_slope: float = 0.2,
        in_channels: int = 1,
        head: str = "linear",
        attention_size: int = 0,
    ) -> None:
        super().__init__()
        norm_layer = _check_norm_layer(norm_layer)
        if head not in CRITIC_HEADS:
            raise ValueError(f"Critic: head must be one of {CRITIC_HEADS}; got {head!r}.")
        if isinstance(in_channels, bool) or not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError(f"Critic: in_channels must be a positive integer; got {in_channels!r}.")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"Critic: padding_mode must be one of {PADDING_MODES}; got {padding_mode!r}.")
        if 4 * 2 ** len(channels) != image_size:
            raise ValueError(
                f"Critic: {len(channels)} channel entries reduce {4 * 2 ** len(channels)} px to 4x4, "
                f"not image_size={image_size}."
            )
        check_attention_size("Critic", attention_size, image_size)
        self.image_size = image_size
        self.in_channels = in_channels
        layers: list[nn.Module] = []
        c_in = in_channels
        for i, c_out in enumerate(channels):
            layers.append(nn.Conv2d(c_in, c_out, 4, stride=2, padding=1, padding_mode=padding_mode))
            layers += _norm(norm_layer, c_out) if i > 0 else []
            layers.append(nn.LeakyReLU(negative_slope, inplace=True))
            if i < len(channels) - 1 and image_size >> (i + 1) == attention_size:
                layers.append(SelfAttention(c_out))
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.patch_head = head == "patch"
        self.head = nn.Conv2d(channels[-1], 1, 1) if self.patch_head else nn.Linear(channels[-1] * 4 * 4, 1)
        self.apply(init_weights)

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        """The last feature map ``(N, C, 4, 4)`` of images ``x (N, in_channels, image_size, image_size)``, checked."""
        expected = (self.in_channels, self.image_size, self.image_size)
        if x.ndim != 4 or x.shape[1:] != expected:
            raise ValueError(
                f"{type(self).__name__}: x must have shape (N, {', '.join(map(str, expected))}); got {tuple(x.shape)}."
            )
        return self.features(x)

    def score(self, h: torch.Tensor) -> torch.Tensor:
        """The head's score ``(N, 1)`` of a last feature map ``h (N, C, 4, 4)``."""
        if self.patch_head:
            return self.head(h).mean(dim=(2, 3))  # N x 1 x 4 x 4 patch scores -> N x 1
        return self.head(h.flatten(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.score(self.feature_map(x))  # N x 1


def _build(*, image_size: int, width: float, channels: Sequence[int] | None, **kwargs: Any) -> Critic:
    resolved = _resolve_channels("critic", image_size=image_size, table=CRITIC_CHANNELS, channels=channels, width=width)
    return Critic(image_size=image_size, channels=resolved, **kwargs)


@register_model()
def critic(
    *,
    image_size: int = 64,
    norm_layer: str | None = None,
    width: float = 1.0,
    channels: Sequence[int] | None = None,
    padding_mode: str = "zeros",
    negative_slope: float = 0.2,
    in_channels: int = 1,
    head: str = "linear",
    attention_size: int = 0,
) -> Critic:
    """The WGAN-GP critic at ``image_size`` in {32, 64, 128, 256}.

    Shapes: ``x (N, 1, image_size, image_size) -> (N, 1)``.

    Parameters
    ----------
    image_size : int
        Input side length in pixels, one of 32, 64, 128, 256.
    norm_layer : {None, "layer", "instance"}
        Per-sample normalisation; BatchNorm is refused (it breaks the gradient penalty).
    width : float
        Multiplier on the default widths :data:`CRITIC_CHANNELS`.
    channels : sequence of int, optional
        Explicit widths overriding ``width``; ``log2(image_size / 4)`` entries.
    padding_mode : {"zeros", "reflect", "replicate"}
        Padding of the convolutions.
    negative_slope : float
        LeakyReLU slope.
    in_channels : int
        Input channels (1, or 2 with a stacked Laplacian channel).
    head : {"linear", "patch"}
        Linear head on the last map, or the mean of 1x1-conv patch scores (fully convolutional).
    attention_size : int
        Side length (px) of the feature map followed by self-attention (0: none; :class:`Critic`).

    Examples
    --------
    >>> d = critic(image_size=32, width=0.125, norm_layer="layer")
    >>> d(torch.zeros(5, 1, 32, 32)).shape
    torch.Size([5, 1])
    """
    return _build(
        image_size=image_size,
        width=width,
        channels=channels,
        norm_layer=norm_layer,
        padding_mode=padding_mode,
        negative_slope=negative_slope,
        in_channels=in_channels,
        head=head,
        attention_size=attention_size,
    )
