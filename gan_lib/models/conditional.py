"""Class-conditional networks: the hybrid generator with a label input, and a projection critic.

One generator and one critic trained on every labelled patch at once share
what the classes have in common (the tissue) and differ where the label says
(the lesion), instead of two generators on half the data each.

* :class:`ConditionalHybridGenerator` — the hybrid MLP-CNN generator of
  :mod:`gan_lib.models.generator` with the label in both halves: a learnt
  embedding of the label is joined to ``z`` at the MLP's input, and every
  BatchNorm is a :class:`ConditionalBatchNorm` whose scale and shift are looked
  up per class (de Vries et al., NeurIPS 2017; Miyato & Koyama, ICLR 2018).
* :class:`ProjectionCritic` — the critic of :mod:`gan_lib.models.critic` plus
  the projection term of Miyato & Koyama (ICLR 2018, eq. 3):
  ``D(x, y) = head(h(x)) + <embed(y), sum_pool(h(x))>``.  Each sample's score
  depends only on that image and its label (no BatchNorm, no batch statistic),
  so the gradient penalty stays a per-sample penalty, taken on interpolates
  with the label of the real/generated pair they lie between.

Both carry ``num_classes``; the trainer and :func:`gan_lib.generate.generate`
pass labels to models that have it.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import torch
from torch import nn

from ._api import _resolve_channels, init_weights, register_model
from .critic import CRITIC_CHANNELS, Critic
from .generator import _UPSAMPLE_MODES, GENERATOR_CHANNELS, _stage_modes, _upsample

__all__ = [
    "CONDITIONAL_MODELS",
    "call_with_labels",
    "ConditionalBatchNorm",
    "ConditionalHybridGenerator",
    "ProjectionCritic",
    "conditional_hybrid_generator",
    "projection_critic",
]

#: Registered builders that take ``num_classes`` and whose forward takes ``(x, labels)``.
CONDITIONAL_MODELS: tuple[str, ...] = ("conditional_hybrid_generator", "projection_critic")


def call_with_labels(model: Callable[..., torch.Tensor], x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """``model(x)``, or ``model(x, labels)`` for a class-conditional network (``labels`` not None)."""
    return model(x) if labels is None else model(x, labels)


def _check_labels(owner: str, labels: torch.Tensor, batch: int) -> None:
    """Shape and dtype of a label batch (its range is checked once, where the labels enter: train/generate)."""
    if labels.shape != (batch,) or labels.dtype not in (torch.int32, torch.int64):
        raise ValueError(
            f"{owner}: labels must be an integer tensor of shape ({batch},); got {labels.dtype} {tuple(labels.shape)}."
        )


class ConditionalBatchNorm(nn.Module):
    """BatchNorm whose affine scale and shift are chosen by the class: ``gamma[y] * BN(x) + beta[y]``.

    Shapes: ``x (N, C)`` or ``(N, C, H, W)``, ``labels (N,)`` int in ``[0, num_classes)`` -> like ``x``.
    The normalisation statistics are shared by all classes (one batch, one
    mean and variance); only the affine part is per class.  Starts as plain
    BatchNorm: ``gamma = 1``, ``beta = 0`` for every class.
    """

    def __init__(self, num_features: int, num_classes: int, *, spatial: bool) -> None:
        super().__init__()
        self.norm = (nn.BatchNorm2d if spatial else nn.BatchNorm1d)(num_features, affine=False)
        self.gamma = nn.Embedding(num_classes, num_features)
        self.beta = nn.Embedding(num_classes, num_features)
        nn.init.ones_(self.gamma.weight)
        nn.init.zeros_(self.beta.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        shape = (x.shape[0], x.shape[1]) + (1,) * (x.ndim - 2)
        return self.gamma(labels).view(shape) * self.norm(x) + self.beta(labels).view(shape)


class ConditionalHybridGenerator(nn.Module):
    """``(z, label)`` -> MLP -> ``C x 4 x 4`` -> upsampling CNN -> one-channel image in [-1, 1].

    Shapes: ``z (N, latent_dim)``, ``labels (N,)`` int in ``[0, num_classes)``
    -> ``(N, 1, image_size, image_size)`` in [-1, 1].  Build it with
    :func:`conditional_hybrid_generator`.

    Parameters
    ----------
    num_classes : int
        Number of labels (>= 2).
    image_size, latent_dim, channels, mlp_hidden, upsample, padding_mode, negative_slope, bilinear_stages
        As for :class:`~gan_lib.models.generator.HybridGenerator`.
    label_dim : int
        Length of the label embedding joined to ``z``.
    """

    def __init__(
        self,
        *,
        num_classes: int,
        image_size: int,
        latent_dim: int,
        channels: Sequence[int],
        mlp_hidden: Sequence[int],
        label_dim: int = 32,
        upsample: str = "nearest",
        padding_mode: str = "reflect",
        negative_slope: float = 0.2,
        bilinear_stages: int = 0,
    ) -> None:
        super().__init__()
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"ConditionalHybridGenerator: num_classes must be an integer >= 2; got {num_classes!r}.")
        if 4 * 2 ** len(channels) != image_size:
            raise ValueError(
                f"ConditionalHybridGenerator: {len(channels)} channel entries give "
                f"{4 * 2 ** len(channels)} px, not image_size={image_size}."
            )
        if upsample not in _UPSAMPLE_MODES or (upsample == "convtranspose" and padding_mode != "zeros"):
            raise ValueError(
                f"ConditionalHybridGenerator: upsample must be one of {_UPSAMPLE_MODES} (with "
                f"padding_mode='zeros' for 'convtranspose'); got {upsample!r}, {padding_mode!r}."
            )
        if latent_dim < 1 or label_dim < 1 or any(int(h) < 1 for h in mlp_hidden):
            raise ValueError(
                "ConditionalHybridGenerator: latent_dim, label_dim and mlp_hidden widths must be "
                f"positive; got {latent_dim}, {label_dim}, {list(mlp_hidden)}."
            )
        modes = _stage_modes("ConditionalHybridGenerator", upsample, len(channels), bilinear_stages)
        self.num_classes = num_classes
        self.image_size = image_size
        self.latent_dim = latent_dim
        self.base_channels = channels[0]
        self.label_embedding = nn.Embedding(num_classes, label_dim)
        widths = [latent_dim + label_dim, *mlp_hidden, channels[0] * 4 * 4]
        self.mlp_linears = nn.ModuleList(nn.Linear(w_in, w_out, bias=False) for w_in, w_out in zip(widths, widths[1:]))
        self.mlp_norms = nn.ModuleList(ConditionalBatchNorm(w, num_classes, spatial=False) for w in widths[1:])
        self.up_blocks = nn.ModuleList(
            nn.Sequential(*_upsample(c_in, c_out, mode, bias=False, padding_mode=padding_mode))
            for c_in, c_out, mode in zip(channels[:-1], channels[1:], modes)
        )
        self.up_norms = nn.ModuleList(ConditionalBatchNorm(c, num_classes, spatial=True) for c in channels[1:])
        self.to_image = nn.Sequential(
            *_upsample(channels[-1], 1, modes[-1], bias=True, padding_mode=padding_mode), nn.Tanh()
        )
        self.activation = nn.LeakyReLU(negative_slope)
        self.apply(init_weights)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"ConditionalHybridGenerator: z must have shape (N, {self.latent_dim}); got {tuple(z.shape)}."
            )
        _check_labels("ConditionalHybridGenerator", labels, z.shape[0])
        x = torch.cat([z, self.label_embedding(labels).to(z.dtype)], dim=1)  # N x (latent + label_dim)
        for linear, norm in zip(self.mlp_linears, self.mlp_norms):
            x = self.activation(norm(linear(x), labels))
        x = x.view(-1, self.base_channels, 4, 4)  # N x C x 4 x 4
        for block, norm in zip(self.up_blocks, self.up_norms):
            x = self.activation(norm(block(x), labels))
        return self.to_image(x)  # N x 1 x image_size x image_size, in [-1, 1]


class ProjectionCritic(Critic):
    """``(image, label)`` -> one unbounded score: the critic's head plus a label projection.

    Shapes: ``x (N, in_channels, image_size, image_size)``, ``labels (N,)`` int -> ``(N, 1)``.
    ``score = head(flatten(h)) + <embed(labels), sum over pixels of h>``, with
    ``h`` the last ``C x 4 x 4`` feature map (Miyato & Koyama, ICLR 2018).
    Parameters as for :class:`~gan_lib.models.critic.Critic`, plus ``num_classes``.
    """

    def __init__(self, *, num_classes: int, image_size: int, channels: Sequence[int], **kwargs: Any) -> None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"ProjectionCritic: num_classes must be an integer >= 2; got {num_classes!r}.")
        super().__init__(image_size=image_size, channels=channels, **kwargs)
        self.num_classes = num_classes
        self.class_embedding = nn.Embedding(num_classes, channels[-1])
        nn.init.normal_(self.class_embedding.weight, 0.0, 0.02)  # as the head's weights: a near-constant start

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        h = self.feature_map(x)  # N x C x 4 x 4
        _check_labels("ProjectionCritic", labels, x.shape[0])
        projection = (self.class_embedding(labels).to(h.dtype) * h.sum(dim=(2, 3))).sum(dim=1, keepdim=True)
        return self.score(h) + projection  # N x 1


@register_model()
def conditional_hybrid_generator(
    *,
    num_classes: int = 2,
    image_size: int = 64,
    latent_dim: int = 128,
    width: float = 1.0,
    channels: Sequence[int] | None = None,
    mlp_hidden: Sequence[int] = (512,),
    label_dim: int = 32,
    upsample: str = "nearest",
    padding_mode: str = "reflect",
    negative_slope: float = 0.2,
    bilinear_stages: int = 0,
) -> ConditionalHybridGenerator:
    """The hybrid MLP-CNN generator conditioned on a class label (embedding at the input, conditional BatchNorm).

    Shapes: ``(z (N, latent_dim), labels (N,)) -> (N, 1, image_size, image_size)`` in [-1, 1].
    Parameters as for :func:`~gan_lib.models.generator.hybrid_generator`, plus
    ``num_classes`` and ``label_dim`` (length of the label embedding).

    Examples
    --------
    >>> g = conditional_hybrid_generator(image_size=32, width=0.125, mlp_hidden=(16,)).eval()
    >>> g(torch.zeros(3, 128), torch.tensor([0, 1, 1])).shape
    torch.Size([3, 1, 32, 32])
    """
    resolved = _resolve_channels(
        "conditional_hybrid_generator", image_size=image_size, table=GENERATOR_CHANNELS, channels=channels, width=width
    )
    return ConditionalHybridGenerator(
        num_classes=num_classes,
        image_size=image_size,
        latent_dim=latent_dim,
        channels=resolved,
        mlp_hidden=tuple(mlp_hidden),
        label_dim=label_dim,
        upsample=upsample,
        padding_mode=padding_mode,
        negative_slope=negative_slope,
        bilinear_stages=bilinear_stages,
    )


@register_model()
def projection_critic(
    *,
    num_classes: int = 2,
    image_size: int = 64,
    norm_layer: str | None = None,
    width: float = 1.0,
    channels: Sequence[int] | None = None,
    padding_mode: str = "zeros",
    negative_slope: float = 0.2,
    in_channels: int = 1,
) -> ProjectionCritic:
    """The WGAN-GP critic with a projection of the class label (Miyato & Koyama, ICLR 2018); no BatchNorm.

    Shapes: ``(x (N, in_channels, image_size, image_size), labels (N,)) -> (N, 1)``.
    Parameters as for :func:`~gan_lib.models.critic.critic`, plus ``num_classes``.

    Examples
    --------
    >>> d = projection_critic(image_size=32, width=0.125)
    >>> d(torch.zeros(5, 1, 32, 32), torch.tensor([0, 1, 0, 1, 1])).shape
    torch.Size([5, 1])
    """
    resolved = _resolve_channels(
        "projection_critic", image_size=image_size, table=CRITIC_CHANNELS, channels=channels, width=width
    )
    return ProjectionCritic(
        num_classes=num_classes,
        image_size=image_size,
        channels=resolved,
        norm_layer=norm_layer,
        padding_mode=padding_mode,
        negative_slope=negative_slope,
        in_channels=in_channels,
    )
