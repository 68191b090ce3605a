"""Tests for gan_lib.generate (function and CLI) and gan_lib.run (reading a run folder)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from export_support import train_tiny_run
from PIL import Image

from gan_lib.generate import generate, main
from gan_lib.models.generator import NoiseInjection
from gan_lib.run import load_run
from gan_lib.training import TrainConfig, build_generator, load_checkpoint, train


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A 2-step run of tiny networks on 32 px images (seconds), without a weight average."""
    return train_tiny_run(tmp_path_factory.mktemp("runs") / "tiny", ema_kimg=0.0)


def test_generate_shape_dtype_and_range(trained_run):
    images = generate(trained_run / "checkpoints" / "last.pt", 5, seed=0)
    assert images.shape == (5, 32, 32)
    assert images.dtype == np.float32
    assert images.min() >= -1.0 and images.max() <= 1.0


def test_generate_is_deterministic_for_a_seed(trained_run):
    checkpoint = trained_run / "checkpoints" / "last.pt"
    a, b = generate(checkpoint, 6, seed=3), generate(checkpoint, 6, seed=3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, generate(checkpoint, 6, seed=4))


def test_generate_does_not_depend_on_batch_size(trained_run):
    checkpoint = trained_run / "checkpoints" / "last.pt"
    np.testing.assert_allclose(
        generate(checkpoint, 7, seed=1, batch_size=2), generate(checkpoint, 7, seed=1), atol=1e-6
    )


@pytest.fixture(scope="module")
def noisy_checkpoint(tmp_path_factory):
    """A 2-step tiny run with two noise stages whose scales are then set to 1, so the noise shows in every image."""
    rng = np.random.default_rng(0)
    images = np.clip(rng.normal(0.0, 0.3, (16, 32, 32)), -1, 1).astype(np.float32)
    config = TrainConfig(
        image_size=32,
        generator_width=0.03125,
        critic_width=0.03125,
        mlp_hidden=(16,),
        upsample="nearest",
        noise_stages=2,
        batch_size=8,
        steps=2,
        checkpoint_every=2,
        sample_every=2,
        log_every=1,
        sample_count=4,
        num_threads=1,
        precision="fp32",
        memory_format="contiguous",
        device="cpu",
    )
    folder = tmp_path_factory.mktemp("runs") / "noisy"
    train(config, images, folder, progress=False)
    path = folder / "checkpoints" / "last.pt"
    state = torch.load(path, weights_only=True)
    scales = [
        f"{name}.weight"
        for name, module in build_generator(state).named_modules()
        if isinstance(module, NoiseInjection)
    ]
    assert len(scales) == 2
    for name in scales:
        state["generator"][name] = torch.ones_like(state["generator"][name])
    torch.save(state, path)
    return path


def test_generate_with_noise_inputs_is_reproducible_for_a_seed_and_any_batch_size(noisy_checkpoint):
    a = generate(noisy_checkpoint, 6, seed=3)
    np.testing.assert_array_equal(a, generate(noisy_checkpoint, 6, seed=3))
    np.testing.assert_allclose(a, generate(noisy_checkpoint, 6, seed=3, batch_size=4), atol=1e-6)
    assert not np.allclose(a, generate(noisy_checkpoint, 6, seed=4))


def test_generate_with_noise_inputs_draws_the_noise_after_the_latents(noisy_checkpoint):
    # Same seed, same latents: the images differ from the generator's output under other noise, so noise is used.
    model = build_generator(load_checkpoint(noisy_checkpoint))
    rng = torch.Generator().manual_seed(3)
    z = torch.randn(6, model.latent_dim, generator=rng)
    with torch.no_grad():
        expected = model(z, model.draw_noise(6, generator=rng))[:, 0].numpy()
        other = model(z, model.draw_noise(6, generator=torch.Generator().manual_seed(99)))[:, 0].numpy()
    np.testing.assert_allclose(generate(noisy_checkpoint, 6, seed=3), expected, atol=1e-6)
    assert not np.allclose(expected, other)


def test_generate_rejects_missing_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        generate(tmp_path / "nope.pt", 2)


def test_generate_rejects_non_positive_n(trained_run):
    with pytest.raises(ValueError, match="n must be a positive integer"):
        generate(trained_run / "checkpoints" / "last.pt", 0)


def test_generate_cli_writes_pngs(trained_run, tmp_path):
    assert (
        main(["--checkpoint", str(trained_run / "checkpoints" / "last.pt"), "--n", "3", "--out", str(tmp_path / "png")])
        == 0
    )
    files = sorted((tmp_path / "png").glob("sample_*.png"))
    assert len(files) == 3
    assert np.asarray(Image.open(files[0])).dtype == np.uint8


def test_generate_cli_writes_npy(trained_run, tmp_path):
    main(
        [
            "--checkpoint",
            str(trained_run / "checkpoints" / "last.pt"),
            "--n",
            "4",
            "--seed",
            "2",
            "--out",
            str(tmp_path / "g.npy"),
        ]
    )
    np.testing.assert_array_equal(
        np.load(tmp_path / "g.npy"), generate(trained_run / "checkpoints" / "last.pt", 4, seed=2)
    )


def test_load_run_exposes_configs_log_and_samples(trained_run):
    run = load_run(trained_run)
    assert run.train_config.image_size == 32 and run.train_config.mlp_hidden == (16,)
    assert run.data_config is None
    assert run.log()["step"].tolist() == [1, 2]
    assert [p.name for p in run.samples] == ["step_000002.png"]
    assert run.generate(3, seed=0).shape == (3, 32, 32)


def test_load_run_dataset_refuses_a_run_without_data_config(trained_run):
    with pytest.raises(ValueError, match="no data config"):
        load_run(trained_run).dataset()


def test_load_run_rejects_folder_without_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a trained run"):
        load_run(tmp_path)


def test_cached_generate_reuses_its_samples_until_the_checkpoint_changes(tmp_path, monkeypatch):
    import os

    import gan_lib.generate as module

    calls = []

    def fake_generate(checkpoint, n, *, seed=0, labels=None):
        calls.append((n, seed, labels))
        return np.full((n, 4, 4), seed / 10, np.float32)

    monkeypatch.setattr(module, "generate", fake_generate)
    checkpoint = tmp_path / "last.pt"
    checkpoint.write_bytes(b"weights")
    first = module.cached_generate(checkpoint, 3, seed=1, labels=1, cache=tmp_path / "pool")
    again = module.cached_generate(checkpoint, 3, seed=1, labels=1, cache=tmp_path / "pool")
    np.testing.assert_array_equal(first, again)
    assert calls == [(3, 1, 1)] and (tmp_path / "pool.npy").is_file() and (tmp_path / "pool.json").is_file()
    module.cached_generate(checkpoint, 3, seed=2, labels=1, cache=tmp_path / "pool")  # another seed: new samples
    stat = checkpoint.stat()
    os.utime(checkpoint, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # a resumed run rewrites last.pt
    module.cached_generate(checkpoint, 3, seed=2, labels=1, cache=tmp_path / "pool")
    assert len(calls) == 3


def test_cached_generate_names_a_missing_checkpoint(tmp_path):
    from gan_lib.generate import cached_generate

    with pytest.raises(FileNotFoundError, match="no checkpoint .*last.pt; train the generator first"):
        cached_generate(tmp_path / "last.pt", 2, cache=tmp_path / "x")


def _pixels(folder, pattern="sample_*.png"):
    return {p.name: np.asarray(Image.open(p)) for p in sorted(folder.glob(pattern))}


def test_generate_cli_seeds_regenerate_exactly_the_same_images(trained_run, tmp_path):
    checkpoint = str(trained_run / "checkpoints" / "last.pt")
    main(["--checkpoint", checkpoint, "--seeds", "0-9", "--format", "png16", "--out", str(tmp_path / "all")])
    main(["--checkpoint", checkpoint, "--seeds", "3-5", "--format", "png16", "--out", str(tmp_path / "some")])
    everything, some = _pixels(tmp_path / "all"), _pixels(tmp_path / "some")
    assert list(some) == ["sample_00003.png", "sample_00004.png", "sample_00005.png"]
    for name, pixels in some.items():
        assert pixels.dtype == np.uint16
        np.testing.assert_array_equal(pixels, everything[name])
    assert not np.array_equal(everything["sample_00003.png"], everything["sample_00004.png"])


def test_generate_seeds_is_exact_whatever_the_other_seeds(trained_run):
    from gan_lib.generate import generate_seeds

    checkpoint = trained_run / "checkpoints" / "last.pt"
    np.testing.assert_array_equal(generate_seeds(checkpoint, [4, 17]), generate_seeds(checkpoint, range(18))[[4, 17]])


def test_generate_cli_interpolate_writes_frames_and_a_gif(trained_run, tmp_path):
    from gan_lib.generate import generate_seeds

    checkpoint = str(trained_run / "checkpoints" / "last.pt")
    main(["--checkpoint", checkpoint, "--interpolate", "2", "9", "--frames", "5", "--out", str(tmp_path)])
    frames = _pixels(tmp_path, "frame_*.png")
    assert len(frames) == 5
    ends = (generate_seeds(checkpoint, [2, 9]) + 1) * 127.5
    np.testing.assert_allclose(frames["frame_00000.png"], ends[0], atol=0.51)
    np.testing.assert_allclose(frames["frame_00004.png"], ends[1], atol=0.51)
    with Image.open(tmp_path / "walk.gif") as gif:
        assert gif.n_frames == 5


def test_generate_cli_writes_synthetic_dicoms(trained_run, tmp_path):
    import pydicom

    main(
        [
            "--checkpoint",
            str(trained_run / "checkpoints" / "last.pt"),
            "--seeds",
            "0-1",
            "--format",
            "dicom",
            "--out",
            str(tmp_path),
        ]
    )
    files = sorted(tmp_path.glob("*.dcm"))
    assert len(files) == 2 and all(pydicom.dcmread(f).ConversionType == "SYN" for f in files)
    assert "last.pt" in pydicom.dcmread(files[0]).DerivationDescription


def test_generate_cli_refuses_two_kinds_of_request(trained_run, tmp_path):
    with pytest.raises(SystemExit):
        main(
            [
                "--checkpoint",
                str(trained_run / "checkpoints" / "last.pt"),
                "--n",
                "2",
                "--seeds",
                "0-1",
                "--out",
                str(tmp_path),
            ]
        )


def test_generate_cli_reads_a_runs_best_or_last_checkpoint(tmp_path, capsys):
    from gan_lib.config import run_dir, run_paths

    train_tiny_run(run_dir("cli-best"), ema_kimg=0.0, eval_every=1, eval_count=8, tensorboard="off")
    main(["--run", "cli-best", "--checkpoint", "best", "--n", "2", "--out", str(tmp_path / "b.npy")])
    assert "checkpoint: best" in capsys.readouterr().out
    np.testing.assert_array_equal(np.load(tmp_path / "b.npy"), generate(run_paths("cli-best").best_checkpoint, 2))
