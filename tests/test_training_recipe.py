"""Tests for the project's recipe: DiffAugment, the generator EMA, the lazy penalty, recipes and their checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_training import target_images, tiny_config
from torch import nn
from training_support import assert_same_run

from gan_lib.generate import generate
from gan_lib.models import critic, hybrid_generator
from gan_lib.training import TrainConfig, load_checkpoint, train, train_config_for_profile
from gan_lib.training.checkpoint import build_generator
from gan_lib.training.diffaugment import apply_params, draw_params, parse_policy
from gan_lib.training.ema import ema_beta, make_ema, update_ema
from gan_lib.training.recipes import RECIPES, recipe_label

ALL = ("brightness", "contrast", "translation", "cutout")


# --- DiffAugment ------------------------------------------------------------------------------


def test_parse_policy_orders_and_refuses_unknown_names():
    assert parse_policy("cutout, translation") == ("translation", "cutout")
    assert parse_policy(()) == ()
    with pytest.raises(ValueError, match="saturation"):
        parse_policy("translation,saturation")


def test_translation_moves_content_and_fills_by_reflection():
    x = torch.arange(64.0).view(1, 1, 8, 8)
    shifted = apply_params(x, {"translation": torch.tensor([[1, 0]])})  # one row down
    assert torch.equal(shifted[0, 0, 1:], x[0, 0, :-1])
    assert torch.equal(shifted[0, 0, 0], x[0, 0, 1])  # reflected, not a constant bar


def test_cutout_fills_a_square_with_the_image_mean():
    x = torch.rand(1, 1, 8, 8)
    out = apply_params(x, {"cutout": torch.tensor([[4, 4]])})
    hole = out != x
    assert int(hole.sum()) == 16  # a 4 x 4 square: half the side
    assert torch.allclose(out[hole], x.mean().expand(16))


def test_brightness_and_contrast_are_per_image():
    x = torch.rand(2, 1, 8, 8)
    out = apply_params(x, {"brightness": torch.tensor([0.5, -0.5])})
    assert torch.allclose(out - x, torch.tensor([0.5, -0.5]).view(2, 1, 1, 1).expand_as(x))
    out = apply_params(x, {"contrast": torch.tensor([2.0, 1.0])})
    assert torch.allclose(out[1], x[1])
    assert torch.isclose(out[0].std(), 2 * x[0].std())


def test_diff_augment_is_differentiable_seeded_and_shape_preserving():
    x = torch.rand(6, 1, 16, 16, requires_grad=True)

    def augment(seed):
        return apply_params(x, draw_params(6, 16, ALL, generator=torch.Generator().manual_seed(seed), device="cpu"))

    a, b = augment(1), augment(1)
    assert a.shape == x.shape and torch.equal(a, b)
    a.sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_draw_params_gives_one_draw_per_image_within_range():
    params = draw_params(500, 64, ALL, generator=torch.Generator().manual_seed(0), device="cpu")
    assert {k: v.shape[0] for k, v in params.items()} == dict.fromkeys(ALL, 500)
    assert params["translation"].abs().max() == 8 and params["translation"].unique().numel() == 17
    assert -0.5 <= params["brightness"].min() < params["brightness"].max() <= 0.5
    assert 0.5 <= params["contrast"].min() < params["contrast"].max() <= 1.5


# --- EMA ------------------------------------------------------------------------------------


def test_ema_beta_ramps_up_with_images_seen():
    betas = [ema_beta(step * 32, batch_size=32, ema_kimg=10.0, ema_rampup=0.05) for step in (0, 10, 100, 10_000)]
    assert betas[0] == 0.0 and betas == sorted(betas)
    assert betas[2] == pytest.approx(0.5 ** (32 / 160))  # half-life 5 % of 3200 images
    assert betas[3] == pytest.approx(0.5 ** (32 / 10_000))  # capped at ema_kimg
    assert ema_beta(10**6, batch_size=32, ema_kimg=10.0, ema_rampup=0.0) == pytest.approx(0.5 ** (32 / 10_000))


def test_update_ema_averages_weights_and_copies_batchnorm_buffers():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    ema = make_ema(model)
    assert not any(p.requires_grad for p in ema.parameters()) and not ema.training
    with torch.no_grad():
        model[0].weight.add_(1.0)
    model(torch.randn(8, 2))  # moves the running statistics
    before = ema[0].weight.clone()
    update_ema(ema, model, beta=0.9)
    assert torch.allclose(ema[0].weight, 0.9 * before + 0.1 * model[0].weight)
    assert torch.equal(ema[1].running_mean, model[1].running_mean)


# --- models -----------------------------------------------------------------------------------


@pytest.mark.parametrize("upsample", ["nearest", "bilinear"])
def test_generator_interpolating_blocks_with_reflect_padding(upsample):
    g = hybrid_generator(image_size=32, width=0.125, mlp_hidden=(16,), upsample=upsample, padding_mode="reflect")
    convs = [m for m in g.modules() if isinstance(m, nn.Conv2d)]
    assert convs and all(c.padding_mode == "reflect" for c in convs)
    assert not any(isinstance(m, nn.ConvTranspose2d) for m in g.modules())
    assert g.eval()(torch.zeros(2, 128)).shape == (2, 1, 32, 32)


def test_bilinear_stages_replace_the_finest_nearest_stages():
    g = hybrid_generator(
        image_size=32, width=0.125, mlp_hidden=(16,), upsample="nearest", padding_mode="reflect", bilinear_stages=2
    )
    modes = [m.mode for m in g.cnn if isinstance(m, nn.Upsample)]
    assert modes == ["nearest", "bilinear", "bilinear"]  # 4 -> 8 -> 16 -> 32, coarsest first
    assert g.eval()(torch.zeros(2, 128)).shape == (2, 1, 32, 32)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"upsample": "nearest", "bilinear_stages": 4}, "from 0 to the 3 upsampling stages"),
        ({"upsample": "nearest", "bilinear_stages": -1}, "from 0 to the 3 upsampling stages"),
        ({"upsample": "pixelshuffle", "bilinear_stages": 1}, "needs upsample='nearest'"),
    ],
)
def test_bilinear_stages_are_validated(kwargs, message):
    with pytest.raises(ValueError, match=message):
        hybrid_generator(image_size=32, width=0.125, mlp_hidden=(16,), padding_mode="reflect", **kwargs)


def test_generator_refuses_reflect_padding_with_transposed_convolutions():
    with pytest.raises(ValueError, match="pads only with zeros"):
        hybrid_generator(image_size=32, width=0.125, upsample="convtranspose", padding_mode="reflect")


def test_critic_padding_mode_applies_to_every_conv():
    d = critic(image_size=32, width=0.125, padding_mode="reflect")
    assert all(m.padding_mode == "reflect" for m in d.modules() if isinstance(m, nn.Conv2d))
    with pytest.raises(ValueError, match="padding_mode"):
        critic(image_size=32, padding_mode="circularish")


# --- recipes and config -----------------------------------------------------------------------


def test_profiles_default_to_the_project_recipe_and_thesis_reproduces_the_thesis():
    project = train_config_for_profile("quick")
    thesis = train_config_for_profile("quick", {"recipe": "thesis"})
    assert project.recipe == "project" and thesis.recipe == "thesis"
    for key, value in RECIPES["project"].items():
        assert getattr(project, key) == value
    assert (thesis.upsample, thesis.padding_mode, thesis.diffaugment, thesis.ema_kimg) == (
        "convtranspose",
        "zeros",
        "",
        0.0,
    )
    assert thesis.generator_width == project.generator_width  # the profile's sizes stay
    assert train_config_for_profile("full").recipe == "project"


def test_overrides_win_over_the_recipe_and_show_in_its_label():
    config = train_config_for_profile("quick", {"ema_kimg": 0.0})
    assert config.ema_kimg == 0.0 and recipe_label(config) == "project (ema_kimg=0.0)"
    assert recipe_label(train_config_for_profile("quick")) == "project"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"recipe": "stylegan"}, "recipe must be one of"),
        ({"diffaugment": "rotation"}, "unknown augmentation"),
        ({"gp_every": 0}, "gp_every must be a positive integer"),
        ({"critic_lr_scale": 0.0}, "critic_lr_scale must be a finite number > 0"),
        ({"ema_kimg": -1.0}, "ema_kimg must be a finite number >= 0"),
        ({"bilinear_stages": 5}, "bilinear_stages must be an integer from 0 to the generator's 4 upsampling stages"),
        ({"upsample": "pixelshuffle"}, "bilinear_stages must be 0 unless upsample='nearest'"),
    ],
)
def test_recipe_settings_are_validated(overrides, message):
    with pytest.raises(ValueError, match=message):
        train_config_for_profile("quick", overrides)


# --- the loop ---------------------------------------------------------------------------------

RECIPE = dict(
    upsample="nearest",
    padding_mode="reflect",
    diffaugment="translation,cutout,brightness,contrast",
    ema_kimg=1.0,
    gp_every=2,
    critic_lr_scale=2.0,
    n_critic=3,
)


@pytest.mark.slow  # two recipe trainings (~12 s); test_training.py keeps a fast resume test
def test_recipe_run_resumes_bit_identically_with_ema_in_the_checkpoint(tmp_path):
    images = target_images()
    straight = train(tiny_config(steps=6, **RECIPE), images, tmp_path / "straight", progress=False)
    train(tiny_config(steps=3, **RECIPE), images, tmp_path / "split", progress=False)
    resumed = train(tiny_config(steps=6, **RECIPE), images, tmp_path / "split", resume=True, progress=False)
    assert_same_run(straight, resumed, ("generator", "generator_ema", "critic"))


def test_sampling_uses_the_weight_average(tmp_path):
    result = train(tiny_config(steps=4, **RECIPE), target_images(), tmp_path / "run", progress=False)
    checkpoint = load_checkpoint(result.checkpoint)
    averaged, trained = build_generator(checkpoint), build_generator(checkpoint, ema=False)
    z = torch.randn(4, averaged.latent_dim)
    with torch.no_grad():
        assert not torch.equal(averaged(z), trained(z))
        expected = averaged(torch.randn(3, averaged.latent_dim, generator=torch.Generator().manual_seed(0)))
    np.testing.assert_allclose(generate(result.checkpoint, 3, seed=0), expected[:, 0].numpy(), atol=1e-6)


def test_lazy_penalty_is_computed_on_every_kth_critic_update(monkeypatch):
    from gan_lib.training import step as step_module
    from gan_lib.training.batches import TensorBatcher
    from gan_lib.training.state import build_state

    calls = []
    real_penalty = step_module.gradient_penalty

    def counting(*args, weight, **kwargs):
        calls.append(weight)
        return real_penalty(*args, weight=weight, **kwargs)

    monkeypatch.setattr(step_module, "gradient_penalty", counting)
    config = tiny_config(n_critic=3, gp_every=2)
    state = build_state(config, device="cpu", memory_format=torch.contiguous_format)
    batches = TensorBatcher(torch.from_numpy(target_images()).unsqueeze(1), batch_size=8, flips=False, seed=0)
    for step in range(2):  # critic updates 0..5 over the run: penalties on 0, 2, 4
        state.step = step
        step_module.train_step(state, batches, config=config, precision="fp32")
    assert calls == [20.0, 20.0, 20.0]


def test_thesis_config_matches_the_old_defaults():
    """TrainConfig() is the thesis recipe: a run written before recipes existed loads unchanged."""
    config = TrainConfig()
    assert config.recipe == "thesis" and recipe_label(config) == "thesis"
