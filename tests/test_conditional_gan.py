"""Class-conditional WGAN-GP: builders, the projection critic, the per-sample penalty, training and sampling."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from training_support import TINY_RUN, assert_same_run

from gan_lib.generate import generate
from gan_lib.models import CONDITIONAL_MODELS, IMAGE_SIZES, get_model, list_models
from gan_lib.models.conditional import ConditionalBatchNorm
from gan_lib.training import TrainConfig, gradient_penalty, train
from gan_lib.training.batches import TensorBatcher

CONDITIONAL = {
    **TINY_RUN,
    "generator": "conditional_hybrid_generator",
    "critic": "projection_critic",
    "num_classes": 2,
    "generator_width": 0.0625,
    "critic_width": 0.0625,
    "upsample": "nearest",
    "padding_mode": "reflect",
    "diffaugment": "translation,cutout",
    "ema_kimg": 1.0,
}


def conditional_config(**overrides) -> TrainConfig:
    return TrainConfig(**{**CONDITIONAL, **overrides})


def two_class_images(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Class 0 dark (mean -0.5), class 1 bright (mean +0.5): a label a generator can learn in a few steps."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    images = rng.normal(0.0, 0.05, (n, 32, 32)) + np.where(labels == 1, 0.5, -0.5)[:, None, None]
    return np.clip(images, -1, 1).astype(np.float32), labels


@pytest.mark.parametrize("image_size", IMAGE_SIZES)
def test_conditional_builders_are_registered_and_give_the_documented_shapes(image_size):
    assert set(CONDITIONAL_MODELS) <= set(list_models())
    g = get_model(
        "conditional_hybrid_generator", num_classes=3, image_size=image_size, width=0.0625, mlp_hidden=(32,)
    ).eval()
    d = get_model("projection_critic", num_classes=3, image_size=image_size, width=0.0625)
    labels = torch.tensor([0, 1, 2, 1])
    images = g(torch.randn(4, 128), labels)
    assert images.shape == (4, 1, image_size, image_size) and images.dtype == torch.float32
    assert images.abs().max() <= 1
    assert d(images, labels).shape == (4, 1)
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in d.modules())


def test_conditional_models_refuse_bad_labels_and_class_counts():
    g = get_model("conditional_hybrid_generator", image_size=32, width=0.125, mlp_hidden=(16,))
    with pytest.raises(ValueError, match="labels must be an integer tensor of shape"):
        g(torch.randn(3, 128), torch.tensor([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="num_classes must be an integer >= 2"):
        get_model("projection_critic", num_classes=1, image_size=32)


def test_the_label_changes_generator_and_critic_outputs():
    torch.manual_seed(0)
    g = get_model("conditional_hybrid_generator", image_size=32, width=0.125, mlp_hidden=(16,)).eval()
    d = get_model("projection_critic", image_size=32, width=0.125)
    with torch.no_grad():
        d.class_embedding.weight.normal_()  # a trained-looking embedding (at initialisation it is tiny)
    z = torch.randn(4, 128)
    zeros, ones = torch.zeros(4, dtype=torch.long), torch.ones(4, dtype=torch.long)
    with torch.no_grad():
        # Only the label differs: the embedding at the input and the conditional BatchNorm see it.
        assert not torch.allclose(g(z, zeros), g(z, ones))
        x = g(z, zeros)
        assert not torch.allclose(d(x, zeros), d(x, ones))


def test_conditional_batchnorm_applies_each_class_own_scale_and_shift():
    norm = ConditionalBatchNorm(3, 2, spatial=True).eval()  # running stats 0/1: BN(x) = x / sqrt(1 + eps)
    with torch.no_grad():
        norm.gamma.weight[1] = 2.0
        norm.beta.weight[1] = 0.5
    x = torch.randn(2, 3, 4, 4)
    out = norm(x, torch.tensor([0, 1]))
    plain = x / torch.sqrt(torch.tensor(1.0 + norm.norm.eps))
    torch.testing.assert_close(out[0], plain[0])
    torch.testing.assert_close(out[1], 2.0 * plain[1] + 0.5)


def test_projection_critic_scores_each_sample_from_its_own_image_and_label():
    """Jacobian check: the score of sample i has zero gradient w.r.t. every other sample, so the penalty is per
    sample."""
    torch.manual_seed(0)
    d = get_model("projection_critic", image_size=32, width=0.125, norm_layer="layer")
    x = torch.randn(4, 1, 32, 32, requires_grad=True)
    labels = torch.tensor([0, 1, 0, 1])
    for i in range(4):
        (grad,) = torch.autograd.grad(d(x, labels)[i, 0], x)
        others = [j for j in range(4) if j != i]
        assert grad[others].abs().max() == 0 and grad[i].abs().max() > 0
    scores = d(x, labels).detach()
    scores_alone = torch.cat([d(x[i : i + 1], labels[i : i + 1]) for i in range(4)]).detach()
    torch.testing.assert_close(scores, scores_alone)


def test_gradient_penalty_of_a_projection_critic_uses_the_pair_label():
    """Hand-computable case: with head and features fixed, the input gradient depends on the label only via the
    projection; the penalty with labels equals the mean of the per-sample penalties computed one by one."""
    torch.manual_seed(1)
    d = get_model("projection_critic", image_size=32, width=0.125)
    with torch.no_grad():
        d.class_embedding.weight.normal_()
    real, fake = torch.randn(6, 1, 32, 32), torch.randn(6, 1, 32, 32)
    labels = torch.tensor([0, 1, 1, 0, 1, 0])
    alpha = torch.rand(6, 1, 1, 1)
    penalty, norms = gradient_penalty(d, real, fake, alpha=alpha, labels=labels)
    singles = [
        gradient_penalty(d, real[i : i + 1], fake[i : i + 1], alpha=alpha[i : i + 1], labels=labels[i : i + 1])
        for i in range(6)
    ]
    torch.testing.assert_close(norms, torch.cat([n for _, n in singles]))
    torch.testing.assert_close(penalty, torch.stack([p for p, _ in singles]).mean())
    flipped, _ = gradient_penalty(d, real, fake, alpha=alpha, labels=1 - labels)
    assert not torch.isclose(penalty, flipped)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"num_classes": 0}, "TrainConfig.generator must be one of"),
        ({"generator": "hybrid_generator"}, "TrainConfig.generator must be one of"),
        ({"critic": "critic"}, "TrainConfig.critic must be one of"),
        ({"num_classes": 1}, "TrainConfig.num_classes must be 0"),
    ],
)
def test_train_config_pairs_num_classes_with_the_conditional_networks(overrides, message):
    with pytest.raises(ValueError, match=message):
        conditional_config(**overrides)


def test_train_refuses_missing_surplus_and_out_of_range_labels(tmp_path):
    images, labels = two_class_images()
    with pytest.raises(ValueError, match="needs labels"):
        train(conditional_config(), images, tmp_path / "a", progress=False)
    with pytest.raises(ValueError, match="every class present"):
        train(conditional_config(), images, tmp_path / "b", labels=np.zeros(len(images), dtype=int), progress=False)
    with pytest.raises(ValueError, match="every class present"):
        train(conditional_config(), images, tmp_path / "c", labels=labels * 2, progress=False)
    with pytest.raises(ValueError, match="labels must be 64 integers"):
        train(conditional_config(), images, tmp_path / "d", labels=labels[:10], progress=False)
    unconditional = TrainConfig(
        **{**CONDITIONAL, "generator": "hybrid_generator", "critic": "critic", "num_classes": 0}
    )
    with pytest.raises(ValueError, match="num_classes is 0"):
        train(unconditional, images, tmp_path / "e", labels=labels, progress=False)


def test_tensor_batcher_returns_the_labels_of_its_images():
    images = torch.arange(12.0).view(12, 1, 1, 1)
    batcher = TensorBatcher(images, batch_size=5, flips=False, seed=0, labels=torch.arange(12) + 100)
    for _ in range(4):
        batch, labels = batcher.draw()
        assert torch.equal(batch.flatten().long() + 100, labels)


def test_conditional_resume_equals_uninterrupted_run_and_records_the_classes(tmp_path):
    images, labels = two_class_images()
    straight = train(conditional_config(steps=6), images, tmp_path / "straight", labels=labels, progress=False)
    train(conditional_config(steps=3), images, tmp_path / "split", labels=labels, progress=False)
    resumed = train(conditional_config(steps=6), images, tmp_path / "split", labels=labels, resume=True, progress=False)
    a = assert_same_run(straight, resumed, ("generator", "critic", "generator_ema"))
    assert a["fixed_labels"].tolist() == [0, 0, 1, 1]
    with pytest.raises(ValueError, match="training images"):
        train(conditional_config(steps=8), images, tmp_path / "split", labels=1 - labels, resume=True, progress=False)


def test_conditional_run_trains_with_the_laplacian_penalty_norm(tmp_path):
    images, labels = two_class_images()
    config = conditional_config(penalty_norm="laplacian_stack")
    assert config.critic_kwargs()["in_channels"] == 2
    result = train(config, images, tmp_path / "run", labels=labels, progress=False)
    log = np.loadtxt(result.log, delimiter=",", skiprows=1)
    assert result.step == 4 and np.isfinite(log).all()
    assert generate(result.checkpoint, 4, seed=0, labels=1).shape == (4, 32, 32)


@pytest.mark.slow
def test_conditional_generator_learns_the_class_means(tmp_path):
    images, labels = two_class_images(n=128)
    # 60 steps separated the class means by 0.95-1.04 with seeds 0 and 1 (2-core EPYC, ~4 s idle).
    config = conditional_config(
        steps=60,
        batch_size=16,
        lr=1e-3,
        diffaugment="",
        ema_kimg=0.0,
        log_every=20,
        sample_every=60,
        checkpoint_every=60,
    )
    result = train(config, images, tmp_path / "run", labels=labels, progress=False)
    dark = generate(result.checkpoint, 64, seed=0, labels=0)
    bright = generate(result.checkpoint, 64, seed=0, labels=1)
    # The classes differ by 1.0 in mean intensity; a generator that ignored its label would give equal means.
    assert bright.mean() - dark.mean() > 0.5, (dark.mean(), bright.mean())


def test_generate_requires_labels_for_a_conditional_generator_only(tmp_path):
    images, labels = two_class_images()
    result = train(conditional_config(steps=2), images, tmp_path / "run", labels=labels, progress=False)
    mixed = generate(result.checkpoint, 4, seed=3, labels=[0, 1, 0, 1])
    assert mixed.shape == (4, 32, 32)
    # The same latent vectors: image i of a one-label draw equals image i of the mixed draw where labels agree.
    np.testing.assert_allclose(generate(result.checkpoint, 4, seed=3, labels=1)[1], mixed[1], atol=1e-6)
    with pytest.raises(ValueError, match="class-conditional generator"):
        generate(result.checkpoint, 4)
    with pytest.raises(ValueError, match=r"ints in \[0, 2\)"):
        generate(result.checkpoint, 4, labels=5)


def test_conditional_generator_keeps_icnr_with_pixelshuffle_upsampling():
    from gan_lib.models.generator import PixelShuffleUpsample

    g = get_model("conditional_hybrid_generator", image_size=32, width=0.125, mlp_hidden=(16,), upsample="pixelshuffle")
    blocks = [m for m in g.modules() if isinstance(m, PixelShuffleUpsample)]
    assert blocks
    for block in blocks:  # init_weights re-drew each conv; the four sub-pixel kernels must still be equal
        weight = block.conv.weight.view(-1, 4, *block.conv.weight.shape[1:])
        assert torch.equal(weight[:, 1], weight[:, 0]) and torch.equal(weight[:, 3], weight[:, 0])
