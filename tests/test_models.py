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
    SelfAttention,
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
    assert set(list_models()) == {
        "hybrid_generator",
        "dcgan_generator",
        "critic",
        "conditional_hybrid_generator",
        "projection_critic",
    }


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


# --- issue 26 options: blur after upsampling, noise inputs, a 2-channel and a patch-score critic ----------------


def test_binomial_blur_after_nearest_upsampling_equals_bilinear_interpolation():
    from gan_lib.models.generator import binomial_blur

    x = torch.randn(2, 3, 8, 8)
    nearest = nn.functional.interpolate(x, scale_factor=2, mode="nearest")
    bilinear = nn.functional.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    torch.testing.assert_close(binomial_blur(nearest), bilinear)


@pytest.mark.parametrize("upsample", ["convtranspose", "nearest"])
def test_generator_blur_stages_blur_the_finest_stages_only(upsample):
    from gan_lib.models.generator import Blur

    padding = "zeros" if upsample == "convtranspose" else "reflect"
    g = hybrid_generator(
        image_size=32, width=0.125, mlp_hidden=(16,), upsample=upsample, padding_mode=padding, blur_stages=2
    ).eval()
    layers = list(g.cnn)
    blurs = [i for i, layer in enumerate(layers) if isinstance(layer, Blur)]
    first_upsample = next(i for i, layer in enumerate(layers) if isinstance(layer, (nn.Upsample, nn.ConvTranspose2d)))
    assert len(blurs) == 2 and blurs[0] > first_upsample + 1
    assert g(torch.randn(3, 128)).shape == (3, 1, 32, 32)


def test_generator_refuses_blur_stages_with_pixelshuffle_and_noise_with_convtranspose():
    with pytest.raises(ValueError, match="blur_stages needs upsample in"):
        hybrid_generator(image_size=32, upsample="pixelshuffle", blur_stages=1)
    with pytest.raises(ValueError, match="noise_stages needs upsample in"):
        hybrid_generator(image_size=32, upsample="convtranspose", noise_stages=1)
    with pytest.raises(ValueError, match="noise_stages must be an integer from 0 to the 3"):
        hybrid_generator(image_size=32, upsample="nearest", noise_stages=4)


def test_generator_noise_inputs_start_at_zero_scale_and_then_follow_the_noise():
    from gan_lib.models.generator import NoiseInjection

    torch.manual_seed(0)
    g = hybrid_generator(
        image_size=32,
        width=0.125,
        mlp_hidden=(16,),
        upsample="nearest",
        padding_mode="reflect",
        bilinear_stages=1,
        noise_stages=2,
    ).eval()
    assert g.noise_sizes == (16, 32)
    z = torch.randn(3, 128)
    first, second = g.draw_noise(3), g.draw_noise(3)
    assert [tuple(t.shape) for t in first] == [(3, 1, 16, 16), (3, 1, 32, 32)]
    with torch.no_grad():
        torch.testing.assert_close(g(z, first), g(z, second))  # zero-initialised scales: noise has no effect yet
        for layer in g.modules():
            if isinstance(layer, NoiseInjection):
                layer.weight.fill_(1.0)
        assert not torch.allclose(g(z, first), g(z, second))
        torch.testing.assert_close(g(z, first), g(z, [t.clone() for t in first]))
        assert g(z).shape == (3, 1, 32, 32)  # noise drawn inside when none is given
    with pytest.raises(ValueError, match="noise must be 2 tensors"):
        g(z, first[:1])


@pytest.mark.parametrize("upsample", ["convtranspose", "nearest"])
def test_generator_refine_stages_add_a_nonlinear_conv_at_the_finest_resolutions(upsample):
    padding = "zeros" if upsample == "convtranspose" else "reflect"
    kwargs = dict(image_size=32, width=0.125, mlp_hidden=(16,), upsample=upsample, padding_mode=padding)
    plain, refined = hybrid_generator(**kwargs), hybrid_generator(**kwargs, refine_stages=2)
    z = torch.randn(3, 128)

    def conv_shapes(g):  # (in, out, side of its output map) of every (transposed) conv, coarsest first
        shapes, hook = [], lambda m, x, y: shapes.append((m.in_channels, m.out_channels, y.shape[-1]))
        convs = [m for m in g.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
        handles = [m.register_forward_hook(hook) for m in convs]
        assert g.eval()(z).shape == (3, 1, 32, 32)
        for handle in handles:
            handle.remove()
        return shapes

    before, after = conv_shapes(plain), conv_shapes(refined)
    assert len(after) == len(before) + 2 and after[: len(before) - 2] == before[:-2]
    # the 16 px stage: its conv, then one more at 16 px; the last stage keeps its input width up to the output conv
    c16, c32 = before[-2][1], before[-1][0]
    assert after[-4][1:] == (c16, 16) and after[-3] == (c16, c16, 16)
    assert after[-2][1:] == (c32, 32) and after[-1] == (c32, 1, 32)
    last_block = list(refined.cnn)[-5:]  # conv, BatchNorm, LeakyReLU, output conv, tanh
    assert isinstance(last_block[2], nn.LeakyReLU) and isinstance(last_block[4], nn.Tanh)
    with pytest.raises(ValueError, match="refine_stages must be an integer from 0 to the 3"):
        hybrid_generator(**kwargs, refine_stages=4)


def test_generator_noise_drawn_from_a_seeded_generator_is_reproducible():
    g = hybrid_generator(image_size=32, width=0.125, upsample="nearest", noise_stages=1)
    a = g.draw_noise(2, generator=torch.Generator().manual_seed(5))
    b = g.draw_noise(2, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a[0], b[0])


def test_critic_takes_stacked_channels_and_names_the_expected_shape():
    d = critic(image_size=32, width=0.125, in_channels=2)
    assert d(torch.zeros(4, 2, 32, 32)).shape == (4, 1)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2, 32, 32\)"):
        d(torch.zeros(4, 1, 32, 32))
    with pytest.raises(ValueError, match="in_channels must be a positive integer"):
        critic(image_size=32, in_channels=0)


def test_patch_critic_scores_the_mean_of_its_patch_scores():
    torch.manual_seed(0)
    d = critic(image_size=32, width=0.125, head="patch")
    assert isinstance(d.head, nn.Conv2d) and d.head.kernel_size == (1, 1)
    x = torch.randn(3, 1, 32, 32)
    with torch.no_grad():
        patches = d.head(d.feature_map(x))  # N x 1 x 4 x 4
        assert patches.shape == (3, 1, 4, 4)
        torch.testing.assert_close(d(x), patches.mean(dim=(2, 3)))
    with pytest.raises(ValueError, match="head must be one of"):
        critic(image_size=32, head="global")


def test_self_attention_starts_as_the_identity_and_mixes_distant_positions_once_its_gate_opens():
    block = SelfAttention(16)
    x = torch.randn(2, 16, 8, 8)
    assert torch.equal(block(x), x)  # gamma = 0
    with torch.no_grad():
        block.gamma.fill_(1.0)
    changed = x.clone()
    changed[:, :, 7, 7] += 5.0  # one far corner
    with torch.no_grad():
        delta = (block(changed) - block(x)).abs()
    assert float(delta[:, :, 0, 0].max()) > 1e-4  # the opposite corner reads it in one layer
    conv = nn.Conv2d(16, 16, 3, padding=1)
    with torch.no_grad():
        assert float((conv(changed) - conv(x))[:, :, 0, 0].abs().max()) == 0.0  # a 3x3 conv does not
    with pytest.raises(ValueError, match="channels must be a positive integer"):
        SelfAttention(0)


def test_attention_size_places_one_block_after_that_map_in_generator_and_critic():
    g = hybrid_generator(image_size=64, width=0.125, mlp_hidden=(16,), upsample="nearest", attention_size=16)
    sides = []
    hooks = [
        m.register_forward_hook(lambda m, x, y: sides.append(y.shape[-1]))
        for m in g.modules()
        if isinstance(m, SelfAttention)
    ]
    assert g.eval()(torch.randn(3, 128)).shape == (3, 1, 64, 64) and sides == [16]
    d = critic(image_size=64, width=0.125, attention_size=16)
    sides.clear()
    hooks += [
        m.register_forward_hook(lambda m, x, y: sides.append(y.shape[-1]))
        for m in d.modules()
        if isinstance(m, SelfAttention)
    ]
    assert d(torch.randn(3, 1, 64, 64)).shape == (3, 1) and sides == [16]
    for handle in hooks:
        handle.remove()
    for bad in (4, 64, 12):
        with pytest.raises(ValueError, match="attention_size must be 0 .none. or the side length"):
            hybrid_generator(image_size=64, width=0.125, upsample="nearest", attention_size=bad)
        with pytest.raises(ValueError, match="attention_size must be 0 .none. or the side length"):
            critic(image_size=64, width=0.125, attention_size=bad)


def test_critic_with_attention_has_a_second_derivative_for_the_gradient_penalty():
    d = critic(image_size=32, width=0.125, attention_size=8)
    with torch.no_grad():
        for m in d.modules():
            if isinstance(m, SelfAttention):
                m.gamma.fill_(0.5)  # an open gate, so the attention path carries gradient
    x = torch.randn(4, 1, 32, 32, requires_grad=True)
    (grad,) = torch.autograd.grad(d(x).sum(), x, create_graph=True)
    penalty = ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
    penalty.backward()
    gammas = [m.gamma.grad for m in d.modules() if isinstance(m, SelfAttention)]
    assert len(gammas) == 1 and gammas[0] is not None and torch.isfinite(gammas[0])
