"""Bookkeeping of benchmarks/quality_vs_time.py: budgets, cache folders, resume, table, report and plot.

Training runs here are sub-second (32 px, tiny networks, budgets of a fraction
of a second), so these tests check the benchmark's mechanics, not its numbers.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from benchmark_support import benchmark_module

from gan_lib.config import apply_overrides
from gan_lib.evaluation import evaluation_config
from gan_lib.metrics import Estimate
from gan_lib.training import TrainConfig, load_checkpoint, train
from gan_lib.training.recipes import RECIPES

THESIS, PROJECT = "thesis recipe", "project recipe (+ wider 32 px stage, detail channel)"


@pytest.fixture(scope="module")
def qvt():
    """benchmarks/quality_vs_time.py as a module (it imports train_step from its own folder)."""
    yield from benchmark_module("quality_vs_time")


def _images(n: int, seed: int, size: int = 32) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = torch.from_numpy(rng.normal(size=(n, 1, size // 4, size // 4)).astype(np.float32))
    return torch.tanh(torch.nn.functional.interpolate(noise, size=(size, size), mode="bilinear"))[:, 0].numpy()


@pytest.fixture(scope="module")
def tiny():
    """Thesis and project recipes of a 32 px experiment with tiny networks, fixed execution settings (no probe)."""
    thesis = TrainConfig(
        image_size=32,
        generator_width=0.0625,
        critic_width=0.0625,
        mlp_hidden=(16,),
        latent_dim=16,
        batch_size=4,
        n_critic=2,
        precision="fp32",
        memory_format="contiguous",
        num_threads=1,
    )
    config = {THESIS: thesis, PROJECT: apply_overrides(thesis, {**RECIPES["project"], "recipe": "project"})}
    eval_config = evaluation_config(
        "quick",
        {
            "n_generated": 8,
            "max_real": 16,
            "swd_max_images": 8,
            "n_costly_bootstrap": 2,
            "diversity_pairs": 10,
            "n_resamples": 50,
        },
    )
    sets = {"train": _images(16, 0), "heldout": _images(8, 1), "test": _images(8, 2)}
    return config, eval_config, sets


def test_contender_configs_climb_the_ladder_one_change_at_a_time(qvt):
    configs = qvt.contender_configs("quick", seed=3)
    assert list(configs) == list(qvt.CONTENDERS)
    ladder = list(configs.values())
    assert ladder[0].recipe == "thesis" and ladder[-1].recipe == "project" and {c.seed for c in ladder} == {3}
    assert [c.upsample for c in ladder] == ["convtranspose"] + ["nearest"] * 11
    assert [c.padding_mode for c in ladder] == ["zeros"] * 2 + ["reflect"] * 10
    assert [bool(c.diffaugment) for c in ladder] == [False] * 3 + [True] * 9
    assert [c.ema_kimg > 0 for c in ladder] == [False] * 4 + [True] * 8
    assert [c.n_critic for c in ladder] == [5] * 5 + [2] * 7
    assert [c.bilinear_stages for c in ladder] == [0] * 6 + [2] * 6
    assert [c.penalty_norm for c in ladder] == ["pixel"] * 7 + ["laplacian_stack"] * 5
    assert [c.noise_stages for c in ladder] == [0] * 8 + [2] * 4
    assert [(c.spectral_weight, c.spectral_orientations) for c in ladder] == [(0.0, 1)] * 9 + [(0.3, 4)] * 3
    assert [c.refine_stages for c in ladder] == [0] * 10 + [1] * 2
    assert [(c.generator_min_channels, c.detail_scale) for c in ladder] == [(0, 0.0)] * 11 + [(32, 1.0)]
    assert list(qvt.contender_configs("quick", ["project", "thesis"])) == [THESIS, PROJECT]
    with pytest.raises(ValueError, match="unknown"):
        qvt.contender_configs("quick", ["naive"])


def test_budget_marks_sorts_ascending(qvt):
    assert qvt.budget_marks([20, 5, 10.5]) == (5.0, 10.5, 20.0)


@pytest.mark.parametrize("bad", [[], [0], [-1, 5], [math.inf], [5, 5]])
def test_budget_marks_rejects_bad_budgets(qvt, bad):
    with pytest.raises(ValueError, match="budget"):
        qvt.budget_marks(bad)


def test_benchmark_folder_depends_on_budgets_and_settings(qvt, tmp_path):
    settings = {"train": {"seed": 0}}
    base = qvt.benchmark_folder(tmp_path, marks=(0.5, 1.0), settings=settings)
    assert base == qvt.benchmark_folder(tmp_path, marks=(0.5, 1.0), settings={"train": {"seed": 0}})
    assert base != qvt.benchmark_folder(tmp_path, marks=(5.0, 10.0), settings=settings)
    assert base != qvt.benchmark_folder(tmp_path, marks=(0.5, 1.0), settings={"train": {"seed": 1}})
    assert base.name.startswith("budgets-0.5min-1min_")


def test_reference_sets_caps_sizes_like_the_evaluation(qvt):
    config = evaluation_config("quick", {"n_generated": 4, "max_real": 6})
    out = qvt.reference_sets({"train": _images(10, 0), "heldout": _images(3, 1), "test": _images(9, 2)}, config)
    assert {k: len(v) for k, v in out.items()} == {"train": 6, "heldout": 3, "test": 4}


def test_reference_sets_names_missing_split(qvt):
    with pytest.raises(ValueError, match="heldout"):
        qvt.reference_sets({"train": _images(4, 0), "test": _images(4, 1)}, evaluation_config("quick"))


MARKS = (0.01, 0.02)  # minutes: 0.6 s and 1.2 s of training per trainer


@pytest.fixture(scope="module")
def finished(qvt, tiny, tmp_path_factory):
    """A completed two-mark benchmark folder and its records (copied by tests that modify it)."""
    config, eval_config, sets = tiny
    folder = tmp_path_factory.mktemp("finished")
    records, floors = qvt.run_benchmark(
        config, sets, marks=MARKS, eval_config=eval_config, folder=folder, progress=False
    )
    return folder, records, floors


def _copy(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / "copy"))


@pytest.mark.slow
def test_run_benchmark_trains_every_contender_to_each_mark(qvt, tiny, finished):
    configs, eval_config, _ = tiny
    folder, records, floors = finished
    assert [(r["trainer"], r["budget_min"]) for r in records] == [
        (THESIS, MARKS[0]),
        (PROJECT, MARKS[0]),
        (THESIS, MARKS[1]),
        (PROJECT, MARKS[1]),
    ]
    assert [r["recipe"] for r in records[:2]] == ["thesis (n_critic=2)", "project"]  # the tiny thesis: 2 critic updates
    for record in records:
        config = configs[record["trainer"]]
        assert record["train_min"] >= record["budget_min"]
        assert record["images_seen"] == record["generator_steps"] * config.n_critic * config.batch_size
        assert record["metrics"]["swd"].n == eval_config.n_generated
    assert "generator_ema" in torch.load(folder / "project" / f"{MARKS[1]:g}min.pt", weights_only=True)
    for name in configs:
        first, second = (r for r in records if r["trainer"] == name)
        assert second["generator_steps"] > first["generator_steps"] >= 1
    assert set(floors) == {"heldout", "test", "train"} and "swd" not in floors["train"]


@pytest.mark.slow
def test_run_benchmark_reuses_finished_marks(qvt, tiny, finished, tmp_path):
    config, eval_config, sets = tiny
    folder = _copy(finished[0], tmp_path)
    stamps = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    again, _ = qvt.run_benchmark(config, sets, marks=MARKS, eval_config=eval_config, folder=folder, progress=False)
    assert again == finished[1]
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()} == stamps


@pytest.mark.slow
def test_run_benchmark_continues_from_last_checkpoint(qvt, tiny, finished, tmp_path):
    config, eval_config, sets = tiny
    folder = _copy(finished[0], tmp_path)
    for slug in ("thesis", "project"):  # as if interrupted while training towards the second mark
        (folder / slug / f"{MARKS[1]:g}min.pt").unlink()
        (folder / slug / f"{MARKS[1]:g}min.json").unlink()
    resumed, _ = qvt.run_benchmark(config, sets, marks=MARKS, eval_config=eval_config, folder=folder, progress=False)
    assert resumed[:2] == finished[1][:2]
    for record in resumed[2:]:
        earlier = next(r for r in resumed[:2] if r["trainer"] == record["trainer"])
        assert record["train_min"] >= MARKS[1] and record["generator_steps"] > earlier["generator_steps"]


@pytest.mark.slow
def test_run_benchmark_evaluates_a_checkpoint_without_result(qvt, tiny, finished, tmp_path):
    config, eval_config, sets = tiny
    folder = _copy(finished[0], tmp_path)
    (folder / "project" / f"{MARKS[1]:g}min.json").unlink()  # interrupted during evaluation
    again, _ = qvt.run_benchmark(config, sets, marks=MARKS, eval_config=eval_config, folder=folder, progress=False)

    def strip(record):
        return {k: v for k, v in record.items() if k != "eval_seconds"}

    assert strip(again[3]) == strip(finished[1][3])


def _estimate(value: float, n: int = 8, n_reference: int | None = 16) -> Estimate:
    return Estimate(value, value - 1, value + 1, n, n_reference, "test", "")


def _fake_results(qvt):
    records = [
        {
            "trainer": name,
            "recipe": name.split()[0],
            "budget_min": mark,
            "train_min": mark + 0.01,
            "cpu_min": 2 * mark,
            "generator_steps": steps,
            "images_seen": steps * 40,
            "threads": 2,
            "precision": "fp32",
            "memory_format": "contiguous",
            "load_avg_1min": 1.0,
            "metrics": {
                "swd": _estimate(50 - steps / 10),
                "diversity": _estimate(0.2, n_reference=None),
                "c2st": _estimate(1.0 - steps / 100),
                "statistics_reader": _estimate(0.9),
            },
        }
        for name, factor in ((PROJECT, 3), (THESIS, 1))
        for mark, steps in ((0.5, 10 * factor), (1.0, 20 * factor))
    ]
    floors = {
        "heldout": {"swd": _estimate(40), "diversity": _estimate(0.1, n_reference=None)},
        "test": {"swd": _estimate(45), "diversity": _estimate(0.12, n_reference=None)},
        "train": {"diversity": _estimate(0.11, n_reference=None)},
    }
    return records, floors


def test_results_table_orders_contenders_then_floors(qvt):
    table = qvt.results_table(*_fake_results(qvt))
    assert list(table.columns) == qvt.TABLE_COLUMNS
    assert list(table["trainer"]) == [THESIS] * 2 + [PROJECT] * 2 + list(qvt.FLOORS.values())
    assert list(table["budget_min"].iloc[:4]) == [0.5, 1.0, 0.5, 1.0]
    floors = table.iloc[4:]
    assert floors["budget_min"].isna().all() and floors["generator_steps"].isna().all()
    assert math.isnan(floors["swd"].iloc[2]) and table["generator_steps"].dtype == "Int64"
    assert table["swd_ci_low"].iloc[0] == table["swd"].iloc[0] - 1
    assert table["c2st"].iloc[2] == pytest.approx(0.7)


def test_time_to_quality_finds_the_first_mark_meeting_both_targets(qvt):
    records, floors = _fake_results(qvt)
    floors["heldout"]["swd"] = _estimate(32.0)  # target SWD <= 48
    reach = qvt.time_to_quality(qvt.results_table(records, floors)).set_index("trainer")
    # thesis: (SWD, C2ST) = (49, 0.9) at 0.5 min, (48, 0.8) at 1 min; project: (47, 0.7) at 0.5 min
    assert reach.loc[THESIS, "budget_min"] == 1.0 and reach.loc[PROJECT, "budget_min"] == 0.5
    assert reach.loc[PROJECT, "ratio_to_thesis"] == pytest.approx(1.01 / 0.51)
    floors["heldout"]["swd"] = _estimate(31.0)  # target 46.5: the thesis never, the project at 1 min
    reach = qvt.time_to_quality(qvt.results_table(records, floors)).set_index("trainer")
    assert math.isnan(reach.loc[THESIS, "minutes"]) and reach.loc[THESIS, "last_budget_min"] == 1.0
    assert reach.loc[PROJECT, "budget_min"] == 1.0 and math.isnan(reach.loc[PROJECT, "ratio_to_thesis"])


def _environment():
    return {
        "train_profile": "quick",
        "train": dataclasses.asdict(TrainConfig()),
        "evaluation": dataclasses.asdict(evaluation_config("quick")),
        "cpu": "Test CPU",
        "cpu_count": 2,
        "capability": "AVX2",
        "torch": "2.x",
        "python": "3.11",
        "set_sizes": {"train": 32},
        "hardware": {
            PROJECT: {
                "precision": "fp32",
                "memory_format": "channels_last",
                "num_threads": 1,
                "reasons": ["num_threads: 1 (measured)"],
            }
        },
    }


def test_markdown_report_shows_intervals_sizes_and_hardware(qvt):
    table = qvt.results_table(*_fake_results(qvt))
    report = qvt.markdown_report(table, _environment())
    assert (
        "| thesis recipe | 0.5 | 0.51 | 10 | 49 [48, 50] | 0.2 [-0.8, 1.2] | 0.9 [-0.1, 1.9] | 0.9 [-0.1, 1.9] |"
        in report
    )
    assert "| real: train (within set) | — | — | — | — | 0.11 [-0.89, 1.11] | — | — |" in report
    assert f"| {PROJECT} | 0.5 | 0.51 | 47 | 0.70 | 2x |" in report
    assert "8 images per set vs 16 training images (train: 32)" in report
    assert "load average at the marks 1.0-1.0" in report
    assert "Test CPU" in report and "fp32, channels_last, 1 thread(s)" in report


def test_plot_quality_draws_trainers_and_floors(qvt):
    fig = qvt.plot_quality(qvt.results_table(*_fake_results(qvt)))
    labels = {text.get_text() for legend in fig.legends for text in legend.get_texts()}
    assert {THESIS, PROJECT} | set(qvt.FLOORS.values()) <= labels
    assert len(fig.axes) == 6  # SWD, diversity, three readers, blur-equivalent sigma


def test_contender_trains_exactly_what_train_trains_and_resumes_from_its_checkpoint(qvt, tiny, tmp_path):
    configs, _, sets = tiny
    config = dataclasses.replace(configs[PROJECT], steps=3, log_every=3, sample_every=3, checkpoint_every=3)
    trained = load_checkpoint(train(config, sets["train"], tmp_path / "run", progress=False).checkpoint)
    contender = qvt.Contender(PROJECT, config, sets["train"])
    contender.train_until(contender.train_seconds + 1e-9, progress=False)  # one step per call
    resumed = qvt.Contender(PROJECT, config, sets["train"], checkpoint=contender.checkpoint())
    while resumed.steps < 3:
        resumed.train_until(resumed.train_seconds + 1e-9, progress=False)
    ours = resumed.checkpoint()
    assert ours["step"] == 3 and ours["benchmark"]["trainer"] == PROJECT
    for key in ("generator", "generator_ema", "critic"):
        for name, tensor in trained[key].items():
            torch.testing.assert_close(ours[key][name], tensor, rtol=0, atol=0, msg=f"{key}.{name}")
