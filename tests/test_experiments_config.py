"""The experiment profiles: the full profile has the scale the research questions ask for; bad settings are refused."""

import pytest

from gan_lib.experiments import experiment_config
from gan_lib.experiments.conditional import class_gan_config


def test_full_profile_has_the_study_scale():
    full = experiment_config("full")
    assert set(full.budgets) == {25, 50, 100, 0}  # 0 = all images per class
    assert len(full.synthetic_ratios) >= 2
    assert full.n_seeds >= 5
    assert full.rq1_set_size >= 1000 and full.audit_generated >= 1000


def test_quick_profile_is_smaller_than_full():
    quick, full = experiment_config("quick"), experiment_config("full")
    assert quick.n_seeds < full.n_seeds and quick.class_gan_steps < full.class_gan_steps


def test_class_gan_profile_selects_the_generator_size():
    small = class_gan_config(experiment_config("full").class_gan_profile, image_size=32, steps=10, batch_size=8)
    thesis = class_gan_config("full", image_size=32, steps=10, batch_size=8)
    assert small.generator_width < thesis.generator_width
    assert (small.image_size, small.steps, small.batch_size) == (32, 10, 8)


def test_unknown_class_gan_profile_is_refused():
    with pytest.raises(ValueError, match="class_gan_profile"):
        experiment_config("quick", {"class_gan_profile": "huge"})


def test_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="profile"):
        experiment_config("medium")


def test_feature_space_is_inception_by_default_and_weight_free_in_the_quick_profile():
    from gan_lib.experiments.config import ExperimentConfig

    assert ExperimentConfig().feature_space == "inception" and experiment_config("full").feature_space == "inception"
    assert experiment_config("quick").feature_space == "randproj"
    with pytest.raises(ValueError, match="feature_space"):
        ExperimentConfig(feature_space="vgg")


def test_weight_free_feature_space_is_named_and_never_called_inception():
    import numpy as np

    from gan_lib.experiments.spaces import feature_space

    space = feature_space("randproj")
    assert not space.is_inception and "inception" not in space.name and space.name in space.note
    assert space.extract(np.zeros((3, 32, 32), dtype=np.float32)).shape[0] == 3
    with pytest.raises(ValueError, match="kind"):
        feature_space("vgg")


def test_inception_feature_space_without_weights_falls_back_and_says_why(monkeypatch):
    from gan_lib.experiments import spaces

    not_found = (None, "no weights here; install them")
    monkeypatch.setattr(spaces, "try_load_inception", lambda weights: not_found)
    space = spaces.feature_space("inception")
    assert not space.is_inception and "Inception weights missing" in space.note
    assert "no weights here; install them" in space.note


def test_generators_root_changes_with_the_generators_settings_only():
    from gan_lib.config import apply_overrides
    from gan_lib.experiments.conditional import generators_root

    base = experiment_config("full")
    root = generators_root("run", base, seed=0)
    # Settings of the classifier study and of RQ1 do not retrain the class generators ...
    for change in ({"n_bootstrap": 10}, {"budgets": (25,)}, {"closest_pairs": 3}, {"rq1_set_size": 50}):
        assert generators_root("run", apply_overrides(base, change), seed=0) == root, change
    # ... but the task's images, the generators' own settings, the seed and the manifest do.
    for change in (
        {"contrast": 0.3},
        {"positive_fraction": 0.1},
        {"class_gan_steps": 10},
        {"conditional_gan_steps": 10},
        {"task_image_size": 64},
    ):
        assert generators_root("run", apply_overrides(base, change), seed=0) != root, change
    assert generators_root("run", base, seed=1) != root
    assert generators_root("run", base, seed=0, labelled_manifest="labels.csv") != root


def test_generators_root_changes_with_the_training_recipe(monkeypatch):
    """A workdir with generators of an older recipe trains new ones instead of failing to resume them."""
    from gan_lib.experiments.conditional import generators_root
    from gan_lib.training.recipes import RECIPES

    base = experiment_config("quick")
    root = generators_root("run", base, seed=0)
    monkeypatch.setitem(RECIPES["project"], "penalty_norm", "pixel")
    assert generators_root("run", base, seed=0) != root
    monkeypatch.undo()
    assert generators_root("run", base, seed=0) == root


def test_conditional_gan_config_uses_the_class_generators_settings_with_the_conditional_networks():
    from gan_lib.experiments.conditional import conditional_gan_config

    per_class = class_gan_config("quick", image_size=32, steps=10, batch_size=8)
    conditional = conditional_gan_config("quick", image_size=32, steps=10, batch_size=8)
    assert (conditional.generator, conditional.critic, conditional.num_classes) == (
        "conditional_hybrid_generator",
        "projection_critic",
        2,
    )
    same = (
        "recipe",
        "upsample",
        "padding_mode",
        "diffaugment",
        "ema_kimg",
        "n_critic",
        "generator_width",
        "critic_width",
        "steps",
        "batch_size",
        "image_size",
    )
    assert all(getattr(conditional, name) == getattr(per_class, name) for name in same)


def test_positive_fraction_must_leave_both_classes():
    from gan_lib.experiments.config import ExperimentConfig

    with pytest.raises(ValueError, match="positive_fraction"):
        ExperimentConfig(positive_fraction=1.0)
