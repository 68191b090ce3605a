"""Tests for gan_lib.training: losses, config validation, hardware choice, the loop, resume and guards."""

from __future__ import annotations

import functools
import json
import math

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn
from training_support import TINY_RUN, assert_same_run

from gan_lib.config import apply_overrides, config_to_dict
from gan_lib.models import get_model
from gan_lib.training import (
    FULL,
    LOG_COLUMNS,
    QUICK,
    TrainConfig,
    TrainingDiverged,
    build_state,
    critic_loss,
    generator_loss,
    gradient_penalty,
    load_checkpoint,
    resolve_hardware,
    train,
    train_config_for_profile,
    train_step,
)
from gan_lib.training import hardware as hardware_module
from gan_lib.training import trainer as trainer_module
from gan_lib.training.batches import TensorBatcher
from gan_lib.training.checkpoint import make_checkpoint, restore_checkpoint, save_checkpoint
from gan_lib.training.losses import sobolev_dual_norm

# The tiny 4-step run with evaluations every 2 steps.
TINY = {**TINY_RUN, "eval_every": 2, "eval_count": 16, "tensorboard": "off"}


def tiny_config(**overrides) -> TrainConfig:
    return TrainConfig(**{**TINY, **overrides})


def target_images(n: int = 64, *, mean: float = 0.4, std: float = 0.1, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(mean, std, (n, 32, 32)), -1, 1).astype(np.float32)


def linear_critic(weight: torch.Tensor) -> nn.Module:
    critic = nn.Sequential(nn.Flatten(), nn.Linear(weight.numel(), 1, bias=False))
    with torch.no_grad():
        critic[1].weight.copy_(weight.view(1, -1))
    return critic


# --- losses -----------------------------------------------------------------------------------


def test_gradient_penalty_equals_hand_computed_value_for_linear_critic():
    # D(x) = w . x has gradient w at every input, so GP = lambda * (||w|| - 1)^2 for any interpolate.
    w = torch.tensor([3.0, 0.0, 4.0, 0.0])  # ||w|| = 5
    real, fake = torch.randn(6, 1, 2, 2), torch.randn(6, 1, 2, 2)
    penalty, norms = gradient_penalty(linear_critic(w), real, fake, weight=10.0)
    assert float(penalty.detach()) == pytest.approx(10.0 * (5.0 - 1.0) ** 2)
    assert torch.allclose(norms, torch.full((6,), 5.0))


def test_gradient_penalty_zero_for_unit_norm_gradients():
    w = torch.tensor([0.6, 0.8, 0.0, 0.0])
    penalty, _ = gradient_penalty(linear_critic(w), torch.randn(3, 1, 2, 2), torch.randn(3, 1, 2, 2))
    assert float(penalty.detach()) == pytest.approx(0.0, abs=1e-10)


def test_gradient_penalty_is_differentiable_in_critic_weights():
    critic = linear_critic(torch.tensor([2.0, 0.0, 0.0, 0.0]))
    penalty, _ = gradient_penalty(critic, torch.zeros(2, 1, 2, 2), torch.ones(2, 1, 2, 2), weight=10.0)
    penalty.backward()
    # d/dw1 of 10 * (|w1| - 1)^2 at w1 = 2 is 20 * (2 - 1) = 20.
    assert float(critic[1].weight.grad[0, 0]) == pytest.approx(20.0)


def test_gradient_penalty_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        gradient_penalty(linear_critic(torch.ones(4)), torch.zeros(2, 1, 2, 2), torch.zeros(3, 1, 2, 2))


def _sinusoid(size: int, k: int) -> torch.Tensor:
    """``(1, 1, size, size)`` float64 ``cos(2 pi k j / size)`` along the columns."""
    j = torch.arange(size, dtype=torch.float64)
    return torch.cos(2 * math.pi * k * j / size).expand(size, size).reshape(1, 1, size, size)


@pytest.mark.parametrize(("s", "c"), [(1.0, 5.0), (-1.0, 5.0), (2.0, 1.0)])
def test_sobolev_dual_norm_of_a_pure_sinusoid_is_its_l2_norm_times_the_fourier_weight(s, c):
    # cos(2 pi k j / N) has energy only at +-k along one axis, where |xi|^2 = c (k / (N/2))^2.
    g = _sinusoid(16, 3)
    weight = (1 + c * (3 / 8) ** 2) ** (-s / 2)
    assert float(sobolev_dual_norm(g, s=s, c=c)[0]) == pytest.approx(weight * float(g.norm()), rel=1e-5)


def test_sobolev_dual_norm_with_order_zero_is_the_l2_norm():
    g = torch.randn(3, 1, 8, 8)
    assert torch.allclose(sobolev_dual_norm(g, s=0.0), g.flatten(1).norm(dim=1), rtol=1e-5)


def test_sobolev_dual_norm_rejects_flat_gradients():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        sobolev_dual_norm(torch.zeros(3, 64), s=1.0)


def test_gradient_penalty_in_sobolev_norm_is_zero_for_unit_dual_norm_gradient():
    # D(x) = <w, x> with w a sinusoid scaled to unit W^{-s,2} norm: the penalty vanishes; doubled, it is lambda.
    g = _sinusoid(16, 5).float()
    dual = functools.partial(sobolev_dual_norm, s=1.0, c=5.0)
    w = g / dual(g)[0]
    real, fake = torch.randn(4, 1, 16, 16), torch.randn(4, 1, 16, 16)
    penalty, norms = gradient_penalty(linear_critic(w), real, fake, weight=10.0, dual_norm=dual)
    assert float(penalty.detach()) == pytest.approx(0.0, abs=1e-8)
    assert torch.allclose(norms, torch.ones(4), atol=1e-5)
    assert float(w.norm()) > 1.5  # in pixels the same critic is far from 1-Lipschitz
    penalty, _ = gradient_penalty(linear_critic(2 * w), real, fake, weight=10.0, dual_norm=dual)
    assert float(penalty.detach()) == pytest.approx(10.0, rel=1e-4)


def test_gradient_penalty_in_sobolev_norm_is_differentiable_in_critic_weights():
    critic = linear_critic(2 * _sinusoid(8, 1).float())
    dual = functools.partial(sobolev_dual_norm, s=1.0)
    penalty, _ = gradient_penalty(critic, torch.zeros(2, 1, 8, 8), torch.ones(2, 1, 8, 8), dual_norm=dual)
    penalty.backward()
    assert torch.isfinite(critic[1].weight.grad).all() and critic[1].weight.grad.abs().sum() > 0


def test_critic_loss_with_drift_and_generator_loss():
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([0.0, 2.0])
    assert float(critic_loss(real, fake)) == pytest.approx(-1.0)
    assert float(critic_loss(real, fake, drift=0.5)) == pytest.approx(-1.0 + 0.5 * 5.0)
    assert float(generator_loss(fake)) == pytest.approx(-1.0)


# --- config ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("image_size", 48, r"image_size must be one of \(32, 64, 128, 256\); got 48"),
        ("n_critic", 0, "n_critic must be a positive integer"),
        ("lr", -1e-4, "lr must be a finite number > 0"),
        ("betas", (1.0, 0.9), "betas must be two numbers in"),
        ("precision", "fp8", "precision must be one of"),
        ("critic_norm", "batch", "critic_norm must be one of"),
        ("generator", "stylegan", "generator must be a registered model name"),
        ("device", "tpu", "device must be"),
        ("batch_size", 1, "batch_size must be at least 2"),
        ("penalty_norm", "sobolev", "penalty_norm must be one of"),
        ("critic_head", "global", "critic_head must be one of"),
        ("sobolev_s", float("nan"), "sobolev_s must be a finite number"),
        ("whitening_beta", -1.0, "whitening_beta must be a finite number >= 0"),
        ("detail_scale", float("inf"), "detail_scale must be a finite number >= 0"),
        ("noise_stages", 6, "noise_stages must be an integer from 0 to the generator's 4"),
        ("noise_stages", 1, "noise_stages must be 0 unless upsample is one of"),  # convtranspose
        ("refine_stages", 5, "refine_stages must be an integer from 0 to the generator's 4"),
        ("attention_size", 64, r"attention_size must be 0 \(none\) or the side of a feature map, one of \(8, 16, 32\)"),
        ("attention_size", 12, "attention_size must be 0 .none. or the side of a feature map"),
        ("attention_size", True, "attention_size must be 0 .none. or the side of a feature map"),
        ("generator_min_channels", -1, "generator_min_channels must be an integer >= 0"),
        ("generator_min_channels", 1.5, "generator_min_channels must be an integer >= 0"),
        ("blur_stages", -1, "blur_stages must be an integer from 0"),
        ("train_minutes", -5.0, "train_minutes must be a finite number >= 0"),
        ("spectral_weight", float("inf"), "spectral_weight must be a finite number >= 0"),
        ("spectral_orientations", 5, "spectral_orientations must be 1 .radial. to 4"),
    ],
)
def test_train_config_rejects_bad_value(field, value, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**{field: value})


def test_train_config_profiles_resolve_and_refuse_unknown_keys():
    assert train_config_for_profile("quick").steps == QUICK["steps"]
    assert train_config_for_profile("full").image_size == FULL["image_size"]
    with pytest.raises(ValueError, match="unknown setting"):
        train_config_for_profile("quick", {"stepz": 3})


def test_train_config_refuses_options_the_conditional_networks_lack():
    conditional = dict(
        num_classes=2,
        generator="conditional_hybrid_generator",
        critic="projection_critic",
        upsample="nearest",
        padding_mode="reflect",
    )
    for field, value in (
        ("noise_stages", 1),
        ("blur_stages", 1),
        ("refine_stages", 1),
        ("attention_size", 16),
        ("generator_min_channels", 32),
        ("critic_head", "patch"),
    ):
        with pytest.raises(ValueError, match=f"{field} must be .* for the class-conditional networks"):
            TrainConfig(**conditional, **{field: value})
    assert TrainConfig(**conditional, penalty_norm="sobolev_fft").critic_kwargs()["num_classes"] == 2
    assert TrainConfig(**conditional, penalty_norm="laplacian_stack").critic_kwargs()["in_channels"] == 2
    assert (
        TrainConfig(**conditional, penalty_norm="laplacian_stack", detail_scale=0.3).critic_kwargs()["in_channels"] == 3
    )


def test_generator_min_channels_floors_the_scaled_widths_and_builds_them():
    # 1/4 of GENERATOR_CHANNELS[64] is [128, 64, 32, 16]; a floor of 32 widens only the 32 px map.
    def widths(overrides, profile="quick"):
        config = train_config_for_profile(profile, overrides)
        generator = get_model(config.generator, **config.generator_kwargs())
        return [
            m.out_channels for m in generator.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))
        ]

    floored = widths({"recipe": "thesis", "generator_min_channels": 32})
    assert floored == [64, 32, 32, 1]  # 8, 16 and 32 px maps, then the output conv reading the 32 px map
    assert widths({"recipe": "thesis"}) == [64, 32, 16, 1]
    assert widths({"generator_min_channels": 8}) == widths({"generator_min_channels": 0})  # a floor below every width
    assert widths({"recipe": "thesis", "generator_min_channels": 32}, "full") == widths({"recipe": "thesis"}, "full")


def test_generator_min_channels_refuses_explicit_channels_and_bad_values():
    with pytest.raises(ValueError, match="either explicit channels or min_channels"):
        get_model("hybrid_generator", image_size=64, channels=[128, 64, 32, 16], min_channels=32)
    with pytest.raises(ValueError, match="min_channels must be an integer >= 0"):
        get_model("hybrid_generator", image_size=64, width=0.25, min_channels=-1)


def test_train_config_leaves_new_options_at_defaults_out_of_network_specs():
    # Old checkpoints' specs rebuild the same networks: defaults add no builder keyword.
    config = train_config_for_profile("quick", {"recipe": "thesis"})
    assert not {"blur_stages", "noise_stages", "refine_stages", "attention_size", "channels"} & set(
        config.generator_kwargs()
    )
    assert not {"in_channels", "head", "attention_size"} & set(config.critic_kwargs())
    changed = train_config_for_profile(
        "quick",
        {
            "recipe": "thesis",
            "upsample": "nearest",
            "padding_mode": "reflect",
            "penalty_norm": "laplacian_stack",
            "critic_head": "patch",
            "noise_stages": 2,
            "blur_stages": 1,
            "refine_stages": 1,
            "attention_size": 16,
        },
    )
    assert changed.critic_kwargs()["in_channels"] == 2 and changed.critic_kwargs()["head"] == "patch"
    assert changed.generator_kwargs()["noise_stages"] == 2 and changed.generator_kwargs()["blur_stages"] == 1
    assert changed.generator_kwargs()["refine_stages"] == 1
    assert changed.generator_kwargs()["attention_size"] == changed.critic_kwargs()["attention_size"] == 16
    assert config_to_dict(changed)["penalty_norm"] == "laplacian_stack"  # recorded in config.json


@pytest.mark.parametrize(
    "overrides",
    [
        {"penalty_norm": "laplacian_stack"},
        {"penalty_norm": "sobolev_fft", "sobolev_s": 1.0},
        {"penalty_norm": "whitening"},
        {"penalty_norm": "whitening_stack"},
        {"detail_scale": 0.5},
        {"penalty_norm": "laplacian_stack", "detail_scale": 0.3},
        {"spectral_weight": 0.1},
        {"spectral_weight": 0.1, "spectral_orientations": 4},
        {"generator_min_channels": 8},
        {"attention_size": 8},
        {
            "critic_head": "patch",
            "upsample": "nearest",
            "noise_stages": 2,
            "blur_stages": 2,
            "refine_stages": 2,
            "diffaugment": "translation",
        },
    ],
)
def test_train_step_with_each_critic_norm_and_generator_option_trains_both_networks(overrides):
    config = tiny_config(**overrides)
    state = build_state(config, device="cpu", memory_format=torch.contiguous_format)
    batches = TensorBatcher(torch.from_numpy(target_images(16))[:, None], batch_size=8, flips=False, seed=0)
    before_g = [p.detach().clone() for p in state.generator.parameters()]
    before_d = [p.detach().clone() for p in state.critic.parameters()]
    stats = train_step(state, batches, config=config, precision="fp32")
    assert torch.isfinite(stats).all()
    assert any(not torch.equal(a, b) for a, b in zip(before_g, state.generator.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(before_d, state.critic.parameters()))
    if config.noise_stages:  # the zero-initialised noise scales receive gradient and move
        scales = [m.weight for m in state.generator.modules() if type(m).__name__ == "NoiseInjection"]
        assert len(scales) == 2 and all(float(w.detach().abs().sum()) > 0 for w in scales)


def test_train_step_runs_a_torch_compiled_generator():
    # TrainConfig.compile hands train_step torch.compile(generator); its truthiness raised TypeError (no len()).
    config = tiny_config(upsample="nearest", noise_stages=1)
    state = build_state(config, device="cpu", memory_format=torch.contiguous_format)
    batches = TensorBatcher(torch.from_numpy(target_images(16))[:, None], batch_size=8, flips=False, seed=0)
    compiled = torch.compile(state.generator, backend="eager")
    before = [p.detach().clone() for p in state.generator.parameters()]
    stats = train_step(state, batches, config=config, precision="fp32", generator_fn=compiled)
    assert torch.isfinite(stats).all()
    assert any(not torch.equal(a, b) for a, b in zip(before, state.generator.parameters()))


def test_train_config_coerces_integer_betas_to_float():
    assert apply_overrides(TrainConfig(), {"betas": [0, 0.9]}).betas == (0.0, 0.9)


# --- hardware ----------------------------------------------------------------------------------


def test_resolve_hardware_cpu_without_native_bf16_uses_fp32(monkeypatch):
    monkeypatch.setattr(hardware_module, "cpu_flags", lambda: frozenset({"avx2", "fma"}))
    hw = resolve_hardware(device="cpu", precision="auto", memory_format="contiguous", num_threads=1)
    assert hw.precision == "fp32"
    assert "no native bf16" in hw.reasons[0]


def test_resolve_hardware_cpu_with_amx_uses_bf16(monkeypatch):
    monkeypatch.setattr(hardware_module, "cpu_flags", lambda: frozenset({"avx512f", "avx512_bf16", "amx_bf16"}))
    assert (
        resolve_hardware(device="cpu", precision="auto", memory_format="contiguous", num_threads=1).precision == "bf16"
    )


def test_resolve_hardware_memory_format_follows_measurement():
    def probe(precision: str, memory_format: str) -> float:
        return 0.5 if memory_format == "channels_last" else 1.0

    hw = resolve_hardware(device="cpu", precision="fp32", memory_format="auto", num_threads=1, probe=probe)
    assert hw.memory_format == "channels_last"
    assert "measured" in hw.reasons[-1]


@pytest.mark.parametrize(
    ("contiguous_s", "expected"),
    [(1.0, "channels_last"), (0.95, "channels_last"), (0.5, "contiguous")],
)
def test_resolve_hardware_keeps_channels_last_unless_contiguous_is_clearly_faster(contiguous_s, expected):
    def probe(precision: str, memory_format: str) -> float:
        return 1.0 if memory_format == "channels_last" else contiguous_s

    hw = resolve_hardware(device="cpu", precision="fp32", memory_format="auto", num_threads=1, probe=probe)
    assert hw.memory_format == expected
    assert "channels_last 1000 ms vs contiguous" in hw.reasons[-1]


# --- checkpoint --------------------------------------------------------------------------------


def test_restored_checkpoint_continues_exactly_as_the_saved_state(tmp_path):
    config = tiny_config(ema_kimg=0.01, diffaugment="translation")
    hardware = resolve_hardware(device="cpu", precision="fp32", memory_format="contiguous", num_threads=1)

    def fresh():
        state = build_state(config, device="cpu", memory_format=torch.contiguous_format)
        return state, TensorBatcher(torch.from_numpy(target_images()).unsqueeze(1), batch_size=8, flips=True, seed=2)

    saved, saved_batches = fresh()
    train_step(saved, saved_batches, config=config, precision="fp32")
    saved.step = 1
    checkpoint = make_checkpoint(
        saved,
        saved_batches,
        elapsed_seconds=1.0,
        config=config,
        data_config=None,
        hardware=hardware,
        fixed_noise=torch.zeros(4, config.latent_dim),
        fixed_labels=None,
        images_sha256="",
        world_size=1,
    )
    path = save_checkpoint(checkpoint, tmp_path)
    restored, restored_batches = fresh()
    restore_checkpoint(load_checkpoint(path), restored, restored_batches)
    assert restored.step == 1
    assert torch.equal(
        train_step(saved, saved_batches, config=config, precision="fp32"),
        train_step(restored, restored_batches, config=config, precision="fp32"),
    )


# --- batches -----------------------------------------------------------------------------------


def test_tensor_batcher_resumes_the_same_sequence():
    images = torch.arange(10.0).view(10, 1, 1, 1)
    a = TensorBatcher(images, batch_size=3, flips=False, seed=1)
    for _ in range(4):
        next(a)
    b = TensorBatcher(images, batch_size=3, flips=False, seed=99)
    b.load_state_dict(a.state_dict())
    assert all(torch.equal(next(a), next(b)) for _ in range(5))


def test_tensor_batcher_epoch_visits_every_image_once():
    images = torch.arange(9.0).view(9, 1, 1, 1)
    batches = TensorBatcher(images, batch_size=3, flips=False, seed=0)
    seen = torch.cat([next(batches).flatten() for _ in range(3)])
    assert sorted(seen.tolist()) == list(range(9))


# --- training loop -----------------------------------------------------------------------------


def test_train_writes_the_run_folder_layout(tmp_path):
    result = train(tiny_config(), target_images(), tmp_path / "run", progress=False)
    run = tmp_path / "run"
    config = json.loads((run / "config.json").read_text())
    assert set(config) >= {"train", "data", "hardware", "generator_spec", "critic_spec"}
    assert config["train"]["steps"] == 4
    log = pd.read_csv(run / "train_log.csv")
    assert tuple(log.columns) == LOG_COLUMNS
    assert log["step"].tolist() == [1, 2, 3, 4]
    assert sorted(p.name for p in (run / "samples").iterdir()) == ["step_000002.png", "step_000004.png"]
    written = {p.name for p in (run / "checkpoints").iterdir()}
    assert {"last.pt", "best.pt", "step_000002.pt", "step_000004.pt"} <= written
    assert [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()] == [2, 4]
    assert result.step == 4 and result.checkpoint == run / "checkpoints" / "last.pt"


@pytest.mark.slow
def test_train_generator_learns_target_mean_and_std(tmp_path):
    from gan_lib.generate import generate

    images = target_images(256, mean=0.4, std=0.1)
    config = tiny_config(
        steps=40, lr=2e-3, batch_size=16, flips=False, log_every=40, sample_every=40, checkpoint_every=40, eval_every=40
    )
    result = train(config, images, tmp_path / "run", progress=False)
    fake = generate(result.checkpoint, 128, seed=0)
    # The untrained generator outputs ~0 with std ~0; trained, it matches the target within tolerance.
    assert abs(float(fake.mean()) - 0.4) < 0.15
    assert abs(float(fake.std()) - 0.1) < 0.05


def test_train_resume_equals_uninterrupted_run(tmp_path):
    images = target_images()
    straight = train(tiny_config(steps=6), images, tmp_path / "straight", progress=False)
    train(tiny_config(steps=3), images, tmp_path / "split", progress=False)
    resumed = train(tiny_config(steps=6), images, tmp_path / "split", resume=True, progress=False)
    assert resumed.resumed_from == 3
    assert_same_run(straight, resumed, ("generator", "critic"))


def test_train_resume_of_finished_run_is_a_noop(tmp_path, capsys):
    first = train(tiny_config(steps=2), target_images(), tmp_path / "run", progress=False)
    mtime = first.checkpoint.stat().st_mtime_ns
    again = train(tiny_config(steps=2), target_images(), tmp_path / "run", resume=True, progress=False)
    assert "already complete" in capsys.readouterr().out
    assert again.step == 2 and first.checkpoint.stat().st_mtime_ns == mtime


def test_train_stops_at_its_time_budget_and_resumes_past_it_when_raised(tmp_path, capsys):
    # 1e-6 minutes (60 us) are spent by the first step: the run ends there, well short of its 4 steps.
    first = train(tiny_config(steps=4, train_minutes=1e-6), target_images(), tmp_path / "run", progress=False)
    assert first.step == 1 and load_checkpoint(first.checkpoint)["step"] == 1
    again = train(tiny_config(steps=4, train_minutes=1e-6), target_images(), tmp_path / "run", resume=True)
    assert again.step == 1 and "already complete (1/4 steps" in capsys.readouterr().out
    longer = train(tiny_config(steps=4, train_minutes=60.0), target_images(), tmp_path / "run", resume=True)
    assert longer.resumed_from == 1 and longer.step == 4


def test_lr_decay_lowers_both_rates_linearly_to_zero_and_a_resume_restores_the_schedules_rate(tmp_path):
    # 8 steps, decay from half-way: the rates in force for steps 1-5 are the base ones (progress 0/8 .. 4/8), for
    # steps 6-8 3/4, 1/2 and 1/4 of them (progress 5/8 .. 7/8).
    seen = []
    real_step = trainer_module.train_step

    def spy(state, *args, **kwargs):
        seen.append((state.opt_generator.param_groups[0]["lr"], state.opt_critic.param_groups[0]["lr"]))
        return real_step(state, *args, **kwargs)

    config = tiny_config(steps=8, lr_decay_start=0.5, log_every=1, critic_lr_scale=2.0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(trainer_module, "train_step", spy)
        result = train(config, target_images(), tmp_path / "run", progress=False)
    generator_rates = [g for g, _ in seen]
    assert generator_rates[:5] == [1e-4] * 5  # progress 0/8 .. 4/8
    assert generator_rates[5:] == pytest.approx([0.75e-4, 0.5e-4, 0.25e-4])
    assert all(c == pytest.approx(2 * g) for g, c in seen)  # the critic keeps its ratio
    # The checkpoint keeps the last (decayed) rate; resumed with a constant schedule, the base rate is back.
    assert load_checkpoint(result.checkpoint)["opt_generator"]["param_groups"][0]["lr"] == pytest.approx(0.25e-4)
    seen.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(trainer_module, "train_step", spy)
        train(tiny_config(steps=10, log_every=1, critic_lr_scale=2.0), target_images(), tmp_path / "run", resume=True)
    assert seen == [(1e-4, 2e-4)] * 2


@pytest.mark.parametrize("value", [1.5, -0.1, True, "0.5"])
def test_lr_decay_start_must_be_a_fraction(value):
    with pytest.raises(ValueError, match="lr_decay_start must be a fraction in"):
        tiny_config(lr_decay_start=value)


def test_train_refuses_resume_with_different_experiment(tmp_path):
    train(tiny_config(steps=2), target_images(), tmp_path / "run", progress=False)
    with pytest.raises(ValueError, match=r"cannot resume .*lr: 0.0001 -> 0.0005"):
        train(tiny_config(steps=4, lr=5e-4), target_images(), tmp_path / "run", resume=True, progress=False)


def test_train_refuses_resume_with_different_images(tmp_path):
    train(tiny_config(steps=2), target_images(seed=0), tmp_path / "run", progress=False)
    with pytest.raises(ValueError, match="training images"):
        train(tiny_config(steps=4), target_images(seed=1), tmp_path / "run", resume=True, progress=False)


def test_train_refuses_existing_run_without_resume(tmp_path):
    train(tiny_config(steps=2), target_images(), tmp_path / "run", progress=False)
    with pytest.raises(FileExistsError, match="resume=True"):
        train(tiny_config(steps=2), target_images(), tmp_path / "run", progress=False)


def test_train_rejects_images_of_wrong_size(tmp_path):
    with pytest.raises(ValueError, match="32x32 px but config.image_size=64"):
        train(tiny_config(image_size=64), target_images(), tmp_path / "run", progress=False)


def test_train_rejects_fewer_images_than_batch_size(tmp_path):
    with pytest.raises(ValueError, match="at least 8"):
        train(tiny_config(), target_images(4), tmp_path / "run", progress=False)


def test_train_nan_guard_stops_and_keeps_last_good_checkpoint(tmp_path, monkeypatch):
    real_step = trainer_module.train_step

    def poisoned_step(state, *args, **kwargs):
        stats = real_step(state, *args, **kwargs)
        if state.step + 1 == 5:  # the step being computed: poison the weights and the losses
            with torch.no_grad():
                next(state.generator.parameters()).fill_(float("nan"))
            stats = stats.clone()
            stats[0] = float("nan")
        return stats

    monkeypatch.setattr(trainer_module, "train_step", poisoned_step)
    with pytest.raises(TrainingDiverged, match=r"step 5: critic_loss = nan.*last good checkpoint \(step 4\)"):
        train(tiny_config(steps=8), target_images(), tmp_path / "run", progress=False)
    checkpoint = load_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")
    assert checkpoint["step"] == 4
    assert all(torch.isfinite(v).all() for v in checkpoint["generator"].values() if v.is_floating_point())
