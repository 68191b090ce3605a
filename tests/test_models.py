"""Tests for gan_lib.models: builders, shapes, the critic's normalisation rules, the registry."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_lib.models import (
    CONDITIONAL_MODELS,
    CRITIC_CHANNELS,
    GENERATOR_CHANNELS,
    IMAGE_SIZES,
    critic,
    dcgan_generator,
    get_model,
    hybrid_generator,
    list_models,
)

# The unconditional builders; the class-conditional ones (which take labels) are tested in test_conditional_gan.py.
GENERATORS = [name for name in list_models() if name.endswith("generator") and name not in CONDITIONAL_MODELS]
CRITICS = [name for name in list_models() if not name.endswith("generator") and name not in CONDITIONAL_MODELS]


def test_registry_lists_every_builder():
    assert set(list_models()) == {"hybrid_generator", "dcgan_generator", "critic",
                                  "conditional_hybrid_generator", "projection_critic"}


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("image_size", IMAGE_SIZES)
def test_generator_builder_output_shape_dtype_and_range(name, image_size):
    model = get_model(name, image_size=image_size, width=0.0625, mlp_hidden=(8,) if name == "hybrid_generator" else ())
    with torch.no_grad():
        out = model(torch.randn(3, 128) * 10)
    assert out.shape == (3, 1, image_size, image_size)
    assert out.dtype == torch.float32
    assert float(out.abs().max()) <= 1.0


@pytest.mark.parametrize("name", CRITICS)
@pytest.mark.parametrize("image_size", IMAGE_SIZES)
@pytest.mark.parametrize("norm_layer", [None, "layer", "instance"])
def test_critic_builder_output_shape_and_dtype(name, image_size, norm_layer):
    model = get_model(name, image_size=image_size, width=0.0625, norm_layer=norm_layer)
    out = model(torch.rand(2, 1, image_size, image_size) * 2 - 1)
    assert out.shape == (2, 1)
    assert out.dtype == torch.float32


@pytest.mark.parametrize("image_size", IMAGE_SIZES)
def test_channel_tables_have_one_entry_per_resolution_stage(image_size):
    stages = (image_size // 4).bit_length() - 1
    assert len(GENERATOR_CHANNELS[image_size]) == stages
    assert len(CRITIC_CHANNELS[image_size]) == stages


def test_hybrid_generator_has_mlp_with_batchnorm_and_leaky_relu():
    model = hybrid_generator(image_size=32, mlp_hidden=(64, 32), width=0.125)
    kinds = [type(m) for m in model.mlp]
    assert kinds == [nn.Linear, nn.BatchNorm1d, nn.LeakyReLU] * 3
    assert all(m.negative_slope == 0.2 for m in model.modules() if isinstance(m, nn.LeakyReLU))
    assert isinstance(model.cnn[-1], nn.Tanh)


def test_dcgan_generator_has_only_the_projection_layer():
    model = dcgan_generator(image_size=32, width=0.125)
    assert sum(isinstance(m, nn.Linear) for m in model.mlp) == 1


def test_dcgan_generator_rejects_conflicting_mlp_hidden():
    with pytest.raises(ValueError, match="mlp_hidden"):
        dcgan_generator(image_size=32, mlp_hidden=(16,))


def test_hybrid_generator_nearest_upsampling_uses_no_transposed_conv():
    model = hybrid_generator(image_size=32, width=0.125, upsample="nearest")
    assert not any(isinstance(m, nn.ConvTranspose2d) for m in model.modules())
    assert model(torch.randn(2, 128)).shape == (2, 1, 32, 32)


@pytest.mark.parametrize("norm_layer", [None, "layer", "instance"])
def test_critic_contains_no_batchnorm(norm_layer):
    model = critic(image_size=64, norm_layer=norm_layer, width=0.125)
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


@pytest.mark.parametrize("norm_layer", ["batch", nn.BatchNorm2d])
def test_critic_rejects_batchnorm(norm_layer):
    with pytest.raises(ValueError, match="mixes samples within a batch.*gradient penalty"):
        critic(image_size=64, norm_layer=norm_layer)


def test_critic_scores_each_sample_independently():
    model = critic(image_size=32, norm_layer="layer", width=0.125)
    x = torch.randn(4, 1, 32, 32)
    assert torch.allclose(model(x)[:1], model(x[:1]), atol=1e-5)


@pytest.mark.parametrize("builder", [hybrid_generator, critic])
def test_builders_reject_unsupported_image_size(builder):
    with pytest.raises(ValueError, match=r"image_size must be one of \(32, 64, 128, 256\); got 48"):
        builder(image_size=48)


def test_builder_rejects_channels_of_wrong_length():
    with pytest.raises(ValueError, match="channels must list 4 positive widths"):
        hybrid_generator(image_size=64, channels=[8, 8])


def test_width_scales_default_channels():
    model = critic(image_size=64, width=0.5)
    convs = [m.out_channels for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert convs == [c // 2 for c in CRITIC_CHANNELS[64]]


def test_generator_rejects_wrong_latent_shape():
    with pytest.raises(ValueError, match=r"z must have shape \(N, 128\)"):
        hybrid_generator(image_size=32, width=0.125)(torch.zeros(2, 64))


def test_init_is_dcgan_normal():
    model = critic(image_size=64)
    weights = torch.cat([m.weight.detach().flatten() for m in model.modules() if isinstance(m, nn.Conv2d)])
    assert abs(float(weights.std()) - 0.02) < 0.002
    assert abs(float(weights.mean())) < 0.001


def test_get_model_rejects_unknown_name():
    with pytest.raises(ValueError, match="unknown model 'resnet'"):
        get_model("resnet")


def test_pixelshuffle_upsampling_starts_as_nearest_neighbour_and_blurs_its_block_edges():
    from gan_lib.models.generator import PixelShuffleUpsample

    torch.manual_seed(0)
    layer = PixelShuffleUpsample(3, 2, bias=True, padding_mode="reflect")
    x = torch.randn(2, 3, 8, 8)
    shuffled = layer.shuffle(layer.conv(x))  # before the blur
    # ICNR: the four sub-pixels of every 2x2 block are equal, so there is no checkerboard at initialisation.
    for dy, dx in ((0, 1), (1, 0), (1, 1)):
        torch.testing.assert_close(shuffled[..., dy::2, dx::2], shuffled[..., 0::2, 0::2])
    out = layer(x)
    assert out.shape == (2, 2, 16, 16)
    # The [1, 2, 1] blur keeps the mean and smooths the block edges that nearest-neighbour copies leave.
    torch.testing.assert_close(out.mean(), shuffled.mean(), atol=0.05, rtol=0.0)
    assert out.diff(dim=-1).abs().max() < shuffled.diff(dim=-1).abs().max()
    # The generator re-applies ICNR after its DCGAN initialisation.
    g = hybrid_generator(image_size=32, width=0.125, mlp_hidden=(16,), upsample="pixelshuffle", padding_mode="reflect")
    first = next(m for m in g.modules() if isinstance(m, PixelShuffleUpsample))
    weight = first.conv.weight.view(-1, 4, *first.conv.weight.shape[1:])
    assert torch.equal(weight[:, 1], weight[:, 0])
    assert g.eval()(torch.randn(3, 128)).shape == (3, 1, 32, 32)
