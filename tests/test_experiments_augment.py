"""Traditional augmentation: shapes, ranges, determinism, and that it changes images."""

import numpy as np
import pytest

from gan_lib.experiments.augment import AugmentConfig, augment_image, augment_set


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (6, 16, 16)).astype(np.float32)


def test_augment_set_returns_requested_count_shape_and_range(images):
    out, source = augment_set(images, 15, seed=0)
    assert out.shape == (15, 16, 16) and out.dtype == np.float32
    assert out.min() >= -1 and out.max() <= 1
    assert source.shape == (15,) and set(source) <= set(range(6))


def test_augment_set_uses_every_source_before_repeating(images):
    _, source = augment_set(images, 12, seed=3)
    assert sorted(source[:6]) == list(range(6)) and sorted(source[6:]) == list(range(6))


def test_augment_set_is_deterministic_for_a_seed(images):
    a, _ = augment_set(images, 8, seed=5)
    b, _ = augment_set(images, 8, seed=5)
    c, _ = augment_set(images, 8, seed=6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_augment_image_with_everything_off_is_identity(images):
    off = AugmentConfig(
        flip_probability=0.0,
        rotate90=False,
        max_rotation_degrees=0.0,
        elastic_probability=0.0,
        gamma_range=(1.0, 1.0),
        contrast_range=(1.0, 1.0),
        brightness_range=(0.0, 0.0),
    )
    out = augment_image(images[0], np.random.default_rng(0), config=off)
    np.testing.assert_allclose(out, images[0], atol=1e-6)


def test_augment_image_flip_only_gives_a_flipped_copy(images):
    flip = AugmentConfig(
        flip_probability=1.0,
        rotate90=False,
        max_rotation_degrees=0.0,
        elastic_probability=0.0,
        gamma_range=(1.0, 1.0),
        contrast_range=(1.0, 1.0),
        brightness_range=(0.0, 0.0),
    )
    out = augment_image(images[0], np.random.default_rng(0), config=flip)
    np.testing.assert_allclose(out, images[0][::-1, ::-1], atol=1e-6)


def test_augment_set_zero_outputs_is_empty(images):
    out, source = augment_set(images, 0)
    assert out.shape == (0, 16, 16) and source.shape == (0,)


def test_augment_set_rejects_out_of_range_images():
    with pytest.raises(ValueError, match="model space"):
        augment_set(np.full((2, 8, 8), 200.0), 2)
