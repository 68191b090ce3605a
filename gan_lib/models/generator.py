"""The hybrid MLP-CNN generator of the thesis (section X-B).

A latent vector is first transformed by a small multilayer perceptron
(Linear + BatchNorm1d + LeakyReLU), reshaped into a ``C x 4 x 4`` feature map
and then doubled in resolution by a stack of convolutional upsampling blocks
(ConvTranspose2d, nearest/bilinear upsampling + 3x3 conv, or sub-pixel
convolution with a blur; BatchNorm2d, LeakyReLU 0.2) until the requested size, where a last block emits one channel
through ``tanh``.  The thesis uses ``ConvTranspose2d(4, 2, 1)`` with zero
padding; the project's recipe (``gan_lib.training.recipes``) upsamples by
interpolation, which cannot make the transposed convolution's checkerboard
(Odena et al., Distill 2016), and pads its 3x3 convolutions by reflection, so
no layer sees a zero border it could paint into a frame.  The MLP half lets the model mix all latent dimensions
globally before the convolutional half adds local, translation-equivariant
texture — the "hybrid" of the title.  With ``mlp_hidden=()`` the MLP reduces to
the single projection layer of DCGAN (registered as ``dcgan_generator``, the
ablation baseline).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import torch
from torch import nn

from ._api import PADDING_MODES, _ovewrite_named_param, _resolve_channels, init_weights, register_model
from .attention import SelfAttention, check_attention_size

__all__ = [
    "HybridGenerator",
    "GENERATOR_CHANNELS",
    "Blur",
    "NoiseInjection",
    "binomial_blur",
    "hybrid_generator",
    "dcgan_generator",
]

#: Feature-map widths per output resolution: the first entry is the ``C`` of the
#: ``C x 4 x 4`` map that the MLP produces, each further entry the output width of
#: one upsampling block; the last block then maps to 1 channel.  So a list of
#: length ``log2(image_size / 4)`` (as torchvision's ``vgg.cfgs`` store depth as data).
GENERATOR_CHANNELS: dict[int, list[int]] = {
    32: [256, 128, 64],  # 4 -> 8 -> 16 -> 32
    64: [512, 256, 128, 64],  # 4 -> 8 -> 16 -> 32 -> 64
    128: [512, 256, 128, 64, 32],  # ... -> 128
    256: [512, 256, 128, 64, 32, 16],  # ... -> 256
}

_UPSAMPLE_MODES = ("convtranspose", "nearest", "bilinear", "pixelshuffle")


def binomial_blur(x: torch.Tensor) -> torch.Tensor:
    """Per-channel ``[1, 2, 1] x [1, 2, 1] / 16`` blur with replicate padding: ``(N, C, H, W) -> (N, C, H, W)``.

    The low-pass of StyleGAN2's resampling (Karras et al., CVPR 2020, after
    Zhang, ICML 2019).  After a nearest-neighbour x2 upsampling it gives exactly
    bilinear interpolation (``align_corners=False``): both are zero insertion
    followed by ``[1, 3, 3, 1] / 4`` per axis.

    >>> binomial_blur(torch.ones(1, 2, 4, 4)).allclose(torch.ones(1, 2, 4, 4))
    True
    """
    taps = torch.tensor([1.0, 2.0, 1.0], device=x.device, dtype=x.dtype)
    kernel = (torch.outer(taps, taps) / 16.0).expand(x.shape[1], 1, 3, 3)
    return nn.functional.conv2d(nn.functional.pad(x, (1, 1, 1, 1), mode="replicate"), kernel, groups=x.shape[1])


class Blur(nn.Module):
    """:func:`binomial_blur` as a layer (no parameters)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return binomial_blur(x)


class NoiseInjection(nn.Module):
    """Add one per-pixel noise image, scaled per channel: ``x + weight[c] * noise`` (StyleGAN; FastGAN).

    Karras et al. (CVPR 2019, section 3.2) add a single-channel Gaussian noise
    image to every feature map with learned per-channel scales; FastGAN (Liu et
    al., ICLR 2021) does the same with one scalar.  The scales start at zero, so
    a fresh generator computes exactly what it computes without the layer.

    Shapes: ``x (N, C, H, W)``, ``noise (N, 1, H, W)`` -> ``(N, C, H, W)``.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        return x + self.weight.to(x.dtype).view(1, -1, 1, 1) * noise.to(x.dtype)


class PixelShuffleUpsample(nn.Module):
    """3x3 conv to ``4 * out`` channels, PixelShuffle x2, then a fixed [1, 2, 1] blur:
    ``(N, in, H, W) -> (N, out, 2H, 2W)``.

    Sub-pixel convolution (Shi et al., CVPR 2016) initialised by ICNR (Aitken
    et al., arXiv:1707.02937: the four sub-pixel kernels start equal, so the
    layer starts as nearest-neighbour upsampling and has no checkerboard), and
    the binomial blur of StyleGAN2's upsampling (Karras et al. 2020), which
    removes the 2-px block edges nearest-neighbour copies leave.
    :func:`~gan_lib.models._api.init_weights` calls :meth:`icnr_` after
    re-drawing the conv.
    """

    def __init__(self, in_channels: int, out_channels: int, *, bias: bool, padding_mode: str) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 4 * out_channels, 3, padding=1, bias=bias, padding_mode=padding_mode)
        self.shuffle = nn.PixelShuffle(2)
        self.icnr_()

    @torch.no_grad()
    def icnr_(self) -> None:
        """Make the four sub-pixel kernels of each output channel equal (their first one, repeated)."""
        weight = self.conv.weight.view(-1, 4, *self.conv.weight.shape[1:])  # out x 4 x in x 3 x 3
        weight.copy_(weight[:, :1].expand_as(weight))
        if self.conv.bias is not None:
            bias = self.conv.bias.view(-1, 4)
            bias.copy_(bias[:, :1].expand_as(bias))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return binomial_blur(self.shuffle(self.conv(x)))  # N x out x 2H x 2W


def _stage_modes(owner: str, upsample: str, n_stages: int, bilinear_stages: int) -> list[str]:
    """Upsampling mode of each of ``n_stages`` blocks, coarsest first: the last ``bilinear_stages`` bilinear.

    Nearest-neighbour copies paint the block grid of every stage into the
    image (:func:`~gan_lib.metrics.block_edge_ratio`); interpolating the finest
    stages bilinearly removes the 2-8 px grid a reader sees first, while the
    coarse stages keep nearest's faster start.

    >>> _stage_modes("g", "nearest", 4, 2)
    ['nearest', 'nearest', 'bilinear', 'bilinear']
    """
    if (
        isinstance(bilinear_stages, bool)
        or not isinstance(bilinear_stages, int)
        or not 0 <= bilinear_stages <= n_stages
    ):
        raise ValueError(
            f"{owner}: bilinear_stages must be an integer from 0 to the {n_stages} upsampling stages; "
            f"got {bilinear_stages!r}."
        )
    if bilinear_stages and upsample != "nearest":
        raise ValueError(
            f"{owner}: bilinear_stages replaces nearest-neighbour stages, so it needs "
            f"upsample='nearest'; got upsample={upsample!r} with bilinear_stages={bilinear_stages}."
        )
    return [upsample] * (n_stages - bilinear_stages) + ["bilinear"] * bilinear_stages


def _finest_stages(owner: str, name: str, value: Any, upsample: str, n_stages: int, allowed: tuple[str, ...]) -> int:
    """Check a "finest ``value`` of ``n_stages`` stages" option that works with the upsampling modes ``allowed``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= n_stages:
        raise ValueError(
            f"{owner}: {name} must be an integer from 0 to the {n_stages} upsampling stages; got {value!r}."
        )
    if value and upsample not in allowed:
        raise ValueError(f"{owner}: {name} needs upsample in {allowed}; got upsample={upsample!r} with {name}={value}.")
    return value


def _upsample(
    in_channels: int,
    out_channels: int,
    mode: str,
    *,
    bias: bool,
    padding_mode: str,
    blur: bool = False,
    noise: bool = False,
) -> list[nn.Module]:
    """Layers doubling the spatial size: ``(N, in, H, W) -> (N, out, 2H, 2W)``.

    ``blur`` follows the interpolation (or the transposed convolution) by
    :class:`Blur`; ``noise`` adds a :class:`NoiseInjection` on the
    interpolated ``in``-channel map, before the 3x3 conv shapes it.
    """
    if mode == "convtranspose":
        return [
            nn.ConvTranspose2d(in_channels, out_channels, 4, stride=2, padding=1, bias=bias),
            *([Blur()] if blur else []),
        ]
    if mode == "pixelshuffle":
        return [PixelShuffleUpsample(in_channels, out_channels, bias=bias, padding_mode=padding_mode)]
    # Interpolation + conv avoids the checkerboard artefacts of strided transposed
    # convolutions (Odena et al., Distill 2016).
    interpolate = nn.Upsample(scale_factor=2, mode=mode, **({"align_corners": False} if mode == "bilinear" else {}))
    return [
        interpolate,
        *([Blur()] if blur else []),
        *([NoiseInjection(in_channels)] if noise else []),
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=bias, padding_mode=padding_mode),
    ]


class HybridGenerator(nn.Module):
    """Latent vector -> MLP -> ``C x 4 x 4`` -> upsampling CNN -> one-channel image in [-1, 1].

    Shapes: ``z (N, latent_dim) -> (N, 1, image_size, image_size)``, float, in [-1, 1].
    Build it with :func:`hybrid_generator` rather than directly.

    Parameters
    ----------
    image_size : int
        Output side length; ``channels`` must have ``log2(image_size / 4)`` entries.
    latent_dim : int
        Length of the latent vector ``z``.
    channels : sequence of int
        Width of the 4x4 map and of each upsampling block's output except the last.
    mlp_hidden : sequence of int
        Widths of the MLP's hidden layers (its depth is ``len(mlp_hidden) + 1``
        linear layers; ``()`` leaves only the projection to ``C x 4 x 4``).
    upsample : {"convtranspose", "nearest", "bilinear", "pixelshuffle"}
        ``ConvTranspose2d(4, 2, 1)``; nearest-neighbour/bilinear x2 followed by a 3x3 conv; or a
        3x3 conv, PixelShuffle x2 and a blur (:class:`PixelShuffleUpsample`).
    padding_mode : {"zeros", "reflect", "replicate"}
        Padding of those 3x3 convs (``"convtranspose"`` needs ``"zeros"``).
    negative_slope : float
        Slope of the LeakyReLU activations (0.2 in the thesis).
    bilinear_stages : int
        With ``upsample="nearest"``: how many of the finest upsampling blocks
        (the last one included) interpolate bilinearly instead (0: none).
    blur_stages : int
        How many of the finest blocks blur (:func:`binomial_blur`) right after
        upsampling (``"convtranspose"``, ``"nearest"``, ``"bilinear"``): after a
        transposed conv it is StyleGAN2's anti-aliased upsampling; after nearest it
        equals bilinear; after bilinear it makes the interpolation filter the
        order-5 binomial ``[1, 5, 10, 10, 5, 1] / 16`` per axis, which suppresses
        the spectral replica (ripple) of the coarser grid further.
    noise_stages : int
        How many of the finest blocks (``"nearest"``/``"bilinear"`` only) add a
        per-pixel noise image after their interpolation (:class:`NoiseInjection`,
        zero-initialised scales): the grain that needs no latent dimension.
        :meth:`draw_noise` draws the images; ``forward`` draws them from torch's
        global generator when none are given.
    refine_stages : int
        How many of the finest blocks apply a second 3x3 conv (+ BatchNorm +
        LeakyReLU) at their output resolution, as ProGAN's and StyleGAN's
        blocks have two convolutions per resolution (Karras et al., ICLR 2018;
        CVPR 2019).  In the last block it comes before the output conv, at the
        block's input width.  Without it the last block is linear up to the
        ``tanh`` (interpolation, conv), so every output pixel is a fixed
        filter of the interpolated coarser map: nothing at the output
        resolution can decide where a 1-2 px structure starts or bends.
    attention_size : int
        Side length (px) of the block output after which a
        :class:`~gan_lib.models.attention.SelfAttention` block (SAGAN, Zhang et
        al., ICML 2019) lets every position read every other one; 0: none.
        One of the maps before the last block (8 to ``image_size / 2``).
    """

    def __init__(
        self,
        *,
        image_size: int,
        latent_dim: int,
        channels: Sequence[int],
        mlp_hidden: Sequence[int],
        upsample: str = "convtranspose",
        padding_mode: str = "zeros",
        negative_slope: float = 0.2,
        bilinear_stages: int = 0,
        blur_stages: int = 0,
        noise_stages: int = 0,
        refine_stages: int = 0,
        attention_size: int = 0,
    ) -> None:
        super().__init__()
        if 4 * 2 ** len(channels) != image_size:
            raise ValueError(
                f"HybridGenerator: {len(channels)} channel entries give {4 * 2 ** len(channels)} px, "
                f"not image_size={image_size}; pass log2(image_size/4)={int(math.log2(image_size / 4))} entries."
            )
        if upsample not in _UPSAMPLE_MODES:
            raise ValueError(f"HybridGenerator: upsample must be one of {_UPSAMPLE_MODES}; got {upsample!r}.")
        if padding_mode not in PADDING_MODES or (upsample == "convtranspose" and padding_mode != "zeros"):
            raise ValueError(
                f"HybridGenerator: padding_mode must be one of {PADDING_MODES}, and 'zeros' with "
                "upsample='convtranspose' (ConvTranspose2d pads only with zeros); "
                f"got {padding_mode!r} with {upsample!r}."
            )
        if latent_dim < 1 or any(int(h) < 1 for h in mlp_hidden):
            raise ValueError(
                "HybridGenerator: latent_dim and mlp_hidden widths must be positive; "
                f"got {latent_dim}, {list(mlp_hidden)}."
            )
        modes = _stage_modes("HybridGenerator", upsample, len(channels), bilinear_stages)
        n = len(channels)
        blurs = _finest_stages(
            "HybridGenerator", "blur_stages", blur_stages, upsample, n, ("convtranspose", "nearest", "bilinear")
        )
        noises = _finest_stages("HybridGenerator", "noise_stages", noise_stages, upsample, n, ("nearest", "bilinear"))
        refines = _finest_stages("HybridGenerator", "refine_stages", refine_stages, upsample, n, _UPSAMPLE_MODES)
        blur = [i >= n - blurs for i in range(n)]
        noise = [i >= n - noises for i in range(n)]
        refine = [i >= n - refines for i in range(n)]
        check_attention_size("HybridGenerator", attention_size, image_size)
        self.image_size = image_size
        self.latent_dim = latent_dim
        self.base_channels = channels[0]

        mlp: list[nn.Module] = []
        widths = [latent_dim, *mlp_hidden, channels[0] * 4 * 4]
        for w_in, w_out in zip(widths[:-1], widths[1:]):
            mlp += [
                nn.Linear(w_in, w_out, bias=False),
                nn.BatchNorm1d(w_out),
                nn.LeakyReLU(negative_slope, inplace=True),
            ]
        self.mlp = nn.Sequential(*mlp)

        blocks: list[nn.Module] = []
        for i, (c_in, c_out) in enumerate(zip(channels, [*channels[1:], 1])):
            last = i == n - 1
            width = c_in if last and refine[i] else c_out  # the upsampling conv's output width
            # Conv biases are dropped where a BatchNorm follows, which cancels them.
            blocks += _upsample(
                c_in,
                width,
                modes[i],
                bias=last and not refine[i],
                padding_mode=padding_mode,
                blur=blur[i],
                noise=noise[i],
            )
            if refine[i]:
                blocks += [
                    nn.BatchNorm2d(width),
                    nn.LeakyReLU(negative_slope, inplace=True),
                    nn.Conv2d(width, c_out, 3, padding=1, bias=last, padding_mode=padding_mode),
                ]
            blocks += [nn.Tanh()] if last else [nn.BatchNorm2d(c_out), nn.LeakyReLU(negative_slope, inplace=True)]
            if not last and 8 << i == attention_size:
                blocks.append(SelfAttention(c_out))
        self.cnn = nn.Sequential(*blocks)
        #: Side lengths (px) of the noise images, coarsest first (one per noise stage).
        self.noise_sizes: tuple[int, ...] = tuple(image_size >> (n - 1 - i) for i in range(n) if noise[i])
        self.apply(init_weights)

    def draw_noise(
        self, n: int, *, generator: torch.Generator | None = None, device: torch.device | str | None = None
    ) -> list[torch.Tensor]:
        """Standard-normal noise images ``(n, 1, s, s)`` for each size in :attr:`noise_sizes`, drawn in that order.

        Drawing them from the generator the latent vectors came from, right
        after them, makes a seed reproduce whole images (:func:`gan_lib.generate.generate`).
        """
        return [torch.randn(n, 1, s, s, generator=generator, device=device) for s in self.noise_sizes]

    def forward(self, z: torch.Tensor, noise: Sequence[torch.Tensor] | None = None) -> torch.Tensor:
        """``z (N, latent_dim)`` and, with noise stages, ``noise`` as from :meth:`draw_noise` -> ``(N, 1, H, W)``."""
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"HybridGenerator: z must have shape (N, {self.latent_dim}); got {tuple(z.shape)}.")
        if noise is None:
            noise = self.draw_noise(z.shape[0], device=z.device)
        elif [tuple(t.shape) for t in noise] != [(z.shape[0], 1, s, s) for s in self.noise_sizes]:
            raise ValueError(
                f"HybridGenerator: noise must be {len(self.noise_sizes)} tensors of shapes "
                f"(N, 1, s, s) for s in {self.noise_sizes}; got {[tuple(t.shape) for t in noise]}."
            )
        x = self.mlp(z)  # N x (C*16)
        x = x.view(-1, self.base_channels, 4, 4)  # N x C x 4 x 4
        images = iter(noise)
        for layer in self.cnn:
            x = layer(x, next(images)) if isinstance(layer, NoiseInjection) else layer(x)
        return x  # N x 1 x image_size x image_size, in [-1, 1]


def _build(
    *,
    image_size: int,
    latent_dim: int,
    width: float,
    channels: Sequence[int] | None,
    min_channels: int,
    mlp_hidden: Sequence[int],
    **kwargs: Any,
) -> HybridGenerator:
    resolved = _resolve_channels(
        "hybrid_generator",
        image_size=image_size,
        table=GENERATOR_CHANNELS,
        channels=channels,
        width=width,
        min_channels=min_channels,
    )
    return HybridGenerator(
        image_size=image_size, latent_dim=latent_dim, channels=resolved, mlp_hidden=tuple(mlp_hidden), **kwargs
    )


@register_model()
def hybrid_generator(
    *,
    image_size: int = 64,
    latent_dim: int = 128,
    width: float = 1.0,
    channels: Sequence[int] | None = None,
    min_channels: int = 0,
    mlp_hidden: Sequence[int] = (512,),
    upsample: str = "convtranspose",
    padding_mode: str = "zeros",
    negative_slope: float = 0.2,
    bilinear_stages: int = 0,
    blur_stages: int = 0,
    noise_stages: int = 0,
    refine_stages: int = 0,
    attention_size: int = 0,
) -> HybridGenerator:
    """The thesis's hybrid MLP-CNN generator at ``image_size`` in {32, 64, 128, 256}.

    Shapes: ``z (N, latent_dim) -> (N, 1, image_size, image_size)`` in [-1, 1].

    Parameters
    ----------
    image_size : int
        Output side length in pixels, one of 32, 64, 128, 256.
    latent_dim : int
        Length of the latent vector (128 in the thesis).
    width : float
        Multiplier on the default widths :data:`GENERATOR_CHANNELS` (0.25 gives
        a network about 16x cheaper; the quick profile uses it).
    channels : sequence of int, optional
        Explicit widths, overriding ``width``; ``log2(image_size / 4)`` entries.
    min_channels : int
        A floor on the widths ``width`` scales (0: none); not with ``channels``.
    mlp_hidden : sequence of int
        Hidden widths of the MLP (thesis: configurable depth/width).
    upsample : {"convtranspose", "nearest", "bilinear", "pixelshuffle"}
        Upsampling block type.
    padding_mode : {"zeros", "reflect", "replicate"}
        Padding of the 3x3 convs of interpolating blocks.
    negative_slope : float
        LeakyReLU slope.
    bilinear_stages : int
        With ``upsample="nearest"``, the number of finest stages that interpolate bilinearly.
    blur_stages : int
        The number of finest stages that blur after upsampling (:class:`HybridGenerator`).
    noise_stages : int
        The number of finest stages that add per-pixel noise (:class:`NoiseInjection`).
    refine_stages : int
        The number of finest stages with a second 3x3 conv at their output resolution (:class:`HybridGenerator`).
    attention_size : int
        Side length (px) of the feature map followed by self-attention (0: none; :class:`HybridGenerator`).

    Examples
    --------
    >>> g = hybrid_generator(image_size=32, width=0.125, mlp_hidden=(16,)).eval()
    >>> g(torch.zeros(3, 128)).shape
    torch.Size([3, 1, 32, 32])
    """
    return _build(
        image_size=image_size,
        latent_dim=latent_dim,
        width=width,
        channels=channels,
        min_channels=min_channels,
        mlp_hidden=mlp_hidden,
        upsample=upsample,
        padding_mode=padding_mode,
        negative_slope=negative_slope,
        bilinear_stages=bilinear_stages,
        blur_stages=blur_stages,
        noise_stages=noise_stages,
        refine_stages=refine_stages,
        attention_size=attention_size,
    )


@register_model()
def dcgan_generator(**kwargs: Any) -> HybridGenerator:
    """Ablation baseline: :func:`hybrid_generator` without hidden MLP layers (``mlp_hidden=()``).

    The latent vector is only projected to ``C x 4 x 4`` (one Linear + BatchNorm),
    as in DCGAN (Radford et al., 2016), so comparing it with
    :func:`hybrid_generator` isolates the contribution of the MLP half.
    """
    _ovewrite_named_param(kwargs, "mlp_hidden", ())
    return hybrid_generator(**kwargs)
